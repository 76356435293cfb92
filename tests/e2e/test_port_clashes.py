"""A port already in use, on the real engines: make names what holds it (a container of
this engine or of the other, another program, with its PID or the command that shows it),
the variable that moves the port, and from a renamed copy every clash of make up at once,
with commands that work there. The parsers behind these messages read every engine's
forms offline: tests/test_engine_forms.py.

The tests that take `engine` run on Docker, then on Podman; the others on Docker only.
"""

import os
import socket
from contextlib import contextmanager

import pytest
from copies import learner_copy, path_without, rename
from kit import missing_part, quoted, says, troubleshooting_row
from real_engines import AT_ONCE, Engine, docker, make, one_line, timed_make

pytestmark = pytest.mark.e2e


# On Docker only: before the tests that take `engine` (conftest.py's docker_clean_slate).


@pytest.mark.usefixtures("docker_clean_slate")
def test_up_in_a_renamed_copy_names_every_clash_at_once_with_commands_that_work_there(tmp_path):
    assert make("up", timeout=900).returncode == 0  # the lesson's stack
    copy = rename(learner_copy(tmp_path / "photoshare"), "photoshare")

    up = timed_make("up", cwd=copy)

    assert up.returncode != 0
    assert [line for line in up.stderr.splitlines() if line.startswith("make: ")][0] == (
        "make: make up PROJECT=photoshare would publish ports that are already in use: "
        "3306 (DB_PORT) by container 'k8scourse-db', 3000 (BACK_PORT) by container 'back', "
        "8080 (FRONT_PORT) by container 'front'. Free them ('make down PROJECT=k8scourse'), "
        "or use free ports: make up PROJECT=photoshare DB_PORT=3307 BACK_PORT=3001 "
        "FRONT_PORT=8081."
    )
    assert up.elapsed < AT_ONCE
    seen, _, _ = troubleshooting_row("would publish ports that are already in use")
    assert says(up.stderr, quoted(seen)[0])
    assert "$ " not in up.stdout  # nothing started
    assert docker("network", "inspect", "photoshare").returncode != 0

    # From the lesson's folder its own stack is no clash: make up keeps it.
    assert make("ports").returncode == 0
    # The command the line names works from the copy.
    assert make("down", "PROJECT=k8scourse", cwd=copy).returncode == 0
    assert docker("container", "inspect", "k8scourse-db").returncode != 0


@contextmanager
def squatting(port):
    """Another program (this test) listening on port, as a learner's dev server would."""
    with socket.socket() as squatter:
        squatter.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        squatter.bind(("0.0.0.0", port))  # noqa: S104 - the port the engine publishes on
        squatter.listen()
        yield


@pytest.mark.usefixtures("docker_clean_slate")
def test_a_port_held_by_another_program_names_it_or_the_command_that_shows_it(tmp_path):
    assert make("build").returncode == 0
    with squatting(3000):
        back = make("back")
        up = make("ports")
        bare_path = path_without("ss", tmp_path / "bin")
        (tmp_path / "bin" / "lsof").unlink(missing_ok=True)
        blind = make("back", env={**os.environ, "PATH": bare_path})

    assert back.returncode != 0
    assert "make: port 3000 is already used by another program on this machine, " in back.stderr
    assert f"(PID {os.getpid()}): stop it, or publish the backend on another port" in back.stderr
    assert "3000 (BACK_PORT) by another program on this machine, " in up.stderr
    assert f"(PID {os.getpid()}). Free them (stop that program)" in up.stderr
    assert (
        "make: port 3000 is already used by another program on this machine (to see which: "
        "'ss -ltnp' on Linux, 'lsof -iTCP:3000 -sTCP:LISTEN' on macOS): stop it, or"
    ) in blind.stderr


# On Docker, then on Podman.


@pytest.mark.usefixtures("clean_slate")
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


def engine_errors(result):
    """The engine's own error lines that reached the learner (Docker's or Podman's)."""
    return [line for line in result.stderr.splitlines() if line.startswith(("Error", "docker:"))]


@pytest.mark.parametrize("held_by", ["this engine", "the other engine"])
def test_port_in_use_by_a_container_is_named(engine, held_by):
    """Docker and Podman share the host's ports: the message names the container that holds
    the port, of either engine."""
    other = Engine("podman" if engine.name == "docker" else "docker")
    holder = engine if held_by == "this engine" else other
    if not holder.answers():
        missing_part(f"no {holder.title} engine answers here (CI has both)")
    engine.make("stop")
    name = "k8scourse-e2e-squatter"
    squatter = f"run -d --rm --name {name} -p 3000:3000 alpine sleep 60"
    assert holder.cli(*squatter.split()).returncode == 0
    try:
        back = engine.make("back")
        # Typed by hand, the engine's own words: those the README's row quotes.
        by_hand = engine.cli(*f"run --rm --name {name}-2 -p 3000:3000 alpine true".split())
        engine.remove(f"{name}-2")
    finally:
        holder.remove(name)
    seen, _, fix = troubleshooting_row("port is already allocated")
    assert by_hand.returncode != 0
    assert any(says(by_hand.stderr, words) for words in quoted(seen)), by_hand.stderr
    assert "`make down`" in fix and "`make up BACK_PORT=3001`" in fix
    assert back.returncode != 0
    if holder is engine:
        said = f"container '{name}': stop it ('{engine} stop {name}')"
    else:
        said = f"{other}'s container '{name}': stop it ('{other} stop {name}')"
    assert f"make: port 3000 is already used by {said}" in back.stderr
    assert engine_errors(back) == []


def test_port_in_use_by_another_program_is_named(engine):
    engine.make("stop")
    with socket.socket() as squatter:
        squatter.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        squatter.bind(("0.0.0.0", 3000))  # noqa: S104 - the port the engine publishes on
        squatter.listen()
        back = engine.make("back")
    assert back.returncode != 0
    assert "make: port 3000 is already used by another program" in back.stderr
    assert engine.cli("container", "inspect", "back").returncode != 0  # nothing left behind
