"""Every parser of engine output, against the forms each engine prints.

Docker (the Docker CLI 28 with Engine 26, as in CI), Podman 4.3 (CI's) and Podman 5.4 (the
Podman machine of macOS and Windows, current Fedora: it cannot run on this machine, so
its forms come from its documentation and source; tests/engines/podman-5.4.json says
which). A stub engine, tests/engines/stub, replays them: these tests need no engine, and
the real Docker and Podman 4 run the same scripts in tests/e2e.
"""

import re
from pathlib import Path

import pytest
from kit import offline_env, run

REPO = Path(__file__).resolve().parents[1]
# The recorded forms (tests/engines/*.json) and the command each answers to.
FORMS = {"docker-28": "docker", "podman-4.3": "podman", "podman-5.4": "podman"}


class StubEngine:
    def __init__(self, forms, folder):
        self.forms, self.name = forms, FORMS[forms]
        self.env = offline_env(folder, forms, {"DOCKER": self.name}, stub_as=(self.name,))
        self.unanswered = folder / "unanswered"  # what the Makefile asked and hid (2>/dev/null)

    def run(self, *args, env=None):
        result = run(*args, env={**self.env, **(env or {})}, timeout=60)
        assert "no recorded answer" not in result.stderr, result.stderr
        assert not self.unanswered.exists(), self.unanswered.read_text()
        return result

    def make(self, *args):
        return self.run("make", "--no-print-directory", *args)


@pytest.fixture(params=FORMS)
def engine(request, tmp_path):
    return StubEngine(request.param, tmp_path)


def lesson_check_of_inspect(engine):
    """The pattern lesson 5's walk checks `make inspect`'s output with, on this engine."""
    lesson = (REPO / "lessons" / "01-05-networking" / "walk.sh").read_text()
    line = re.search(r"^members=.*$", lesson, re.M)
    assert line, "lesson 5's walk.sh no longer sets its inspect check in one line"
    return engine.run("bash", "-c", line[0] + '\nprintf %s "$members"').stdout


# The lines of `make inspect` that name one and two, as each engine prints them (written
# out from tests/engines/*.json: the oracle the lesson's own check is held to).
MEMBER_LINES = {
    "docker-28": ['                "Name": "one",', '                "Name": "two",'],
    "podman-4.3": [
        "4b6f3c0a1d2e  docker.io/library/alpine:latest  /bin/sh     9 seconds ago  "
        "Up 9 seconds ago              one",
        "9c0d7e2f5a11  docker.io/library/alpine:latest  /bin/sh     8 seconds ago  "
        "Up 8 seconds ago              two",
    ],
    "podman-5.4": ['                    "name": "one",', '                    "name": "two",'],
}


def test_make_inspect_lists_one_and_two_as_the_lesson_checks(engine):
    inspect = engine.make("inspect")
    assert inspect.returncode == 0, inspect.output
    lines = inspect.stdout.splitlines()
    for line in MEMBER_LINES[engine.forms]:
        assert line in lines, (line, inspect.stdout)
    # The lesson's check (scripts/walk-lesson) finds those two lines, and no other.
    pattern = lesson_check_of_inspect(engine)
    found = run("grep", "-iE", "--", pattern, input=inspect.stdout)
    assert found.stdout.splitlines() == MEMBER_LINES[engine.forms], (pattern, inspect.stdout)
    # Only Podman 4's network inspect lists no containers: only there does make ps them.
    ps_step = f"$ {engine.name} ps --filter network=alpine-network"
    assert (ps_step in lines) == (engine.forms == "podman-4.3")


def test_the_engines_architecture_picks_the_database_image_once(engine):
    """Asked of the engine (the recorded Podman 5 machine is arm64, as on Apple Silicon;
    the others amd64), and said only where the database starts: never in help or names."""
    arm = engine.forms == "podman-5.4"
    db = engine.make("-n", "db")
    why = (
        f"echo '# DB_IMAGE=mysql:8.4: {engine.name} runs arm64, and mysql:5.7 exists for "
        "amd64 only (set DB_IMAGE to choose)'"
    )
    assert db.stdout.splitlines().count(why) == (1 if arm else 0), db.stdout
    assert db.stdout.rstrip().endswith("mysql:8.4'" if arm else "mysql:5.7'")
    for quiet in ("help", "names"):
        assert "exists for amd64 only" not in engine.make(quiet).output
    assert (f"DB_IMAGE={'mysql:8.4' if arm else 'mysql:5.7'}") in engine.make("names").stdout


def test_a_taken_port_names_the_container_that_holds_it(engine):
    """scripts/run-step: the engine's refusal (Docker's `port is already allocated`, Podman's
    `address already in use`, rootless or not), then `ps --format '{{.Names}} {{.Ports}}'`."""
    run = engine.run(
        "scripts/run-step",
        "--port-var",
        "BACK_PORT",
        f"{engine.name} run -p 3000:3000 -d --name back --rm k8scourse-back",
    )
    assert run.returncode == 1
    assert run.stderr.splitlines()[-1].startswith(
        "make: port 3000 is already used by container 'photoshare-back': stop it "
        "('make down PROJECT=photoshare'), or publish the backend on another port: "
        "make back BACK_PORT=3001"
    ), run.stderr


def test_a_network_in_use_names_its_containers(engine):
    """scripts/run-step: `ps -a --filter network=... --format '{{.Names}}'`, one line, sorted."""
    network_rm = f"{engine.name} network rm k8scourse"
    rm = engine.run("scripts/run-step", "--if-network", "k8scourse", network_rm)
    assert rm.returncode == 1
    assert rm.stderr.splitlines()[-1] == (
        "make: network k8scourse is still used by back k8scourse-db: stop it "
        f"('{engine.name} stop back') or disconnect it ('{engine.name} network disconnect "
        "k8scourse back'), then retry."
    )


def test_health_names_the_port_the_backend_publishes(engine):
    """scripts/check-health: the first line of `port back` (Docker adds an IPv6 line)."""
    env = {"DB_NAME": "k8scourse-db", "NETWORK": "k8scourse"}  # what make health passes
    health = engine.run("scripts/check-health", "back", "0", "curl localhost:3999/health", env=env)
    assert health.returncode == 1
    assert health.stderr.splitlines() == [
        "make: 'back' publishes port 3000, not 3999: make health BACK_PORT=3000 (pass the port "
        "you gave make back)."
    ]
