"""compose.yaml on the real engine, with both Compose flavours the README promises."""

import json
import shutil
import urllib.request

import pytest
from lessonkit import docker, make, run

pytestmark = pytest.mark.e2e

PROJECT = "com.docker.compose.project=k8scourse"
FLAVOURS = {
    "compose-v2": ("docker compose", lambda: run("docker", "compose", "version").returncode == 0),
    "docker-compose-v1": ("docker-compose", lambda: shutil.which("docker-compose") is not None),
}


def project_containers():
    out = docker("ps", "-a", "--filter", f"label={PROJECT}", "--format", "{{.Names}}").stdout
    return sorted(out.split())


def health_of(name):
    state = json.loads(docker("inspect", name).stdout)[0]["State"]
    return state.get("Health", {}).get("Status")


@pytest.fixture(params=sorted(FLAVOURS))
def compose(request):
    command, installed = FLAVOURS[request.param]
    if not installed():
        pytest.skip(f"{command} is not installed (scripts/install-compose installs it; CI does)")
    yield f"COMPOSE={command}"
    make("compose-down", f"COMPOSE={command}")


def test_compose_up_reaches_healthy_and_down_leaves_nothing(compose):
    up = make("compose-up", compose, timeout=600)
    assert up.returncode == 0, up.output

    containers = project_containers()
    assert len(containers) == 3, containers
    for name in containers:
        assert health_of(name) in ("healthy", "starting"), name
    with urllib.request.urlopen("http://localhost:3000/health", timeout=5) as reply:
        assert reply.status == 200
        assert json.load(reply)["db"] is True
    with urllib.request.urlopen("http://localhost:8080/", timeout=5) as reply:
        assert reply.status == 200

    back = next(n for n in containers if "back" in n)
    env = docker("inspect", "-f", "{{json .Config.Env}}", back).stdout
    assert "MYSQL_PASSWORD_FILE=/run/secrets/db_password" in env
    assert "MYSQL_PASSWORD=" not in env  # the password is a file, not an environment variable
    db = next(n for n in containers if "db" in n)
    assert docker("port", db).stdout.strip() == ""  # the database is not published

    down = make("compose-down", compose)
    assert down.returncode == 0, down.output
    assert project_containers() == []
    for network in ("k8scourse", "k8scourse_default"):
        assert docker("network", "inspect", network).returncode != 0, network


def test_compose_up_refuses_while_the_lesson_network_exists():
    assert make("network").returncode == 0
    try:
        up = make("compose-up")
    finally:
        make("down")
    assert up.returncode != 0
    assert "network k8scourse was made by the docker run lesson" in up.stderr
    assert project_containers() == []
