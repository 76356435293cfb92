"""Faults on the real stack: the database stopped, unresolvable, cut off, or late.

Each time the backend must answer /health with a JSON 503 within 3 s, never exit,
and be healthy again within 3 s of the database's return, without a restart.
"""

import json
import time

import pytest
from lessonkit import docker, http, make

pytestmark = pytest.mark.e2e

API = "http://localhost:3000"
BOUND = 3.0  # seconds: the backend's promise for a dead, absent or hung database


def timed_get(path, base=API):
    started = time.monotonic()
    status, _, body = http(base + path, timeout=10)
    return status, json.loads(body), time.monotonic() - started


def backend_id():
    return docker("inspect", "-f", "{{.Id}} {{.State.StartedAt}}", "back").stdout.strip()


def healthy_within(seconds, base=API):
    """Poll /health; the time until the first 200, or None."""
    started = time.monotonic()
    while time.monotonic() - started < seconds:
        try:
            if http(base + "/health", timeout=seconds)[0] == 200:
                return time.monotonic() - started
        except OSError:
            pass
        time.sleep(0.1)
    return None


@pytest.fixture(scope="module", autouse=True)
def stack():
    up = make("up")
    assert up.returncode == 0, up.output
    yield
    make("down")


@pytest.fixture
def stack_again():
    """Whatever a test broke, the stack is whole again afterwards."""
    yield
    docker("network", "connect", "k8scourse", "k8scourse-db")
    assert make("db", "wait-db", "back", "health").returncode == 0


def assert_unavailable_within_bound():
    status, body, elapsed = timed_get("/health")
    assert status == 503 and body["db"] is False, body
    assert elapsed < BOUND, f"/health took {elapsed:.2f} s"
    status, body, elapsed = timed_get("/images")
    assert status == 503 and "error" in body, body
    assert elapsed < BOUND, f"/images took {elapsed:.2f} s"


def test_database_stopped(stack_again):
    before = backend_id()
    assert docker("stop", "k8scourse-db").returncode == 0
    assert_unavailable_within_bound()

    assert make("db", "wait-db").returncode == 0
    recovered = healthy_within(BOUND)
    assert recovered is not None, "not healthy within 3 s of the database's return"
    assert backend_id() == before  # same process: it was never restarted


def test_database_cut_off_from_the_network(stack_again):
    before = backend_id()
    # The database lives on, but packets to it go nowhere: connections hang, not fail.
    assert docker("network", "disconnect", "k8scourse", "k8scourse-db").returncode == 0
    assert_unavailable_within_bound()

    assert docker("network", "connect", "k8scourse", "k8scourse-db").returncode == 0
    assert healthy_within(BOUND) is not None
    assert backend_id() == before


def test_database_name_unresolvable():
    name = "k8scourse-faults-back"
    run = docker(
        *("run", "-d", "--rm", "--name", name, "--network", "k8scourse", "-p", "3002:3000"),
        *("-e", "MYSQL_HOST=no-such-db", "k8scourse-back"),
    )
    assert run.returncode == 0, run.stderr
    try:
        deadline = time.monotonic() + 15
        while True:  # wait until gunicorn listens
            try:
                status, body, elapsed = timed_get("/health", base="http://localhost:3002")
                break
            except OSError:
                assert time.monotonic() < deadline
                time.sleep(0.2)
        assert status == 503 and body["mysql_host"] == "no-such-db", body
        assert elapsed < BOUND
    finally:
        docker("rm", "-f", name)


def test_backend_started_before_the_database_heals_by_itself(stack_again):
    assert make("stop").returncode == 0
    assert docker("stop", "k8scourse-db").returncode == 0
    assert make("back").returncode == 0  # no database at all yet
    before = backend_id()
    assert healthy_within(2) is None

    assert make("db").returncode == 0  # initialises from scratch, takes seconds
    assert healthy_within(120) is not None
    assert backend_id() == before
