"""The tiers' images on the container engines (the front's start-up check of BASE_URL, run
with sh as the image runs it: tests/test_front_offline.py).

The containers and images here are named tiers-* and publish ports 18000-18999 only, so
they never meet the lesson's names and ports that tests/e2e uses (front, 8080, 8888...).
`engine`: the front image built as tiers-front on Docker (Podman runs the same image: what
differs there is the README's Podman table, tests/e2e/test_lesson.py's).
"""

import subprocess
import sys
from pathlib import Path

import pytest
from imagekit import IMAGE, engine_cli
from kit import missing_part

REPO = Path(__file__).resolve().parents[2]
# The throw-away MariaDB of the backend's tests (tests/back/mariadb_server.py).
sys.path.insert(0, str(REPO / "tests" / "back"))


def engine_answers(engine):
    try:
        return engine_cli(engine, "info", timeout=30).returncode == 0
    except (OSError, subprocess.TimeoutExpired):
        return False


@pytest.fixture(scope="module", params=["docker"])
def engine(request):
    """An engine with the front image built as tiers-front; it goes after the module."""
    name = request.param
    if not engine_answers(name):
        missing_part(f"{name} does not answer")
    build = engine_cli(name, "build", "-t", IMAGE, str(REPO / "front"), timeout=900)
    assert build.returncode == 0, build.stdout[-3000:] + build.stderr[-3000:]
    yield name
    engine_cli(name, "rmi", "-f", IMAGE)
