"""The development loop on the real engines, in a learner's copy (tests/copies.py):
edit a route of back/ and the page of front/, and measure the time until the running
stack serves the change (kept with record_figure for the end-of-run table).

1. make dev: a saved .py change and a saved page are served; a syntax error is named with
   its file and line in make logs, and the next good save recovers; make up afterwards
   returns to the images.
2. make compose-watch (docker compose watch).
On Docker: make dev runs the same commands on Podman (tests/test_dev_loop_offline.py).
"""

import os
import signal
import subprocess
import time

import pytest
from copies import learner_copy
from kit import wait_until
from real_engines import docker, http, make, record_figure, wait_for_http

pytestmark = pytest.mark.e2e

LIVEZ = "http://localhost:3000/livez"
PAGE = "http://localhost:8080/index.html"
# Every wait is bounded: far above the 3 s the loop aims at, so a slow machine still
# tells "served late" (the recorded figure) from "never served" (a failure).
BOUND = 30


def served(url, predicate, timeout=BOUND):
    """Seconds until GET url answers with a (status, body) that predicate accepts."""
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        try:
            status, _, body = http(url, timeout=2)
            if predicate(status, body.decode(errors="replace")):
                return time.monotonic() - started
        except OSError:
            pass
        time.sleep(0.05)
    raise AssertionError(f"{url} did not serve the change within {timeout} s")


def edit(path, old, new):
    text = path.read_text()
    assert old in text, f"{path} has no {old!r}"
    path.write_text(text.replace(old, new, 1))


# The route of GET /livez, in back/api/health.py: the edit changes its answer.
ROUTE_OLD = 'return {"status": "running", "timestamp": now_ms()}'
ROUTE_NEW = 'return {"status": "edited", "timestamp": now_ms()}'


def edit_route(copy, way):
    """Edit the route in copy; record and return the seconds until it is served."""
    edit(copy / "back" / "api" / "health.py", ROUTE_OLD, ROUTE_NEW)
    seconds = served(LIVEZ, lambda status, body: status == 200 and '"edited"' in body)
    record_figure(f"{way}: saved .py change served", f"{seconds:.1f} s", way)
    return seconds


def edit_page(copy, way):
    """Edit the page in copy; record and return the seconds until it is served."""
    edit(copy / "front" / "public" / "index.html", "</body>", "<p>edited while it runs</p></body>")
    seconds = served(PAGE, lambda status, body: "edited while it runs" in body)
    record_figure(f"{way}: saved page served", f"{seconds:.1f} s", way)
    return seconds


def mounts_of(name):
    return docker(
        "container", "inspect", "-f", "{{range .Mounts}}{{.Destination}} {{end}}", name
    ).stdout.split()


def test_make_dev_serves_saved_changes_and_make_up_returns_to_the_images(tmp_path):
    copy = learner_copy(tmp_path / "k8scourse")
    dev = make("dev", cwd=copy, timeout=900)
    try:
        assert dev.returncode == 0, dev.output
        assert "-e GUNICORN_CMD_ARGS=--reload -v $(pwd):/app:ro -d k8scourse-back" in dev.output
        assert "-v $(pwd)/public:/usr/share/nginx/html:ro -d k8scourse-front" in dev.output
        assert "/app" in mounts_of("back")

        # A saved route is served; a syntax error is named with its file and line in make
        # logs while the worker serves gunicorn's error page; the next good save is served.
        edit_route(copy, "make dev")
        health = copy / "back" / "api" / "health.py"
        good = health.read_text()
        health.write_text(good + "\ndef broken(:\n")
        line = len((good + "\n").splitlines()) + 1
        served(LIVEZ, lambda status, body: status == 500)
        logs = make("logs", cwd=copy)
        assert f'File "/app/api/health.py", line {line}' in logs.output, logs.output[-3000:]
        assert "SyntaxError" in logs.output
        health.write_text(good)
        recovered = served(LIVEZ, lambda status, body: status == 200 and '"edited"' in body)
        record_figure(
            "make dev: good save after a syntax error served", f"{recovered:.1f} s", "make dev"
        )
        edit_page(copy, "make dev")

        up = make("up", cwd=copy, timeout=900)
        assert up.returncode == 0, up.output
        assert "$ docker rm -f back" in up.stdout.splitlines()
        assert mounts_of("back") == [] and mounts_of("front") == []
        assert b'"edited"' in http(LIVEZ)[2]  # make up built the image with the saved route
    finally:
        make("down", cwd=copy)


@pytest.fixture
def compose_watch(tmp_path):
    """make compose-watch running in a copy (in the foreground, as a learner runs it)."""
    copy = learner_copy(tmp_path / "k8scourse")
    log = (tmp_path / "watch.log").open("w")
    watch = subprocess.Popen(
        ["make", "--no-print-directory", "compose-watch"],
        cwd=copy,
        stdout=log,
        stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        yield copy, tmp_path / "watch.log"
    finally:
        os.killpg(watch.pid, signal.SIGINT)  # Ctrl+C, as the learner ends it
        try:
            watch.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(watch.pid, signal.SIGKILL)
        log.close()
        make("compose-down", cwd=copy)


def test_compose_watch_serves_each_saved_change(compose_watch):
    copy, log = compose_watch
    try:
        wait_for_http("http://localhost:3000/health", timeout=300)
        wait_for_http("http://localhost:8080/healthz", timeout=60)
        # Compose says when its watch is on (Compose 2.26: "Watch enabled"); an edit
        # before that line would not be seen.
        wait_until(lambda: "watch enabled" in log.read_text().lower(), 60, "Compose's watch")
        edit_route(copy, "docker compose watch")
        edit_page(copy, "docker compose watch")
    except AssertionError as error:
        pytest.fail(f"{error}\n--- make compose-watch:\n{log.read_text()[-4000:]}")
    assert "compose.watch.yaml watch" in log.read_text()
