"""compose.yaml on the real engine, with both Compose flavours the README promises:
Compose v2 through the Makefile, docker-compose 1.29 alone on a fresh copy of the
repository; the two stacks of one project refuse each other, and Compose's own errors
have their README rows."""

import json
import os
import shutil
import urllib.request
from pathlib import Path

import pytest
from copies import learner_copy
from kit import (
    MAKEFILE_VARIABLES,
    REPO,
    missing_part,
    quoted,
    says,
    troubleshooting_row,
    wait_until,
)
from real_engines import (
    assert_each_refuses_at_once,
    docker,
    http,
    make,
    run,
    wait_for_http,
    with_named_db_volume,
)

pytestmark = pytest.mark.e2e

PROJECT = "com.docker.compose.project=k8scourse"
FLAVOURS = {
    "compose-v2": ("docker compose", lambda: run("docker", "compose", "version").returncode == 0),
    "docker-compose-v1": ("docker-compose", lambda: shutil.which("docker-compose") is not None),
}


def project_containers():
    out = docker("ps", "-a", "--filter", f"label={PROJECT}", "--format", "{{.Names}}").stdout
    return sorted(out.split())


def volumes():
    return set(docker("volume", "ls", "-q").stdout.split())


def health_of(name):
    state = json.loads(docker("inspect", name).stdout)[0]["State"]
    return state.get("Health", {}).get("Status")


def assert_nothing_left(volumes_before):
    assert project_containers() == []
    assert docker("network", "inspect", "k8scourse").returncode != 0
    assert volumes() == volumes_before, "compose down left a volume behind"


def installed(flavour):
    command, answers = FLAVOURS[flavour]
    if not answers():
        missing_part(f"{command} is not installed (.ci/install-compose installs it; CI does)")
    return command


def caption(text):
    """POST /gifs/bounce.gif/captions to the backend: (status, JSON answer)."""
    status, _, body = http(
        "http://localhost:3000/gifs/bounce.gif/captions",
        {"Content-Type": "application/json"},
        timeout=60,
        data=json.dumps({"caption": text}).encode(),
    )
    return status, json.loads(body)


def test_compose_up_reaches_healthy_refuses_the_run_stack_and_down_leaves_nothing():
    """With the split laid over the tiers (make compose-split: compose.yaml's three and
    compose.split.yaml's microgifcap), as make compose-up is the same without the file."""
    before = volumes()
    up = make("compose-split", f"COMPOSE={installed('compose-v2')}", timeout=600)
    try:
        assert up.returncode == 0, up.output
        containers = project_containers()
        assert len(containers) == 4, containers
        # up -d waits for the database and the backend (depends_on: service_healthy), not the
        # front: each reaches healthy (interval 2 s, 15 retries), or the test fails.
        for name in containers:
            wait_until(lambda name=name: health_of(name) == "healthy", 60, f"{name} healthy")
        with urllib.request.urlopen("http://localhost:3000/health", timeout=5) as reply:
            assert reply.status == 200 and json.load(reply)["db"] is True
        wait_for_http("http://localhost:8080/")  # the front starts after the backend is healthy
        back = next(n for n in containers if "back" in n)
        env = docker("inspect", "-f", "{{json .Config.Env}}", back).stdout
        assert "MYSQL_HOST=k8scourse-db" in env  # the lesson's name: an alias on the network
        assert "MYSQL_PASSWORD_FILE=/run/secrets/db_password" in env
        assert "MYSQL_PASSWORD=" not in env  # the password is a file, not an environment variable
        db = next(n for n in containers if "db" in n)
        assert docker("port", db).stdout.strip() == ""  # the database is not published

        # The split: the service draws the caption (its log has the request), the backend
        # serves the new GIF from the volume both mount; the service stopped, /health stays
        # 200 and a caption is a 503 whose hint says how to start it.
        status, answer = caption("split")
        assert status == 201, answer
        service = next(n for n in containers if "microgifcap" in n)
        log = docker("logs", service).output
        assert '"POST /gifs/bounce.gif/captions HTTP/1.1" 201' in log, log
        status, _, body = http(f"http://localhost:3000/gifs/{answer['name']}")
        assert status == 200 and body.startswith(b"GIF89a")
        assert docker("stop", service).returncode == 0
        assert http("http://localhost:3000/health")[0] == 200
        status, answer = caption("down")
        assert status == 503 and "create_captioner()" in answer["hint"], answer

        # The docker run targets refuse at once (no second k8scourse-db on Compose's
        # network), and make down says in one line what holds the network.
        refusal = (
            "make: the Compose stack k8scourse is up (same names, ports and network): "
            "stop it with 'make compose-down' first."
        )
        assert_each_refuses_at_once(("up", "db", "back", "front"), refusal)
        assert docker("container", "inspect", "k8scourse-db").returncode != 0
        down = make("down")
        assert (
            "make: network k8scourse is still used by the Compose stack k8scourse "
            f"({' '.join(containers)}): stop it with 'make compose-down'."
        ) in down.stderr.splitlines(), down.output
        assert down.returncode != 0 and "Error response from daemon" not in down.output
        seen, _, fix = troubleshooting_row("the Compose stack k8scourse is up")
        up_words, down_words = quoted(seen)
        assert says(refusal, up_words) and says(down.stderr, down_words)
        assert "`make compose-down` first" in fix
    finally:
        down = make("compose-down")
        # The GIFs' volume stays after down, Compose's way (compose.split.yaml says so).
        kept = docker("volume", "rm", "k8scourse_gifs").returncode == 0
    assert down.returncode == 0, down.output
    assert kept
    assert_nothing_left(before)


def test_a_fresh_clone_runs_with_compose_alone(tmp_path):
    """No make at all: `docker-compose up -d` (1.29) on the files as cloned, then `down`."""
    compose = installed("docker-compose-v1")
    clone = learner_copy(tmp_path / "k8scourse")
    before = volumes()
    up = run(*compose.split(), "up", "-d", cwd=clone, timeout=600)
    try:
        assert up.returncode == 0, up.stdout + up.stderr
        wait_for_http("http://localhost:3000/health", timeout=60)
        status, _, body = http("http://localhost:3000/health")
        assert status == 200 and json.loads(body)["db"] is True
        # The front starts once the backend is healthy: `up -d` may return before it serves.
        wait_for_http("http://localhost:8080/config.json", timeout=60)
    finally:
        down = run(*compose.split(), "down", cwd=clone)
    assert down.returncode == 0, down.stdout + down.stderr
    assert_nothing_left(before)


def test_a_chosen_password_is_never_shown_and_the_opt_in_volume_stays(tmp_path):
    """`make compose-up DB_PASSWORD=...` with the named volume switched on as compose.yaml
    says, in a folder whose path has a space and accents: the password reaches the
    containers as files, and is in no printed command, no `docker inspect` and no file git
    would commit; `make compose-down` removes all but the volume the learner chose."""
    copy = with_named_db_volume(learner_copy(tmp_path / "My Course" / "ünï" / "k8scourse"))
    secret, root_secret = "e2e-Chosen-pw", "e2e-Root-pw"
    passwords = (f"DB_PASSWORD={secret}", f"DB_ROOT_PASSWORD={root_secret}")
    before = volumes()
    try:
        up = make("compose-up", *passwords, cwd=copy, timeout=600)
        assert up.returncode == 0, up.output
        assert secret not in up.output and root_secret not in up.output
        for name in project_containers():
            inspect = docker("inspect", name).stdout
            assert secret not in inspect and root_secret not in inspect, name
        status, _, body = http("http://localhost:3000/health")
        assert status == 200 and json.loads(body)["db"] is True
        written = Path(copy / ".secrets" / "k8scourse" / "password")
        assert written.read_text() == secret
        assert run("git", "status", "--porcelain", "--", ".secrets", cwd=copy).stdout == ""
    finally:
        down = make("compose-down", *passwords, cwd=copy)
    try:
        assert down.returncode == 0, down.output
        assert project_containers() == []
        assert volumes() - before == {"k8scourse_db-data"}
    finally:
        docker("volume", "rm", "k8scourse_db-data")


@pytest.mark.parametrize("flavour", sorted(FLAVOURS))
def test_compose_without_env_says_to_set_project_there(flavour, tmp_path):
    """compose.yaml copied without .env: Compose's own words, as the README row quotes
    them (Compose v2's; docker-compose 1.29's in its parenthesis)."""
    compose = installed(flavour)
    seen, _, fix = troubleshooting_row("required variable PROJECT")
    shutil.copy(REPO / "compose.yaml", tmp_path)
    env = {k: v for k, v in os.environ.items() if k not in MAKEFILE_VARIABLES}

    config = run(*compose.split(), "config", cwd=tmp_path, env=env)

    assert config.returncode != 0
    if compose == "docker compose":
        said = "required variable PROJECT is missing a value: set PROJECT in .env"
        assert f"`{said}`" in seen
    else:
        said = '": set PROJECT in .env'
        assert config.stderr.startswith("Missing mandatory value for "), config.stderr
        assert (
            "(docker-compose 1.29: `Missing mandatory value for … : set PROJECT in .env`)" in seen
        )
    assert said in config.stderr, config.stderr
    assert fix.startswith("copy `.env` too")


def test_compose_up_refuses_while_the_lesson_network_exists():
    assert make("network").returncode == 0
    try:
        up = make("compose-up")
    finally:
        make("down")
    assert up.returncode != 0
    assert "network k8scourse was made by the docker run lesson" in up.stderr
    assert project_containers() == []


@pytest.mark.usefixtures("docker_clean_slate")
def test_plain_compose_beside_the_docker_run_network_has_a_troubleshooting_row():
    assert make("network").returncode == 0

    compose = run("docker", "compose", "up", "-d", timeout=600)

    assert compose.returncode != 0
    said = (
        'network k8scourse was found but has incorrect label com.docker.compose.network set to ""'
    )
    assert said in compose.stderr
    seen, _, fix = troubleshooting_row("has incorrect label com.docker.compose.network")
    assert says(compose.stderr, quoted(seen)[0])
    assert fix == "`make down` first, then `docker compose up -d`"
    run("docker", "compose", "down", "--remove-orphans")
