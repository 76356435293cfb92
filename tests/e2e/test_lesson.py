"""The lesson's targets on the real engines, beyond the walk (test_walks.py): a target run
again, the lesson's failures told from real ones, and each classic mistake answered at
once in one line that names the fix. On Docker; the tests that take `engine` run on Docker,
then on Podman, for the README's Podman table: where the engines differ.

"At once" is real_engines.AT_ONCE, a generous bound far below HEALTH_TIMEOUT (90 s): these
tests check that a target does not wait when waiting cannot help, not its speed.
"""

import os
import pty
import re
import shutil
import socket
import subprocess
import time
from contextlib import contextmanager
from pathlib import Path

import pytest
from copies import learner_copy, path_without, rename
from kit import (
    lesson_commands,
    missing_part,
    quoted,
    readme_row,
    says,
    troubleshooting_row,
    wait_until,
)
from real_engines import AT_ONCE, REPO, Engine, docker, json_line, make, one_line, run, timed_make

pytestmark = pytest.mark.e2e


@contextmanager
def squatting(port):
    """Another program (this test) listening on port, as a learner's dev server would."""
    with socket.socket() as squatter:
        squatter.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        squatter.bind(("0.0.0.0", port))  # noqa: S104 - the port the engine publishes on
        squatter.listen()
        yield


def container_id(engine, name):
    return engine.cli("container", "inspect", "-f", "{{.Id}}", name).stdout.strip()


# On Docker only: before the tests that take `engine` (conftest.py's docker_clean_slate).


@pytest.mark.usefixtures("docker_clean_slate")
def test_health_after_back_broken_is_the_lessons_failure_and_a_real_one_is_not():
    assert make("build", "back-broken").returncode == 0

    health = timed_make("health")

    assert health.returncode == 0, health.output
    assert json_line(health.stdout)["mysql_host"] == "localhost"
    assert (
        "# this is the failure the lesson shows (back runs without MYSQL_HOST, so it looks for "
        "the database on localhost, which inside its container is the container itself); "
        "next: make back, which passes -e MYSQL_HOST=k8scourse-db"
    ) in health.stdout.splitlines()
    assert "Error" not in health.output
    assert health.elapsed < AT_ONCE
    seen, _, fix = troubleshooting_row("Can't connect to MySQL server on 'localhost'")
    assert says(json_line(health.stdout)["error"], quoted(seen)[1])
    assert "-e MYSQL_HOST=k8scourse-db" in fix and "`make back`" in fix

    # MYSQL_HOST=localhost given by hand is no step of the lesson: a real failure.
    assert make("stop").returncode == 0
    by_hand = "-p 3000:3000 --network k8scourse -e MYSQL_HOST=localhost k8scourse-back"
    assert docker("run", "-d", "--rm", "--name", "back", *by_hand.split()).returncode == 0
    real = make("health")
    assert real.returncode != 0
    assert "the lesson's fix is 'make back', which passes -e MYSQL_HOST=k8scourse-db" in (
        real.stderr
    )
    assert "failure the lesson shows" not in real.output


@pytest.mark.usefixtures("docker_clean_slate")
def test_make_lesson_on_a_terminal_asks_before_it_stops_the_database():
    assert make("db").returncode == 0
    main, terminal = pty.openpty()
    child = subprocess.Popen(
        ["make", "--no-print-directory", "lesson"],
        cwd=REPO,
        stdin=terminal,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    os.write(main, b"n\n")
    output, _ = child.communicate(timeout=60)
    os.close(main)
    os.close(terminal)

    assert child.returncode != 0
    assert (
        "# make lesson starts from a clean slate: it stops k8scourse-db, and the data in "
        "k8scourse-db goes with it (it runs with --rm)"
    ) in output.splitlines()
    # The answer's newline is the terminal's echo: here the line follows the question.
    assert (
        "Stop them and go on? [y/N] make: nothing stopped, nothing run: stop them when you are "
        "ready (make down PROJECT=k8scourse), then make lesson again."
    ) in output.splitlines()
    assert docker("container", "inspect", "k8scourse-db").returncode == 0  # still there


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
    assert ping.stderr.splitlines()[0:1] == [
        "make: container 'one' is not running: start it with 'make alpine-network' "
        "(the network alpine-network exists: you are at the lesson's part 2)."
    ]


def test_a_user_outside_the_docker_group_is_told_how_to_join_it():
    seen, _, fix = troubleshooting_row("permission denied while trying to connect")
    if not shutil.which("runuser"):
        missing_part("runuser (util-linux) is needed to run make as another user")
    if Path("/var/run/docker.sock").stat().st_mode & 0o007:
        pytest.fail("/var/run/docker.sock is open to every user: nobody would be let in")
    # nobody: in no group that may use the socket (root's and docker's, mode 660).
    as_nobody = {"PATH": os.environ["PATH"], "HOME": "/nonexistent", "DOCKER": "docker"}
    nobody = ("runuser", "-u", "nobody", "--")

    by_hand = run(*nobody, "docker", "ps", env=as_nobody)
    ps = run(*nobody, "make", "--no-print-directory", "ps", env=as_nobody)

    assert by_hand.returncode != 0 and quoted(seen)[0] in by_hand.stderr
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
    assert make("network").returncode == 0
    started = run("bash", "-c", lesson_db.removeprefix("cd db && "), cwd=tmp_path)
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
def test_each_wrong_backend_is_named_at_once():
    """make health, where waiting cannot help: nothing running, no database, the backend
    off the network, on another port, or refused by the database; each one line."""
    nothing = timed_make("health")
    assert one_line(nothing, "nothing answers") == (
        "make: nothing answers on port 3000: neither 'back' nor 'k8scourse-db' is running: "
        "start them with 'make up' (or 'make db', then 'make back')."
    )
    assert make("build", "back").returncode == 0  # the network and the backend, no database
    no_db = timed_make("health")
    assert one_line(no_db, "k8scourse-db is not running") == (
        "make: the database container k8scourse-db is not running: start it with 'make db' "
        "(or everything with 'make up')."
    )
    # The lesson's MYSQL_HOST without its --network.
    assert make("db", "wait-db").returncode == 0
    docker("rm", "-f", "back")
    by_hand = "run -p 3000:3000 --name back --rm -e MYSQL_HOST=k8scourse-db -d k8scourse-back"
    assert docker(*by_hand.split()).returncode == 0
    off = timed_make("health")
    assert one_line(off, "'back' is not on the network k8scourse") == (
        "make: 'back' is not on the network k8scourse, so the name k8scourse-db does not "
        "resolve there: start it with --network k8scourse ('make back' replaces it)."
    )
    seen, _, fix = troubleshooting_row("Name or service not known")
    body = json_line(off.stdout)
    assert any(says(body["error"], words) for words in quoted(seen)[1:]), body["error"]
    assert fix.startswith("`make back`")
    # Moved to another port, and asked on the default one.
    assert make("back", "BACK_PORT=3001").returncode == 0
    moved = timed_make("health")
    assert one_line(moved, "publishes port 3001") == (
        "make: 'back' publishes port 3001, not 3000: make health BACK_PORT=3001 (pass the "
        "port you gave make back)."
    )
    seen, _, fix = troubleshooting_row("publishes port 3001, not 3000")
    assert says(moved.stderr, quoted(seen)[0]) and "`make health BACK_PORT=3001`" in fix
    # Another password than the database's: never printed.
    wrong = "not-the-databases-password"
    assert make("back", f"DB_PASSWORD={wrong}").returncode == 0
    refused = timed_make("health")
    assert "Access denied for user 'user'@" in refused.stdout  # the backend's answer, shown
    assert one_line(refused, "Access denied") == (
        "make: the database refuses the backend's user or password (Access denied): start the "
        "backend with the database's, e.g. make back DB_PASSWORD=... as given to make db."
    )
    assert wrong not in refused.output
    for result in (nothing, no_db, off, moved, refused):
        assert result.returncode != 0 and "HTTP 000" not in result.output
        assert result.elapsed < AT_ONCE, result.output


@pytest.mark.usefixtures("docker_clean_slate")
def test_the_hints_name_the_projects_own_database():
    other = ("PROJECT=photoshare", "BACK_IMAGE=k8scourse-back", "BACK_PORT=3100")
    try:
        assert make("build", "back-broken", *other).returncode == 0
        health = make("health", *other)
    finally:
        make("down", "PROJECT=photoshare")

    assert health.returncode == 0, health.output  # back-broken's failure: the lesson's point
    [line] = [line for line in health.stdout.splitlines() if line.startswith("# this is")]
    assert "-e MYSQL_HOST=photoshare-db" in line and "k8scourse-db" not in line
    assert "$ curl localhost:3100/health" in health.stdout


@pytest.mark.usefixtures("docker_clean_slate")
def test_a_name_taken_by_a_stopped_container_names_the_command_that_removes_it():
    """make db keeps a running database; a stopped one of its name (lesson 3's, without
    --rm) only `docker rm` frees."""
    assert docker("create", "--name", "k8scourse-db", "alpine").returncode == 0
    try:
        db = make("db")
        by_hand = docker("run", "--rm", "--name", "k8scourse-db", "alpine", "true")
    finally:
        docker("rm", "k8scourse-db")

    assert db.returncode != 0
    assert one_line(db, "is taken") == (
        "make: the name 'k8scourse-db' is taken by a container that is not running: remove it "
        "with 'docker rm k8scourse-db', then retry."
    )
    seen, _, fix = troubleshooting_row("is already in use by container")
    assert any(says(by_hand.stderr, words) for words in quoted(seen)), by_hand.stderr
    assert "`docker rm k8scourse-db`" in fix


@pytest.mark.usefixtures("docker_clean_slate")
@pytest.mark.parametrize(
    "target, variable, builder",
    [("back", "BACK_IMAGE", "build"), ("front", "FRONT_IMAGE", "build-front")],
)
def test_a_missing_image_says_to_build_it(target, variable, builder):
    seen, _, fix = troubleshooting_row("Unable to find image")
    made = make(target, f"{variable}=k8scourse-not-built")
    by_hand = docker("run", "--rm", "k8scourse-not-built")

    assert made.returncode != 0
    assert (
        f"make: image 'k8scourse-not-built:latest' is missing: build it first with 'make "
        f"{builder}'."
    ) in made.stderr.splitlines()
    assert "Unable to find image 'k8scourse-not-built:latest' locally" in by_hand.stderr
    assert "`Unable to find image 'k8scourse-back:latest' locally`" in seen
    assert f"`make {builder}`" in fix


@pytest.mark.usefixtures("docker_clean_slate")
def test_up_names_every_clash_at_once_with_commands_that_work_where_it_runs(tmp_path):
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
    assert make("ports").returncode == 0  # from the lesson's folder its own stack is no clash
    assert make("down", "PROJECT=k8scourse", cwd=copy).returncode == 0  # the named command works
    assert docker("container", "inspect", "k8scourse-db").returncode != 0


@pytest.mark.usefixtures("docker_clean_slate")
def test_a_port_held_by_a_program_names_it_and_the_variable_that_moves(tmp_path):
    assert make("build", "build-front").returncode == 0
    bare_path = path_without("ss", tmp_path / "bin")
    (tmp_path / "bin" / "lsof").unlink(missing_ok=True)
    said = {}
    for target, port in (("back", 3000), ("front", 8080), ("db", 3306)):
        with squatting(port):
            said[target] = timed_make(target)
            if target == "back":
                blind = make("back", env={**os.environ, "PATH": bare_path})

    pid = f"(PID {os.getpid()}): stop it, or "
    assert one_line(said["back"], "port 3000").endswith(
        f"{pid}publish the backend on another port: make back BACK_PORT=3001 (make health and "
        "the front's BASE_URL follow BACK_PORT; make up BACK_PORT=3001 starts all three on it)."
    )
    assert one_line(said["front"], "port 8080").endswith(
        f"{pid}publish the front on another port: make up FRONT_PORT=8081 (the backend's "
        "CORS_ORIGINS follows FRONT_PORT)."
    )
    assert one_line(said["db"], "port 3306").endswith(
        f"{pid}publish the database on another port: make db DB_PORT=3307 (only your machine "
        "uses it: the backend reaches the database over the network)."
    )
    assert (
        "make: port 3000 is already used by another program on this machine (to see which: "
        "'ss -ltnp' on Linux, 'lsof -iTCP:3000 -sTCP:LISTEN' on macOS): stop it, or"
    ) in blind.stderr
    for result in said.values():
        assert result.returncode != 0 and result.elapsed < AT_ONCE
    assert docker("container", "inspect", "back").returncode != 0  # nothing left behind


def test_no_registry_and_no_debian_tools_say_to_check_the_connection(tmp_path):
    """A Mac, say, where no registry answers: nothing to build a stand-in with either, so
    pull-or-build gives up in the words of the README's row, after the engine's own."""
    seen, _, fix = troubleshooting_row("no stand-in can be built on this machine")
    image = "mysql:k8scourse-e2e-absent"  # a mysql that no registry holds
    env = {
        **os.environ,
        "PATH": path_without("mmdebstrap", tmp_path / "bin"),
        "STANDIN_SUITE": "k8scourse-e2e-absent",  # and no stand-in base is built yet
    }

    ran = run("standins/pull-or-build", image, env=env, timeout=300)

    assert ran.returncode == 1
    *engines_words, last = ran.stderr.strip().splitlines()
    assert says(last, quoted(seen)[0].replace("mysql:5.7", image)), ran.stderr
    # Between "pulling" and the last line, the engine's own error.
    assert engines_words[0] == f"pull-or-build: pulling {image}"
    assert [line for line in engines_words[1:] if "pull-or-build" not in line], ran.stderr
    assert "`docker pull mysql:5.7`" in fix


def test_the_lessons_db_command_typed_in_a_folder_with_a_space_is_refused(tmp_path):
    """`-v $(pwd)/init.sql:…` unquoted, in "My Course": the shell splits the path, the
    engine reads "Course/init.sql:…" as the image, and says so in the README row's words."""
    _, known, _ = readme_row("Your machine", "invalid reference format")
    [lesson_db] = [c for c in lesson_commands() if "--name k8scourse-db" in c]
    folder = tmp_path / "My Course"
    folder.mkdir()
    (folder / "init.sql").write_text("SELECT 1;\n")
    for engine, words in zip(("docker", "podman"), quoted(known)[1:3], strict=True):
        typed = lesson_db.removeprefix("cd db && ").replace("docker run", f"{engine} run", 1)
        ran = run("bash", "-c", typed, cwd=folder)
        assert ran.returncode == 125 and says(ran.stderr, words), (engine, ran.stderr)
        assert run(engine, "container", "inspect", "k8scourse-db").returncode != 0
    assert "`-v $(pwd)/init.sql:…`" in known and '`-v "$(pwd)"/init.sql:…`' in known


# On Docker, then on Podman: what a target run again does, and the README's Podman table.


@pytest.mark.usefixtures("clean_slate")
def test_a_target_run_again_replaces_its_container_and_keeps_the_database(engine):
    remove = "rm -f -t 0" if engine.name == "podman" else "rm -f"
    first = engine.make("up", timeout=900)
    assert first.returncode == 0, first.output
    db, back = container_id(engine, "k8scourse-db"), container_id(engine, "back")
    assert int(engine.cli("exec", "back", "id", "-u").stdout) != 0  # non-root

    second = engine.make("up")
    again = engine.make("back")

    for result in (second, again):
        assert result.returncode == 0, result.output
        lines = result.stdout.splitlines()
        assert lines.index(f"$ {engine} {remove} back") + 1 == lines.index(
            f"$ {engine} run -p 3000:3000 --name back --rm --network k8scourse "
            "-e MYSQL_HOST=k8scourse-db -d k8scourse-back"
        )
    assert f"$ {engine} {remove} front" in second.stdout.splitlines()
    assert (
        "# k8scourse-db is already running: kept, since it holds the data (to start it with other "
        f"flags: '{engine} stop k8scourse-db' deletes it and its rows, then make db)"
    ) in second.stdout.splitlines()
    assert '"db":true' in second.stdout.replace(" ", "")
    assert container_id(engine, "k8scourse-db") == db
    assert container_id(engine, "back") not in (back, "")
    assert engine.make("health").returncode == 0

    # gunicorn is PID 1 and handles SIGTERM: a stop in about a second, not the 10 s of a shell.
    started = time.monotonic()
    assert engine.cli("stop", "back").returncode == 0
    assert time.monotonic() - started < 5
    # make down twice: the second finds nothing, and nothing is left.
    assert engine.make("alpine").returncode == 0
    down = engine.timed_make("down")
    assert down.returncode == 0, down.output
    assert f"$ {engine} kill one" in down.stdout.splitlines()
    assert down.elapsed < 15, f"make down took {down.elapsed:.0f} s: did a stop wait 10 s?"
    assert "# k8scourse-db is not running" in engine.make("down").stdout
    for kind, name in [("container", n) for n in ("one", "two", "back", "k8scourse-db")] + [
        ("network", "k8scourse"),
        ("network", "alpine-network"),
    ]:
        assert not engine.has(kind, name), name


@pytest.fixture
def alpine_pair(engine):
    yield
    engine.remove("one", "two")  # a stop would wait 10 s: /bin/sh as PID 1 ignores SIGTERM
    engine.cli("network", "rm", "alpine-network")


def test_ping_without_net_raw_names_the_fix(engine, alpine_pair):
    """one started by hand without NET_RAW (Podman's default): ping is refused, and make
    alpine-network (which adds --cap-add=NET_RAW on Podman) gives it back."""
    assert engine.make("alpine-network").returncode == 0
    drop = ["--cap-drop", "NET_RAW"] if engine.name == "docker" else []
    engine.remove("one")
    by_hand = ["run", "-it", "-d", "--rm", "--name", "one", "--network", "alpine-network"]
    assert engine.cli(*by_hand, *drop, "alpine", "/bin/sh").returncode == 0

    ping = engine.make("ping")

    assert ping.returncode != 0
    _, _, said, fix = readme_row("On Podman", "ping: permission denied (are you root?)")
    assert says(ping.stderr, quoted(said)[0]) and "`alpine-network`" in fix
    if engine.name == "podman":
        assert (
            "make: ping needs the NET_RAW capability, which Podman drops by default: 'make "
            "alpine-network' starts one and two with --cap-add=NET_RAW (and replaces those "
            "without it)."
        ) in ping.stderr.splitlines()
    else:
        assert (
            "make: ping needs the NET_RAW capability, which 'one' was started without: remove "
            "it ('docker rm -f one') and start it again (make alpine-network)."
        ) in ping.stderr.splitlines()
    assert engine.make("alpine-network").returncode == 0
    assert "1 packets received" in engine.make("ping").stdout


def test_alpine_stop_says_why_before_it_waits(engine):
    assert engine.make("alpine").returncode == 0
    child = subprocess.Popen(
        ["make", "--no-print-directory", "alpine-stop"],
        cwd=REPO,
        env=engine.env(),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    started, said, lines = time.monotonic(), None, []
    for line in child.stdout:
        lines.append(line)
        if said is None and "# stopping one takes a while" in line:
            said = time.monotonic()
    assert child.wait(timeout=120) == 0, "".join(lines)
    ended = time.monotonic()

    assert said is not None and ended - said > 5, "".join(lines)  # said before the wait
    assert ended - started > 9  # the SIGTERM that /bin/sh ignores, then the kill after 10 s
    assert (
        "# stopping one takes a while (about 10 s: its PID 1 is /bin/sh, which ignores "
        f"SIGTERM, so {engine} stop waits, then kills it)\n"
    ) in lines
    seen, why, fix = troubleshooting_row("takes 10 s")
    assert quoted(seen) == ["make alpine-stop", "docker stop one"]
    assert "SIGTERM" in why and "(#1-containers-are-isolated)" in fix


def test_a_port_held_by_the_other_engine_names_its_container(engine):
    """Docker and Podman share the machine's ports."""
    other = Engine("podman" if engine.name == "docker" else "docker")
    if not other.answers():
        missing_part(f"no {other.title} engine answers here (CI has both)")
    name = "k8scourse-e2e-squatter"
    squatter = f"run -d --rm --name {name} -p 3000:3000 alpine sleep 60"
    assert other.cli(*squatter.split()).returncode == 0
    try:
        back = engine.make("back")
        by_hand = engine.cli(*f"run --rm --name {name}-2 -p 3000:3000 alpine true".split())
        engine.remove(f"{name}-2")
    finally:
        other.remove(name)
    seen, _, fix = troubleshooting_row("port is already allocated")
    assert any(says(by_hand.stderr, words) for words in quoted(seen)), by_hand.stderr
    assert "`make down`" in fix and "`make up BACK_PORT=3001`" in fix
    assert (
        f"make: port 3000 is already used by {other}'s container '{name}': stop it "
        f"('{other} stop {name}'), or publish the backend on another port"
    ) in back.stderr
    engine_errors = [line for line in back.stderr.splitlines() if line.startswith("Error")]
    assert back.returncode != 0 and engine_errors == []


def test_without_a_terminal_shell_refuses_before_it_runs(engine):
    shell = engine.make("shell")  # stdin is not a TTY here
    assert shell.returncode != 0
    assert "needs a terminal" in shell.output
    # Refused before running: Docker would refuse too, Podman would hang without a terminal.
    assert f"{engine} exec -it one /bin/sh" not in shell.stdout
    seen, _, fix = troubleshooting_row("the input device is not a TTY")
    assert "run `make shell` from a terminal" in fix
    if engine.name == "docker":  # Docker's own refusal, by hand, is the row's
        by_hand = engine.cli("run", "-it", "--rm", "alpine", "true")
        assert by_hand.returncode != 0 and says(by_hand.stderr, quoted(seen)[0]), by_hand.stderr


# How each engine is told where it runs, and so made unreachable.
UNREACHABLE = {
    "docker": {"DOCKER_HOST": "unix:///nonexistent/docker.sock"},
    "podman": {"CONTAINER_HOST": "unix:///nonexistent/podman.sock"},
}


def test_an_engine_not_running_is_named(engine):
    ps = engine.make("ps", env=UNREACHABLE[engine.name])
    by_hand = run(engine.name, "ps", env={**os.environ, **UNREACHABLE[engine.name]})

    assert ps.returncode != 0 and f"make: {engine.title} is not running" in ps.stderr
    assert by_hand.returncode != 0
    if engine.name == "docker":
        seen, _, fix = troubleshooting_row("Cannot connect to the Docker daemon")
    else:
        _, _, seen, fix = readme_row("On Podman", "Cannot connect to Podman")
    assert says(by_hand.stderr, quoted(seen)[0]), by_hand.stderr
    assert (
        "`sudo systemctl start docker`" if engine.name == "docker" else "`podman machine start`"
    ) in fix


@pytest.mark.parametrize("engine", ["podman"], indirect=True)  # in Podman's turn only
def test_an_image_podman_cannot_resolve_names_the_fix(engine, tmp_path):
    """Podman looks short names up only in the registries /etc/containers/registries.conf
    lists (Debian's lists none); Docker asks Docker Hub."""
    fix = 'add unqualified-search-registries = ["docker.io"] to /etc/containers/registries.conf'
    # Debian's setting, whatever this machine's is (CI's lists its mirror): a registries.conf
    # of one's own, in $HOME/.config/containers, replaces the system's and its drop-ins.
    (tmp_path / ".config" / "containers").mkdir(parents=True)
    (tmp_path / ".config" / "containers" / "registries.conf").write_text("")
    debian = engine.env(HOME=str(tmp_path))

    made = engine.make("alpine", "ALPINE_IMAGE=k8scourse-e2e-absent", env={"HOME": str(tmp_path)})
    ran = run(  # a Makefile copied without the stand-ins: the run command itself
        "scripts/run-step",
        "podman run -d --rm --name k8scourse-e2e-absent k8scourse-e2e-absent",
        env=debian,
    )
    by_hand = run("podman", "pull", "k8scourse-e2e-absent", env=debian)

    assert made.returncode != 0
    assert (
        "pull-or-build: k8scourse-e2e-absent is not here and cannot be pulled: podman has no "
        f"registry to look short names up in: {fix}"
    ) in made.stderr.splitlines()
    _, _, seen, rows_fix = readme_row("On Podman", 'short-name "alpine" did not resolve')
    [words] = [words for words in quoted(seen) if "short-name" in words]
    words = words.replace('"alpine"', '"k8scourse-e2e-absent"')
    own = str(tmp_path / ".config" / "containers" / "registries.conf")
    assert says(by_hand.stderr, words.replace("/etc/containers/registries.conf", own))
    assert 'unqualified-search-registries = ["docker.io"]' in rows_fix
    assert ran.returncode != 0
    assert (
        "make: image 'k8scourse-e2e-absent' is missing and cannot be pulled: Podman has no "
        f"registry to look short names up in: {fix}, or run 'make pull-images' to build local "
        "stand-ins."
    ) in ran.stderr.splitlines()


@pytest.mark.parametrize("engine", ["podman"], indirect=True)  # in Podman's turn only
def test_podmans_default_ulimits_refused_by_the_machine_are_the_readmes_row(engine, tmp_path):
    """Some machines (containers, VMs; CI's class) refuse Podman's default ulimits: the
    README row's words, and its fix, the setting .ci/run writes on CI's machine."""
    _, _, seen, fix = readme_row("On Podman", "cgroups in hybrid mode not supported")
    conf = tmp_path / "containers.conf"  # replaces the machine's (CONTAINERS_CONF)
    conf.write_text('[engine]\nruntime = "runc"\n')
    env = {**os.environ, "CONTAINERS_CONF": str(conf)}
    ran = run("podman", "run", "--rm", "alpine", "true", env=env)
    if ran.returncode == 0:
        missing_part("this machine takes Podman's default ulimits: the row's error cannot occur")
    assert any(says(ran.stderr, words) for words in quoted(seen)), ran.stderr

    assert "`default_ulimits = []`" in fix and '`runtime = "runc"`' in fix
    conf.write_text('[containers]\ndefault_ulimits = []\n\n[engine]\nruntime = "runc"\n')
    fixed = run("podman", "run", "--rm", "alpine", "true", env=env)
    assert fixed.returncode == 0, fixed.stderr


@pytest.mark.parametrize("engine", ["podman"], indirect=True)  # in Podman's turn only
def test_without_docker_make_names_podman(engine, tmp_path):
    """A machine with podman and no docker (the course's `alias docker=podman`, which make
    does not see): one line says how to choose Podman, and with it the lesson runs."""
    env = {**os.environ, "PATH": path_without("docker", tmp_path)}
    env.pop("DOCKER", None)

    refused = make("alpine", env=env)
    chosen = make("alpine", "DOCKER=podman", env=env)

    assert refused.returncode != 0
    assert re.search(
        r"docker is not installed, podman is: run make DOCKER=podman, or export DOCKER=podman "
        r"once in this shell\.  Stop\.$",
        refused.stderr,
        re.M,
    ), refused.stderr
    assert chosen.returncode == 0, chosen.output
    assert "$ podman run -it -d --rm --name one --cap-add=NET_RAW alpine /bin/sh" in chosen.stdout
    engine.remove("one", "two")
