"""Faults on the real stack: the database stopped, unresolvable, cut off, or late.

Each time the backend must answer /health with a JSON 503 within 3 s, never exit,
and be healthy again within 3 s of the database's return, without a restart.
"""

import json
import time

import pytest
from lessonkit import docker, http, make, record_figure

pytestmark = [pytest.mark.e2e, pytest.mark.usefixtures("lesson_stack")]

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


@pytest.fixture
def stack_again():
    """Whatever a test broke, the stack is whole again afterwards."""
    yield
    docker("network", "connect", "k8scourse", "k8scourse-db")
    assert make("db", "wait-db", "back", "health").returncode == 0


def assert_unavailable_within_bound():
    """Both answers come within the bound; returns their times in seconds."""
    status, body, health_time = timed_get("/health")
    assert status == 503 and body["db"] is False, body
    assert health_time < BOUND, f"/health took {health_time:.2f} s"
    status, body, images_time = timed_get("/images")
    assert status == 503 and "error" in body, body
    assert images_time < BOUND, f"/images took {images_time:.2f} s"
    return health_time, images_time


def record(case, times, recovered, test):
    record_figure(
        case,
        f"/health 503 in {times[0]:.2f} s, /images 503 in {times[1]:.2f} s, "
        f"/health 200 again {recovered:.2f} s after the database's return, same process",
        f"pytest tests/e2e/test_faults.py -k {test}",
    )


def test_database_stopped(stack_again):
    before = backend_id()
    assert docker("stop", "k8scourse-db").returncode == 0
    times = assert_unavailable_within_bound()

    assert make("db", "wait-db").returncode == 0
    recovered = healthy_within(BOUND)
    assert recovered is not None, "not healthy within 3 s of the database's return"
    assert backend_id() == before  # same process: it was never restarted
    record("database stopped (docker stop k8scourse-db)", times, recovered, "stopped")


def test_database_cut_off_from_the_network(stack_again):
    before = backend_id()
    # The database lives on, but packets to it go nowhere: connections hang, not fail.
    assert docker("network", "disconnect", "k8scourse", "k8scourse-db").returncode == 0
    times = assert_unavailable_within_bound()

    assert docker("network", "connect", "k8scourse", "k8scourse-db").returncode == 0
    recovered = healthy_within(BOUND)
    assert recovered is not None
    assert backend_id() == before
    record("database cut off (docker network disconnect)", times, recovered, "cut_off")


def test_database_hung(stack_again):
    before = backend_id()
    # A frozen server: the kernel still accepts connections, nothing ever answers.
    assert docker("pause", "k8scourse-db").returncode == 0
    try:
        times = assert_unavailable_within_bound()
    finally:
        assert docker("unpause", "k8scourse-db").returncode == 0
    recovered = healthy_within(BOUND)
    assert recovered is not None
    assert backend_id() == before
    record("database hung (docker pause k8scourse-db)", times, recovered, "hung")


def unreachable_backend_health(*run_args):
    """/health of a second backend started with those `docker run` options, on port 3002."""
    name = "k8scourse-faults-back"
    run = docker("run", "-d", "--rm", "--name", name, "-p", "3002:3000", *run_args)
    assert run.returncode == 0, run.stderr
    try:
        deadline = time.monotonic() + 15
        while True:  # wait until gunicorn listens
            try:
                return timed_get("/health", base="http://localhost:3002")
            except OSError:
                assert time.monotonic() < deadline
                time.sleep(0.2)
    finally:
        docker("rm", "-f", name)


def test_database_name_unresolvable():
    status, body, elapsed = unreachable_backend_health(
        "--network", "k8scourse", "-e", "MYSQL_HOST=no-such-db", "k8scourse-back"
    )
    assert status == 503 and body["mysql_host"] == "no-such-db", body
    assert elapsed < BOUND
    assert body["hint"].startswith("MYSQL_HOST=no-such-db does not resolve"), body
    record_figure(
        "database name unresolvable (MYSQL_HOST=no-such-db)",
        f"/health 503 in {elapsed:.2f} s, with a hint",
        "pytest tests/e2e/test_faults.py -k unresolvable",
    )


def test_backend_on_another_network_than_the_database_gets_a_hint():
    # The classic mistake: the right name, but the backend was started without --network.
    status, body, _ = unreachable_backend_health("-e", "MYSQL_HOST=k8scourse-db", "k8scourse-back")
    assert status == 503 and body["db"] is False, body
    assert "does not resolve" in body["hint"], body
    assert "--network <network>" in body["hint"] and "<db container name>" in body["hint"]


def test_backend_started_before_the_database_heals_by_itself(stack_again):
    assert make("stop").returncode == 0
    assert docker("stop", "k8scourse-db").returncode == 0
    assert make("back").returncode == 0  # no database at all yet
    before = backend_id()
    assert healthy_within(2) is None

    assert make("db").returncode == 0  # initialises from scratch, takes seconds
    healed = healthy_within(120)
    assert healed is not None
    assert backend_id() == before
    record_figure(
        "start order reversed (backend before database)",
        f"503 meanwhile, 200 {healed:.1f} s after `make db` (init included), no restart",
        "pytest tests/e2e/test_faults.py -k started_before",
    )
