"""The lesson's dead ends, tried as a learner would: each answers at once, in one line
that names the fix, instead of waiting for a timeout.

Those that take `engine` run on Docker, then on Podman: the engines answer the scripts'
queries (inspect templates, `port`, `ps --filter`) a little differently; the others on
Docker only. "At once" is real_engines.AT_ONCE, a generous bound far below HEALTH_TIMEOUT
(90 s): these tests check that a target does not wait when waiting cannot help, not its
speed. The Compose and Swarm refusals are in test_compose.py and test_swarm.py; a port
already in use, in test_port_clashes.py.
"""

import json
import os
import re
import shutil
import subprocess
import time
from pathlib import Path

import pytest
from kit import lesson_commands, missing_part, quoted, says, troubleshooting_row, wait_until
from real_engines import AT_ONCE, REPO, docker, http, make, one_line, run, timed_make, wait_for_http

pytestmark = pytest.mark.e2e

DOCKER_SOCKET = "/var/run/docker.sock"


# On Docker only: before the tests that take `engine` (conftest.py's docker_clean_slate).


@pytest.mark.usefixtures("docker_clean_slate")
def test_ping_with_one_stopped_names_the_step_the_learner_is_at():
    ping = timed_make("ping")

    assert ping.returncode != 0
    assert ping.stderr.splitlines()[0:1] == [
        "make: container 'one' is not running: start it with 'make alpine' (or "
        "'make alpine-network' once you are at the lesson's part 2)."
    ]
    assert ping.elapsed < AT_ONCE
    seen, _, fix = troubleshooting_row("container 'one' is not running")
    assert says(ping.stderr, quoted(seen)[0]) and "`make alpine`" in fix

    assert docker("network", "create", "alpine-network").returncode == 0  # part 2 begun
    ping = make("ping")

    assert ping.returncode != 0
    assert ping.stderr.splitlines()[0:1] == [
        "make: container 'one' is not running: start it with 'make alpine-network' "
        "(the network alpine-network exists: you are at the lesson's part 2)."
    ]


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


@pytest.mark.usefixtures("docker_clean_slate")
def test_the_db_command_run_outside_db_leaves_a_folder_and_no_database(tmp_path):
    """The lesson's `cd db && docker run … -v $(pwd)/init.sql:…` run from another folder:
    $(pwd)/init.sql names no file, so Docker creates a directory there and mounts it, and
    the database's initialisation fails on it: the README's row, as a learner meets it."""
    seen, why, fix = troubleshooting_row("folder owned by root appears")
    [lesson_db] = [c for c in lesson_commands() if "--name k8scourse-db" in c]
    by_hand = lesson_db.removeprefix("cd db && ")
    assert make("network").returncode == 0
    started = run("bash", "-c", by_hand, cwd=tmp_path)
    assert started.returncode == 0, started.output

    wait_until(
        lambda: docker("container", "inspect", "k8scourse-db").returncode != 0,
        180,
        "k8scourse-db to vanish (its --rm) after the failed initialisation",
    )
    appeared = tmp_path / "init.sql"
    assert appeared.is_dir() and appeared.stat().st_uid == 0
    assert quoted(seen) == ["init.sql/", "k8scourse-db"]
    assert "$(pwd)/init.sql" in why and "`make db` from the repository's root" in fix


@pytest.mark.usefixtures("docker_clean_slate")
def test_alpine_network_stops_the_old_one_and_two_in_one_wait():
    assert make("alpine").returncode == 0

    network = timed_make("alpine-network")

    assert network.returncode == 0, network.output
    assert "$ docker stop one two" in network.stdout.splitlines()
    assert (
        "# two runs with another network than this command: replacing it too, in the same wait"
        in (network.stdout)
    )
    assert network.elapsed < 15, f"make alpine-network took {network.elapsed:.0f} s (two waits: 20)"
    assert make("ping").returncode == 0  # both on the network, as the lesson wants


@pytest.mark.usefixtures("docker_clean_slate")
def test_a_backend_moved_back_says_the_running_front_still_calls_the_old_port():
    assert make("build", "build-front").returncode == 0
    assert make("back", "BACK_PORT=3001").returncode == 0
    assert make("front").returncode == 0  # BASE_URL=http://localhost:3001, following back

    back = make("back", "BACK_PORT=3000")

    assert back.returncode == 0, back.output
    assert (
        "notice: front's page still calls the API at http://localhost:3001: 'make front' points "
        "it at http://localhost:3000"
    ) in back.stdout.splitlines()
    assert "-e BASE_URL=http://localhost:3000 " in make("front").stdout


# On Docker, then on Podman.


@pytest.mark.usefixtures("clean_slate")
def test_a_back_started_off_the_network_is_named_at_once_and_replaced(engine):
    assert engine.make("network", "db", "build").returncode == 0
    # The command: the lesson's, without --network.
    by_hand = "run -p 3000:3000 --name back --rm -e MYSQL_HOST=k8scourse-db -d k8scourse-back"
    assert engine.cli(*by_hand.split()).returncode == 0

    health = engine.timed_make("health")

    assert health.returncode != 0
    assert one_line(health, "'back' is not on the network k8scourse") == (
        "make: 'back' is not on the network k8scourse, so the name k8scourse-db does not "
        "resolve there: start it with --network k8scourse ('make back' replaces it)."
    )
    assert health.elapsed < AT_ONCE, f"make health took {health.elapsed:.0f} s"

    back = engine.make("back")

    assert back.returncode == 0, back.output
    assert "# back runs with another network than this command: replacing it" in back.stdout
    assert f"$ {engine} stop back" in back.stdout
    assert engine.make("wait-db", "health").returncode == 0

    # The backend gone, the database still there.
    assert engine.make("stop").returncode == 0
    stopped = engine.timed_make("health")
    assert one_line(stopped, "nothing answers on port 3000") == (
        "make: nothing answers on port 3000: the backend container 'back' is not running: "
        "start it with 'make back'."
    )
    assert "HTTP 000" not in stopped.output
    assert stopped.elapsed < AT_ONCE


@pytest.mark.usefixtures("clean_slate")
def test_health_before_the_database_exists_says_make_db(engine):
    assert engine.make("build", "back").returncode == 0  # the network and the backend, no database

    health = engine.timed_make("health")

    assert health.returncode != 0
    assert one_line(health, "k8scourse-db is not running") == (
        "make: the database container k8scourse-db is not running: start it with 'make db' "
        "(or everything with 'make up')."
    )
    assert health.elapsed < AT_ONCE


@pytest.mark.usefixtures("clean_slate")
def test_health_with_nothing_running_says_make_up(engine):
    health = engine.timed_make("health")

    assert health.returncode != 0
    assert one_line(health, "nothing answers") == (
        "make: nothing answers on port 3000: neither 'back' nor 'k8scourse-db' is running: "
        "start them with 'make up' (or 'make db', then 'make back')."
    )
    assert "HTTP 000" not in health.output
    assert health.elapsed < AT_ONCE


@pytest.mark.usefixtures("clean_slate")
def test_the_hints_name_the_projects_own_database(engine):
    other = ("PROJECT=photoshare", "BACK_IMAGE=k8scourse-back", "BACK_PORT=3100")
    try:
        assert engine.make("build").returncode == 0
        assert engine.make("back-broken", *other).returncode == 0
        health = engine.timed_make("health", *other)
    finally:
        engine.make("down", "PROJECT=photoshare")

    assert health.returncode == 0, health.output  # back-broken's failure: the lesson's point
    [line] = [line for line in health.stdout.splitlines() if line.startswith("# this is")]
    assert "-e MYSQL_HOST=photoshare-db" in line and "k8scourse-db" not in line
    assert "$ curl localhost:3100/health" in health.stdout
    assert health.elapsed < AT_ONCE


@pytest.mark.usefixtures("clean_slate")
def test_the_targets_follow_the_port_back_really_publishes(engine):
    assert engine.make("network", "db", "build", "build-front", "wait-db").returncode == 0
    assert engine.make("back", "BACK_PORT=3001").returncode == 0  # the port-clash advice, followed

    health = engine.timed_make("health")  # no BACK_PORT

    assert health.returncode == 0, health.output
    assert "notice: back publishes port 3001, so BACK_PORT=3001 (set BACK_PORT to choose)" in (
        health.stdout
    )
    assert "$ curl localhost:3001/health" in health.stdout
    assert health.elapsed < AT_ONCE
    assert "# back is already running" in engine.make("back").stdout
    front = engine.make("front")
    assert "-e BASE_URL=http://localhost:3001 -d k8scourse-front" in front.stdout
    wait_for_http("http://localhost:8080/config.json")
    assert json.loads(http("http://localhost:8080/config.json")[2]) == {
        "baseUrl": "http://localhost:3001",
        "name": "k8scourse",
    }

    # Asked for another port than back's: the one back really publishes, said so.
    asked = engine.make("health", "BACK_PORT=3000")
    assert asked.returncode == 0, asked.output
    assert "# back publishes port 3001, not 3000: asking that one" in asked.stdout


@pytest.mark.usefixtures("clean_slate")
def test_the_targets_follow_the_port_front_really_publishes(engine):
    """README: unless FRONT_PORT is set, the targets use the port the running front
    publishes: a plain `make back` then gives the backend that page's origin."""
    assert engine.make("network", "db", "build", "build-front", "back").returncode == 0
    front = engine.make("front", "FRONT_PORT=8081")  # the port-clash advice, followed
    assert front.returncode == 0, front.output

    back = engine.make("back")  # no FRONT_PORT

    assert back.returncode == 0, back.output
    assert "notice: front publishes port 8081, so FRONT_PORT=8081 (set FRONT_PORT to choose)" in (
        back.stdout.splitlines()
    )
    assert "# back runs with another environment than this command: replacing it" in back.stdout
    assert " -e CORS_ORIGINS=http://localhost:8081 -d k8scourse-back" in back.stdout
    again = engine.make("front")
    assert "# front is already running" in again.stdout, again.output
    wait_for_http("http://localhost:3000/livez")
    _, headers, _ = http("http://localhost:3000/livez", headers={"Origin": "http://localhost:8081"})
    assert headers["Access-Control-Allow-Origin"] == "http://localhost:8081"


@pytest.mark.usefixtures("clean_slate")
def test_a_refused_password_is_named_at_once(engine):
    """README: make health stops at once, naming the fix, on a refused password."""
    assert engine.make("network", "db", "build", "wait-db").returncode == 0
    wrong = "not-the-databases-password"
    back = engine.make("back", f"DB_PASSWORD={wrong}")
    assert back.returncode == 0, back.output

    health = engine.timed_make("health")

    assert health.returncode != 0
    assert "Access denied for user 'user'@" in health.stdout  # the backend's answer, shown
    assert one_line(health, "Access denied") == (
        "make: the database refuses the backend's user or password (Access denied): start the "
        "backend with the database's, e.g. make back DB_PASSWORD=... as given to make db."
    )
    assert wrong not in health.output + back.output
    assert health.elapsed < AT_ONCE, f"make health took {health.elapsed:.0f} s"


def said_at(engine, target, text, timeout=120):
    """Run make target; returns (seconds from the line with text to make's end, all its
    output): how long ahead of the wait's end the line was said."""
    child = subprocess.Popen(
        ["make", "--no-print-directory", target],
        cwd=REPO,
        env=engine.env(),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    when, lines = None, []
    for line in child.stdout:
        lines.append(line)
        if when is None and text in line:
            when = time.monotonic()
    assert child.wait(timeout=timeout) == 0, "".join(lines)
    assert when is not None, "".join(lines)
    return time.monotonic() - when, "".join(lines)


@pytest.mark.usefixtures("clean_slate")
def test_the_long_stops_say_why_before_they_wait(engine):
    assert engine.make("alpine").returncode == 0

    # alpine-network right after alpine stops the old one and two first: 2 x 10 s.
    # The line comes before the 10 s wait, not with make's end: at least half of that wait
    # ahead of the end, whatever make's start cost on a busy machine.
    ahead, output = said_at(engine, "alpine-network", "# one runs with another network")
    assert ahead > 5, f"said {ahead:.1f} s before make ended: held back?\n{output}"
    assert (
        "# one runs with another network than this command: replacing it (about 10 s: its "
        f"PID 1 is /bin/sh, which ignores SIGTERM, so {engine} stop waits, then kills it)"
    ) in output
    assert "# two runs with another network" in output

    started = time.monotonic()
    ahead, output = said_at(engine, "alpine-stop", "# stopping one takes a while")
    took = time.monotonic() - started
    assert ahead > 5, f"said {ahead:.1f} s before make ended: held back?\n{output}"
    # The README's row: about 10 s, as expected, and said where it is explained.
    seen, why, fix = troubleshooting_row("takes 10 s")
    assert quoted(seen) == ["make alpine-stop", "docker stop one"] and "10 s" in seen
    assert took > 9, took  # the SIGTERM that /bin/sh ignores, then the kill after 10 s
    assert "SIGTERM" in why and "(#1-containers-are-isolated)" in fix
    assert (
        "# stopping one takes a while (about 10 s: its PID 1 is /bin/sh, which ignores "
        f"SIGTERM, so {engine} stop waits, then kills it)"
    ) in output
