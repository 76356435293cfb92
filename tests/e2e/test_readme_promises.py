"""README promises about Docker that no other test held (issue 20, finding 10), each
asserted with the words the README quotes, so that README and product cannot drift:
the docker socket's permission, and `make swarm-up` beside the docker run stack."""

import os
import re
import shutil
from pathlib import Path

import pytest
from kit import missing_part, troubleshooting_row
from real_engines import AT_ONCE, docker, make, run, swarm_state, timed_make

pytestmark = pytest.mark.e2e

DOCKER_SOCKET = "/var/run/docker.sock"


def test_a_user_outside_the_docker_group_is_told_how_to_join_it():
    seen, _, fix = troubleshooting_row("permission denied while trying to connect")
    if not shutil.which("runuser"):
        missing_part("runuser (util-linux) is needed to run make as another user")
    if Path(DOCKER_SOCKET).stat().st_mode & 0o007:
        pytest.fail(f"{DOCKER_SOCKET} is open to every user: nobody would be let in")
    # nobody: in no group that may use the socket (root's and docker's, mode 660).
    as_nobody = {"PATH": os.environ["PATH"], "HOME": "/nonexistent", "DOCKER": "docker"}
    nobody = ("runuser", "-u", "nobody", "--")

    by_hand = run(*nobody, "docker", "ps", env=as_nobody)
    ps = run(*nobody, "make", "--no-print-directory", "ps", env=as_nobody)

    [engines_words] = re.findall(r"`([^`]+)`", seen)
    assert by_hand.returncode != 0
    assert engines_words in by_hand.stderr  # what the row quotes: the engine's own words
    assert ps.returncode != 0
    assert (
        "make: you may not use Docker: add yourself to the docker group ('sudo usermod -aG "
        "docker $USER', then log in again)."
    ) in ps.stderr.splitlines()
    assert "`sudo usermod -aG docker $USER`, then log in again" in fix


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
