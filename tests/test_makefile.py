"""The Makefile as a learner meets it, checked with dry runs (no Docker needed)."""

import os
import re
import shlex
import subprocess
from pathlib import Path

import pytest
from learnerkit import path_without

REPO = Path(__file__).resolve().parents[1]
LESSON_TOOL = REPO.parent / "shared" / "tools" / "lesson-commands"


def make(*args, env=None):
    """make's output; env is added to this environment (a None value unsets a variable)."""
    env = {**os.environ, **(env or {})}
    result = subprocess.run(
        ["make", "--no-print-directory", *args],
        cwd=REPO,
        capture_output=True,
        text=True,
        env={name: value for name, value in env.items() if value is not None},
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


def printed_command(dry_run_line):
    """The command scripts/step prints: its last argument, as the shell would see it."""
    return shlex.split(dry_run_line)[-1]


def phony_targets():
    text = (REPO / "Makefile").read_text()
    return re.findall(r"^\.PHONY: (\S+)$", text, re.M)


@pytest.mark.skipif(not LESSON_TOOL.exists(), reason="../shared/tools/lesson-commands is not here")
def test_every_lesson_command_is_wrapped_verbatim():
    result = subprocess.run(
        [str(LESSON_TOOL), "--repo", str(REPO)], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stdout
    assert result.stdout.strip().splitlines()[-1] == "17/17 lesson commands wrapped"


def test_help_lists_every_target_with_a_description():
    listed = dict(re.findall(r"^  make (\S+)\s+(.+)$", make("help"), re.M))
    for target in phony_targets():
        assert listed.get(target), f"make help does not describe {target}"


def test_defaults_reproduce_the_lesson():
    back = make("-n", "back").strip().splitlines()[-1]
    assert printed_command(back) == (
        "docker run -p 3000:3000 --name back --rm --network k8scourse "
        "-e MYSQL_HOST=k8scourse-db -d k8scourse-back"
    )
    db = make("-n", "db").strip().splitlines()[-1]
    assert printed_command(db).startswith("cd db && docker run -p 3306:3306 -d --name k8scourse-db")
    assert printed_command(db).endswith("--network k8scourse mysql:5.7")


def test_variables_override_names_ports_and_the_engine():
    db = make("-n", "db", "DB_IMAGE=mysql:8.4", "DOCKER=podman").strip().splitlines()[-1]
    assert printed_command(db).startswith("cd db && podman run ")
    assert printed_command(db).endswith(" mysql:8.4")
    back = make("-n", "back", "BACK_PORT=3001").strip().splitlines()[-1]
    assert printed_command(back).startswith("docker run -p 3001:3000 ")


def test_a_changed_password_is_never_printed():
    dry = make("-n", "db", "back", "DB_PASSWORD=s3cret-pw", "DB_ROOT_PASSWORD=r00t-pw")
    commands = [printed_command(line) for line in dry.splitlines() if "scripts/step" in line]
    assert commands, dry
    for command in commands:
        assert "s3cret-pw" not in command and "r00t-pw" not in command
    assert any(" -e MYSQL_PASSWORD -e MYSQL_ROOT_PASSWORD " in c for c in commands)
    assert any(
        c.endswith("-e MYSQL_HOST=k8scourse-db -e MYSQL_PASSWORD -d k8scourse-back")
        for c in commands
    )


def test_an_arm64_engine_gets_a_multi_arch_database_image(tmp_path):
    """The engine's architecture decides (ENGINE_ARCH pretends), not `uname -m`: a shell
    under Rosetta says x86_64 on an arm64 Mac. Said once, where the database starts."""
    fake_uname = tmp_path / "uname"
    fake_uname.write_text("#!/bin/sh\necho aarch64\n")
    fake_uname.chmod(0o755)
    path = f"{tmp_path}:{os.environ['PATH']}"
    why = (
        "echo '# DB_IMAGE=mysql:8.4: docker runs arm64, and mysql:5.7 exists for amd64 "
        "only (set DB_IMAGE to choose)'"
    )
    out = make("-n", "db", "ENGINE_ARCH=arm64")
    assert out.splitlines().count(why) == 1
    assert printed_command(out.strip().splitlines()[-1]).endswith(" mysql:8.4")
    # uname says aarch64 (a Rosetta shell's opposite), the engine amd64: mysql:5.7.
    out = make("-n", "db", "ENGINE_ARCH=amd64", env={"PATH": path})
    assert "exists for amd64 only" not in out and out.strip().endswith(" mysql:5.7'")
    # An explicit choice wins, without the line.
    out = make("-n", "db", "DB_IMAGE=mariadb:11", "ENGINE_ARCH=arm64")
    assert "exists for amd64 only" not in out and out.strip().endswith("mariadb:11'")
    for quiet in ("help", "names"):
        assert "exists for amd64 only" not in make(quiet, "ENGINE_ARCH=arm64")
    assert "DB_IMAGE=mysql:8.4" in make("names", "ENGINE_ARCH=arm64").splitlines()


def step_commands(dry_run):
    """The commands scripts/step would print, from a dry run."""
    return [printed_command(line) for line in dry_run.splitlines() if "scripts/step" in line]


def test_every_name_follows_project_and_the_lesson_keeps_its_own():
    lesson = dict(line.split("=", 1) for line in make("names").splitlines())
    assert lesson["PROJECT"] == "k8scourse"  # .env
    assert (lesson["BACK_NAME"], lesson["FRONT_NAME"]) == ("back", "front")
    renamed = dict(line.split("=", 1) for line in make("names", "PROJECT=photoshare").splitlines())
    assert renamed == {
        **lesson,
        "PROJECT": "photoshare",
        "NETWORK": "photoshare",
        "DB_NAME": "photoshare-db",
        "BACK_NAME": "photoshare-back",
        "BACK_IMAGE": "photoshare-back",
        "FRONT_NAME": "photoshare-front",
        "FRONT_IMAGE": "photoshare-front",
        "STACK": "photoshare",
    }
    # From the environment too, as every other variable.
    assert "NETWORK=photoshare" in make("names", env={"PROJECT": "photoshare"})


def test_a_renamed_stack_prints_its_own_names_and_ports():
    dry = make(
        "-n", "up", "PROJECT=photoshare", "BACK_PORT=3100", "FRONT_PORT=8180", "DB_PORT=3406"
    )
    commands = step_commands(dry)
    assert "docker network create photoshare" in commands
    assert any(
        c.startswith("cd db && docker run -p 3406:3306 -d --name photoshare-db ")
        and c.endswith(" --network photoshare mysql:5.7")
        for c in commands
    ), commands
    assert (
        "docker run -p 3100:3000 --name photoshare-back --rm --network photoshare "
        "-e MYSQL_HOST=photoshare-db -e CORS_ORIGINS=http://localhost:8180 -d photoshare-back"
    ) in commands
    assert (
        "docker run -p 8180:8080 --name photoshare-front --rm "
        "-e BASE_URL=http://localhost:3100 -e APP_NAME=photoshare -d photoshare-front"
    ) in commands


def test_down_of_another_project_touches_only_its_own():
    commands = step_commands(make("-n", "down", "PROJECT=photoshare"))
    assert commands == [
        "docker stop photoshare-front",
        "docker stop photoshare-back",
        "docker stop photoshare-db",
        "docker network rm photoshare",
    ]
    lesson = step_commands(make("-n", "down"))
    assert "docker rm -f one" in lesson and "docker network rm alpine-network" in lesson


def test_a_bad_or_missing_project_name_says_what_to_do(tmp_path):
    bad = subprocess.run(
        ["make", "names", "PROJECT=Photo_Share"], cwd=REPO, capture_output=True, text=True
    )
    assert bad.returncode != 0
    assert "PROJECT=Photo_Share: use lowercase letters, digits and dashes" in bad.stderr
    # The Makefile copied without .env.
    (tmp_path / "Makefile").write_text((REPO / "Makefile").read_text())
    missing = subprocess.run(["make", "help"], cwd=tmp_path, capture_output=True, text=True)
    assert missing.returncode != 0
    assert "PROJECT is not set: keep .env (its line PROJECT=...) beside the Makefile" in (
        missing.stderr
    )
    assert "make up" in make("-f", str(tmp_path / "Makefile"), "help", "PROJECT=myapp")


def test_compose_gets_the_project_and_a_chosen_password_only_as_a_file_path():
    lesson = step_commands(make("-n", "compose-up"))[-1]
    # Compose's own default database image (compose.yaml): mysql:8.4, for amd64 and arm64.
    assert lesson.startswith("PROJECT=k8scourse DB_IMAGE=mysql:8.4 BACK_PORT=3000 ")
    assert lesson.endswith(" compose -p k8scourse up -d --build") or lesson.endswith(
        "docker-compose -p k8scourse up -d --build"
    )
    assert "DB_SECRETS" not in lesson  # the committed lesson passwords
    chosen = step_commands(make("-n", "compose-up", "DB_PASSWORD=s3cret-pw"))[-1]
    assert f'DB_SECRETS="{REPO}/.secrets/k8scourse" ' in chosen
    assert "s3cret-pw" not in chosen


def test_a_make_run_by_a_recipe_derives_its_own_names():
    """`make test` runs the tests, and they run make again (here and in copies): what the
    outer make exports must not pin the inner one's names to the lesson's."""
    env_of_a_recipe = make("--eval", "recipe-env: ; @env -0", "recipe-env")
    env = dict(item.split("=", 1) for item in env_of_a_recipe.split("\0") if "=" in item)
    inner = subprocess.run(
        ["make", "--no-print-directory", "names", "PROJECT=photoshare"],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert "DB_NAME=photoshare-db" in inner and "BACK_IMAGE=photoshare-back" in inner


def fake_engine(folder, name, version):
    """A stand-in `name` command that only answers --version (dry runs ask nothing else);
    returns a PATH that finds it first."""
    program = folder / name
    program.write_text(f"#!/bin/sh\n[ \"$1\" = --version ] && echo '{version}'\n")
    program.chmod(0o755)
    return f"{folder}:{os.environ['PATH']}"


@pytest.fixture
def podman_path(tmp_path):
    """A PATH with a podman 4.3.1 (installed or not on this machine)."""
    return fake_engine(tmp_path, "podman", "podman version 4.3.1")


def test_podman_gives_alpine_net_raw_and_lists_the_networks_containers(podman_path):
    """Podman drops NET_RAW, which busybox's ping needs; Podman 4's network inspect lists no
    containers. Docker's commands stay the lesson's."""
    targets = ("-n", "alpine", "alpine-network", "inspect")
    podman = make(*targets, "DOCKER=podman", env={"PATH": podman_path})
    commands = step_commands(podman)
    assert "podman run -it -d --rm --name one --cap-add=NET_RAW alpine /bin/sh" in commands
    assert (
        "podman run -it -d --rm --name two --network alpine-network --cap-add=NET_RAW "
        "alpine /bin/sh"
    ) in commands
    why = (
        "echo '# --cap-add=NET_RAW: ping needs the NET_RAW capability (busybox opens a raw "
        "socket), which Podman drops by default and Docker keeps'"
    )
    assert podman.splitlines().count(why) == 2  # once for make alpine, once for alpine-network
    assert commands[-2:] == [
        "podman network inspect alpine-network",
        "podman ps --filter network=alpine-network",
    ]
    docker = step_commands(make(*targets))
    assert not any("NET_RAW" in command or " ps " in command for command in docker)


def test_without_docker_the_makefile_takes_podman_and_says_so(tmp_path, podman_path):
    no_docker = podman_path.replace(os.environ["PATH"], path_without("docker", tmp_path / "bin"))

    dry = make("-n", "alpine", env={"PATH": no_docker, "DOCKER": None})

    assert dry.splitlines()[0] == (
        "notice: docker is not installed, podman is: using DOCKER=podman (set DOCKER to choose)"
    )
    assert step_commands(dry)[0] == (
        "podman run -it -d --rm --name one --cap-add=NET_RAW alpine /bin/sh"
    )
    # Chosen, it is not second-guessed: DOCKER=docker stays docker (and says nothing).
    chosen = make("-n", "alpine", "DOCKER=docker", env={"PATH": no_docker})
    assert "notice" not in chosen
    assert step_commands(chosen)[0] == "docker run -it -d --rm --name one alpine /bin/sh"


def test_podman_behind_the_docker_command_is_recognised(tmp_path):
    """podman-docker's `docker` is Podman: the commands print as docker, with Podman's fixes."""
    path = fake_engine(tmp_path, "docker", "podman version 4.3.1")
    dry = make("-n", "alpine", env={"PATH": path})
    assert step_commands(dry)[0] == (
        "docker run -it -d --rm --name one --cap-add=NET_RAW alpine /bin/sh"
    )


def test_compose_and_swarm_refuse_on_podman(podman_path):
    for target, said in (
        ("compose-up", "make compose-up/compose-down drive Docker Compose: on Podman"),
        ("swarm-down", "Swarm is Docker's own: Podman has no swarm mode"),
    ):
        refused = subprocess.run(
            ["make", "-n", target, "DOCKER=podman"],
            cwd=REPO,
            capture_output=True,
            text=True,
            env={**os.environ, "PATH": podman_path},
        )
        assert refused.returncode != 0
        assert said in refused.stderr
