"""Config is read once from the environment; bad values are one clear line."""

import locale
import ssl
import subprocess
import sys
from pathlib import Path

import pytest

from api.config import Config, ConfigError, _in_container

BACK = Path(__file__).resolve().parents[2] / "back"


def test_defaults_match_the_lessons_database_container():
    config = Config.from_env({"RUNNING_IN_CONTAINER": "0"})
    assert (config.mysql_host, config.mysql_port) == ("localhost", 3306)
    assert (config.mysql_user, config.mysql_password) == ("user", "mysql")
    assert config.mysql_database == "images"
    assert config.port == 3000
    # The page's origins in the course's lessons: 01-06 publishes it on 8888, 01-07 on 8080.
    assert config.cors_origins == ("http://localhost:8080", "http://localhost:8888")
    assert config.mysql_tls is None
    assert config.notes == ()


def test_environment_overrides():
    config = Config.from_env(
        {
            "MYSQL_HOST": "k8scourse-db",
            "MYSQL_PORT": "3307",
            "MYSQL_USER": "app",
            "MYSQL_PASSWORD": "s3cret",
            "MYSQL_DATABASE": "pics",
            "PORT": "8000",
            "CORS_ORIGINS": "http://a.example, https://b.example/ ,",
        }
    )
    assert config.db_address == "k8scourse-db:3307/pics"
    assert (config.mysql_user, config.mysql_password, config.port) == ("app", "s3cret", 8000)
    assert config.cors_origins == ("http://a.example", "https://b.example")


def test_password_file_wins_and_loses_its_trailing_newline(tmp_path):
    secret = tmp_path / "password"
    secret.write_text("from-file\n")
    env = {"MYSQL_PASSWORD": "from-env", "MYSQL_PASSWORD_FILE": str(secret)}
    assert Config.from_env(env).mysql_password == "from-file"


@pytest.mark.parametrize(
    ("content", "password"), [("s3cret \t\r\n", "s3cret \t"), ("s3cretX\n", "s3cretX")]
)
def test_password_file_loses_only_its_line_ending(tmp_path, content, password):
    secret = tmp_path / "password"
    secret.write_bytes(content.encode())
    assert Config.from_env({"MYSQL_PASSWORD_FILE": str(secret)}).mysql_password == password


def test_password_file_is_utf8_whatever_the_locale(tmp_path):
    secret = tmp_path / "password"
    secret.write_text("pässwörd\n", encoding="utf-8")
    before = locale.setlocale(locale.LC_CTYPE)
    locale.setlocale(locale.LC_CTYPE, "C")  # ASCII, where Python is not in UTF-8 mode
    try:
        password = Config.from_env({"MYSQL_PASSWORD_FILE": str(secret)}).mysql_password
    finally:
        locale.setlocale(locale.LC_CTYPE, before)
    assert password == "pässwörd"


def test_from_env_reads_the_process_environment(monkeypatch):
    monkeypatch.setenv("MYSQL_HOST", "db-from-the-environment")
    assert Config.from_env().mysql_host == "db-from-the-environment"


def test_an_origin_loses_its_trailing_slash_and_nothing_else():
    origins = Config.from_env({"CORS_ORIGINS": "http://APP.X/,http://localhost:8080"}).cors_origins
    assert origins == ("http://APP.X", "http://localhost:8080")


def test_password_never_in_repr():
    shown = repr(Config.from_env({"MYSQL_PASSWORD": "hunter2", "MYSQL_HOST": "k8scourse-db"}))
    assert "hunter2" not in shown
    assert "mysql_host='k8scourse-db'" in shown  # the repr is there, the rest of it shown


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"MYSQL_PORT": "abc"}, "MYSQL_PORT must be a whole number, got 'abc'"),
        ({"PORT": "70000"}, "PORT must be between 1 and 65535, got 70000"),
        ({"PORT": "0"}, "PORT must be between 1 and 65535, got 0"),
        ({"MYSQL_PORT": "65536"}, "MYSQL_PORT must be between 1 and 65535, got 65536"),
        ({"MYSQL_SSL": "maybe"}, "MYSQL_SSL must be"),
        ({"MYSQL_PASSWORD_FILE": "/nonexistent/pw"}, "MYSQL_PASSWORD_FILE '/nonexistent/pw'"),
    ],
)
def test_bad_values_are_named(env, message):
    with pytest.raises(ConfigError, match=message.replace("(", r"\(")):
        Config.from_env(env)


@pytest.mark.parametrize("port", ["1", "65535"])
def test_the_lowest_and_highest_ports_are_accepted(port):
    config = Config.from_env({"PORT": port, "MYSQL_PORT": port})
    assert config.port == config.mysql_port == int(port)


def test_tls_is_off_unless_asked_and_then_one_shared_context():
    assert Config.from_env({"MYSQL_SSL": "0"}).mysql_tls is None
    context = Config.from_env({"MYSQL_SSL": "true"}).mysql_tls
    assert isinstance(context, ssl.SSLContext)
    assert context.verify_mode == ssl.CERT_NONE  # no CA given: encrypted, not verified


def test_tls_with_a_ca_verifies(tmp_path):
    with pytest.raises(ConfigError, match="MYSQL_SSL_CA"):
        Config.from_env({"MYSQL_SSL": "1", "MYSQL_SSL_CA": str(tmp_path / "missing.pem")})


@pytest.mark.parametrize(
    ("value", "expected"),
    [("1", True), ("0", False)]
    + [(word, True) for word in ("true", "yes", "on", "TRUE", "Yes", " ON ")]
    + [(word, False) for word in ("false", "no", "off", "FALSE", "No", " OFF ")],
)
def test_container_detection_can_be_overridden(value, expected):
    assert Config.from_env({"RUNNING_IN_CONTAINER": value}).in_container is expected


@pytest.mark.parametrize(
    ("env", "line"),
    [
        ({"MYSQL_PORT": "abc"}, "MYSQL_PORT must be a whole number, got 'abc'"),
        (
            {"MYSQL_PASS": "root", "MYSQL_PASSWORD": "mysql"},
            "MYSQL_PASS and MYSQL_PASSWORD are both set and differ: set only MYSQL_PASSWORD",
        ),
        (
            {"MYSQL_DB": "gifs", "MYSQL_DATABASE": "images"},
            "MYSQL_DB and MYSQL_DATABASE are both set and differ: set only MYSQL_DATABASE",
        ),
    ],
)
def test_gunicorn_refuses_a_bad_setting_with_one_line(env, line):
    result = subprocess.run(
        [sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py"],
        cwd=BACK,
        env=env | {"PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert result.returncode != 0
    assert result.stderr.splitlines() == [f"Configuration error: {line}"]
    assert result.stdout == ""


# The course's back end reads MYSQL_PASS and MYSQL_DB (its back-config.js): the same settings.
@pytest.mark.parametrize(
    ("env", "password", "database"),
    [
        ({"MYSQL_PASS": "root"}, "root", "images"),
        ({"MYSQL_DB": "gifs"}, "mysql", "gifs"),
        ({"MYSQL_PASS": "root", "MYSQL_DB": "gifs"}, "root", "gifs"),
        ({"MYSQL_PASS": "root", "MYSQL_PASSWORD": "root"}, "root", "images"),
        ({"MYSQL_DB": "gifs", "MYSQL_DATABASE": "gifs"}, "mysql", "gifs"),
        ({"MYSQL_PASS": ""}, "", "images"),  # an empty password, as MYSQL_PASSWORD=""
        ({"MYSQL_DB": ""}, "mysql", "images"),  # blank: the default, as MYSQL_DATABASE=""
    ],
)
def test_the_courses_names_mean_the_same(env, password, database):
    config = Config.from_env(env)
    assert (config.mysql_password, config.mysql_database) == (password, database)
    assert config.notes == ()


def test_a_password_file_wins_over_the_courses_name_too(tmp_path):
    secret = tmp_path / "password"
    secret.write_text("from-file\n")
    env = {"MYSQL_PASS": "from-env", "MYSQL_PASSWORD_FILE": str(secret)}
    assert Config.from_env(env).mysql_password == "from-file"


@pytest.mark.parametrize(
    ("env", "message"),
    [
        (
            {"MYSQL_PASS": "root", "MYSQL_PASSWORD": "mysql"},
            "MYSQL_PASS and MYSQL_PASSWORD are both set and differ: set only MYSQL_PASSWORD",
        ),
        (
            {"MYSQL_PASS": "", "MYSQL_PASSWORD": "mysql"},
            "MYSQL_PASS and MYSQL_PASSWORD are both set and differ: set only MYSQL_PASSWORD",
        ),
        (
            {"MYSQL_DB": "gifs", "MYSQL_DATABASE": "images"},
            "MYSQL_DB and MYSQL_DATABASE are both set and differ: set only MYSQL_DATABASE",
        ),
    ],
)
def test_the_courses_name_and_ours_set_differently_are_refused(env, message):
    with pytest.raises(ConfigError) as refused:
        Config.from_env(env)
    assert str(refused.value) == message


def test_the_gif_settings(tmp_path):
    secret = tmp_path / "giphy"
    secret.write_text("from-file\n")
    config = Config.from_env(
        {"IMAGE_PATH": "gifs", "GIPHY_FILE": str(secret), "GIF_CAPTION_SVC": "gifcap:4000"}
    )
    assert config.image_path == Path.cwd() / "gifs"  # a relative path, from where it runs
    assert (config.giphy_key, config.caption_service) == ("from-file", "gifcap:4000")
    assert "from-file" not in repr(config)
    blank = Config.from_env({"IMAGE_PATH": " ", "GIPHY": " key \n"})
    assert (blank.image_path, blank.giphy_key) == (Path("/tmp/gifs"), "key")
    unset = Config.from_env({})
    assert (unset.image_path, unset.giphy_key) == (Path("/tmp/gifs"), "")  # Linux's /tmp


@pytest.mark.parametrize(
    ("value", "service"),
    [
        ("microgifcap", "microgifcap:80"),  # the course's 02-13: a Service's port 80
        ("gifcap:4000", "gifcap:4000"),
        (" http://gifcap:4000/ ", "gifcap:4000"),
        ("[::1]:4000", "[::1]:4000"),
        ("gifcap:1", "gifcap:1"),
        ("gifcap:65535", "gifcap:65535"),
        ("", None),
    ],
)
def test_the_captioning_service_is_host_and_port(value, service):
    assert Config.from_env({"GIF_CAPTION_SVC": value}).caption_service == service


@pytest.mark.parametrize(
    "value", ["gifcap:65536", "gifcap:0", "gifcap:abc", "gif cap", "a@gifcap", "h/x", ":80"]
)
def test_a_captioning_service_that_is_not_host_and_port_is_refused(value):
    with pytest.raises(ConfigError, match="GIF_CAPTION_SVC must be host or host:port"):
        Config.from_env({"GIF_CAPTION_SVC": value})


def test_a_missing_font_is_noted_where_captions_are_drawn():
    env = {"CAPTION_FONT": "/nonexistent/font.ttf"}
    assert Config.from_env(env).caption_font == "/nonexistent/font.ttf"
    assert Config.from_env(env).notes == (
        "CAPTION_FONT /nonexistent/font.ttf is not a file: captions are drawn in Pillow's own "
        "font, which has basic Latin letters only (A to Z)",
    )
    assert Config.from_env(env | {"GIF_CAPTION_SVC": "gifcap:4000"}).notes == ()


def test_a_kubernetes_pod_counts_as_a_container(tmp_path):
    no_markers = [str(tmp_path / "absent")]
    assert _in_container({}, markers=no_markers) is False
    assert _in_container({"KUBERNETES_SERVICE_HOST": "10.96.0.1"}, markers=no_markers) is True
    (tmp_path / "absent").touch()
    assert _in_container({}, markers=no_markers) is True
