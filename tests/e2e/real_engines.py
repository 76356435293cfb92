"""The real engines, Docker and Podman, and what the end-to-end tests do on them: the
engines' command lines (`Engine`, `docker`), the lesson's names, make (timed, and its
refusals "at once") and http on the running stack, and the figures measured (run and make
are the tests kit's, tests/kit.py, re-exported here).

The tests use the lesson's fixed names and ports (one, two, back, k8scourse-db,
3000, 3306), and those of the README's renamed copy (photoshare, 3100, 8180, 3406),
so they refuse to start when any of those already exist, on Docker or on Podman: a
learner's running stack is never clobbered.

The lesson's own tests run on each engine in turn (`Engine`, conftest.py's `engine`);
the others on Docker (`docker`, `make`).
"""

import json
import os
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path

from kit import REPO, make, run

__all__ = ["REPO", "make", "run"]  # the kit's, for the tests that import them from here
DOCKER = os.environ.get("DOCKER", "docker")
# The engines the lesson's tests run on, one after the other (both share the host's ports).
ENGINES = ("docker", "podman")
# The README's renamed copy ("Use it in your own project"), run beside the lesson.
OTHER_PROJECT = "photoshare"
LESSON_CONTAINERS = (
    *("one", "two", "back", "k8scourse-db", "front", "back-3001", "front-3001"),
    *(f"{OTHER_PROJECT}-{part}" for part in ("db", "back", "front")),
    # The README's own project: its copies of back/ and front/, and the Makefile's stack.
    *("myapp-api", "myapp-web", "myapp-db", "myapp-back", "myapp-front"),
    "k8scourse-microgifcap",  # make split's
)
LESSON_NETWORKS = ("k8scourse", "alpine-network", OTHER_PROJECT, "myapp")
COMPOSE_PROJECTS = ("k8scourse", OTHER_PROJECT)
# compose.yaml's opt-in named volume, as Compose names it: a learner's data.
LESSON_VOLUMES = tuple(f"{project}_db-data" for project in COMPOSE_PROJECTS)
LESSON_VOLUMES += ("k8scourse-gifs", "k8scourse_gifs")  # make split's, the split files' GIFs
LESSON_IMAGES = (
    "alpine",
    os.environ.get("DB_IMAGE", "mysql:5.7"),
    "python:3.13-slim",
    os.environ.get("NGINX_IMAGE", "nginx:1.28"),
)
STANDIN_LABEL = "org.k8scourse.standin"
# test_standin_contracts.py's containers and named volumes: a name prefix.
CONTRACT_PREFIX = "k8scourse-contract-"


# "At once": a generous bound far below HEALTH_TIMEOUT (90 s). It tells a target that
# answered from one that waited for a timeout; it is not a speed target.
AT_ONCE = 20


def timed_make(*targets, **kwargs):
    """make, with the seconds it took in result.elapsed."""
    started = time.monotonic()
    result = make(*targets, **kwargs)
    result.elapsed = time.monotonic() - started
    return result


def assert_each_refuses_at_once(targets, refusal):
    """make TARGET, for each of targets, fails at once with the one line refusal."""
    for target in targets:
        result = timed_make(target)
        assert result.returncode != 0, (target, result.output)
        assert refusal in result.stderr.splitlines(), (target, result.output)
        assert result.elapsed < AT_ONCE, f"make {target} took {result.elapsed:.0f} s to refuse"


def one_line(result, text):
    """The one `make: ...` line of result that says text."""
    lines = [line for line in result.stderr.splitlines() if line.startswith("make: ")]
    said = [line for line in lines if text in line]
    assert len(said) == 1, result.output
    return said[0]


def docker(*args, timeout=60):
    return run(DOCKER, *args, timeout=timeout)


def swarm_state():
    return docker("info", "--format", "{{.Swarm.LocalNodeState}}").stdout.strip()


def json_line(text):
    """The last JSON object printed on a line of its own (curl's body)."""
    return json.loads([line for line in text.splitlines() if line.startswith("{")][-1])


class Engine:
    """One container engine, Docker or Podman: its command line, and make with DOCKER=it."""

    def __init__(self, name):
        self.name = name
        self.title = name.capitalize()  # as the Makefile's messages name it

    def __repr__(self):
        return self.name

    def cli(self, *args, timeout=60):
        return run(self.name, *args, timeout=timeout)

    def env(self, **extra):
        return {**os.environ, **extra, "DOCKER": self.name}

    def make(self, *targets, env=None, **kwargs):
        return make(*targets, env=self.env(**(env or {})), **kwargs)

    def timed_make(self, *targets, env=None, **kwargs):
        return timed_make(*targets, env=self.env(**(env or {})), **kwargs)

    def remove(self, *names):
        """Remove containers at once, as `docker rm -f` does (`podman rm -f` stops them
        first: 10 s for a shell as PID 1)."""
        at_once = ("-t", "0") if self.name == "podman" else ()
        return self.cli("rm", "-f", *at_once, *names)

    def has(self, kind, name):
        """Whether the container, network or volume (kind) name exists."""
        return self.cli(kind, "inspect", name).returncode == 0

    def answers(self):
        try:
            return self.cli("info", timeout=20).returncode == 0
        except (OSError, subprocess.TimeoutExpired):  # not installed, or hanging
            return False


def engine_answers():
    return Engine(DOCKER).answers()


def lesson_leftovers():
    """The lesson's containers, networks, Compose projects and volumes that exist, on every
    engine that answers here (Podman's are marked so)."""
    found = []
    for engine in (Engine(name) for name in ENGINES):
        if not engine.answers():
            continue
        mark = "" if engine.name == "docker" else f" ({engine})"
        found += [c + mark for c in LESSON_CONTAINERS if engine.has("container", c)]
        for project in COMPOSE_PROJECTS:
            label = f"label=com.docker.compose.project={project}"
            if engine.cli("ps", "-a", "--filter", label, "-q").stdout.strip():
                down = f"make compose-down PROJECT={project}"
                found.append(f"the Compose project {project}{mark} ({down})")
        found += [n + mark for n in LESSON_NETWORKS if engine.has("network", n)]
        found += [v + mark for v in LESSON_VOLUMES if engine.has("volume", v)]
        # What an interrupted test_standin_contracts.py left (docker rm -f -v, volume rm).
        prefix = f"name={CONTRACT_PREFIX}"
        names = engine.cli("ps", "-a", "--filter", prefix, "--format", "{{.Names}}")
        volumes = engine.cli("volume", "ls", "--filter", prefix, "--format", "{{.Name}}")
        found += [name + mark for name in (names.stdout + volumes.stdout).split()]
    return found


def describe_image(image, engine=None):
    label = (engine or Engine(DOCKER)).cli(
        "image", "inspect", "-f", f'{{{{index .Config.Labels "{STANDIN_LABEL}"}}}}', image
    )
    if label.returncode != 0:
        return "absent"
    text = label.stdout.strip()
    return f"stand-in: {text}" if text and text != "<no value>" else "the real image"


def http(url, headers=None, timeout=10, data=None):
    """GET url (POST `data`, if given); returns (status, headers, raw body). Never
    decompresses."""
    request = urllib.request.Request(url, data, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read()


def wait_for_http(url, timeout=30):
    deadline = time.monotonic() + timeout
    while True:
        try:
            if http(url, timeout=2)[0] == 200:
                return
        except OSError:
            pass
        if time.monotonic() > deadline:
            raise AssertionError(f"{url} did not answer 200 within {timeout} s")
        time.sleep(0.5)


FIGURES = REPO / "artifacts" / "figures.jsonl"


def record_figure(case, figure, command):
    """Keep a measured figure for the end-of-run table (tests/conftest.py)."""
    FIGURES.parent.mkdir(parents=True, exist_ok=True)
    with FIGURES.open("a") as out:
        out.write(json.dumps({"case": case, "figure": figure, "command": command}) + "\n")


def with_named_db_volume(copy):
    """The copy's compose.yaml with the database on the named volume db-data, as its
    comments tell a learner to switch it on (instead of the tmpfs). Returns copy."""
    compose_file = Path(copy) / "compose.yaml"
    text = compose_file.read_text()
    for old, new in (
        ("      # - db-data:/var/lib/mysql\n", "      - db-data:/var/lib/mysql\n"),
        ("    tmpfs:\n      - /var/lib/mysql:mode=1777,size=1g\n", ""),
        ("# volumes:\n#   db-data:\n", "volumes:\n  db-data:\n"),
    ):
        assert text.count(old) == 1, f"compose.yaml no longer has {old!r}"
        text = text.replace(old, new)
    compose_file.write_text(text)
    return copy
