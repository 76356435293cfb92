"""The lesson, step by step, on the real engine: each outcome the lesson describes."""

import json
import os
import pty
import select
import socket
import subprocess
import time

import pytest
from lessonkit import REPO, docker, make

pytestmark = pytest.mark.e2e


def json_line(text):
    """The last JSON object printed on a line of its own (curl's body)."""
    return json.loads([line for line in text.splitlines() if line.startswith("{")][-1])


def remove(*names):
    docker("rm", "-f", *names)


@pytest.fixture
def alpine_pair():
    yield
    remove("one", "two")  # docker stop would wait 10 s: /bin/sh as PID 1 ignores SIGTERM
    docker("network", "rm", "alpine-network")


def test_containers_on_the_default_bridge_cannot_find_each_other(alpine_pair):
    assert make("alpine").returncode == 0
    listing = make("ls")
    assert "$ docker exec one ls" in listing.output
    assert "etc" in listing.stdout.split()

    ping = make("ping")

    # The failure is the lesson's point: ping's own error, then what it means, and no
    # make error.
    assert ping.returncode == 0, ping.output
    assert "ping: bad address 'two'" in ping.stderr
    assert (
        "# this is the failure the lesson shows (one is on the default bridge, which resolves "
        "no names); next: make alpine-network"
    ) in ping.stdout
    assert "Error" not in ping.output


def in_a_terminal(args, keystrokes, timeout=60):
    """Run args with a pseudo-terminal as stdin/stdout/stderr, typing each of keystrokes
    after a pause; returns (exit status, everything the terminal showed)."""
    controller, terminal = pty.openpty()
    child = subprocess.Popen(args, stdin=terminal, stdout=terminal, stderr=terminal, cwd=REPO)
    os.close(terminal)
    shown = b""

    def read_for(seconds):
        nonlocal shown
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            if select.select([controller], [], [], 0.1)[0]:
                try:
                    shown += os.read(controller, 4096)
                except OSError:  # the child closed the terminal
                    return

    read_for(2)
    for keys in keystrokes:
        os.write(controller, keys)
        read_for(2)
    status = child.wait(timeout=timeout)
    read_for(0.5)
    os.close(controller)
    return status, shown.decode(errors="replace")


def test_exit_after_a_failed_ping_in_the_shell_is_the_lessons_failure(alpine_pair):
    """make shell, then as the lesson: ping two (fails on the default bridge), exit."""
    assert make("alpine").returncode == 0

    status, shown = in_a_terminal(
        ["make", "--no-print-directory", "shell"], [b"ping -c 1 -W 1 two\n", b"exit\n"]
    )

    assert "bad address 'two'" in shown
    assert "this is the failure the lesson shows" in shown
    assert "next: make alpine-network" in shown
    assert status == 0, shown
    assert "Error 1" not in shown


def test_a_user_network_resolves_container_names(alpine_pair):
    assert make("alpine-network").returncode == 0
    members = json.loads(docker("network", "inspect", "alpine-network").stdout)[0]["Containers"]
    assert sorted(c["Name"] for c in members.values()) == ["one", "two"]

    ping = make("ping")

    assert ping.returncode == 0, ping.output
    assert "1 packets received" in ping.output


def test_shell_without_a_terminal_says_so():
    shell = make("shell")  # stdin is not a TTY here
    assert shell.returncode != 0
    assert "needs a terminal" in shell.output
    assert "docker exec -it one /bin/sh" not in shell.stdout  # refused before running


def test_back_without_mysql_host_cannot_reach_the_database():
    assert make("network", "db", "build").returncode == 0
    assert make("back-broken").returncode == 0

    health = make("health", "HEALTH_TIMEOUT=20")

    assert health.returncode != 0
    assert "$ curl localhost:3000/health" in health.output
    body = json_line(health.stdout)
    assert body["db"] is False
    assert body["mysql_host"] in ("localhost", "127.0.0.1")
    assert "-e MYSQL_HOST=<db container name>" in body["hint"]
    # The backend cannot know the database's name; the Makefile's one line names it.
    assert "'make back', which passes -e MYSQL_HOST=k8scourse-db" in health.stderr


def test_the_fix_mysql_host_makes_health_green():
    back = make("back")
    assert back.returncode == 0, back.output
    assert "$ docker stop back" in back.output  # as the lesson does, before running again
    assert "-e MYSQL_HOST=k8scourse-db" in back.output

    health = make("health")

    assert health.returncode == 0, health.output
    body = json_line(health.stdout)
    assert body["status"] == "running" and body["db"] is True
    assert "running" in make("logs").output.lower()  # the lesson: "the server is running"


def test_back_runs_as_a_non_root_user():
    assert make("up").returncode == 0
    uid = docker("exec", "back", "id", "-u")
    assert uid.returncode == 0, uid.stderr
    assert int(uid.stdout) != 0


def test_docker_stop_back_is_fast():
    assert make("up").returncode == 0
    started = time.monotonic()
    stop = docker("stop", "back")
    elapsed = time.monotonic() - started
    assert stop.returncode == 0
    # gunicorn is PID 1 in exec form and handles SIGTERM; a shell as PID 1 would take 10 s.
    assert elapsed < 2, f"docker stop back took {elapsed:.1f} s"


def test_up_twice_is_fine():
    first = make("up")
    assert first.returncode == 0, first.output
    second = make("up")
    assert second.returncode == 0, second.output
    assert "# k8scourse-db is already running" in second.output
    assert "# back is already running" in second.output
    assert '"db":true' in second.stdout.replace(" ", "")


@pytest.mark.parametrize(
    "target",
    ["network", "db", "wait-db", "build", "back", "build-front", "front", "stop", "alpine"],
)
def test_every_step_can_run_twice(target):
    first = make(target)
    assert first.returncode == 0, first.output
    second = make(target)
    assert second.returncode == 0, second.output
    if target == "alpine":
        remove("one", "two")


def test_port_in_use_by_a_container_is_named():
    make("stop")
    squatter = "run -d --rm --name k8scourse-e2e-squatter -p 3000:3000 alpine sleep 60"
    docker(*squatter.split())
    try:
        back = make("back")
    finally:
        remove("k8scourse-e2e-squatter")
    assert back.returncode != 0
    assert "make: port 3000 is already used by container 'k8scourse-e2e-squatter'" in back.stderr
    assert "Error response from daemon" not in back.output


def test_port_in_use_by_another_program_is_named():
    make("stop")
    with socket.socket() as squatter:
        squatter.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        squatter.bind(("0.0.0.0", 3000))  # noqa: S104 - the port Docker publishes on
        squatter.listen()
        back = make("back")
    assert back.returncode != 0
    assert "make: port 3000 is already used by another program" in back.stderr
    assert docker("container", "inspect", "back").returncode != 0  # nothing left behind


def test_name_in_use_is_named():
    make("stop")
    assert docker("create", "--name", "back", "alpine").returncode == 0
    try:
        back = make("back")
    finally:
        remove("back")
    assert back.returncode != 0
    assert "make: the name 'back' is taken by an existing container" in back.stderr
    assert "docker rm -f back" in back.stderr


def test_missing_image_says_to_build_it():
    back = make("back", "BACK_IMAGE=k8scourse-not-built")
    assert back.returncode != 0
    missing = (
        "make: image 'k8scourse-not-built:latest' is missing: build it first with 'make build'"
    )
    assert missing in back.stderr


def test_docker_not_running_is_named():
    ps = make("ps", env={**os.environ, "DOCKER_HOST": "unix:///nonexistent/docker.sock"})
    assert ps.returncode != 0
    assert "make: Docker is not running" in ps.stderr


def test_down_twice_leaves_nothing():
    assert make("up").returncode == 0
    first = make("down")
    assert first.returncode == 0, first.output
    second = make("down")
    assert second.returncode == 0, second.output
    assert "# back is not running" in second.output
    for name in ("one", "two", "back", "k8scourse-db"):
        assert docker("container", "inspect", name).returncode != 0, name
    for network in ("k8scourse", "alpine-network"):
        assert docker("network", "inspect", network).returncode != 0, network


def test_make_lesson_walks_the_whole_lesson():
    lesson = make("lesson", timeout=600)
    assert lesson.returncode == 0, lesson.output
    assert "all as the lesson says" in lesson.output
    assert "NOT AS IN THE LESSON" not in lesson.output
    assert "\x1b[" not in lesson.output  # not a terminal: no colour codes in the log
