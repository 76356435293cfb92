"""End-to-end tests: the lesson's make targets on a real Docker engine, and those that
take the `engine` fixture on Podman too (the walk, and the README's Podman table).

They use the lesson's fixed names and ports, so they refuse to start when any
of those already exist, on either engine: a learner's running stack is never clobbered.
"""

import pytest
from kit import missing_part
from real_engines import (
    ENGINES,
    LESSON_IMAGES,
    OTHER_PROJECT,
    Engine,
    describe_image,
    docker,
    engine_answers,
    lesson_leftovers,
    make,
)


def pytest_report_header(config):
    if not engine_answers():
        return "docker: no engine answers (e2e tests skip, except in CI where they fail)"
    version = docker("version", "--format", "{{.Server.Version}}").stdout.strip()
    lines = [f"docker engine {version}; images under test:"]
    lines += [f"  {image}: {describe_image(image)}" for image in LESSON_IMAGES]
    podman = Engine("podman")
    if podman.answers():
        version = podman.cli("version", "--format", "{{.Client.Version}}").stdout.strip()
        lines.append(f"podman {version} (the lesson's tests run on it too); images under test:")
        lines += [f"  {image}: {describe_image(image, podman)}" for image in LESSON_IMAGES]
    else:
        lines.append("podman: not installed or not answering (the lesson's Podman tests skip)")
    return lines


@pytest.fixture(scope="session", autouse=True)
def lesson_engine():
    """A Docker engine with none of the lesson's objects; cleans up after itself."""
    if not engine_answers():
        missing_part("no Docker engine answers: start dockerd (.ci/run starts it)")
    leftovers = lesson_leftovers()
    if leftovers:
        pytest.exit(
            f"{', '.join(leftovers)} already exist: remove them first (`make down`, "
            "`make down PROJECT=photoshare`, `make down PROJECT=myapp`; a volume: "
            "`docker volume rm NAME`; on Podman: `make down DOCKER=podman`). The end-to-end "
            "tests use the lesson's fixed names and ports, and those of the README's recipes",
            returncode=3,
        )
    yield
    make("down")
    make("down", f"PROJECT={OTHER_PROJECT}")
    make("down", "PROJECT=myapp")
    if Engine("podman").answers():
        Engine("podman").make("down")


@pytest.fixture(scope="module", params=ENGINES)
def engine(request):
    """The engine a lesson test runs on. A module's tests run on Docker, then on Podman,
    never both at once (the lesson's names and ports are fixed): `make down` on the one
    before the other starts."""
    engine = Engine(request.param)
    if not engine.answers():
        missing_part(f"no {engine.title} engine answers here (.ci/run installs both engines)")
    yield engine
    engine.make("down")


@pytest.fixture(scope="module")
def lesson_stack():
    """db, back and front as `make up` starts them, for one module; `make down` after it."""
    up = make("up", timeout=900)
    assert up.returncode == 0, up.output
    yield up
    make("down")


@pytest.fixture
def clean_slate(engine):
    """make down on the test's engine, before the test and after it (the tests that take
    `engine` and need nothing running: `@pytest.mark.usefixtures("clean_slate")`)."""
    engine.make("down")
    yield
    engine.make("down")


@pytest.fixture
def docker_clean_slate():
    """The same for a test that runs on Docker only: make down before it; after it, make
    down of the lesson and of the README's renamed copy (PROJECT=photoshare). In a module
    whose other tests take `engine`, such tests come first in the file: pytest runs those
    others in turns, Docker's then Podman's, and a test defined after the first of them
    would run after Podman's turn, while Podman's last state may still hold the ports."""
    make("down")
    yield
    make("down")
    make("down", f"PROJECT={OTHER_PROJECT}")
