"""Config is read once from the environment; bad values are one clear line."""

import locale
import ssl
import sys
from pathlib import Path

import pytest
from kit import run

from api.config import Config, ConfigError, _in_container

BACK = Path(__file__).resolve().parents[2] / "back"


def test_defaults_match_the_lessons_database_container():
    config = Config.from_env({"RUNNING_IN_CONTAINER": "0", "MYSQL_SSL": "0"})
    assert (config.mysql_host, config.mysql_port) == ("localhost", 3306)
    assert (config.mysql_user, config.mysql_password) == ("user", "mysql")
    assert config.mysql_database == "images"
    assert config.port == 3000
    # The page's origins in the course's lessons: 01-06 publishes it on 8888, 01-07 on 8080.
    assert config.cors_origins == ("http://localhost:8080", "http://localhost:8888")
    assert config.mysql_tls is None  # TLS is off unless asked
    assert config.notes == ()
    assert (config.image_path, config.giphy_key) == (Path("/tmp/gifs"), "")  # Linux's /tmp
    assert config.caption_service is None


def test_environment_overrides(tmp_path, monkeypatch):
    giphy = tmp_path / "giphy"
    giphy.write_text("from-file\n")
    env = {
        "MYSQL_HOST": "k8scourse-db", "MYSQL_PORT": "3307", "MYSQL_USER": "app",
        "MYSQL_PASSWORD": "s3cret", "MYSQL_DATABASE": "pics", "PORT": "8000",
        "CORS_ORIGINS": "http://a.example, https://b.example/ ,http://APP.X/,",
        "IMAGE_PATH": "gifs", "GIPHY_FILE": str(giphy), "MYSQL_SSL": "true",
    }  # fmt: skip
    config = Config.from_env(env)
    assert isinstance(config.mysql_tls, ssl.SSLContext)  # one, shared by every connection
    assert config.mysql_tls.verify_mode == ssl.CERT_NONE  # no CA given: encrypted, unverified
    assert config.db_address == "k8scourse-db:3307/pics"
    assert (config.mysql_user, config.mysql_password, config.port) == ("app", "s3cret", 8000)
    # An origin loses its trailing slash and nothing else.
    assert config.cors_origins == ("http://a.example", "https://b.example", "http://APP.X")
    assert config.image_path == Path.cwd() / "gifs"  # a relative path, from where it runs
    assert config.giphy_key == "from-file"
    shown = repr(config)
    assert "s3cret" not in shown and "from-file" not in shown  # secrets are never printed
    assert "mysql_host='k8scourse-db'" in shown  # the repr is there, the rest of it shown
    blank = Config.from_env({"IMAGE_PATH": " ", "GIPHY": " key \n"})
    assert (blank.image_path, blank.giphy_key) == (Path("/tmp/gifs"), "key")
    for port in (1, 65535):  # the lowest and highest ports
        config = Config.from_env({"PORT": str(port), "MYSQL_PORT": str(port)})
        assert config.port == config.mysql_port == port
    monkeypatch.setenv("MYSQL_HOST", "db-from-the-environment")
    assert Config.from_env().mysql_host == "db-from-the-environment"


@pytest.mark.parametrize(
    ("env", "content", "password"),
    [
        ({"MYSQL_PASSWORD": "from-env"}, "from-file\n", "from-file"),  # the file wins
        ({"MYSQL_PASS": "from-env"}, "from-file\n", "from-file"),  # over the course's name too
        ({}, "s3cret \t\r\n", "s3cret \t"),
        ({}, "s3cretX\n", "s3cretX"),
        ({}, "pässwörd\n", "pässwörd"),  # UTF-8, whatever the locale
    ],
)
def test_password_file_wins_and_loses_only_its_line_ending(tmp_path, env, content, password):
    secret = tmp_path / "password"
    secret.write_bytes(content.encode())
    before = locale.setlocale(locale.LC_CTYPE)
    locale.setlocale(locale.LC_CTYPE, "C")  # ASCII, where Python is not in UTF-8 mode
    try:
        config = Config.from_env(env | {"MYSQL_PASSWORD_FILE": str(secret)})
    finally:
        locale.setlocale(locale.LC_CTYPE, before)
    assert config.mysql_password == password


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"MYSQL_PORT": "abc"}, "MYSQL_PORT must be a whole number, got 'abc'"),
        ({"PORT": "70000"}, "PORT must be between 1 and 65535, got 70000"),
        ({"PORT": "0"}, "PORT must be between 1 and 65535, got 0"),
        ({"MYSQL_PORT": "65536"}, "MYSQL_PORT must be between 1 and 65535, got 65536"),
        ({"MYSQL_SSL": "maybe"}, "MYSQL_SSL must be 1/true/yes/on or 0/false/no/off, got 'maybe'"),
        ({"MYSQL_SSL": "1", "MYSQL_SSL_CA": "/nonexistent/ca.pem"}, "MYSQL_SSL_CA "
         "'/nonexistent/ca.pem' cannot be loaded: [Errno 2] No such file or directory"),
        ({"MYSQL_PASSWORD_FILE": "/nonexistent/pw"},
         "MYSQL_PASSWORD_FILE '/nonexistent/pw' cannot be read: No such file or directory"),
        *[(env, "MYSQL_PASS and MYSQL_PASSWORD are both set and differ: set only MYSQL_PASSWORD")
          for env in ({"MYSQL_PASS": "root", "MYSQL_PASSWORD": "mysql"},
                      {"MYSQL_PASS": "", "MYSQL_PASSWORD": "mysql"})],
        ({"MYSQL_DB": "gifs", "MYSQL_DATABASE": "images"},
         "MYSQL_DB and MYSQL_DATABASE are both set and differ: set only MYSQL_DATABASE"),
        *[({"GIF_CAPTION_SVC": value},
           f"GIF_CAPTION_SVC must be host or host:port, e.g. gifcaptioner:4000, got {value!r}")
          for value in ["gifcap:65536", "gifcap:0", "gifcap:abc", "gif cap", "a@gifcap", "h/x",
                        ":80"]],
    ],
)  # fmt: skip
def test_bad_values_are_named(env, message):
    with pytest.raises(ConfigError) as refused:
        Config.from_env(env)
    assert str(refused.value) == message


def test_gunicorn_refuses_a_bad_setting_with_one_line():
    env = {"MYSQL_PORT": "abc", "PATH": "/usr/bin:/bin"}
    result = run(sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py", cwd=BACK, env=env)
    assert result.returncode != 0
    assert result.stderr.splitlines() == [
        "Configuration error: MYSQL_PORT must be a whole number, got 'abc'"
    ]
    assert result.stdout == ""


@pytest.mark.parametrize(
    ("value", "expected"),
    [("1", True), ("0", False)]
    + [(word, True) for word in ("true", "yes", "on", "TRUE", "Yes", " ON ")]
    + [(word, False) for word in ("false", "no", "off", "FALSE", "No", " OFF ")],
)
def test_container_detection_can_be_overridden(value, expected):
    assert Config.from_env({"RUNNING_IN_CONTAINER": value}).in_container is expected


def test_a_kubernetes_pod_counts_as_a_container(tmp_path):
    no_markers = [str(tmp_path / "absent")]
    assert _in_container({}, markers=no_markers) is False
    assert _in_container({"KUBERNETES_SERVICE_HOST": "10.96.0.1"}, markers=no_markers) is True
    (tmp_path / "absent").touch()
    assert _in_container({}, markers=no_markers) is True


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


@pytest.mark.parametrize(
    ("value", "service"),
    [
        ("microgifcap", "microgifcap:80"),  # the course's 02-13: a Service's port 80
        ("gifcap:4000", "gifcap:4000"),
        (" http://gifcap:4000/ ", "gifcap:4000"),
        ("http://GIFCAPX/", "GIFCAPX:80"),  # only the slash goes
        ("[::1]:4000", "[::1]:4000"),
        ("gifcap:1", "gifcap:1"),
        ("gifcap:65535", "gifcap:65535"),
        ("", None),
    ],
)
def test_the_captioning_service_is_host_and_port(value, service):
    assert Config.from_env({"GIF_CAPTION_SVC": value}).caption_service == service


def test_a_missing_font_is_noted_where_captions_are_drawn():
    env = {"CAPTION_FONT": "/nonexistent/font.ttf"}
    assert Config.from_env(env).caption_font == "/nonexistent/font.ttf"
    assert Config.from_env(env).notes == (
        "CAPTION_FONT /nonexistent/font.ttf is not a file: captions are drawn in Pillow's own "
        "font, which has basic Latin letters only (A to Z)",
    )
    assert Config.from_env(env | {"GIF_CAPTION_SVC": "gifcap:4000"}).notes == ()
