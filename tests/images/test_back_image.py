"""The backend's image built from a copy of back/ whose package is renamed in one line
(back/README.md, "Copy it into your project"), on Docker: it builds, serves, and carries
the app alone. Named tiers-back-*, on host port 18300: never the lesson's names or ports."""

import shutil
import subprocess
import time
import urllib.request
from pathlib import Path

import pytest
from kit import missing_part

pytestmark = pytest.mark.e2e

BACK = Path(__file__).resolve().parents[2] / "back"
IMAGE, NAME, PORT = "tiers-back-renamed", "tiers-back-renamed", 18300


def docker(*args, timeout=120):
    return subprocess.run(
        ["docker", *args], capture_output=True, text=True, timeout=timeout, check=False
    )


def livez():
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{PORT}/livez", timeout=2) as answer:
            return answer.status
    except OSError:
        return None


@pytest.fixture
def renamed_copy(tmp_path):
    try:
        answers = docker("info", timeout=30).returncode == 0
    except (OSError, subprocess.TimeoutExpired):
        answers = False
    if not answers:
        missing_part("no Docker engine answers")
    copy = tmp_path / "myproject" / "back"
    shutil.copytree(BACK, copy, ignore=shutil.ignore_patterns("__pycache__", ".venv"))
    (copy / "api").rename(copy / "photos")
    conf = copy / "gunicorn.conf.py"
    conf.write_text(conf.read_text().replace('APP_PACKAGE = "api"', 'APP_PACKAGE = "photos"'))
    (copy / ".env").write_text("MYSQL_PASSWORD=not-for-the-image\n")  # a learner's secrets
    (copy / ".venv").mkdir()  # and virtualenv
    yield copy
    docker("rm", "-f", NAME)
    docker("rmi", "-f", IMAGE)


def test_a_renamed_copy_builds_and_serves_with_the_app_alone_inside(renamed_copy):
    build = docker("build", "-t", IMAGE, str(renamed_copy), timeout=900)
    assert build.returncode == 0, build.stderr[-3000:]
    listed = docker("run", "--rm", "--entrypoint", "ls", IMAGE, "-A", "/app")
    assert listed.stdout.split() == ["gunicorn.conf.py", "photos", "requirements.txt"]

    started = docker("run", "-d", "--rm", "--name", NAME, "-p", f"{PORT}:3000", IMAGE)
    assert started.returncode == 0, started.stderr
    deadline = time.monotonic() + 30
    while livez() != 200:
        assert time.monotonic() < deadline, docker("logs", NAME).stderr
        time.sleep(0.2)
