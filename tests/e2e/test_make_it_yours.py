"""The README's "Use it in your own project" recipes, pasted as written into bash, beside the
lesson's running stack, on the real engine: in a folder where `k8scourse` is a learner's
copy of this repository (tests/copies.py), each recipe ends with its copy's app healthy,
its page calling its own API and titled with its name, and the lesson's stack untouched.
"""

import json
import re

import pytest
from copies import learner_copy
from kit import REPO, run
from real_engines import docker, http, make, wait_for_http

pytestmark = [pytest.mark.e2e, pytest.mark.usefixtures("lesson_stack")]


def recipe(heading):
    """The bash block under the README's heading, as a learner copies it."""
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    section = readme.split(f"\n### {heading}\n", 1)[1]
    return re.search(r"```bash\n(.*?)```", section, re.S)[1]


def lesson_containers():
    """The lesson stack's containers: {name: id}."""
    names = ("k8scourse-db", "back", "front")
    return {n: docker("inspect", "-f", "{{.Id}}", n).stdout.strip() for n in names}


def health(port):
    status, _, body = http(f"http://localhost:{port}/health")
    return status, json.loads(body)


def page_config(port):
    wait_for_http(f"http://localhost:{port}/healthz")
    return json.loads(http(f"http://localhost:{port}/config.json")[2])


def allowed_origin(api_port, origin):
    _, headers, _ = http(f"http://localhost:{api_port}/health", headers={"Origin": origin})
    return headers.get("Access-Control-Allow-Origin")


@pytest.fixture
def beside_the_lesson(tmp_path):
    """A folder holding `k8scourse`, a learner's copy; the lesson's stack runs (lesson_stack).
    Yields the folder; afterwards the lesson's containers are the very same, and healthy."""
    learner_copy(tmp_path / "k8scourse")
    before = lesson_containers()
    yield tmp_path
    assert lesson_containers() == before
    status, body = health(3000)
    assert status == 200 and body["db"] is True
    assert page_config(8080) == {"baseUrl": "http://localhost:3000", "name": "k8scourse"}


def test_copy_it_all_and_rename_it(beside_the_lesson):
    pasted = run("bash", "-euo", "pipefail", "-c", recipe("Copy it all and rename it"),
                 cwd=beside_the_lesson, timeout=900)  # fmt: skip
    copy = beside_the_lesson / "photoshare"
    try:
        assert pasted.returncode == 0, pasted.output
        assert health(3100)[1]["db"] is True
        assert page_config(8180) == {"baseUrl": "http://localhost:3100", "name": "photoshare"}
        assert allowed_origin(3100, "http://localhost:8180") == "http://localhost:8180"
        assert "MYSQL_HOST=photoshare-db" in docker("inspect", "photoshare-back").stdout
    finally:
        down = make("down", cwd=copy)
        clean = make("clean", cwd=copy)
    assert down.returncode == 0 and clean.returncode == 0, down.output + clean.output
    assert docker("image", "inspect", "photoshare-back").returncode != 0
    assert docker("image", "inspect", "k8scourse-back").returncode == 0


def test_copy_back_front_and_the_makefile_into_your_project(beside_the_lesson):
    pasted = run("bash", "-euo", "pipefail", "-c",
                 recipe("Copy back/, front/ or the Makefile into your project"),
                 cwd=beside_the_lesson, timeout=900)  # fmt: skip
    project = beside_the_lesson / "myapp"
    try:
        assert pasted.returncode == 0, pasted.output
        assert not (project / "mk").exists() and not (project / "standins").exists()
        # make up replaced the tiers run by hand with its own stack: myapp-db on its network.
        assert "$ docker rm -f myapp-back" in pasted.stdout.splitlines()
        assert "MYSQL_HOST=myapp-db" in docker("inspect", "myapp-back").stdout
        assert health(3200)[1]["db"] is True
        assert page_config(8280) == {"baseUrl": "http://localhost:3200", "name": "myapp"}
        assert allowed_origin(3200, "http://localhost:8280") == "http://localhost:8280"
        # front/'s Makefile (its one line for make in the folder) stays out of the image.
        found = docker(
            "run",
            "--rm",
            "--entrypoint",
            "find",
            "myapp-front",
            "/usr/share/nginx/html",
            "-name",
            "Makefile",
        )
        assert found.stdout == "", found.stdout
    finally:
        down = make("down", cwd=project)
        make("clean", cwd=project)
    assert down.returncode == 0, down.output
    assert docker("network", "inspect", "myapp").returncode != 0
