"""swarm/stack.yaml on a one-node swarm on the real engine.

The swarm is created for the test and left afterwards, so the test refuses to run
on a node that is already part of a swarm (it would take that swarm down). First, before
that swarm: make swarm-up refuses beside the docker run stack, and changes nothing.
"""

import collections
import json
import threading
import time
import uuid

import pytest
from kit import missing_part, wait_until
from load import (
    Load,
    assert_acknowledged_writes_stored,
)
from real_engines import (
    AT_ONCE,
    REPO,
    assert_each_refuses_at_once,
    docker,
    http,
    make,
    record_figure,
    swarm_state,
    timed_make,
)

pytestmark = pytest.mark.e2e

STACK = "k8scourse"
BACK_SERVICE = f"{STACK}_back"


def running_tasks(service):
    out = docker(
        *("service", "ps", service, "--filter", "desired-state=running"),
        *("--format", "{{.ID}} {{.CurrentState}}"),
    ).stdout
    return {line.split()[0] for line in out.splitlines() if " Running " in f" {line} "}


def healthy_back_containers():
    """Swarm's DNS lists a replica only once its HEALTHCHECK passes."""
    out = docker(
        *("ps", "-q", "--filter", f"label=com.docker.swarm.service.name={BACK_SERVICE}"),
        *("--filter", "health=healthy"),
    ).stdout
    return len(out.split())


# The first test, before the module's swarm exists (the `swarm` fixture makes it for the
# first test that takes it, and leaves it after the module's last).
def test_swarm_up_refuses_while_the_docker_run_stack_runs():
    """README: make swarm-up refuses, and says so, while the project's docker run
    containers exist (same names and ports), and changes nothing."""
    state = swarm_state()
    if state == "active":
        missing_part("this node is already in a swarm: the refusal must not depend on it")
    assert make("network", "build", "back").returncode == 0  # the docker run stack's back
    try:
        up = timed_make("swarm-up", timeout=600)
        after = swarm_state()
    finally:
        make("down")
        if swarm_state() == "active":
            docker("swarm", "leave", "--force")
            docker("network", "rm", "docker_gwbridge")

    assert up.returncode != 0
    assert (
        "make: the docker run stack is running (back): stop it with 'make down' first "
        "(same names, ports and network)."
    ) in up.stderr.splitlines()
    assert "stack deploy" not in up.stdout
    assert after == state, "make swarm-up refused, but only after it made this node a swarm"
    assert up.elapsed < AT_ONCE, f"make swarm-up took {up.elapsed:.0f} s to refuse"


@pytest.fixture(scope="module")
def swarm():
    if swarm_state() == "active":
        missing_part("this node is already in a swarm: the test would have to leave it")
    volumes_before = docker("volume", "ls", "-q").stdout.split()
    try:
        up = make("swarm-up", "SWARM_ADVERTISE=127.0.0.1", timeout=600)
        assert up.returncode == 0, up.output
        yield up
    finally:
        make("swarm-down", timeout=120)
        docker("swarm", "leave", "--force")
        docker("network", "rm", "docker_gwbridge")
    # The database's data lives on a tmpfs: no volume outlives the stack.
    assert docker("volume", "ls", "-q").stdout.split() == volumes_before


def test_every_replica_runs_and_health_is_green(swarm):
    deploy = "docker stack deploy --resolve-image never -c swarm/stack.yaml k8scourse"
    assert "PROJECT=k8scourse " in swarm.output and deploy in swarm.output
    wait_until(lambda: healthy_back_containers() == 2, 90, "2 healthy back replicas")
    status, _, body = http("http://localhost:3000/health")
    assert status == 200 and json.loads(body)["db"] is True


def test_the_page_is_served_through_the_edge(swarm):
    status, _, body = http("http://localhost:8080/config.json")
    assert status == 200
    assert json.loads(body)["baseUrl"] == "http://localhost:3000"


def test_the_docker_run_targets_refuse_while_the_stack_runs(swarm):
    refusal = (
        "make: the Swarm stack k8scourse is up (same ports): "
        "remove it with 'make swarm-down' first."
    )
    assert_each_refuses_at_once(("up", "db", "back", "front"), refusal)
    assert docker("network", "inspect", "k8scourse").returncode != 0  # nothing was started


# The load of the update and fault tests: 32 connections through the edge, reads and
# every 4th request a write, for at most 60 s.
CONNECTIONS, LOAD_SECONDS = 32, 60


def service_container(service):
    return docker(
        "ps", "-q", "--filter", f"label=com.docker.swarm.service.name={service}"
    ).stdout.split()


def swarm_db():
    [db] = service_container(f"{STACK}_db")
    return db


def assert_requests_during(load, started, ended):
    """The load went on through the update: every connection made requests in it (a Load
    that stopped, or never started, would pass "no request failed" on nothing)."""
    during = [r for r in load.requests if started <= r.started <= ended]
    assert len(during) >= CONNECTIONS, f"{len(during)} requests during the update"


def test_a_rolling_update_to_a_changed_image_serves_old_and_new_side_by_side(swarm, tmp_path):
    """A rebuilt back whose answers differ (its API description's version): while it rolls
    out, old and new replicas answer side by side, and no request fails."""
    original = docker("image", "inspect", "-f", "{{.Id}}", "k8scourse-back").stdout.strip()
    spec = json.loads((REPO / "back" / "api" / "openapi.json").read_text())
    old_version, new_version = spec["info"]["version"], spec["info"]["version"] + "-updated"
    spec["info"]["version"] = new_version
    (tmp_path / "openapi.json").write_text(json.dumps(spec))
    (tmp_path / "Dockerfile").write_text(
        "FROM k8scourse-back\nCOPY openapi.json /app/api/openapi.json\n"
    )
    seen, watching = [], threading.Event()

    def watch_versions():
        while not watching.is_set():
            status, _, body = http("http://localhost:3000/openapi.json")
            if status == 200:
                seen.append(json.loads(body)["info"]["version"])
            time.sleep(0.05)

    try:
        assert docker("build", "-q", "-t", "k8scourse-back", str(tmp_path)).returncode == 0
        watcher = threading.Thread(target=watch_versions, daemon=True)
        watcher.start()
        # make swarm-update builds back/ first: the changed image must survive that build,
        # so the update is run as make prints it, after the image was built.
        wait_until(lambda: healthy_back_containers() == 2, 90, "2 healthy back replicas")
        with Load(3000, f"changed-{uuid.uuid4().hex[:8]}", CONNECTIONS, LOAD_SECONDS) as load:
            load.wait_answered(CONNECTIONS * 5)
            started = time.monotonic()
            update = docker(
                "service", "update", "--force", "--detach=false", "k8scourse_back", timeout=60
            )
            ended = time.monotonic()
            load.wait_answered(CONNECTIONS * 5, since=ended)
        watching.set()
        watcher.join(timeout=10)
        assert update.returncode == 0, update.stderr
        assert_requests_during(load, started, ended)
        assert load.failed() == [], load.failed()[:5]
        assert_acknowledged_writes_stored(load, swarm_db())
        mixed = any(a != b for a, b in zip(seen, seen[1:], strict=False))
        record_figure(
            "Swarm rolling update of back to a changed image under load",
            f"{load.summary()}; versions answered: {collections.Counter(seen)}",
            "pytest tests/e2e/test_swarm.py -k changed",
        )
        assert seen[0] == old_version and seen[-1] == new_version, collections.Counter(seen)
        assert mixed and set(seen) == {old_version, new_version}
    finally:
        watching.set()
        docker("tag", original, "k8scourse-back")


def test_one_replica_killed_under_load_fails_at_most_its_requests_in_flight(swarm):
    wait_until(lambda: healthy_back_containers() == 2, 90, "2 healthy back replicas")
    with Load(3000, f"killed-{uuid.uuid4().hex[:8]}", CONNECTIONS, 20) as load:
        load.wait_answered(CONNECTIONS * 5)
        victim = service_container(BACK_SERVICE)[0]
        killed_at = time.monotonic()
        assert docker("kill", victim).returncode == 0
        # Swarm's edge has let go of the dead replica: requests started a second later answer.
        load.wait_answered(CONNECTIONS * 5, since=killed_at + 1)
    in_flight = [r for r in load.requests if r.started <= killed_at <= r.ended]
    after = [r for r in load.requests if r.started > killed_at + 1]
    record_figure(
        "Swarm: one of two back replicas killed under load",
        f"{load.summary()}; {len(in_flight)} requests were in flight when it died",
        "pytest tests/e2e/test_swarm.py -k killed_under_load",
    )
    # The edge passes a GET on to the other replica; a POST already sent is not passed on.
    assert len(load.failed()) <= len(in_flight), load.failed()[:5]
    assert after and all(r.status in (200, 201) for r in after), "the other replica stopped"
    assert_acknowledged_writes_stored(load, swarm_db())
    wait_until(lambda: len(running_tasks(BACK_SERVICE)) == 2, 90, "the killed task replaced")
