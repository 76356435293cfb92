"""The lesson's dead ends, tried as a learner would: each answers at once, in one line
that names the fix, instead of waiting for a timeout.

Each runs on Docker, then on Podman (the `engine` fixture): the engines answer the
scripts' queries (inspect templates, `port`, `ps --filter`) a little differently.
"At once" is real_engines.AT_ONCE, a generous bound far below HEALTH_TIMEOUT (90 s): these
tests check that a target does not wait when waiting cannot help, not its speed.
The Compose and Swarm refusals are in test_compose.py and test_swarm.py.
"""

import json
import socket
import subprocess
import time

import pytest
from real_engines import AT_ONCE, REPO, http, wait_for_http

pytestmark = pytest.mark.e2e


@pytest.fixture(autouse=True)
def clean_slate(engine):
    engine.make("down")
    yield
    engine.make("down")


def one_line(result, text):
    """The one `make: ...` line of result that says text."""
    lines = [line for line in result.stderr.splitlines() if line.startswith("make: ")]
    said = [line for line in lines if text in line]
    assert len(said) == 1, result.output
    return said[0]


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


@pytest.mark.parametrize(
    "differs, by_hand, args",
    [
        pytest.param(
            "published port",
            "-p 3002:3000 --network k8scourse -e MYSQL_HOST=k8scourse-db k8scourse-back",
            ["BACK_PORT=3000"],  # asked for; without it, make follows the running back's port
            id="port",
        ),
        pytest.param(
            "environment",
            "-p 3000:3000 --network k8scourse -e MYSQL_HOST=k8scourse-db "
            "-e CORS_ORIGINS=http://localhost:9999 k8scourse-back",
            [],
            id="environment",
        ),
        pytest.param(
            "image",
            "-p 3000:3000 --network k8scourse -e MYSQL_HOST=k8scourse-db k8scourse-front",
            [],
            id="image",
        ),
    ],
)
def test_make_back_replaces_a_back_that_differs_from_its_command(engine, differs, by_hand, args):
    assert engine.make("network", "build", "build-front").returncode == 0
    assert engine.cli("run", "-d", "--rm", "--name", "back", *by_hand.split()).returncode == 0

    back = engine.make("back", *args)

    assert back.returncode == 0, back.output
    assert f"# back runs with another {differs} than this command: replacing it" in back.stdout
    started = json.loads(engine.cli("inspect", "back").stdout)[0]
    assert engine.cli("port", "back", "3000/tcp").stdout.split()[0].endswith(":3000")
    assert list(started["NetworkSettings"]["Networks"]) == ["k8scourse"]
    assert "MYSQL_HOST=k8scourse-db" in started["Config"]["Env"]
    assert not any(v.startswith("CORS_ORIGINS=") for v in started["Config"]["Env"])
    image = engine.cli("image", "inspect", "-f", "{{.Id}}", "k8scourse-back").stdout.strip()
    assert started["Image"] == image


def test_health_before_the_database_exists_says_make_db(engine):
    assert engine.make("back").returncode == 0  # the network and the backend, no database

    health = engine.timed_make("health")

    assert health.returncode != 0
    assert one_line(health, "k8scourse-db is not running") == (
        "make: the database container k8scourse-db is not running: start it with 'make db' "
        "(or everything with 'make up')."
    )
    assert health.elapsed < AT_ONCE


def test_health_with_nothing_running_says_make_up(engine):
    health = engine.timed_make("health")

    assert health.returncode != 0
    assert one_line(health, "nothing answers") == (
        "make: nothing answers on port 3000: neither 'back' nor 'k8scourse-db' is running: "
        "start them with 'make up' (or 'make db', then 'make back')."
    )
    assert "HTTP 000" not in health.output
    assert health.elapsed < AT_ONCE


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


@pytest.mark.parametrize(
    "target, port, advice",
    [
        (
            "back",
            3000,
            "publish the backend on another port: make back BACK_PORT=3001 (make health and "
            "the front's BASE_URL follow BACK_PORT; make up BACK_PORT=3001 starts all three on it)",
        ),
        (
            "front",
            8080,
            "publish the front on another port: make up FRONT_PORT=8081 "
            "(the backend's CORS_ORIGINS follows FRONT_PORT)",
        ),
        (
            "db",
            3306,
            "publish the database on another port: make db DB_PORT=3307 (only your machine "
            "uses it: the backend reaches the database over the network)",
        ),
    ],
)
def test_a_port_clash_names_the_variable_that_moves(engine, target, port, advice):
    assert engine.make("build", "build-front").returncode == 0
    with socket.socket() as squatter:
        squatter.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        squatter.bind(("0.0.0.0", port))  # noqa: S104 - the port Docker publishes on
        squatter.listen()
        result = engine.timed_make(target)

    assert result.returncode != 0
    line = one_line(result, f"port {port} is already used by another program")
    assert line.endswith(f"stop it, or {advice}.")
    if target == "db":
        assert "BACK_PORT" not in line
    assert result.elapsed < AT_ONCE


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

    ahead, output = said_at(engine, "alpine-stop", "# stopping one takes a while")
    assert ahead > 5, f"said {ahead:.1f} s before make ended: held back?\n{output}"
    assert (
        "# stopping one takes a while (about 10 s: its PID 1 is /bin/sh, which ignores "
        f"SIGTERM, so {engine} stop waits, then kills it)"
    ) in output
