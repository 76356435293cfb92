"""The course goes on: `make lesson N` walks each lesson of Part 1 beyond Lesson 5 on
Docker (lesson 3, which runs containers by hand, on Podman too), every step as the lesson
says or as the lesson's README says instead, in a learner's copy; lesson 9 pushes to a
registry on this machine and lesson 10 runs the pushed images with the lesson's own
docker-compose.yaml, under both Compose flavours, and compose.yaml runs them too."""

import subprocess
from contextlib import contextmanager

import pytest
from copies import learner_copy
from kit import missing_part, run
from real_engines import REPO, Engine, make, wait_for_http

pytestmark = pytest.mark.e2e

# A registry on this machine: CI's (.ci/registry-mirror), at the address the README's
# lesson 9 suggests for one of your own.
REGISTRY_ADDRESS = "127.0.0.1:5000"
REGISTRY = f"{REGISTRY_ADDRESS}/k8scourse-e2e"


@contextmanager
def clean_slate(engine):
    """make down before and after; and the containers a lesson left behind removed (lesson
    3's first runs have no --rm, as in the course: they stay, stopped)."""
    if not engine.answers():
        missing_part(f"no {engine.title} engine answers here (.ci/run installs both engines)")
    engine.make("down")
    before = set(engine.cli("ps", "-aq").stdout.split())
    try:
        yield engine
    finally:
        engine.make("down")
        left = set(engine.cli("ps", "-aq").stdout.split()) - before
        if left:
            engine.remove(*left)


def walked(result, steps):
    """The walk's last line: every step as the lesson says."""
    assert result.returncode == 0, result.output
    assert result.stdout.splitlines()[-1].startswith(f"{steps} steps, all as the lesson says."), (
        result.stdout
    )


CHECKOUTS_VENV = REPO / "back" / ".venv"


@pytest.fixture(scope="module")
def lessons_copy(tmp_path_factory):
    """A learner's copy where the lessons are walked: lessons 2 and 3 run the backend on
    this machine, and their `python3 -m venv .venv` stays in the copy (made once, for every
    lesson on both engines), not in this checkout."""
    return learner_copy(tmp_path_factory.mktemp("lessons") / "k8scourse")


# Each lesson on Docker; lesson 3, the one that runs containers by hand, on Podman too.
@pytest.mark.parametrize(
    ("on", "lesson", "steps"),
    [
        ("docker", "3", 43),
        ("podman", "3", 43),
        ("docker", "4", 8),
        ("docker", "6", 14),
        ("docker", "7", 11),
        ("docker", "8", 12),
    ],
)
def test_make_lesson_walks_the_lesson(lessons_copy, on, lesson, steps):
    had_one = CHECKOUTS_VENV.exists()
    with clean_slate(Engine(on)) as engine:
        walked(engine.make("lesson", lesson, cwd=lessons_copy, timeout=900), steps)
    assert CHECKOUTS_VENV.exists() == had_one


def test_make_lesson_2_runs_the_app_on_this_machine(lessons_copy):
    """Lesson 2 runs no container, so on no engine: the backend and the page on this
    machine; the walk stops its own servers by their PIDs, and not a learner's program whose
    command line reads the same."""
    make("down")  # the lesson's containers hold ports 3000 and 8080
    had_one = CHECKOUTS_VENV.exists()
    learners = subprocess.Popen(
        ["python3", "-c", "import time; time.sleep(900)", "http.server 8080"]
    )
    try:
        walked(make("lesson", "2", cwd=lessons_copy, timeout=900), 6)
        assert learners.poll() is None, "the walk stopped a program it did not start"
    finally:
        learners.kill()
    assert (lessons_copy / "back" / ".venv").is_dir()
    assert CHECKOUTS_VENV.exists() == had_one


def test_lesson_9_pushes_and_lesson_10_runs_the_pushed_images():
    with clean_slate(Engine("docker")) as engine:
        lessons_9_and_10(engine)


def lessons_9_and_10(engine):
    if run("curl", "-fsS", f"http://{REGISTRY_ADDRESS}/v2/").returncode != 0:
        missing_part(f"no registry answers on {REGISTRY_ADDRESS} (.ci/registry-mirror start)")
    walked(engine.make("lesson", "9", f"REGISTRY={REGISTRY}", timeout=900), 8)
    # Lesson 10 pulls what lesson 9 pushed: no local copy of the :1 images is left.
    pushed = [f"{REGISTRY}/k8scourse-{tier}:1" for tier in ("back", "front")]
    assert engine.cli("rmi", *pushed).returncode == 0
    try:
        walked(engine.make("lesson", "10", f"REGISTRY={REGISTRY}", timeout=900), 5)
        # What ran came from the registry: the images are here again, by those names.
        for image in pushed:
            assert engine.has("image", image), image
    finally:
        engine.make("lesson10-down", f"REGISTRY={REGISTRY}")
    # The lesson's file with docker-compose 1.29, as the lesson types it.
    try:
        up = engine.make("lesson10-up", f"REGISTRY={REGISTRY}", "COMPOSE=docker-compose")
        assert up.returncode == 0, up.output
        assert "$ cd lessons/01-10-docker-compose && docker-compose up -d" in up.stdout
        wait_for_http("http://localhost:3000/health")
    finally:
        down = engine.make("lesson10-down", "COMPOSE=docker-compose")
    assert down.returncode == 0, down.output
    # The repository's compose.yaml runs the pushed images too, unbuilt.
    assert engine.cli("rmi", *pushed).returncode == 0
    try:
        up = engine.make("compose-up", f"REGISTRY={REGISTRY}", "VERSION=1", timeout=600)
        assert up.returncode == 0, up.output
        assert " up -d --no-build" in up.stdout
        running = engine.cli("ps", "--format", "{{.Image}}").stdout.split()
        assert sorted(image for image in running if image.startswith(REGISTRY)) == sorted(pushed)
    finally:
        engine.make("compose-down", f"REGISTRY={REGISTRY}")
