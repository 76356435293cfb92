"""End-to-end tests: the lesson's make targets on a real Docker engine.

They use the lesson's fixed names and ports, so they refuse to start when any
of those already exist: a learner's running stack is never clobbered.
"""

import os

import pytest
from lessonkit import LESSON_IMAGES, describe_image, docker, engine_answers, lesson_leftovers, make


def pytest_report_header(config):
    if not engine_answers():
        return "docker: no engine answers (e2e tests skip, except in CI where they fail)"
    version = docker("version", "--format", "{{.Server.Version}}").stdout.strip()
    lines = [f"docker engine {version}; images under test:"]
    lines += [f"  {image}: {describe_image(image)}" for image in LESSON_IMAGES]
    return lines


@pytest.fixture(scope="session", autouse=True)
def lesson_engine():
    """A Docker engine with none of the lesson's objects; cleans up after itself."""
    if not engine_answers():
        if os.environ.get("CI"):
            pytest.fail("no Docker engine answers: .ci/run must start dockerd", pytrace=False)
        pytest.skip("no Docker engine answers: start dockerd (CI runs these tests)")
    leftovers = lesson_leftovers()
    if leftovers:
        pytest.exit(
            f"the lesson's {', '.join(leftovers)} already exist: run `make down` first "
            "(the end-to-end tests use the lesson's fixed names and ports)",
            returncode=3,
        )
    yield
    make("down")
