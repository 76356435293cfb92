"""The real server process: gunicorn with back/gunicorn.conf.py, as the image runs it."""

import datetime
import http.client
import io
import json
import logging
import os
import runpy
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path
from types import SimpleNamespace

import pytest
from gunicorn.config import Config as GunicornConfig
from gunicorn.glogging import Logger

from mariadb_server import APP_PASSWORD, free_port

BACK = Path(__file__).resolve().parents[2] / "back"


def get(url):
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status, json.load(response)
    except urllib.error.HTTPError as error:
        return error.code, json.load(error)


def run_gunicorn(tmp_path, **env):
    port = free_port()
    env = {"PATH": os.environ["PATH"], "PORT": str(port), "WEB_CONCURRENCY": "1"} | env
    out, err = tmp_path / "stdout", tmp_path / "stderr"
    process = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py", "api:create_app()"],
        cwd=BACK,
        env=env,
        stdout=out.open("w"),
        stderr=err.open("w"),
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 20
    while True:
        try:
            get(base + "/livez")
            break
        except OSError:
            assert process.poll() is None, err.read_text()
            assert time.monotonic() < deadline, "gunicorn did not answer"
            time.sleep(0.05)
    return process, base, out, err


def stop(process):
    process.terminate()
    process.wait(timeout=15)


def test_starts_without_a_database_and_never_logs_the_password(tmp_path):
    db_port = free_port()
    process, base, out, err = run_gunicorn(
        tmp_path, MYSQL_HOST="127.0.0.1", MYSQL_PORT=str(db_port), MYSQL_PASSWORD="Zebra-Secret-42"
    )
    try:
        assert get(base + "/livez")[0] == 200
        status, body = get(base + "/health")
        assert status == 503 and body["mysql_host"] == "127.0.0.1"
    finally:
        stop(process)
    logs = out.read_text() + err.read_text()
    port = base.rsplit(":", 1)[1]
    assert f"Server running on port {port}, database 127.0.0.1:{db_port}/images" in logs
    assert "Zebra-Secret-42" not in logs + json.dumps(body)
    assert '"GET /health HTTP/1.1" 503' in out.read_text()  # access log on stdout


@pytest.mark.integration
def test_serves_the_database(tmp_path, live_db):
    process, base, out, _ = run_gunicorn(
        tmp_path, MYSQL_HOST="127.0.0.1", MYSQL_PORT=str(live_db.port), MYSQL_PASSWORD=APP_PASSWORD
    )
    try:
        assert get(base + "/health")[0] == 200
        assert get(base + "/images?limit=1")[0] == 200
    finally:
        stop(process)


def access_line(logger_class, environ, sent=47, access_log_format=None):
    """One access-log line as gunicorn's logger of that class writes it."""
    cfg = GunicornConfig()
    cfg.set("accesslog", "-")
    if access_log_format:
        cfg.set("access_log_format", access_log_format)
    response = SimpleNamespace(
        status="200 OK", sent=sent, headers=[("Content-Type", "application/json")]
    )
    request = SimpleNamespace(headers=[("HOST", environ.get("HTTP_HOST", "-"))])
    stream = io.StringIO()
    access_log = logging.getLogger("gunicorn.access")
    others = access_log.handlers[:]  # pytest's capture handlers: not there in production
    for handler in others:
        access_log.removeHandler(handler)
    try:
        logger = logger_class(cfg)
        [handler] = access_log.handlers  # gunicorn's own, to stdout
        handler.stream = stream
        logger.access(response, request, environ, datetime.timedelta(microseconds=1500))
    finally:
        for handler in others:
            access_log.addHandler(handler)
    return stream.getvalue()


def same_second_lines(environ, **options):
    """Ours and gunicorn's line for the same request (again if a second ticked in between)."""
    settings = runpy.run_path(str(BACK / "gunicorn.conf.py"))
    for _ in range(3):
        ours = access_line(settings["logger_class"], environ, **options)
        theirs = access_line(Logger, environ, **options)
        if ours.split("[")[1][:20] == theirs.split("[")[1][:20]:
            return ours, theirs
    raise AssertionError("the clock never held still")


REQUEST = {
    "REMOTE_ADDR": "10.0.0.7",
    "REQUEST_METHOD": "GET",
    "RAW_URI": "/images?limit=1",
    "PATH_INFO": "/images",
    "QUERY_STRING": "limit=1",
    "SERVER_PROTOCOL": "HTTP/1.1",
    "HTTP_REFERER": "http://localhost:8080/",
    "HTTP_USER_AGENT": 'curl/8 "quoted"',
    "HTTP_AUTHORIZATION": "Basic dXNlcjpwdw==",  # user:pw
    "HTTP_HOST": "api",
}


@pytest.mark.parametrize(
    "environ",
    [
        REQUEST,
        {k: REQUEST[k] for k in list(REQUEST)[:6]},  # no referer, agent, user
        REQUEST | {"RAW_URI": '/images?x="1"', "HTTP_REFERER": 'a"b'},
        REQUEST | {"HTTP_AUTHORIZATION": "Bearer abc"},
    ],
    ids=["full", "bare", "quotes", "bearer"],
)
@pytest.mark.parametrize("sent", [47, 0, None])
def test_the_cheaper_access_log_writes_gunicorns_lines(environ, sent):
    ours, theirs = same_second_lines(environ, sent=sent)
    assert ours == theirs
    assert ours.count("\n") == 1 and ours.startswith(environ["REMOTE_ADDR"] + " - ")


def test_any_other_access_log_format_is_gunicorns_own():
    settings = runpy.run_path(str(BACK / "gunicorn.conf.py"))
    assert settings["logger_class"].__mro__[1] is Logger
    ours, theirs = same_second_lines(REQUEST, access_log_format='%(h)s %(t)s "%({host}i)s" %(D)s')
    assert ours == theirs
    assert '"api" 1500' in ours  # the request's Host header as gunicorn reads it, the time


def raw_request(base, request_bytes):
    """Send bytes as they are (no client library would send these) and read the answer."""
    host, port = base.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=5) as sock:
        sock.sendall(request_bytes)
        answer = b""
        while chunk := sock.recv(65536):
            answer += chunk
    head, _, body = answer.partition(b"\r\n\r\n")
    return head.decode("latin-1"), body


@pytest.mark.parametrize(
    ("request_bytes", "status"),
    [
        (b"GET /" + b"1" * 5000 + b" HTTP/1.1\r\nHost: x\r\n\r\n", 414),
        (b"GET /livez HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 9000 + b"\r\n\r\n", 431),
        (b"POST /images HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n", 400),
        (b"GET /livez HTTP/1.1\r\nHost: x\r\nBad Header: 1\r\n\r\n", 400),
    ],
)
def test_requests_gunicorn_refuses_itself_get_json_errors(tmp_path, request_bytes, status):
    process, base, _, _ = run_gunicorn(tmp_path, MYSQL_HOST="127.0.0.1", MYSQL_PORT="1")
    try:
        head, body = raw_request(base, request_bytes)
    finally:
        stop(process)
    assert head.startswith(f"HTTP/1.1 {status} ")
    assert "Content-Type: application/json" in head
    assert set(json.loads(body)) == {"error", "message"}


def keep_alive_connections(base, count):
    """Connections that made one request each and stay open, like a browser's."""
    host, port = base.removeprefix("http://").split(":")
    connections = []
    for _ in range(count):
        connection = http.client.HTTPConnection(host, int(port), timeout=10)
        connection.request("GET", "/livez")
        response = connection.getresponse()
        response.read()
        assert response.status == 200 and not response.will_close
        connections.append(connection)
    return connections


def test_stopping_closes_idle_keep_alive_connections_at_once(tmp_path):
    # gunicorn would wait for them until graceful_timeout (5 s): `docker stop` with the page
    # open in a browser would take that long.
    process, base, _, err = run_gunicorn(tmp_path, MYSQL_HOST="127.0.0.1", MYSQL_PORT="1")
    connections = keep_alive_connections(base, 3)
    started = time.monotonic()
    stop(process)
    elapsed = time.monotonic() - started
    assert elapsed < 3, f"gunicorn took {elapsed:.1f} s to stop"
    for connection in connections:
        assert connection.sock.recv(100) == b""  # closed quietly: no error page
    assert "Error handling request" not in err.read_text()


@pytest.mark.integration
def test_a_request_in_progress_at_shutdown_still_gets_its_answer(tmp_path, live_db):
    process, base, _, _ = run_gunicorn(
        tmp_path, MYSQL_HOST="127.0.0.1", MYSQL_PORT=str(live_db.port), MYSQL_PASSWORD=APP_PASSWORD
    )
    assert get(base + "/health")[0] == 200  # a pooled connection, which will hang
    answers = []
    live_db.pause()
    try:
        asking = threading.Thread(target=lambda: answers.append(get(base + "/health")))
        asking.start()
        time.sleep(0.3)  # the request now waits on the hung database (up to 2 s)
        stop(process)
        asking.join(10)
    finally:
        live_db.resume()
    [(status, body)] = answers
    assert status == 503 and body["db"] is False and "timed out" in body["error"]
