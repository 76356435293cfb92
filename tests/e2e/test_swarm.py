"""swarm/stack.yaml on a one-node swarm on the real engine.

The swarm is created for the test and left afterwards, so the test refuses to run
on a node that is already part of a swarm (it would take that swarm down).
"""

import collections
import json
import time

import pytest
from kit import missing_part, wait_until
from lessonkit import assert_each_refuses_at_once, docker, http, make

pytestmark = pytest.mark.e2e

STACK = "k8scourse"
BACK_SERVICE = f"{STACK}_back"


def swarm_state():
    return docker("info", "--format", "{{.Swarm.LocalNodeState}}").stdout.strip()


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


def test_requests_are_spread_over_more_than_one_replica(swarm):
    wait_until(lambda: healthy_back_containers() == 2, 90, "2 healthy back replicas")
    served = collections.Counter()

    def both_replicas_served():
        # The edge caches Swarm's DNS answer for 2 s, and a replica joins it once healthy:
        # a burst right after start-up may still see one. Requests spread over a few
        # seconds must reach both.
        for _ in range(10):
            assert http("http://localhost:3000/health")[0] == 200
        logs = docker("service", "logs", "--no-trunc", BACK_SERVICE).stdout
        served.clear()
        served.update(line.split()[0] for line in logs.splitlines() if '"GET /health ' in line)
        return len(served) >= 2

    deadline = time.monotonic() + 30
    while not both_replicas_served():
        assert time.monotonic() < deadline, f"30 s of requests reached only {served}"
        time.sleep(0.5)


def test_a_killed_back_task_is_replaced(swarm):
    before = running_tasks(BACK_SERVICE)
    assert len(before) == 2
    victim = docker(
        "ps", "-q", "--filter", f"label=com.docker.swarm.service.name={BACK_SERVICE}"
    ).stdout.split()[0]
    assert docker("kill", victim).returncode == 0

    wait_until(
        lambda: len(running_tasks(BACK_SERVICE)) == 2 and running_tasks(BACK_SERVICE) != before,
        90,
        "a new back task",
    )
    for _ in range(10):  # the survivors and the newcomer answer through the edge
        assert http("http://localhost:3000/health")[0] == 200


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
