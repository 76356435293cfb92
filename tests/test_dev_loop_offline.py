"""The development loop (make dev, make compose-watch) checked without starting anything:
dry runs of the Makefile, and the stack files as Compose, Swarm and Kustomize render them.
The loop on the real engines: tests/e2e/test_dev_loop.py."""

import shlex
import shutil
from pathlib import Path

from copies import learner_copy
from kit import OFFLINE_ENGINE, missing_part, offline_make, run

REPO = Path(__file__).resolve().parents[1]
# What only the development loop may run: gunicorn's reloader, and the code mounted from here.
DEV_MARKS = ("--reload", "GUNICORN_CMD_ARGS", "/app:ro", "/usr/share/nginx/html:ro", "develop")


def make(*args, cwd=REPO, env=None, engine=OFFLINE_ENGINE):
    """make run offline, against a stub engine with nothing running (tests/kit.py)."""
    return offline_make(*args, cwd=cwd, env=env, engine=engine, check=False)


def printed(dry_run, name):
    """The `docker run` command that scripts/run-step prints for container `name`."""
    [line] = [line for line in dry_run.splitlines() if f"--replace {name} " in line]
    return shlex.split(line)[-1]


def test_make_dev_runs_the_built_images_with_the_code_mounted_read_only():
    dry = make("-n", "dev", "SELINUX_ENFORCING=0")
    assert dry.returncode == 0, dry.output
    assert printed(dry.stdout, "back") == (
        "cd back && docker run -p 3000:3000 --name back --rm --network k8scourse "
        "-e MYSQL_HOST=k8scourse-db -e GUNICORN_CMD_ARGS=--reload -v $(pwd):/app:ro "
        "-d k8scourse-back"
    )
    assert printed(dry.stdout, "front") == (
        "cd front && docker run -p 8080:8080 --name front --rm -e BASE_URL=http://localhost:3000 "
        "-v $(pwd)/public:/usr/share/nginx/html:ro -d k8scourse-front"
    )
    # The same images as make up: built from the same Dockerfiles.
    assert "docker build -t k8scourse-back ." in dry.stdout
    assert "docker build -t k8scourse-front ." in dry.stdout


def test_make_dev_in_a_renamed_project_names_its_page_as_make_front_does():
    args = ("PROJECT=photoshare", "BACK_PORT=3100", "FRONT_PORT=8180", "SELINUX_ENFORCING=0")
    dev = printed(make("-n", "front-dev", *args).stdout, "photoshare-front")
    front = printed(make("-n", "front", *args).stdout, "photoshare-front")
    assert " -e APP_NAME=photoshare " in front
    assert dev == front.replace("docker run", "cd front && docker run").replace(
        " -d ", " -v $(pwd)/public:/usr/share/nginx/html:ro -d "
    )


def test_make_dev_labels_the_mounts_where_selinux_enforces():
    dry = make("-n", "dev", "SELINUX_ENFORCING=1").stdout
    assert printed(dry, "back").endswith("-v $(pwd):/app:ro,z -d k8scourse-back")
    assert "/usr/share/nginx/html:ro,z -d" in printed(dry, "front")
    assert "SELinux enforces here, and a container may read a mounted file" in dry


def test_make_dev_quotes_a_folder_with_a_space(tmp_path):
    copy = learner_copy(tmp_path / "my projects" / "k8scourse")
    dry = make("-n", "dev", "SELINUX_ENFORCING=0", cwd=copy).stdout
    assert ' -v "$(pwd)":/app:ro ' in printed(dry, "back")
    assert ' -v "$(pwd)"/public:/usr/share/nginx/html:ro ' in printed(dry, "front")


def test_make_up_runs_none_of_the_development_loop():
    result = make("-n", "up")
    assert result.returncode == 0, result.output
    dry = result.stdout
    assert printed(dry, "back").endswith("-e MYSQL_HOST=k8scourse-db -d k8scourse-back")
    assert printed(dry, "front").endswith("-d k8scourse-front")
    for mark in DEV_MARKS:
        assert mark not in dry, mark


def test_compose_watch_needs_compose_v2_22_on_podman_too():
    result = make("compose-watch", env={"DOCKER": "podman"}, engine="podman-4.3-idle")
    assert result.returncode != 0
    assert (
        "make: watch needs Docker Compose v2.22 or newer (podman-compose has no watch): "
        "on Podman, make dev is the loop"
    ) in result.stderr.splitlines()


def compose(*args):
    return run("docker", "compose", *args)


def test_plain_compose_has_no_watch_rules_and_the_watch_file_has_them():
    if shutil.which("docker") is None or compose("version").returncode != 0:
        missing_part("docker compose (v2) is not installed here (.ci/install-compose)")
    plain = compose("config")
    assert plain.returncode == 0, plain.stderr
    for mark in DEV_MARKS:
        assert mark not in plain.stdout, mark
    watched = compose("-f", "compose.yaml", "-f", "compose.watch.yaml", "config")
    assert watched.returncode == 0, watched.stderr
    for path in ("back/api", "back/requirements.txt", "back/Dockerfile", "front/public"):
        assert f"path: {REPO / path}" in watched.stdout, path
    assert "action: rebuild" in watched.stdout
    # The watch file adds rules only: the containers run the same images and commands.
    for key in ("command:", "entrypoint:", "user:", "GUNICORN_CMD_ARGS"):
        assert watched.stdout.count(key) == plain.stdout.count(key), key


def test_docker_compose_1_29_still_reads_compose_yaml():
    if shutil.which("docker-compose") is None:
        missing_part("docker-compose 1.x is not installed here (.ci/install-compose)")
    result = run("docker-compose", "config", "-q")
    assert result.returncode == 0, result.stderr


def test_swarm_and_kubernetes_run_none_of_the_development_loop():
    stack = (REPO / "swarm" / "stack.yaml").read_text()
    for mark in DEV_MARKS:
        assert mark not in stack, mark
    kubectl = REPO / ".venv" / "bin" / "kubectl"
    if not kubectl.exists():
        missing_part("no .venv/bin/kubectl: run make venv")
    rendered = run(kubectl, "kustomize", "k8s").stdout
    for mark in DEV_MARKS:
        assert mark not in rendered, mark
