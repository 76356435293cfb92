"""HTTP behaviour that needs no working database: errors, validation, CORS, /livez, a down db."""

import socket
import time

import pymysql
import pytest

from api import create_app
from api.config import Config
from api.health import short_error
from mariadb_server import DB_TIMEOUT, free_port

# The API's reasons, as a client reads them.
BODY_REASON = "The body must be a JSON object with caption and filename."
CAPTION_REASON = "caption must be a string of 1 to 100 characters."
FILENAME_REASON = (
    "filename must be 1 to 255 characters: letters, digits, '.', '_' or '-', "
    "starting with a letter or digit."
)
SURROGATE_REASON = "caption must be Unicode text: it holds an unpaired surrogate."


def error_of(response):
    assert response.is_json, response.data
    body = response.get_json()
    assert set(body) == {"error", "message"}
    return body


def test_errors_are_json_written_like_every_other_answer(offline_client):
    # Flask's own JSON: compact, sorted keys, one final newline, the same for errors. /livez
    # needs no database.
    assert offline_client.get("/livez").data.startswith(b'{"status":"running","timestamp":')
    response = offline_client.get("/nope")
    assert response.status_code == 404 and error_of(response)["error"] == "Not Found"
    assert response.data.startswith(b'{"error":"Not Found","message":')
    assert response.data.endswith(b"}\n")
    response = offline_client.post("/images", data="caption=hi", content_type="text/plain")
    assert response.status_code == 415
    assert error_of(response)["message"] == "Send JSON with Content-Type: application/json."


def test_wrong_method_is_a_json_405_with_allow(offline_client):
    response = offline_client.put("/images")
    assert response.status_code == 405
    assert error_of(response)["error"] == "Method Not Allowed"
    assert {"GET", "POST"} <= set(response.allow)
    assert error_of(offline_client.post("/livez"))["error"] == "Method Not Allowed"  # probes too


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        ("not json", BODY_REASON),
        ([1, 2], BODY_REASON),
        ("[" * 5000 + "]" * 5000, BODY_REASON),  # deeper than the JSON parser's recursion
        ('{"caption": ' + "[" * 5000 + "]" * 5000 + "}", BODY_REASON),
        ({"filename": "a.gif"}, CAPTION_REASON),
        ({"caption": "", "filename": "a.gif"}, CAPTION_REASON),
        ({"caption": "   ", "filename": "a.gif"}, CAPTION_REASON),
        ({"caption": "x" * 101, "filename": "a.gif"}, CAPTION_REASON),
        ({"caption": " " + "x" * 100, "filename": "a.gif"}, CAPTION_REASON),  # 101 as sent
        ({"caption": " \t\n", "filename": "a.gif"}, CAPTION_REASON),
        ({"caption": 5, "filename": "a.gif"}, CAPTION_REASON),
        ({"caption": None, "filename": "a.gif"}, CAPTION_REASON),
        ({"caption": "\u00a0", "filename": "a.gif"}, CAPTION_REASON),  # NBSP is a blank
        ({"caption": "\u001c", "filename": "a.gif"}, CAPTION_REASON),  # so are U+001C-U+001F
        ({"caption": "\U0001f600" * 101, "filename": "a.gif"}, CAPTION_REASON),  # characters
        # A lone surrogate: no UTF-8 for it.
        ('{"caption": "\\ud800", "filename": "a.gif"}', SURROGATE_REASON),
        ('{"caption": "a\\udfffb", "filename": "a.gif"}', SURROGATE_REASON),
        ({"caption": "hi"}, FILENAME_REASON),
        ({"caption": "hi", "filename": ""}, FILENAME_REASON),
        ({"caption": "hi", "filename": "../etc/passwd"}, FILENAME_REASON),
        ({"caption": "hi", "filename": "cats/../../etc/passwd"}, FILENAME_REASON),  # no path
        ({"caption": "hi", "filename": ".hidden"}, FILENAME_REASON),
        ({"caption": "hi", "filename": "a b.gif"}, FILENAME_REASON),
        ({"caption": "hi", "filename": "a.gif\n"}, FILENAME_REASON),
        ({"caption": "hi", "filename": "a" * 256}, FILENAME_REASON),
    ],
)
def test_invalid_images_are_400_with_the_reason(offline_client, body, reason):
    # Validation happens before any database access: the offline db is never reached.
    if isinstance(body, str):
        response = offline_client.post("/images", data=body, content_type="application/json")
    else:
        response = offline_client.post("/images", json=body)
    assert response.status_code == 400
    assert error_of(response)["message"] == reason


def test_16_kib_is_the_limit_to_the_byte(offline_client):
    def body(size):  # valid JSON, padded with spaces to exactly size bytes
        start = b'{"caption": "hi", "filename": "../x"}'
        return start + b" " * (size - len(start))

    for size, status in ((16 * 1024, 400), (16 * 1024 + 1, 413)):  # 400: read, then refused
        response = offline_client.post("/images", data=body(size), content_type="application/json")
        assert response.status_code == status, size
        error_of(response)
    # Chunked, without a length: Werkzeug stops at 16 KiB, so a body that fills them is refused.
    for size, status in ((16 * 1024 - 1, 400), (16 * 1024, 413)):
        response = offline_client.post(
            "/images",
            data=body(size),
            headers={"Content-Type": "application/json", "Transfer-Encoding": "chunked"},
            environ_overrides={"wsgi.input_terminated": True},  # as gunicorn says of chunked
        )
        assert response.status_code == status, size
        error_of(response)


@pytest.mark.parametrize(
    # The last: 11 digits, refused before int() reads it, though its value is 1.
    "query",
    ["limit=0", "limit=201", "limit=abc", "limit=²", "cursor=-1", "cursor=00000000001"],
)
def test_bad_paging_is_400(offline_client, query):
    response = offline_client.get(f"/images?{query}")
    assert response.status_code == 400
    name = query.split("=")[0]
    high = {"limit": 200, "cursor": 2**31 - 1}[name]
    assert error_of(response)["message"] == f"{name} must be a whole number from 1 to {high}."


def test_api_answers_503_json_when_the_database_is_down_and_logs_why(offline_client, caplog):
    for response in (
        offline_client.get("/images"),
        offline_client.get("/images/1"),
        offline_client.post("/images", json={"caption": "hi", "filename": "a.gif"}),
        offline_client.delete("/images/1"),
    ):
        assert response.status_code == 503
        assert error_of(response) == {
            "error": "Service Unavailable",
            "message": "The database is unavailable, try again later.",
        }
    logged = [record.getMessage() for record in caplog.records]
    assert any(m.startswith("database unavailable: (2003, \"Can't connect") for m in logged), logged


def test_a_database_that_never_answers_the_connect_is_503_within_its_2_s(tmp_path):
    # A listener whose accept queue is full: the kernel drops further SYNs, so a connect
    # hangs, as to a host that a firewall drops. PyMySQL's own default would wait 10 s.
    with socket.socket() as full:
        full.bind(("127.0.0.1", 0))
        full.listen(0)
        port = full.getsockname()[1]
        queued = [socket.socket() for _ in range(4)]
        for sock in queued:
            sock.setblocking(False)
            sock.connect_ex(("127.0.0.1", port))
        try:
            client = create_app(Config(mysql_host="127.0.0.1", mysql_port=port)).test_client()
            started = time.monotonic()
            response = client.get("/health")
            elapsed = time.monotonic() - started
        finally:
            for sock in queued:
                sock.close()
    assert response.status_code == 503
    assert "timed out" in response.get_json()["error"]
    assert elapsed < 6, f"{elapsed:.1f} s: the connect waited past its 2 s timeout"


def test_health_is_503_with_host_and_error_when_the_database_is_down(offline_client):
    started = time.monotonic()
    response = offline_client.get("/health")
    elapsed = time.monotonic() - started
    # Nothing listens: the connection is refused at once, twice (a fast failure is tried
    # again). 2 s or more is api/db.py's 2 s connect timeout at work instead.
    assert elapsed < DB_TIMEOUT, f"503 after {elapsed:.1f} s: it waited on a timeout"
    assert response.status_code == 503
    body = response.get_json()
    assert body["db"] is False
    assert body["mysql_host"] == "127.0.0.1"
    assert "Can't connect" in body["error"]
    assert "hint" not in body  # not in a container
    assert offline_client.get("/readyz").status_code == 503


@pytest.mark.parametrize(
    ("host", "said"),
    [
        ("localhost", ["Inside a container, localhost is", "MYSQL_HOST", "same", "network"]),
        # Two containers on different Docker networks: neither resolves the other's name.
        ("no-such-db.invalid", ["MYSQL_HOST=no-such-db.invalid does not resolve",
                                "--network <network>", "-e MYSQL_HOST=<db container name>"]),
        ("127.0.0.2", None),  # a container's name or address: nothing to say
    ],
)  # fmt: skip
def test_health_hints_name_the_usual_mistakes_in_a_container(host, said):
    config = Config(mysql_host=host, mysql_port=free_port(), in_container=True)
    response = create_app(config).test_client().get("/health")
    body = response.get_json()
    assert (response.status_code, body["db"], body["mysql_host"]) == (503, False, host)
    if said is None:
        assert "hint" not in body
    else:
        assert body["hint"].startswith(said[0]), body["hint"]
        assert all(words in body["hint"] for words in said[1:]), body["hint"]


def test_health_error_is_short_and_masks_the_password():
    exc = pymysql.err.OperationalError(1045, "Access denied, tried hunter2 " + "x" * 500)
    message = short_error(exc, "hunter2")
    assert "hunter2" not in message
    assert "Access denied, tried ***" in message
    assert len(message) <= 200
    assert short_error(pymysql.err.InterfaceError(), "hunter2") == "InterfaceError"  # no text


CORS = {"Origin": "http://localhost:8080"}


@pytest.mark.parametrize(
    ("origin", "allowed"),
    [
        ("http://localhost:8080", True),  # the course's page from lesson 01-07 on
        ("http://localhost:8888", True),  # the course's page in lesson 01-06
        *[(origin, False) for origin in ("http://localhost:8081", "http://127.0.0.1:8888",
          "https://localhost:8888", "http://localhost:88880", "http://localhost:8888.evil.example",
          "null", "*")],
    ],
)  # fmt: skip
def test_cors_default_allows_the_courses_page_origins_only(origin, allowed):
    config = Config.from_env({"MYSQL_HOST": "127.0.0.1", "MYSQL_PORT": str(free_port())})
    client = create_app(config).test_client()
    preflight = client.options(
        "/images", headers={"Origin": origin, "Access-Control-Request-Method": "POST"}
    )
    for response in (client.get("/livez", headers={"Origin": origin}), preflight):
        assert response.headers.get("Access-Control-Allow-Origin") == (origin if allowed else None)
        assert "Origin" in response.vary


@pytest.mark.parametrize(("path", "method"), [("/images", "POST"), ("/health", "GET")])
def test_cors_preflight(offline_client, path, method):
    response = offline_client.options(
        path, headers=CORS | {"Access-Control-Request-Method": method}
    )
    assert response.status_code == 200
    assert response.headers["Access-Control-Allow-Origin"] == "http://localhost:8080"
    assert "POST" in response.headers["Access-Control-Allow-Methods"]
    assert "Content-Type" in response.headers["Access-Control-Allow-Headers"]


def test_cors_origins_come_from_config():
    config = Config(mysql_port=free_port(), cors_origins=("https://front.example",))
    client = create_app(config).test_client()
    response = client.get("/livez", headers={"Origin": "https://front.example"})
    assert response.headers["Access-Control-Allow-Origin"] == "https://front.example"
    assert "Access-Control-Allow-Origin" not in client.get("/livez", headers=CORS).headers
