"""scripts/, each run as make runs it, offline: against the stub engine answering what each
test says (tests/engines/stub), a fake engine running the real database clients on a real
MariaDB (backups), the real backend app or a small HTTP server on a port of this machine, and
fake commands on PATH (make, a browser). What a script prints is held literally: the one line
that names the fix is the product. Port questions run in a network namespace of their own
(unshare --net). ON_A_MAC_TOO runs a test again on a Mac's tools (copies.mac_path): the
scripts that parse text or ask who holds a port. The same scripts on real engines: tests/e2e."""

import json
import os
import re
import shutil
import sys

import pytest
from copies import OLD_GNU, mac_path
from flask import Flask
from kit import (
    REPO,
    free_port,
    missing_part,
    offline_env,
    offline_make,
    quoted,
    readme_row,
    run,
    says,
    serving,
    troubleshooting_row,
)

from api import create_app
from api.config import Config
from api.db import SchemaMismatch
from api.health import NO_RIGHTS_HINT

NO_RIGHTS = "(1044, \"Access denied for user 'user'@'%' to database 'images'\")"

NO_VALUE = "<no value>\n"  # a missing label, as `inspect -f '{{index .Config.Labels ...}}'`
NOT_RUNNING = {"stderr": "Error response from daemon: No such container\n", "status": 1}


def answer(args, stdout="", stderr="", status=0):
    return {"args": args, "stdout": stdout, "stderr": stderr, "status": status}


def running(name, yes=True):
    args = f"container inspect -f {{{{.State.Running}}}} {name}"
    return answer(args, "true\n") if yes else answer(args, **NOT_RUNNING)


@pytest.fixture(scope="session")
def mac_bin(tmp_path_factory):
    """A Mac's PATH (copies.mac_path), made once for the session."""
    if not OLD_GNU.exists():
        missing_part("../shared/tools/old-gnu is not beside the repository")
    return mac_path(tmp_path_factory.mktemp("mac") / "bin")


@pytest.fixture
def tools(request):
    """The PATH the scripts run with: this machine's, or (ON_A_MAC_TOO) a Mac's."""
    if getattr(request, "param", "gnu-tools") == "mac-tools":
        return request.getfixturevalue("mac_bin")
    return os.environ["PATH"]


ON_A_MAC_TOO = pytest.mark.parametrize("tools", ["gnu-tools", "mac-tools"], indirect=True)


class Engine:
    """The stub engine as `docker` and `podman`, answering `answers` (first match wins) and
    nothing else, first on PATH (this machine's tools, or a Mac's); it logs every command
    line it is asked (asked())."""

    def __init__(self, folder, *answers, name="docker", env=None, path=None):
        self.folder = folder
        form = folder / "form.json"
        form.write_text(json.dumps({"answers": answers}))
        names = {"DOCKER": name, "ENGINE": name, **(env or {})}
        self.env = offline_env(folder, str(form), names)
        self.env["STUB_ASKED"] = str(folder / "asked")
        self.env["PATH"] = f"{folder}{os.pathsep}{path or os.environ['PATH']}"

    def run(self, *args, netns=False, env=None, **kwargs):
        command = ["unshare", "--net", *args] if netns else args
        return run(*command, env={**self.env, **(env or {})}, timeout=60, **kwargs)

    def asked(self):
        path = self.folder / "asked"
        return path.read_text().splitlines() if path.exists() else []

    def unanswered(self):
        path = self.folder / "unanswered"
        return path.read_text().splitlines() if path.exists() else []


def last_line(result):
    lines = result.stderr.splitlines()
    return lines[-1] if lines else ""


# ---- scripts/run-step and explain-error.sh: the engine's refusals, one line each --------

BACK = "docker run -p 3000:3000 --name back --rm -d k8scourse-back"
MISSING = (
    "Unable to find image '{0}:latest' locally\ndocker: Error response from daemon: pull access "
    "denied for {0}, repository does not exist or may require 'docker login'\n"
)
# The engine, the command, its refusal, and the line that names the fix.
# fmt: off
REFUSALS = {
    "docker-not-running": ("docker", BACK,
        "Cannot connect to the Docker daemon at unix:///var/run/docker.sock. Is the docker "
        "daemon running?\n",
        "make: Docker is not running: start Docker Desktop, or 'sudo systemctl start docker' "
        "on Linux, then retry."),
    "podman-not-running": ("podman", BACK.replace("docker", "podman"),
        "Cannot connect to Podman. Please verify your connection to the Linux system using "
        "`podman system connection list`, or try `podman machine init` and `podman machine "
        "start` to manage a new Linux VM\nError: unable to connect to Podman socket\n",
        "make: Podman is not running: 'podman machine start' on macOS and Windows; on Linux, "
        "check CONTAINER_HOST and 'podman system connection list', then retry."),
    "name-taken": ("docker", BACK,
        'docker: Error response from daemon: Conflict. The container name "/back" is already '
        'in use by container "4b6f3c0a1d2e". You have to remove (or rename) that container to '
        "be able to reuse that name.\n",
        "make: the name 'back' is taken by a container that is not running: remove it with "
        "'docker rm back', then retry."),
    "name-taken-podman": ("podman", BACK.replace("docker", "podman"),
        'Error: creating container storage: the container name "back" is already in use by '
        "4b6f3c0a1d2e. You have to remove that container to be able to reuse that name: that "
        "name is already in use\n",
        "make: the name 'back' is taken by a container that is not running: remove it with "
        "'podman rm back', then retry."),
    "back-image-not-built": ("docker", BACK, MISSING.format("k8scourse-back"),
        "make: image 'k8scourse-back:latest' is missing: build it first with 'make build'."),
    "front-image-not-built": ("docker", "docker run -p 8080:8080 --name front --rm -d "
        "k8scourse-front", MISSING.format("k8scourse-front"),
        "make: image 'k8scourse-front:latest' is missing: build it first with 'make build-front'."),
    "arm-machine": ("docker", "docker run -p 3306:3306 -d --name k8scourse-db mysql:5.7",
        "docker: no matching manifest for linux/arm64/v8 in the manifest list entries.\n",
        "make: this image has no build for your ARM machine (mysql:5.7 is amd64-only): use a "
        "multi-arch image, e.g. make db DB_IMAGE=mysql:8.4."),
    "default-bridge": ("docker", "docker exec one ping -c 1 -W 2 two",
        "ping: bad address 'two'\n",
        "make: the containers cannot find each other by name: put both on one user-defined "
        "network (make alpine-network)."),
    "podman-net-raw": ("podman", "podman exec one ping -c 1 -W 2 two",
        "ping: permission denied (are you root?)\n",
        "make: ping needs the NET_RAW capability, which Podman drops by default: 'make "
        "alpine-network' starts one and two with --cap-add=NET_RAW (and replaces those "
        "without it)."),
    "no-such-container": ("docker", "docker exec one ls",
        "Error response from daemon: No such container: one\n",
        "make: container 'one' is not running: start it first (see 'make help')."),
}
# fmt: on


@ON_A_MAC_TOO
@pytest.mark.parametrize("case", REFUSALS)
def test_a_refused_command_is_one_line_naming_the_fix(case, tmp_path, tools):
    name, command, refusal, line = REFUSALS[case]
    words = command.split(" ", 1)[1]
    images = {"BACK_IMAGE": "k8scourse-back", "FRONT_IMAGE": "k8scourse-front"}
    answered = answer(words, stderr=refusal, status=125)
    engine = Engine(tmp_path, answered, name=name, env=images, path=tools)
    step = engine.run("scripts/run-step", command)
    assert step.returncode == 1, step.output
    assert step.stdout.splitlines() == [f"$ {command}"]
    assert last_line(step) == line, step.stderr
    assert engine.asked()[0] == words
    if case == "arm-machine":  # the README's row quotes the engine's words
        _, known, _ = readme_row("Your machine", "no matching manifest")
        assert any(says(refusal, words) for words in quoted(known))


def holders(ps_lines, labels=None):
    """What `ps --format '{{.Names}} {{.Ports}}'` lists, and each container's Compose label."""
    found = [answer("ps --format {{.Names}} {{.Ports}}", "".join(f"{x}\n" for x in ps_lines))]
    for name, project in (labels or {}).items():
        label = '{{index .Config.Labels "com.docker.compose.project"}}'
        found.append(answer(f"container inspect -f {label} {name}", f"{project}\n"))
    label = '{{index .Config.Labels "com.docker.compose.project"}}'
    return [*found, answer(f"container inspect -f {label} *", NO_VALUE)]


# fmt: off
TAKEN_PORTS = {
    # the port, make's variable, who holds it (ps), their Compose projects, the advice
    "front-of-another-copy": (8080, "FRONT_PORT",
        ["photoshare-front 0.0.0.0:8080->8080/tcp, [::]:8080->8080/tcp"], {},
        "make: port 8080 is already used by container 'photoshare-front': stop it ('make "
        "down PROJECT=photoshare'), or publish the front on another port: make up "
        "FRONT_PORT=8081 (the backend's CORS_ORIGINS follows FRONT_PORT)."),
    "database-of-a-compose-stack": (3306, "DB_PORT",
        ["photoshare-db-1 0.0.0.0:3306->3306/tcp"], {"photoshare-db-1": "photoshare"},
        "make: port 3306 is already used by container 'photoshare-db-1': stop it ('make "
        "compose-down PROJECT=photoshare'), or publish the database on another port: make db "
        "DB_PORT=3307 (only your machine uses it: the backend reaches the database over the "
        "network)."),
    "back-of-the-lesson-under-another-project": (3000, "BACK_PORT",
        ["back 0.0.0.0:3000->3000/tcp"], {},
        "make: port 3000 is already used by container 'back': stop it ('make down "
        "PROJECT=k8scourse'), or publish the backend on another port: make back "
        "BACK_PORT=3001 (make health and the front's BASE_URL follow BACK_PORT; make up "
        "BACK_PORT=3001 starts all three on it)"),
}
# fmt: on


@ON_A_MAC_TOO
@pytest.mark.parametrize("case", TAKEN_PORTS)
def test_a_taken_port_names_who_holds_it_and_the_port_to_use(case, tmp_path, tools):
    port, var, ps, labels, line = TAKEN_PORTS[case]
    refusal = f"Bind for 0.0.0.0:{port} failed: port is already allocated\n"
    names = {"PROJECT": "photoshare-not", "LESSON_PROJECT": "k8scourse"}
    refused = answer(f"run -p {port}:*", stderr=refusal, status=125)
    engine = Engine(tmp_path, refused, *holders(ps, labels), env=names, path=tools)
    command = f"docker run -p {port}:{port} -d --name x img"
    step = engine.run("scripts/run-step", "--port-var", var, command)
    assert step.returncode == 1, step.output
    assert last_line(step).startswith(line), step.stderr


def test_a_network_of_a_compose_stack_names_its_compose_down(tmp_path):
    members = "ps -a --filter network=k8scourse --format {{.Names}}"
    engine = Engine(
        tmp_path,
        answer("network inspect k8scourse", "[{}]\n"),
        answer(
            "network rm k8scourse",
            stderr="Error response from daemon: error while removing network: network "
            "k8scourse id 6d1e0b7c9a2f has active endpoints\n",
            status=1,
        ),
        answer(members, "k8scourse-db-1\nk8scourse-back-1\n"),
        *holders([], {"k8scourse-back-1": "k8scourse"}),
    )
    step = engine.run(
        "scripts/run-step", "--if-network", "k8scourse", "docker network rm k8scourse"
    )
    assert step.returncode == 1, step.output
    assert last_line(step) == (
        "make: network k8scourse is still used by the Compose stack k8scourse "
        "(k8scourse-back-1 k8scourse-db-1): stop it with 'make compose-down'."
    )


# ---- scripts/run-step: the guards that make a target safe to run twice -------------------

NETWORK = "network inspect {}"


def test_a_guard_skips_the_command_and_says_why(tmp_path):
    engine = Engine(
        tmp_path,
        running("back", False),
        answer(NETWORK.format("k8scourse"), "[{}]\n"),
        answer(NETWORK.format("*"), "[]\n", "Error: no such network\n", 1),
    )
    for guard, command, said in (
        ("--if-running back", "docker stop back", "# back is not running"),
        ("--unless-network k8scourse", "docker network create k8scourse", None),
        ("--if-network gone", "docker network rm gone", "# network gone does not exist"),
    ):
        step = engine.run("scripts/run-step", *guard.split(), command)
        assert step.returncode == 0, step.output
        said = said or "# network k8scourse already exists"
        assert step.stdout.splitlines() == [said], (guard, step.output)
    assert not [line for line in engine.asked() if " inspect " not in f" {line}"]


@pytest.mark.parametrize("engine_name", ["docker", "podman"])
@pytest.mark.parametrize("there", [True, False], ids=["there", "none"])
def test_replace_removes_the_container_of_its_name_then_runs_the_command(
    there, engine_name, tmp_path
):
    """make back (alpine, front) twice: the first container is removed, as the lesson's
    `docker stop back` before it runs back again; Podman's rm -f is told -t 0, or it would
    wait 10 s for a shell as PID 1. Both commands are printed."""
    rm = "rm -f back" if engine_name == "docker" else "rm -f -t 0 back"
    words = BACK.replace("docker", engine_name).split(" ", 1)[1]
    inspect = "container inspect back"
    found = answer(inspect, "[{}]\n") if there else answer(inspect, **NOT_RUNNING)
    engine = Engine(
        tmp_path, found, answer(rm, "back\n"), answer(words, "4b6f3c0a1d2e\n"), name=engine_name
    )
    step = engine.run("scripts/run-step", "--replace", "back", f"{engine_name} {words}")
    assert step.returncode == 0, step.output
    removed = [f"$ {engine_name} {rm}"] if there else []
    assert step.stdout.splitlines() == [*removed, f"$ {engine_name} {words}", "4b6f3c0a1d2e"]
    assert engine.asked() == ["container inspect back", *([rm] if there else []), words]


@pytest.mark.parametrize("there", [True, False], ids=["running", "none"])
def test_keep_leaves_a_running_database_and_says_how_to_start_it_otherwise(there, tmp_path):
    db = "docker run -p 3306:3306 -d --name k8scourse-db mysql:5.7"
    engine = Engine(tmp_path, running("k8scourse-db", there), answer(db.split(" ", 1)[1], "9c0d\n"))
    step = engine.run("scripts/run-step", "--keep", "k8scourse-db", db)
    assert step.returncode == 0, step.output
    assert step.stdout.splitlines() == (
        [
            "# k8scourse-db is already running: kept, since it holds the data (to start it with "
            "other flags: 'docker stop k8scourse-db' deletes it and its rows, then make db)"
        ]
        if there
        else [f"$ {db}", "9c0d"]
    )
    assert len(engine.asked()) == (1 if there else 2)


@pytest.mark.parametrize("network", [True, False], ids=["part-2", "part-1"])
def test_a_step_in_a_container_that_is_not_running_names_the_step_that_starts_it(network, tmp_path):
    engine = Engine(
        tmp_path,
        running("one", False),
        answer(NETWORK.format("alpine-network"), "[{}]\n")
        if network
        else answer(NETWORK.format("alpine-network"), "[]\n", "Error: no such network\n", 1),
    )
    step = engine.run("scripts/run-step", "--needs", "one", "alpine-network", "docker exec one ls")
    assert step.returncode == 1
    assert step.stdout == ""
    assert last_line(step) == (
        "make: container 'one' is not running: start it with 'make alpine-network' (the "
        "network alpine-network exists: you are at the lesson's part 2)."
        if network
        else "make: container 'one' is not running: start it with 'make alpine' (or 'make "
        "alpine-network' once you are at the lesson's part 2)."
    )


def test_a_shell_without_a_terminal_is_refused_before_it_runs(tmp_path):
    engine = Engine(tmp_path, running("one"))
    step = engine.run("scripts/run-step", "--tty", "docker exec -it one /bin/sh")
    assert step.returncode == 1
    assert last_line(step) == (
        "make: this step opens an interactive shell and needs a terminal: run it from a shell "
        "(in scripts: make ping, or docker exec one ls)."
    )
    assert engine.asked() == []


@pytest.mark.parametrize("bridge", [True, False], ids=["default-bridge", "user-network"])
def test_the_lessons_own_failure_is_said_and_succeeds_only_on_the_default_bridge(bridge, tmp_path):
    networks = (
        "container inspect -f {{range $net, $_ := .NetworkSettings.Networks}}{{$net}} {{end}} one"
    )
    on = answer(networks, "bridge \n" if bridge else "alpine-network \n")
    unknown = answer("exec one ping -c 1 -W 2 two", stderr="ping: bad address 'two'\n", status=1)
    engine = Engine(tmp_path, running("one"), on, unknown)
    ping = "docker exec one ping -c 1 -W 2 two"
    step = engine.run("scripts/run-step", "--lesson-failure", "one", "alpine-network", ping)
    if bridge:
        assert step.returncode == 0, step.output
        assert step.stdout.splitlines()[-1] == (
            "# this is the failure the lesson shows (one is on the default bridge, which "
            "resolves no names); next: make alpine-network"
        )
    else:
        assert step.returncode == 1
        assert last_line(step).startswith("make: the containers cannot find each other")


def test_stopping_a_shell_says_it_takes_10_s_and_waits_until_it_is_gone(tmp_path):
    status = "container inspect -f {{.State.Status}} {{.HostConfig.AutoRemove}} one"
    shell = answer("container inspect -f {{.Path}} one", "/bin/sh\n")
    gone = answer(status, stderr="Error: No such container: one\n", status=1)
    engine = Engine(tmp_path, running("one"), shell, answer("stop one", "one\n"), gone)
    step = engine.run("scripts/run-step", "--if-running", "one", "docker stop one")
    assert step.returncode == 0, step.output
    assert step.stdout.splitlines() == [
        "# stopping one takes a while (about 10 s: its PID 1 is /bin/sh, which ignores "
        "SIGTERM, so docker stop waits, then kills it)",
        "$ docker stop one",
        "one",  # the engine's own answer
    ]
    assert engine.asked()[-1] == status  # settled: the name is free again


# ---- scripts/check-ports: every clash of make up at once, before anything starts --------

UP = ("make up", "k8scourse-db DB_PORT 3306", "back BACK_PORT 3000", "front FRONT_PORT 8080")
LESSON = {"PROJECT": "k8scourse", "LESSON_PROJECT": "k8scourse"}


@ON_A_MAC_TOO
def test_ports_held_by_others_are_named_with_free_ones_to_use(tmp_path, tools):
    engine = Engine(
        tmp_path,
        running("k8scourse-db", False),
        *holders(
            [
                "k8scourse-db 0.0.0.0:3306->3306/tcp",  # this project's own: no clash
                "photoshare-back 0.0.0.0:3000->3000/tcp, [::]:3000->3000/tcp",
                "web 0.0.0.0:8080->80/tcp",
                "api 0.0.0.0:3001->3000/tcp",
                "cache 0.0.0.0:13002->6379/tcp",
            ]
        ),
        env=LESSON,
        path=tools,
    )
    ports = engine.run("scripts/check-ports", *UP, netns=True)
    assert ports.returncode == 1, ports.output
    assert ports.stderr.splitlines() == [
        "make: make up would publish ports that are already in use: 3000 (BACK_PORT) by "
        "container 'photoshare-back', 8080 (FRONT_PORT) by container 'web'. Free them ('make "
        "down PROJECT=photoshare'; 'docker stop web'), or use free ports: make up DB_PORT=3306 "
        "BACK_PORT=3002 FRONT_PORT=8081."
    ]


def test_free_ports_pass_in_silence(tmp_path):
    engine = Engine(
        tmp_path,
        running("k8scourse-db", False),
        *holders(["cache 0.0.0.0:13000->3000/tcp"]),
        env=LESSON,
    )
    ports = engine.run("scripts/check-ports", *UP, netns=True)
    assert (ports.returncode, ports.output) == (0, "")


@ON_A_MAC_TOO
def test_a_port_a_program_listens_on_is_named_with_the_program(tmp_path, tools):
    """ss names the program on Linux; on a Mac, where there is no ss, lsof does."""
    engine = Engine(tmp_path, running("k8scourse-db", False), *holders([]), env=LESSON, path=tools)
    assert (shutil.which("ss", path=engine.env["PATH"]) is None) == (tools != os.environ["PATH"])
    listen = (
        "import socket,sys,time;s=socket.socket();s.bind(('127.0.0.1',3000));s.listen();"
        "time.sleep(30)"
    )
    program = (
        f'{shutil.which("ip")} link set lo up && {{ {sys.executable} -c "{listen}" & }} && '
        "until (: </dev/tcp/127.0.0.1/3000) 2>/dev/null; do sleep 0.05; done && "
        'scripts/check-ports "$@"; status=$?; kill %1; exit $status'
    )
    ports = engine.run("bash", "-c", program, "-", *UP, netns=True)
    assert ports.returncode == 1, ports.output
    [line] = ports.stderr.splitlines()
    assert re.fullmatch(
        r"make: make up would publish ports that are already in use: 3000 \(BACK_PORT\) by "
        r"another program on this machine, python[\d.]* \(PID \d+\)\. "
        r"Free them \(stop that program\), or use free ports: make up DB_PORT=3306 "
        r"BACK_PORT=3001 FRONT_PORT=8080\.",
        line,
    ), line


@pytest.mark.parametrize("folder", ["another", "this"])
def test_a_copy_named_as_another_folders_stack_is_refused(folder, tmp_path):
    """The database container's init.sql tells which folder's stack it is."""
    source = "/home/ada/k8scourse/db/init.sql" if folder == "another" else f"{REPO}/db/init.sql"
    mounts = (
        "container inspect -f {{range .Mounts}}{{if eq .Destination "
        '"/docker-entrypoint-initdb.d/init.sql"}}{{.Source}}{{end}}{{end}} k8scourse-db'
    )
    engine = Engine(
        tmp_path,
        running("k8scourse-db"),
        answer(mounts, f"{source}\n"),
        *holders([]),
        env=LESSON,
    )
    ports = engine.run("scripts/check-ports", *UP, netns=True)
    if folder == "this":
        assert (ports.returncode, ports.output) == (0, "")
        return
    assert ports.returncode == 1
    assert last_line(ports) == (
        "make: k8scourse-db runs from another folder (/home/ada/k8scourse): this copy is named "
        "k8scourse too (PROJECT in .env), so make up would take that stack over. Give this "
        "copy its own name (make rename NAME=yourname), or stop the other stack (make down, "
        "there)."
    )
    seen, _, fix = troubleshooting_row("runs from another folder")
    assert says(last_line(ports), quoted(seen)[0])
    assert "`make rename NAME=yourname`" in fix and "`make down` in the other folder" in fix


# ---- scripts/check-stacks: the docker run stack and Compose or Swarm, never both -------

COMPOSE_PS = "ps -aq --filter label=com.docker.compose.project=k8scourse"
SWARM_PS = "ps -q --filter label=com.docker.stack.namespace=k8scourse"


@pytest.mark.parametrize(
    ("compose", "swarm", "line"),
    [("3f2a1b0c9d8e\n", "", "make: the Compose stack k8scourse is up (same names, ports and "
      "network): stop it with 'make compose-down' first."),
     ("", "7c1d2e3f4a5b\n", "make: the Swarm stack k8scourse is up (same ports): remove it with "
      "'make swarm-down' first."),
     ("", "", None)],
    ids=["compose", "swarm", "neither"],
)  # fmt: skip
def test_the_docker_run_stack_waits_for_compose_and_swarm_to_go(compose, swarm, line, tmp_path):
    engine = Engine(tmp_path, answer(COMPOSE_PS, compose), answer(SWARM_PS, swarm))
    check = engine.run("scripts/check-stacks", "--no-compose-or-swarm", "k8scourse", "k8scourse")
    assert check.returncode == (1 if line else 0), check.output
    assert check.stderr.splitlines() == ([line] if line else [])


@pytest.mark.parametrize(
    ("back", "label", "line"),
    [(True, "", "make: the docker run stack is running (back): stop it with 'make down' first "
      "(same names, ports and network)."),
     (False, "", "make: network k8scourse was made by the docker run lesson: remove it with "
      "'make down' first."),
     (False, "default", None)],
    ids=["its-backend-runs", "its-network-is-left", "compose-network"],
)  # fmt: skip
def test_compose_and_swarm_wait_for_the_docker_run_stack_to_go(back, label, line, tmp_path):
    labels = 'network inspect -f {{index .Labels "com.docker.compose.network"}} k8scourse'
    engine = Engine(
        tmp_path,
        running("back", back),
        running("*", False),
        answer(labels, f"{label}\n"),
        answer(NETWORK.format("k8scourse"), "[{}]\n"),
    )
    names = "k8scourse-db back front"
    check = engine.run("scripts/check-stacks", "--no-run-stack", names, "k8scourse")
    assert check.returncode == (1 if line else 0), check.output
    assert check.stderr.splitlines() == ([line] if line else [])


# ---- scripts/wait-for-db: ready means a query over TCP ---------------------------------

QUERY = "exec -e MYSQL_PWD k8scourse-db mysql --protocol=TCP -h127.0.0.1 -uuser -e SELECT 1"


@pytest.mark.parametrize("state", ["ready", "initialising", "stopped"])
def test_the_database_is_ready_when_it_answers_a_query_over_tcp(state, tmp_path):
    engine = Engine(
        tmp_path,
        answer(QUERY, "1\n1\n") if state == "ready" else answer(QUERY, status=1),
        running("k8scourse-db", state != "stopped"),
        env={"MYSQL_PASSWORD": "s3cret"},
    )
    wait = engine.run("scripts/wait-for-db", "k8scourse-db", "user", "0")
    lines = wait.stdout.splitlines()
    assert lines[0] == "# waiting for k8scourse-db to answer SELECT 1 over TCP as user"
    assert not any("s3cret" in line for line in engine.asked())  # MYSQL_PWD, not an argument
    if state == "ready":
        assert wait.returncode == 0, wait.output
        assert re.fullmatch(r"# k8scourse-db is ready \(\d+ s\)", lines[-1])
        assert engine.asked() == [QUERY]
        return
    assert wait.returncode == 1
    assert last_line(wait) == (
        "make: k8scourse-db did not answer within 0 s: look at docker logs k8scourse-db"
        if state == "initialising"
        else "make: the database container k8scourse-db is not running: start it with make db "
        "(if it stopped during initialisation, db/init.sql failed: run the db command without "
        "-d to see why)."
    )


# ---- scripts/wait-for-http: the walks' wait for an address ------------------------------


def test_wait_for_http_prints_the_answer_and_with_ok_wants_a_success(tmp_path):
    app = create_app(Config(mysql_host="127.0.0.1", mysql_port=free_port()))

    def wait_for_http(*args):
        return run("scripts/wait-for-http", *args, timeout=60)

    with serving(app) as port:
        live = wait_for_http("--ok", f"127.0.0.1:{port}/livez", "5")
        any_status = wait_for_http(f"127.0.0.1:{port}/health", "5")
        ok_only = wait_for_http("--ok", f"127.0.0.1:{port}/health", "1")
    assert live.returncode == 0, live.stderr
    assert live.stdout.splitlines()[0] == f"$ curl 127.0.0.1:{port}/livez"
    assert json.loads(live.stdout.splitlines()[1])["status"] == "running"
    assert any_status.returncode == 0, any_status.stderr
    assert json.loads(any_status.stdout.splitlines()[1])["db"] is False  # the 503's body
    assert ok_only.returncode == 1
    assert ok_only.stderr.splitlines() == [
        f"make: 127.0.0.1:{port}/health did not answer with a success within 1 s."
    ]


# ---- scripts/check-health: the backend's answers, and what only the engine knows -------

NAMES = {"DB_NAME": "photoshare-db", "NETWORK": "photoshare"}


# /health's answers that waiting cannot mend: the backend's 503 when MySQL refuses its login
# (1045), when its table was made from an older db/init.sql, or init.sql never ran (1044,
# "Access denied", which is not a refused password; tests/back holds the backend's side);
# another program's page. Then the line that names the fix ({port}: the port asked).
# fmt: off
WONT_MEND = {
    "refused-password": (503, {"db": False, "mysql_host": "photoshare-db", "status": "running",
        "error": "(1045, \"Access denied for user 'user'@'172.18.0.3' (using password: YES)\")"},
        "make: the database refuses the backend's user or password (Access denied): start the "
        "backend with the database's, e.g. make back DB_PASSWORD=... as given to make db."),
    "older-table": (503, {"db": False, "mysql_host": "photoshare-db", "hint": SchemaMismatch.HINT,
        "error": "Unknown column 'filename' in 'field list'"},
        f"make: the backend says: {SchemaMismatch.HINT}"),
    "no-init-sql": (503, {"db": False, "mysql_host": "photoshare-db", "error": NO_RIGHTS,
        "hint": NO_RIGHTS_HINT.format(database="images")},
        f"make: the backend says: {NO_RIGHTS_HINT.format(database='images')}"),
    "another-program": (404, "<h1>Not Found</h1>",
        "make: port {port} answers /health with HTTP 404, not the backend's JSON: another "
        "program has the port? Stop it, or publish the backend on another port: make up "
        "BACK_PORT={next}."),
}
# fmt: on


@pytest.mark.parametrize("case", WONT_MEND)
def test_an_answer_waiting_cannot_mend_stops_the_wait_naming_the_fix(case, tmp_path):
    """Read at once (a wait would end in "not 200 after 0 s"), no engine asked."""
    status, body, line = WONT_MEND[case]
    app = Flask("other")
    app.get("/health")(lambda: (body, status))
    engine = Engine(tmp_path, env=NAMES)
    with serving(app) as port:
        health = engine.run("scripts/check-health", "", "0", f"curl localhost:{port}/health")
    assert health.returncode == 1, health.output
    assert last_line(health) == line.replace("{port}", str(port)).replace("{next}", str(port + 1))
    assert engine.asked() == []


@pytest.mark.parametrize("db", [True, False], ids=["db-runs", "nothing-runs"])
def test_nothing_answering_names_the_container_to_start(db, tmp_path):
    engine = Engine(
        tmp_path, running("photoshare-back", False), running("photoshare-db", db), env=NAMES
    )
    port = free_port()
    health = engine.run(
        "scripts/check-health", "photoshare-back", "30", f"curl localhost:{port}/health"
    )
    assert health.returncode == 1
    assert last_line(health) == (
        f"make: nothing answers on port {port}: the backend container 'photoshare-back' is not "
        "running: start it with 'make back'."
        if db
        else f"make: nothing answers on port {port}: neither 'photoshare-back' nor "
        "'photoshare-db' is running: start them with 'make up' (or 'make db', then 'make back')."
    )


def test_a_stack_that_never_answers_is_waited_for_then_named(tmp_path):
    engine = Engine(tmp_path, env=NAMES)
    port = free_port()
    health = engine.run("scripts/check-health", "", "1", f"curl localhost:{port}/health")
    assert health.returncode == 1
    assert health.stdout.splitlines() == [
        f"$ curl localhost:{port}/health",
        f"# not ready yet: nothing answers on port {port} yet; waiting up to 1 s while the "
        "backend starts and the database initialises",
    ]
    assert last_line(health) == (
        f"make: nothing answers on port {port} after 1 s: look at the stack's containers "
        "('docker ps -a') and their logs."
    )


@ON_A_MAC_TOO
@pytest.mark.parametrize("host", ["localhost", "127.0.0.1"])
def test_a_database_looked_for_on_localhost_stops_the_wait_naming_the_fix(host, tmp_path, tools):
    """The lesson's classic: MYSQL_HOST is the container itself. The backend answers 503 with
    the host it used and its hint; scripts/check-health reads them, stops at the first answer
    (a wait would end in "not 200 after 0 s"), and names the fix with this project's
    database. No engine is asked with Compose's and Swarm's empty container name."""
    app = create_app(Config(mysql_host=host, mysql_port=free_port(), in_container=True))
    engine = Engine(tmp_path, env=NAMES, path=tools)
    with serving(app) as port:
        health = engine.run("scripts/check-health", "", "0", f"curl localhost:{port}/health")
    assert engine.asked() == []
    assert health.returncode == 1, health.output
    assert last_line(health) == (
        f"make: the backend looks for the database on {host}, which inside its container is "
        "the container itself: the lesson's fix is 'make back', which passes "
        "-e MYSQL_HOST=photoshare-db."
    )
    # The backend's own answer, printed before: its hint gives the same fix.
    answered = json.loads(health.stdout.splitlines()[-1])
    assert answered["mysql_host"] == host and answered["db"] is False
    assert "-e MYSQL_HOST=<db container name>" in answered["hint"], answered["hint"]


def test_the_lessons_first_try_is_its_failure_and_succeeds(tmp_path):
    """make back-broken, then make health: the backend runs without MYSQL_HOST, looks for
    the database on localhost; that is the lesson's point, said as such, exit 0."""
    app = create_app(Config(mysql_host="localhost", mysql_port=free_port(), in_container=True))
    with serving(app) as port:
        env_of = "container inspect -f {{range .Config.Env}}{{println .}}{{end}} back"
        engine = Engine(
            tmp_path,
            running("back"),
            answer("port back", f"3000/tcp -> 0.0.0.0:{port}\n"),
            answer(env_of, "PATH=/opt/venv/bin:/usr/bin\nPORT=3000\n\n"),
            env={"DB_NAME": "k8scourse-db", "NETWORK": "k8scourse"},
        )
        health = engine.run("scripts/check-health", "back", "30", f"curl localhost:{port}/health")
    assert health.returncode == 0, health.output
    assert health.stdout.splitlines()[-1] == (
        "# this is the failure the lesson shows (back runs without MYSQL_HOST, so it looks for "
        "the database on localhost, which inside its container is the container itself); "
        "next: make back, which passes -e MYSQL_HOST=k8scourse-db"
    )


# ---- scripts/backup-db, scripts/restore-db, and lib.sh's as_db_root -----------------------

# A fake engine for a database container, DB (docker run's) or COMPOSE_DB (Compose's):
# `container inspect` and `ps` as the engine answers them, and `exec [-i] NAME ...` run here
# with the container's environment (DB_ENV), where mysql and mysqldump are the real clients
# of a real MariaDB (the `root_mariadb` fixture; CUT_DUMP cuts mysqldump's output short).
FAKE_ENGINE = r"""#!/usr/bin/env bash
echo "$*" >>"$LOG/asked"
for name; do :; done
case $1 in
    container) case $* in
        *.Config.Env*) printf '%s\n' $DB_ENV ;;
        *) [ "$name" = "$DB" ] && echo true || exit 1 ;;
    esac ;;
    ps) compose="--filter label=com.docker.compose.project=k8scourse"
        compose+=" --filter label=com.docker.compose.service=db --format {{.Names}}"
        [ "$*" = "ps $compose" ] && echo "$COMPOSE_DB" ;;
    exec) shift; [ "$1" = -i ] && shift; shift
        exec env -i PATH="$BIN:/usr/bin:/bin" SOCKET="$SOCKET" CUT_DUMP="$CUT_DUMP" $DB_ENV "$@" ;;
esac
"""
CLIENTS = {
    "mysql": 'exec mariadb --no-defaults --socket="$SOCKET" "$@"\n',
    "mysqldump": '[ -z "$CUT_DUMP" ] && exec mariadb-dump --no-defaults --socket="$SOCKET" "$@"\n'
    'mariadb-dump --no-defaults --socket="$SOCKET" "$@" | head -n "$CUT_DUMP"\n',
}
ROWS = [(1, "Hello", "hello-caption.gif"), (2, "café 🐳", "cafe.gif"), (3, "it's", "c.gif")]


class DatabaseEngine:
    def __init__(self, folder, server, db="k8scourse-db", compose_db="", db_env=None, path=None):
        self.server, self.log, bin_ = server, folder / "log", folder / "bin"
        for path_ in (self.log, bin_, folder / "engine"):
            path_.mkdir()
        for name, text in CLIENTS.items():
            (bin_ / name).write_text(f"#!/bin/sh\n{text}")
            (bin_ / name).chmod(0o755)
        for name in ("docker", "podman"):
            (folder / "engine" / name).write_text(FAKE_ENGINE)
            (folder / "engine" / name).chmod(0o755)
        (folder / "root-password").write_text("root\n")
        default_env = f"MYSQL_ROOT_PASSWORD_FILE={folder / 'root-password'}"
        self.env = {
            **os.environ, "PATH": f"{folder / 'engine'}:{path or os.environ['PATH']}",
            "DOCKER": "docker", "ENGINE": "docker", "LOG": str(self.log), "BIN": str(bin_),
            "SOCKET": str(server.socket), "CUT_DUMP": "", "DB": db, "COMPOSE_DB": compose_db,
            "DB_ENV": db_env or default_env,
        }  # fmt: skip
        with self.connect() as conn, conn.cursor() as cur:
            cur.execute("DROP DATABASE IF EXISTS images_restore")
            cur.execute("DELETE FROM images")
            cur.executemany("INSERT INTO images VALUES (%s, %s, %s)", ROWS)

    def connect(self):
        return self.server.root("images")

    def rows(self):
        with self.connect() as conn, conn.cursor() as cur:
            cur.execute("SELECT id, caption, filename FROM images ORDER BY id")
            return list(cur.fetchall())

    def run(self, *args, **env):
        return run(*args, env=self.env | env, timeout=60)


LESSON_ROOT = "docker exec -i {} {} -uroot -proot {}"
OWN_ROOT = (
    """docker exec -i {} sh -c 'exec {} -uroot """
    """-p"${{MYSQL_ROOT_PASSWORD:-$(cat "$MYSQL_ROOT_PASSWORD_FILE")}}" {}'"""
)
DUMP_ARGS = "--single-transaction --skip-extended-insert --no-autocommit "
DUMP_ARGS += "--default-character-set=utf8mb4 images"
SCRATCH = '-e "DROP DATABASE IF EXISTS images_restore; CREATE DATABASE images_restore"'
COUNT = (
    '-N -e "CREATE TABLE IF NOT EXISTS images.images LIKE images_restore.images; SELECT '
    '(SELECT COUNT(*) FROM images.images), (SELECT COUNT(*) FROM images_restore.images)"'
)
SWAP = (
    '-e "RENAME TABLE images.images TO images_restore.replaced, images_restore.images TO '
    'images.images; DROP DATABASE images_restore"'
)


@ON_A_MAC_TOO
@pytest.mark.parametrize(
    ("stack", "db_env", "form"),
    [
        ("docker-run", "MYSQL_ROOT_PASSWORD=root", LESSON_ROOT),
        ("compose", None, OWN_ROOT),  # its secret file
        ("docker-run", "MYSQL_ROOT_PASSWORD=s3cret-of-yours", OWN_ROOT),
    ],
    ids=["lesson-password", "compose-secret-file", "own-password"],
)
def test_a_backup_prints_what_it_runs_as_root_and_counts_rows(
    root_mariadb, tmp_path, stack, db_env, form, tools
):
    """The password as the lesson passes it, or read in the container: never printed."""
    compose = stack == "compose"
    live = "none" if compose else "k8scourse-db"
    engine = DatabaseEngine(tmp_path, root_mariadb, live, "k8scourse-db-1", db_env, path=tools)
    backup = engine.run("scripts/backup-db", "k8scourse", "k8scourse-db", str(tmp_path / "b"))
    db = "k8scourse-db-1" if compose else "k8scourse-db"
    command = form.format(db, "mysqldump", DUMP_ARGS)
    assert (
        backup.stdout.splitlines()[0]
        == f"$ {command} > {tmp_path}/b/"
        + (re.search(r"k8scourse-\d{8}-\d{6}\.sql", backup.stdout)[0])
    )
    assert "s3cret" not in backup.output
    if "s3cret" in (db_env or ""):  # not root's password: refused, and nothing kept
        assert last_line(backup) == (
            f"make: mysqldump failed in {db} (its message is above): nothing was written."
        )
        assert list((tmp_path / "b").iterdir()) == []
        return
    assert backup.returncode == 0, backup.output
    [dump] = (tmp_path / "b").iterdir()
    assert backup.stdout.splitlines()[1:] == [
        f"# {dump}: 3 rows; make restore BACKUP={dump} loads it back"
    ]
    assert "🐳" in dump.read_text()  # utf8mb4, not MySQL 5.7's 3-byte utf8


def test_a_dump_cut_short_is_not_kept(root_mariadb, tmp_path):
    engine = DatabaseEngine(tmp_path, root_mariadb)
    backup = engine.run(
        "scripts/backup-db", "k8scourse", "k8scourse-db", str(tmp_path), CUT_DUMP="20"
    )
    assert backup.returncode == 1
    assert last_line(backup) == (
        "make: the dump of k8scourse-db stopped before its end (no '-- Dump completed' line): "
        "nothing was written."
    )
    assert [p.name for p in tmp_path.glob("*.sql")] == []


def test_no_database_running_is_named_before_anything_is_written(root_mariadb, tmp_path):
    engine = DatabaseEngine(tmp_path, root_mariadb, db="none")
    folder = tmp_path / "backups"
    for script, then in (("backup-db", "backup"), ("restore-db", "restore")):
        done = engine.run(f"scripts/{script}", "k8scourse", "k8scourse-db", str(folder))
        assert done.returncode == 1
        assert last_line(done) == (
            "make: no database of k8scourse runs (neither k8scourse-db nor its Compose stack's "
            f"db): start it (make up, or make compose-up), then make {then}."
        )
    assert not folder.exists()
    assert "exec" not in (engine.log / "asked").read_text()


def dump_of(engine, tmp_path):
    backup = engine.run("scripts/backup-db", "k8scourse", "k8scourse-db", str(tmp_path / "b"))
    assert backup.returncode == 0, backup.output
    [dump] = (tmp_path / "b").iterdir()
    return dump


@ON_A_MAC_TOO
@pytest.mark.parametrize("damaged", [False, True], ids=["whole", "damaged-in-its-middle"])
def test_a_restore_replaces_every_row_or_none(root_mariadb, tmp_path, damaged, tools):
    engine = DatabaseEngine(tmp_path, root_mariadb, db_env="MYSQL_ROOT_PASSWORD=root", path=tools)
    dump = dump_of(engine, tmp_path)
    if damaged:  # one quote dropped in one row: the dump still ends as a whole one does
        dump.write_text(dump.read_text().replace("'café", "café", 1))
    with engine.connect() as conn, conn.cursor() as cur:
        cur.execute("DELETE FROM images WHERE id = 1")
        cur.execute("INSERT INTO images VALUES (9, 'new', 'n.gif')")
    before = engine.rows()
    restore = engine.run("scripts/restore-db", "k8scourse", "k8scourse-db", str(dump))
    mysql = LESSON_ROOT.format("k8scourse-db", "mysql", "{}")  # the lesson's root password
    if damaged:
        assert restore.returncode == 1
        assert last_line(restore) == (
            f"make: mysql could not load {dump} into k8scourse-db (its message is above): "
            "nothing restored, the images table is as it was."
        )
        assert engine.rows() == before
        return
    assert restore.returncode == 0, restore.output
    assert engine.rows() == ROWS
    assert restore.stdout.splitlines() == [
        f"$ {mysql.format(SCRATCH)}",
        f"$ {mysql.format('images_restore')} < {dump}",
        f"$ {mysql.format(COUNT)}",
        "# images: 3 rows now, 3 in the dump: replacing",
        f"$ {mysql.format(SWAP)}",
        f"# restored {dump} into k8scourse-db",
    ]


@ON_A_MAC_TOO
@pytest.mark.parametrize(
    ("change", "why"),
    [
        (lambda dump: "", "{} is empty: not a dump, nothing restored."),
        (
            lambda dump: dump.rsplit("-- Dump completed", 1)[0],
            "{} is not a whole dump (it does not end with mysqldump's '-- Dump completed' "
            "line): nothing restored.",
        ),
        (
            lambda dump: "CREATE DATABASE `images`;\nUSE `images`;\n" + dump,
            "{} names its database (USE: made with mysqldump --databases), so it would load "
            "over the live table: nothing restored. Delete its CREATE DATABASE and USE lines "
            "first.",
        ),
    ],
    ids=["empty", "cut", "databases"],
)
def test_a_dump_that_is_not_whole_is_refused_before_the_database_is_touched(
    root_mariadb, tmp_path, change, why, tools
):
    engine = DatabaseEngine(tmp_path, root_mariadb, path=tools)
    dump = dump_of(engine, tmp_path)
    dump.write_text(change(dump.read_text()))
    (engine.log / "asked").unlink()
    restore = engine.run("scripts/restore-db", "k8scourse", "k8scourse-db", str(dump))
    assert restore.returncode == 1
    assert last_line(restore) == "make: " + why.format(dump)
    assert "exec" not in (engine.log / "asked").read_text()
    assert engine.rows() == ROWS


# ---- scripts/open-page (make open): the page, in the learner's browser -----------------


def fake(folder, name, text='echo "$0 $*" >>"$OPENED"\n'):
    path = folder / name
    path.write_text(f"#!/bin/sh\n{text}")
    path.chmod(0o755)


@pytest.mark.parametrize(
    ("machine", "opened_by"),
    [("mac", "open"), ("linux-desktop", "xdg-open"), ("linux-ssh", None), ("wsl", "wslview"),
     ("wsl-without-wslu", "explorer.exe")],
)  # fmt: skip
def test_make_open_prints_the_address_and_opens_it_where_a_browser_is(machine, opened_by, tmp_path):
    """WSL (WSL_DISTRO_NAME is set there) may have a DISPLAY (WSLg) and no xdg-open: the
    page opens in Windows' browser, through wslu's wslview, or explorer.exe (which exits 1,
    always)."""
    for name in ("open", "xdg-open", "wslview", "explorer.exe"):
        if (name, machine) != ("wslview", "wsl-without-wslu"):
            exit_1 = "exit 1\n" if name == "explorer.exe" else ""
            fake(tmp_path, name, f'echo "$0 $*" >>"$OPENED"\n{exit_1}')
    fake(tmp_path, "uname", "echo Darwin\n" if machine == "mac" else "echo Linux\n")
    env = {"PATH": f"{tmp_path}:{os.environ['PATH']}", "OPENED": str(tmp_path / "opened")}
    env |= {"DISPLAY": None, "WAYLAND_DISPLAY": None, "WSL_DISTRO_NAME": None}
    if machine == "linux-desktop":
        env["WAYLAND_DISPLAY"] = "wayland-0"
    if machine.startswith("wsl"):
        env.update(WSL_DISTRO_NAME="Ubuntu", DISPLAY=":0")
    page = offline_make("open", env=env)
    assert page == "The app: http://localhost:8080  (API: http://localhost:3000/health)\n"
    opened = tmp_path / "opened"
    if opened_by is None:
        assert not opened.exists()
    else:
        assert opened.read_text() == f"{tmp_path}/{opened_by} http://localhost:8080\n"


# ---- scripts/walk-lesson: each step checked as the lesson says --------------------------

# What each make target of the lesson prints, as it does when it behaves: (target, output,
# exit status). A target that runs twice in the lesson answers its first line the first time.
# fmt: off
STEPS = {
    **dict.fromkeys(("down", "alpine-stop", "alpine-network", "network", "db", "build",
                     "back-broken"), [("", 0)]),
    "alpine": [("$ docker run -it -d --rm --name one alpine /bin/sh", 0)],
    "ls": [("bin\ndev\netc", 0)],
    "ping": [("ping: bad address 'two'\n# this is the failure the lesson shows (one is on the "
              "default bridge, which resolves no names); next: make alpine-network", 0),
             ("1 packets transmitted, 1 packets received, 0% packet loss", 0)],
    "inspect": [('                "Name": "one",\n                "Name": "two",', 0)],
    "health": [("# this is the failure the lesson shows (back runs without MYSQL_HOST, so it "
                "looks for the database on localhost, which inside its container is the "
                "container itself)", 0),
               ('{"db":true,"status":"running","timestamp":1}', 0)],
    "back": [("$ docker rm -f back\n$ docker run -p 3000:3000 --name back", 0)],
    "ps": [("CONTAINER ID   IMAGE   NAMES\n1   k8scourse-back   back\n2   mysql:5.7   "
            "k8scourse-db", 0)],
    "logs": [("[INFO] Server running on port 3000, database k8scourse-db:3306/images", 0)],
}
# fmt: on
# A fake make (sh: a Python one would start 18 times): the n-th run of a command line
# answers the n-th (or the last) of its target's answers, files in $WALK_STEPS. Its make
# down turns the engine's answers into those of after the walk.
FAKE_MAKE = r"""#!/bin/sh
printf '%s\n' "$*" >>"$WALK_LOG"
for target; do :; done
[ "$target" != down ] || cp "$WALK_AFTER" "$STUB_ENGINE"
n=$(grep -cxF -- "$*" "$WALK_LOG")
while [ ! -e "$WALK_STEPS/$target.$n" ]; do n=$((n - 1)); done
cat "$WALK_STEPS/$target.$n"
exit "$(cat "$WALK_STEPS/$target.$n.status")"
"""


def walk(tmp_path, steps, left="", path=None):
    """scripts/walk-lesson with `make` answering as `steps` say, and the engine with the
    containers `left` running and both networks there; after it, back and k8scourse-db
    running, and only alpine-network: its result, and the make command lines it ran."""
    (tmp_path / "make").write_text(FAKE_MAKE)
    (tmp_path / "make").chmod(0o755)
    answers = tmp_path / "steps"
    answers.mkdir()
    for target, outputs in steps.items():
        for n, (output, status) in enumerate(outputs, 1):
            (answers / f"{target}.{n}").write_text(f"{output}\n" if output else "")
            (answers / f"{target}.{n}.status").write_text(str(status))
    steps_answers = [
        answer("exec one sh -c docker ps", stderr="sh: docker: not found\n", status=127),
        answer("exec one ping -c 1 -W 2 redhat.com", status=1),
        answer("network inspect alpine-network", "[]\n"),
    ]
    after = [
        answer("ps --format {{.Names}}", "back\nk8scourse-db\nelse\n"),
        *(running(name, name != "one") for name in ("back", "k8scourse-db", "one")),
        answer("network inspect k8scourse", **NOT_RUNNING),
    ]
    (tmp_path / "after.json").write_text(json.dumps({"answers": steps_answers + after}))
    engine = Engine(
        tmp_path,
        answer("ps --format {{.Names}}", left),
        answer("network inspect *", "[]\n"),
        *steps_answers,
        env={
            "WALK_LOG": str(tmp_path / "walked"),
            "WALK_STEPS": str(answers),
            "WALK_AFTER": str(tmp_path / "after.json"),
        },
        path=path,
    )
    engine.env["PATH"] = f"{tmp_path}:{engine.env['PATH']}"
    lesson = engine.run("scripts/walk-lesson", env={"PROJECT": "photoshare"})
    made = (tmp_path / "walked").read_text().splitlines()
    return lesson, made


@ON_A_MAC_TOO
def test_the_walk_checks_every_step_of_lesson_5(tmp_path, tools):
    lesson, made = walk(tmp_path, STEPS, left="back\nk8scourse-db\none\nelse\n", path=tools)
    assert lesson.returncode == 0, lesson.output
    lines = lesson.stdout.splitlines()
    # The clean slate says what it stops, and that the database's data goes with it.
    assert (
        "# make lesson starts from a clean slate: it stops back k8scourse-db one, and the data "
        "in k8scourse-db goes with it (it runs with --rm)"
    ) in lines
    assert "# no terminal to ask on: going on" in lines
    assert len([line for line in lines if line.startswith("   ok: ")]) == 19, lesson.stdout
    assert "NOT AS IN THE LESSON" not in lesson.stdout
    assert lines[-1] == (
        "19 steps, all as the lesson says. Still running: back and k8scourse-db (make down "
        "PROJECT=k8scourse stops them). Removed: one and the network k8scourse (make network "
        "makes it again)."
    )
    # Under the lesson's own names, whatever this copy's PROJECT: its stack is left alone.
    assert made[0] == "--no-print-directory -s PROJECT=k8scourse down"
    assert all(line.startswith("--no-print-directory -s PROJECT=k8scourse ") for line in made)
    targets = [line.split()[-1] for line in made]
    assert targets == [
        "down", "alpine", "ls", "ping", "alpine-stop", "alpine-network", "inspect", "ping",
        "alpine-stop", "network", "db", "build", "back-broken", "health", "back", "health",
        "ps", "logs",
    ]  # fmt: skip


def test_a_stand_ins_notice_is_said_once_per_walk(tmp_path):
    """Lesson 3's steps each make sure of their image first: the walk names a file where
    standins/pull-or-build keeps the notices it gave (STANDIN_NOTICES)."""
    label = '{{index .Config.Labels "org.k8scourse.standin"}}'
    what = "busybox v1.35.0 from Debian, standing in for alpine"
    engine = Engine(
        tmp_path,
        answer("info"),
        answer(f"image inspect -f {label} alpine", f"{what}\n"),
        answer("image *"),
    )
    env = {"STANDIN_NOTICES": str(tmp_path / "said")}
    steps = [engine.run("standins/pull-or-build", "alpine", env=env) for _ in range(2)]
    notice = f"notice: alpine is a stand-in: {what}, built from Debian packages by "
    assert [step.output for step in steps] == [f"{notice}standins/pull-or-build\n", ""]


def test_steps_that_are_not_as_in_the_lesson_are_counted(tmp_path):
    """A step that exits otherwise (health not 200), and one whose output is not the
    lesson's (ping two answered on the default bridge)."""
    lesson, _ = walk(
        tmp_path,
        {
            **STEPS,
            "health": [STEPS["health"][0], ('{"db":false,"status":"running"}', 1)],
            "ping": [("PING two (172.18.0.3): 56 data bytes", 0), STEPS["ping"][1]],
        },
    )
    assert lesson.returncode == 2, lesson.output
    assert [line for line in lesson.stdout.splitlines() if "NOT AS IN THE LESSON" in line] == [
        "   NOT AS IN THE LESSON: ping two fails on the default bridge: two does not exist for "
        "one (expected the output to match /bad address 'two'/)",
        "   NOT AS IN THE LESSON: /health answers 200 once the database has initialised "
        "(expected to pass, exit status 1)",
    ]
    assert lesson.stdout.splitlines()[-1] == (
        "2 of 19 steps did not behave as the lesson says (see above)."
    )
