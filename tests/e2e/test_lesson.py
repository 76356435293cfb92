"""The lesson, step by step, on each real engine (Docker, then Podman: the `engine`
fixture): each outcome the lesson describes, and each classic mistake's message; on
Docker only, the lesson's failure after make back-broken told from a real one, and the
README's first screen (make up, then its curl adds an image). A port already in use:
test_port_clashes.py; `make lesson`: test_walk_lesson.py."""

import json
import os
import pty
import select
import subprocess
import time

import pytest
from copies import path_without
from kit import missing_part, quoted, says, troubleshooting_row
from real_engines import AT_ONCE, REPO, docker, json_line, make, run, timed_make

pytestmark = pytest.mark.e2e


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
def test_the_readmes_first_screen_adds_an_image_beside_make_up():
    first_screen = (REPO / "README.md").read_text().split("```")[1]
    [add] = [line for line in first_screen.splitlines() if line.startswith("curl ")]
    assert make("up", timeout=900).returncode == 0

    added = run("bash", "-c", add.split("   #")[0] + " --silent --write-out '\\n%{http_code}'")

    assert added.stdout.splitlines()[-1] == "201", added.stdout + added.stderr
    listed = run("curl", "--silent", "localhost:3000/images").stdout
    assert '"caption": "a cat"' in listed.replace('"caption":"', '"caption": "')


# On Docker, then on Podman.


@pytest.fixture
def alpine_pair(engine):
    yield
    engine.remove("one", "two")  # a stop would wait 10 s: /bin/sh as PID 1 ignores SIGTERM
    engine.cli("network", "rm", "alpine-network")


def test_containers_on_the_default_bridge_cannot_find_each_other(engine, alpine_pair):
    assert engine.make("alpine").returncode == 0
    listing = engine.make("ls")
    assert f"$ {engine} exec one ls" in listing.output
    assert "etc" in listing.stdout.split()

    ping = engine.make("ping")

    # The failure is the lesson's point: ping's own error, then what it means, and no
    # make error.
    assert ping.returncode == 0, ping.output
    assert "ping: bad address 'two'" in ping.stderr
    seen, _, fix = troubleshooting_row("ping: bad address 'two'")
    assert (
        says(ping.stderr, quoted(seen)[0])
        and fix == "`make alpine-network` (a user-defined network)"
    )
    assert (
        "# this is the failure the lesson shows (one is on the default bridge, which resolves "
        "no names); next: make alpine-network"
    ) in ping.stdout
    assert "Error" not in ping.output


def in_a_terminal(args, keystrokes, env, timeout=60):
    """Run args with a pseudo-terminal as stdin/stdout/stderr, typing each of keystrokes
    after a pause; returns (exit status, everything the terminal showed)."""
    controller, terminal = pty.openpty()
    child = subprocess.Popen(
        args, stdin=terminal, stdout=terminal, stderr=terminal, cwd=REPO, env=env
    )
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


def test_exit_after_a_failed_ping_in_the_shell_is_the_lessons_failure(engine, alpine_pair):
    """make shell, then as the lesson: ping two (fails on the default bridge), exit."""
    assert engine.make("alpine").returncode == 0

    status, shown = in_a_terminal(
        ["make", "--no-print-directory", "shell"],
        [b"ping -c 1 -W 1 two\n", b"exit\n"],
        env=engine.env(),
    )

    assert "bad address 'two'" in shown
    assert "this is the failure the lesson shows" in shown
    assert "next: make alpine-network" in shown
    assert status == 0, shown
    assert "Error 1" not in shown


def test_a_user_network_resolves_container_names(engine, alpine_pair):
    started = engine.make("alpine-network")
    assert started.returncode == 0, started.output
    members = engine.cli("ps", "--filter", "network=alpine-network", "--format", "{{.Names}}")
    assert sorted(members.stdout.split()) == ["one", "two"]

    ping = engine.make("ping")

    assert ping.returncode == 0, ping.output
    assert "1 packets received" in ping.output


def test_make_inspect_shows_the_networks_containers(engine, alpine_pair):
    assert engine.make("alpine-network").returncode == 0

    inspect = engine.make("inspect")

    assert inspect.returncode == 0, inspect.output
    assert "$ docker network inspect alpine-network".replace("docker", engine.name) in (
        inspect.stdout
    )
    if engine.name == "docker":
        listed = json.loads(inspect.stdout.split("\n", 1)[1])[0]["Containers"].values()
        assert sorted(c["Name"] for c in listed) == ["one", "two"]
    else:  # Podman 4's network inspect lists no containers: make inspect says so, and why
        assert (
            "# Podman 4 lists no containers in network inspect: podman ps --filter "
            "network=alpine-network shows them\n$ podman ps --filter network=alpine-network\n"
        ) in inspect.stdout
        table = inspect.stdout.split("$ podman ps --filter network=alpine-network\n")[1]
        assert sorted(row.split()[-1] for row in table.splitlines()[1:]) == ["one", "two"]


def test_ping_without_net_raw_names_the_fix(engine, alpine_pair):
    """one and two started by hand without NET_RAW (Podman's default): ping is refused."""
    assert engine.make("alpine-network").returncode == 0
    drop = ["--cap-drop", "NET_RAW"] if engine.name == "docker" else []
    engine.remove("one")
    by_hand = ["run", "-it", "-d", "--rm", "--name", "one", "--network", "alpine-network"]
    assert engine.cli(*by_hand, *drop, "alpine", "/bin/sh").returncode == 0

    ping = engine.make("ping")

    assert ping.returncode != 0
    assert "ping: permission denied (are you root?)" in ping.stderr
    seen, _, fix = troubleshooting_row("ping: permission denied (are you root?)")
    assert says(ping.stderr, quoted(seen)[0]) and "`make alpine-network`" in fix
    if engine.name == "podman":
        assert (
            "make: ping needs the NET_RAW capability, which Podman drops by default: 'make "
            "alpine-network' starts one and two with --cap-add=NET_RAW (and replaces those "
            "without it)."
        ) in ping.stderr.splitlines()
        again = engine.make("alpine-network")
        assert "# one runs with another capability set than this command" in again.stdout
        assert engine.make("ping").returncode == 0
    else:
        assert (
            "make: ping needs the NET_RAW capability, which 'one' was started without: remove "
            "it ('docker rm -f one') and start it again (make alpine-network)."
        ) in ping.stderr.splitlines()


def test_shell_without_a_terminal_says_so(engine):
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


def test_back_without_mysql_host_cannot_reach_the_database(engine):
    assert engine.make("network", "db", "build").returncode == 0
    assert engine.make("back-broken").returncode == 0

    health = engine.make("health", "HEALTH_TIMEOUT=20")

    assert health.returncode == 0, health.output  # the lesson's failure, said so
    assert "$ curl localhost:3000/health" in health.output
    body = json_line(health.stdout)
    assert body["db"] is False
    assert body["mysql_host"] == "localhost"  # back/api/config.py's default, without MYSQL_HOST
    assert "-e MYSQL_HOST=<db container name>" in body["hint"]
    seen, _, fix = troubleshooting_row("Can't connect to MySQL server on 'localhost'")
    assert says(body["error"], quoted(seen)[1]), body["error"]
    assert "-e MYSQL_HOST=k8scourse-db" in fix and "`make back`" in fix
    # The backend cannot know the database's name; the Makefile's one line names it.
    assert "next: make back, which passes -e MYSQL_HOST=k8scourse-db" in health.stdout


def test_the_fix_mysql_host_makes_health_green(engine):
    # The lesson's fix replaces the backend it started without MYSQL_HOST.
    broken = engine.make("network", "db", "build", "back-broken")
    assert broken.returncode == 0, broken.output
    back = engine.make("back")
    assert back.returncode == 0, back.output
    assert f"$ {engine} stop back" in back.output  # as the lesson does, before running again
    assert "-e MYSQL_HOST=k8scourse-db" in back.output

    health = engine.make("health")

    assert health.returncode == 0, health.output
    body = json_line(health.stdout)
    assert body["status"] == "running" and body["db"] is True
    assert "running" in engine.make("logs").output.lower()  # the lesson: "the server is running"


def test_back_off_the_network_cannot_resolve_the_database(engine):
    """The lesson's MYSQL_HOST without its --network: a container's name resolves only on
    the networks it is on, and /health says so in the words the README's row quotes."""
    assert engine.make("network", "db", "build").returncode == 0
    engine.make("stop")
    by_hand = "run -d --rm --name back -p 3000:3000 -e MYSQL_HOST=k8scourse-db k8scourse-back"
    assert engine.cli(*by_hand.split()).returncode == 0

    health = engine.make("health", "HEALTH_TIMEOUT=20")

    body = json_line(health.stdout)
    assert body["db"] is False, health.output
    seen, _, fix = troubleshooting_row("Name or service not known")
    assert any(says(body["error"], words) for words in quoted(seen)[1:]), body["error"]
    assert fix.startswith("`make back` (it replaces a backend that runs otherwise)")
    assert engine.make("back").returncode == 0
    assert json_line(engine.make("health").stdout)["db"] is True


def test_back_runs_as_a_non_root_user(engine):
    assert engine.make("up").returncode == 0
    uid = engine.cli("exec", "back", "id", "-u")
    assert uid.returncode == 0, uid.stderr
    assert int(uid.stdout) != 0


def test_stop_back_is_fast(engine):
    assert engine.make("up").returncode == 0
    started = time.monotonic()
    stop = engine.cli("stop", "back")
    elapsed = time.monotonic() - started
    assert stop.returncode == 0
    # gunicorn is PID 1 in exec form and handles SIGTERM (about 1 s); a shell as PID 1 would
    # take the engine's 10 s grace period. The bound tells them apart on a busy machine.
    assert elapsed < 5, f"{engine} stop back took {elapsed:.1f} s"


def test_up_twice_is_fine(engine):
    first = engine.make("up")
    assert first.returncode == 0, first.output
    second = engine.make("up")
    assert second.returncode == 0, second.output
    assert "# k8scourse-db is already running" in second.output
    assert "# back is already running" in second.output
    assert '"db":true' in second.stdout.replace(" ", "")


@pytest.mark.parametrize(
    "target",
    ["network", "db", "wait-db", "build", "back", "build-front", "front", "stop", "alpine"],
)
def test_every_step_can_run_twice(engine, target):
    first = engine.make(target)
    assert first.returncode == 0, first.output
    second = engine.make(target)
    assert second.returncode == 0, second.output
    if target == "alpine":
        engine.remove("one", "two")


def test_name_in_use_is_named(engine):
    engine.make("stop")
    assert engine.cli("create", "--name", "back", "alpine").returncode == 0
    try:
        back = engine.make("back")
        by_hand = engine.cli("run", "--rm", "--name", "back", "alpine", "true")
    finally:
        engine.remove("back")
    seen, _, fix = troubleshooting_row("is already in use by container")
    assert by_hand.returncode != 0
    assert any(says(by_hand.stderr, words) for words in quoted(seen)), by_hand.stderr
    assert fix == "`docker rm -f back`, or `make down`"
    assert back.returncode != 0
    assert (
        "make: the name 'back' is taken by an existing container: remove it with "
        f"'{engine} rm -f back' (or 'make down'), then retry."
    ) in back.stderr.splitlines()


@pytest.mark.parametrize(
    "target, variable, builder",
    [("back", "BACK_IMAGE", "build"), ("front", "FRONT_IMAGE", "build-front")],
)
def test_missing_image_says_to_build_it(engine, target, variable, builder):
    seen, _, fix = troubleshooting_row("Unable to find image")
    made = engine.make(target, f"{variable}=k8scourse-not-built")
    assert made.returncode != 0
    # Docker names the image with its tag; Podman as it was given (a short name), unless it
    # has registries to look short names up in (Fedora; CI's mirror): then with its tag.
    searches = engine.name == "podman" and engine.cli(
        "info", "--format", "{{.Registries.search}}"
    ).stdout.strip() not in ("", "[]")
    tagged = engine.name == "docker" or searches
    image = "k8scourse-not-built:latest" if tagged else "k8scourse-not-built"
    missing = f"make: image '{image}' is missing: build it first with 'make {builder}'."
    assert missing in made.stderr.splitlines()
    # The README's row: Docker's own words, where one sees them (`docker run` by hand;
    # make shows its line instead), and the fix the line names.
    if engine.name == "docker":
        assert "`Unable to find image 'k8scourse-back:latest' locally`" in seen
        by_hand = engine.cli("run", "--rm", "k8scourse-not-built")
        assert "Unable to find image 'k8scourse-not-built:latest' locally" in by_hand.stderr
    assert f"`make {builder}`" in fix


@pytest.mark.parametrize("engine", ["podman"], indirect=True)  # in Podman's turn only
def test_an_image_podman_cannot_resolve_names_the_fix(engine, tmp_path):
    """Podman looks short names up only in the registries /etc/containers/registries.conf
    lists (Debian's lists none); Docker asks Docker Hub (its missing image: above)."""
    fix = 'add unqualified-search-registries = ["docker.io"] to /etc/containers/registries.conf'
    # Debian's setting, whatever this machine's is (CI's lists its mirror): a registries.conf
    # of one's own, in $HOME/.config/containers, replaces the system's and its drop-ins.
    (tmp_path / ".config" / "containers").mkdir(parents=True)
    (tmp_path / ".config" / "containers" / "registries.conf").write_text("")
    debian = engine.env(HOME=str(tmp_path))

    # Through make: the stand-ins' script, before anything runs.
    made = engine.make("alpine", "ALPINE_IMAGE=k8scourse-e2e-absent", env={"HOME": str(tmp_path)})
    # A Makefile copied without the stand-ins: the run command itself.
    ran = run(
        "scripts/run-step",
        "podman run -d --rm --name k8scourse-e2e-absent k8scourse-e2e-absent",
        env=debian,
    )

    assert made.returncode != 0
    assert (
        "pull-or-build: k8scourse-e2e-absent is not here and cannot be pulled: podman has no "
        f"registry to look short names up in: {fix}"
    ) in made.stderr.splitlines()
    # By hand, Podman's own words: the README's row (its image and file, for this one's).
    seen, _, rows_fix = troubleshooting_row('short-name "alpine" did not resolve')
    by_hand = run("podman", "pull", "k8scourse-e2e-absent", env=debian)
    words = quoted(seen)[0].replace('"alpine"', '"k8scourse-e2e-absent"')
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
    seen, _, fix = troubleshooting_row("cgroups in hybrid mode not supported")
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


# How each engine is told where it runs, and so made unreachable.
UNREACHABLE = {
    "docker": {"DOCKER_HOST": "unix:///nonexistent/docker.sock"},
    "podman": {"CONTAINER_HOST": "unix:///nonexistent/podman.sock"},
}


def test_engine_not_running_is_named(engine):
    ps = engine.make("ps", env=UNREACHABLE[engine.name])
    assert ps.returncode != 0
    assert f"make: {engine.title} is not running" in ps.stderr
    # By hand, the engine's own words: the README's row for each.
    by_hand = run(engine.name, "ps", env={**os.environ, **UNREACHABLE[engine.name]})
    assert by_hand.returncode != 0
    if engine.name == "docker":
        seen, _, fix = troubleshooting_row("Cannot connect to the Docker daemon")
        assert "`sudo systemctl start docker`" in fix
    else:
        seen, _, fix = troubleshooting_row("Cannot connect to Podman")
        assert "`podman machine start`" in fix
    assert says(by_hand.stderr, quoted(seen)[0]), by_hand.stderr


def test_down_removes_one_and_two_at_once(engine):
    """README (On Podman): `rm -f one` kills at once on Docker; Podman's stops first (10 s
    for /bin/sh as PID 1), so make down runs `podman rm -f -t 0 one`."""
    assert engine.make("alpine").returncode == 0
    remove = "rm -f -t 0" if engine.name == "podman" else "rm -f"

    down = engine.timed_make("down")

    assert down.returncode == 0, down.output
    assert f"$ {engine} {remove} one" in down.stdout.splitlines()
    assert f"$ {engine} {remove} two" in down.stdout.splitlines()
    # Two stops that waited would take 10 s each; at once, about a second each.
    assert down.elapsed < 15, f"make down took {down.elapsed:.0f} s: did rm -f wait for a stop?"
    for name in ("one", "two"):
        assert engine.cli("container", "inspect", name).returncode != 0, name


def test_down_twice_leaves_nothing(engine):
    assert engine.make("up").returncode == 0
    first = engine.make("down")
    assert first.returncode == 0, first.output
    second = engine.make("down")
    assert second.returncode == 0, second.output
    assert "# back is not running" in second.output
    for name in ("one", "two", "back", "k8scourse-db"):
        assert engine.cli("container", "inspect", name).returncode != 0, name
    for network in ("k8scourse", "alpine-network"):
        assert engine.cli("network", "inspect", network).returncode != 0, network


@pytest.mark.parametrize("engine", ["podman"], indirect=True)  # in Podman's turn only
def test_without_docker_the_makefile_takes_podman(engine, alpine_pair, tmp_path):
    """A machine with podman and no docker: no DOCKER to set, the lesson runs on Podman."""
    env = {**os.environ, "PATH": path_without("docker", tmp_path)}
    env.pop("DOCKER", None)

    started = make("alpine-network", env=env)
    ping = make("ping", env=env)

    assert started.returncode == 0, started.output
    assert started.stdout.startswith(
        "notice: docker is not installed, podman is: using DOCKER=podman (set DOCKER to choose)\n"
    )
    assert "$ podman run -it -d --rm --name one --network alpine-network --cap-add=NET_RAW " in (
        started.stdout
    )
    assert ping.returncode == 0, ping.output
    assert "$ podman exec one ping -c 1 -W 2 two" in ping.stdout
    assert "1 packets received" in ping.stdout
