"""The real server process: gunicorn with back/gunicorn.conf.py, as the image runs it."""

import json
import os
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

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
