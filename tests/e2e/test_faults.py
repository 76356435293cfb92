"""Faults on the real stack: the database stopped, unresolvable, cut off, or late.

Each time the backend must answer /health with a JSON 503 within 3 s, never exit,
and be healthy again within 3 s of the database's return, without a restart.

The 3 s are the backend's promise (issue 17): api/db.py's 2 s timeouts, a slow failure
never tried twice, and the backend's own work. So they are measured where the backend
is: by a client inside its container, on its loopback. The learner's client on the host
reaches it through the published port (the engine's proxy) on a machine that may be
busy: that path is measured too, and bounded apart (PATH_MARGIN).
"""

import json
import time

import pytest
from real_engines import docker, http, make, record_figure, wait_for_http

pytestmark = [pytest.mark.e2e, pytest.mark.usefixtures("lesson_stack")]

API = "http://localhost:3000"
BOUND = 3.0  # seconds: the backend's promise for a dead, absent or hung database
# What the host's path may add to the backend's time: the published port's proxy, and a
# client and an engine scheduled on a busy 2-core machine. A second 2 s timeout in the
# backend would still exceed BOUND + PATH_MARGIN.
PATH_MARGIN = 2.0

# A client inside back's container: the backend's own time for a request.
INSIDE = """
import json, sys, time, urllib.error, urllib.request
started = time.monotonic()
try:
    with urllib.request.urlopen("http://127.0.0.1:3000" + sys.argv[1], timeout=10) as answer:
        status, body = answer.status, answer.read()
except urllib.error.HTTPError as error:
    status, body = error.code, error.read()
print(json.dumps([status, json.loads(body), time.monotonic() - started]))
"""


def timed_get(path, base=API):
    started = time.monotonic()
    status, _, body = http(base + path, timeout=10)
    return status, json.loads(body), time.monotonic() - started


def backend_timed_get(path, container="back"):
    """path asked inside the backend's container: (status, JSON body, seconds)."""
    asked = docker("exec", container, "python3", "-c", INSIDE, path)
    assert asked.returncode == 0, asked.stderr
    return tuple(json.loads(asked.stdout))


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
    """Both answers are 503s within the backend's bound, and through the published port
    within that bound and the path's margin; returns (backend's, host's) seconds of each."""
    times = []
    for path in ("/health", "/images"):
        status, body, backend = backend_timed_get(path)
        assert status == 503 and body["error"] and body.get("db", False) is False, body
        assert backend < BOUND, (
            f"the backend answered {path} in {backend:.2f} s (asked inside its container): "
            f"over its {BOUND:.0f} s promise (a 2 s database timeout, tried once)"
        )
        status, body, host = timed_get(path)
        assert status == 503 and body["error"] and body.get("db", False) is False, body
        assert host < BOUND + PATH_MARGIN, (
            f"{path} took {host:.2f} s through the published port, the backend "
            f"{backend:.2f} s by itself: the port's path added more than {PATH_MARGIN:.0f} s"
        )
        times.append((backend, host))
    return times


def record(case, times, recovered, test):
    (health_inside, health), (images_inside, images) = times
    record_figure(
        case,
        f"/health 503 in {health:.2f} s ({health_inside:.2f} s inside the backend), /images 503 "
        f"in {images:.2f} s ({images_inside:.2f} s), /health 200 again {recovered:.2f} s after "
        "the database's return, same process",
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
    """/health of a second backend started with those `docker run` options, on port 3002:
    (status, body, the backend's seconds, the host's seconds)."""
    name = "k8scourse-faults-back"
    run = docker("run", "-d", "--rm", "--name", name, "-p", "3002:3000", *run_args)
    assert run.returncode == 0, run.stderr
    try:
        wait_for_http("http://localhost:3002/livez", timeout=15)  # gunicorn listens
        status, body, backend = backend_timed_get("/health", container=name)
        host = timed_get("/health", base="http://localhost:3002")[2]
        return status, body, backend, host
    finally:
        docker("rm", "-f", name)


def test_database_name_unresolvable():
    status, body, backend, host = unreachable_backend_health(
        "--network", "k8scourse", "-e", "MYSQL_HOST=no-such-db", "k8scourse-back"
    )
    assert status == 503 and body["mysql_host"] == "no-such-db", body
    assert backend < BOUND, f"the backend answered in {backend:.2f} s, over its {BOUND:.0f} s"
    assert host < BOUND + PATH_MARGIN, f"{host:.2f} s through the port, {backend:.2f} s inside"
    assert body["hint"].startswith("MYSQL_HOST=no-such-db does not resolve"), body
    record_figure(
        "database name unresolvable (MYSQL_HOST=no-such-db)",
        f"/health 503 in {host:.2f} s ({backend:.2f} s inside the backend), with a hint",
        "pytest tests/e2e/test_faults.py -k unresolvable",
    )


def test_backend_on_another_network_than_the_database_gets_a_hint():
    # The classic mistake: the right name, but the backend was started without --network.
    status, body, _, _ = unreachable_backend_health(
        "-e", "MYSQL_HOST=k8scourse-db", "k8scourse-back"
    )
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
