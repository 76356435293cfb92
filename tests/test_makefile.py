"""The Makefile as a learner meets it, checked with dry runs (no Docker needed).

Every make here runs offline (kit.offline_make, as `make`): a stub engine with nothing
running answers as docker and podman, first on PATH, and the environment's Makefile
variables are dropped, so a stack running on this machine (a backend published on 3001,
say) cannot change what these tests see.
"""

import os
import re

import pytest
from copies import learner_copy, path_without
from kit import (
    LESSON_COMMANDS,
    MAKEFILES,
    REPO,
    commands_of_the_lesson,
    lesson_commands,
    missing_part,
    printed_commands,
    quoted,
    readme_row,
    run,
    says,
    troubleshooting_row,
)
from kit import offline_make as make

# The lesson's text: outside the repository, beside the clone (CI has it there).
LESSON = REPO.parent / "shared" / "lesson" / "05-networking-in-docker.md"
# The target that runs each step of the lesson: the commands its dry run prints, all of
# them and in order, as numbers of lines of tests/lesson_commands.txt.
LESSON_TARGETS = {
    "alpine": [1, 2],
    "shell": [3],
    "ps": [4],
    "alpine-stop": [5, 6],
    "alpine-network": [7, 8, 9],
    "inspect": [10],
    "network": [11],
    "db": [11, 12],  # after its prerequisite, network
    "back-broken": [11, 13],
    "health": [14],
    "stop": [15],
    "back": [11, 16],
    "logs": [17],
}


def printed_command(dry_run_line):
    """The one command a line of a dry run prints."""
    [command] = printed_commands(dry_run_line)
    return command


def phony_targets():
    """The targets a learner types: the phony ones of the Makefile and its mk/ files (the
    helpers that only other targets ask for, a note or a check, are not declared phony)."""
    return sorted(
        target
        for path in MAKEFILES
        for line in re.findall(r"^\.PHONY: (.+)$", path.read_text(), re.M)
        for target in line.split()
    )


def test_the_pinned_commands_are_the_lessons_17_each_with_its_target():
    if not LESSON.exists():
        missing_part(f"{LESSON} is not here: the copy in {LESSON_COMMANDS.name} is not checked")
    pinned = lesson_commands()
    text = LESSON.read_text(encoding="utf-8")
    assert pinned == commands_of_the_lesson(text, ("docker ", "curl "))
    assert len(pinned) == 17
    numbers = {n for wanted in LESSON_TARGETS.values() for n in wanted}
    assert numbers == set(range(1, len(pinned) + 1)), "a lesson command no target runs"


@pytest.fixture(scope="module")
def copy_without_mk(tmp_path_factory):
    """The README's copy of the Makefile: the Makefile, .env and scripts/ beside the tiers,
    without mk/ (each file there is optional)."""
    copy = tmp_path_factory.mktemp("copy") / "myapp"
    learner_copy(copy, "Makefile", ".env", "scripts", "back", "front", "db")
    assert not (copy / "mk").exists()
    return copy


@pytest.mark.parametrize("target", LESSON_TARGETS)
def test_every_target_prints_the_lessons_commands_whole(target, copy_without_mk):
    """Each command the target's dry run prints (scripts/run-step's or scripts/check-health's last
    argument), equal to the lesson's, whole: no flag more or less, nothing before or after;
    here, and in a copy of the Makefile without mk/."""
    pinned = lesson_commands()
    wanted = [pinned[n - 1] for n in LESSON_TARGETS[target]]
    assert printed_commands(make("-n", target)) == wanted
    assert printed_commands(make("-n", target, cwd=copy_without_mk)) == wanted


def test_this_machines_engine_and_environment_change_nothing(tmp_path, monkeypatch):
    """This machine's `docker` is an arm64 Podman (podman-5.4's recorded answers), its
    environment exports FRONT_PORT, and an outer make passes BACK_PORT: an offline run
    sees none of it."""
    machine = tmp_path / "machine"
    machine.mkdir()
    (machine / "docker").symlink_to(REPO / "tests" / "engines" / "stub")
    monkeypatch.setenv("PATH", f"{machine}{os.pathsep}{os.environ['PATH']}")
    monkeypatch.setenv("STUB_ENGINE", "podman-5.4")
    monkeypatch.delenv("DOCKER", raising=False)
    monkeypatch.delenv("MAKEFLAGS", raising=False)
    # Asked directly, this machine's engine changes the database's image: the case is real.
    assert "DB_IMAGE=mysql:8.4" in run("make", "names").stdout.splitlines()
    monkeypatch.setenv("FRONT_PORT", "8081")
    monkeypatch.setenv("MAKEFLAGS", "BACK_PORT=3002")

    names = make("names").splitlines()
    assert {"BACK_PORT=3000", "FRONT_PORT=8080", "DB_IMAGE=mysql:5.7"} <= set(names)
    assert printed_commands(make("-n", "back"))[-1] == lesson_commands()[15]


def test_help_lists_every_target_with_a_description_in_80_columns():
    shown = make("help")
    listed = dict(re.findall(r"^  make (\S+)\s+(.+)$", shown, re.M))
    for target in phony_targets():
        assert listed.get(target), f"make help does not describe {target}"
    assert len(shown.splitlines()) > 40
    assert [line for line in shown.splitlines() if len(line) > 80] == []


def test_make_ping_says_what_its_flags_do_where_it_prints_them():
    """make ping runs the lesson's `ping two` with -c 1 -W 2, which the lesson never types."""
    dry = make("-n", "ping").splitlines()
    said = next(i for i, line in enumerate(dry) if line.startswith("echo '# ping two"))
    assert "-c 1 (one packet, then it ends" in dry[said] and "-W 2 (2 s at most" in dry[said]
    assert printed_commands("\n".join(dry[said + 1 :])) == ["docker exec one ping -c 1 -W 2 two"]


def test_a_changed_password_is_never_printed():
    dry = make("-n", "db", "back", "DB_PASSWORD=s3cret-pw", "DB_ROOT_PASSWORD=r00t-pw")
    commands = printed_commands(dry)
    assert commands, dry
    for command in commands:
        assert "s3cret-pw" not in command and "r00t-pw" not in command
    assert any(" -e MYSQL_PASSWORD -e MYSQL_ROOT_PASSWORD " in c for c in commands)
    back = "-e MYSQL_HOST=k8scourse-db -e MYSQL_PASSWORD -d k8scourse-back"
    assert any(c.endswith(back) for c in commands)


def test_an_arm64_engine_gets_a_multi_arch_database_image_as_the_readme_says(tmp_path):
    """The engine's architecture decides (ENGINE_ARCH pretends), not `uname -m`: a shell
    under Rosetta says x86_64 on an arm64 Mac. Said once, where the database starts. The
    README's row for the engine's refusal on an ARM machine says so too (the refusal's
    line: tests/test_scripts_offline.py)."""
    why = (
        "echo '# DB_IMAGE=mysql:8.4: docker runs arm64, and mysql:5.7 exists for amd64 "
        "only (set DB_IMAGE to choose)'"
    )
    out = make("-n", "db", "ENGINE_ARCH=arm64")
    assert out.splitlines().count(why) == 1
    assert printed_command(out.strip().splitlines()[-1]).endswith(" mysql:8.4")
    # uname says aarch64 (a Rosetta shell's opposite), the engine amd64: mysql:5.7.
    fake_uname = tmp_path / "uname"
    fake_uname.write_text("#!/bin/sh\necho aarch64\n")
    fake_uname.chmod(0o755)
    out = make("-n", "db", "ENGINE_ARCH=amd64", env={"PATH": f"{tmp_path}:{os.environ['PATH']}"})
    assert "exists for amd64 only" not in out and out.strip().endswith(" mysql:5.7'")
    # An explicit choice wins, without the line.
    out = make("-n", "db", "DB_IMAGE=mariadb:11", "ENGINE_ARCH=arm64")
    assert "exists for amd64 only" not in out and out.strip().endswith("mariadb:11'")
    _, known, _ = readme_row("Your machine", "no matching manifest")
    assert "where the engine runs arm64" in known and "`make db` starts `mysql:8.4`" in known
    assert "by hand, `make db DB_IMAGE=mysql:8.4`" in known
    assert "Compose and Swarm use `mysql:8.4` everywhere" in known
    for target in ("compose-up", "swarm-up"):
        stack = printed_commands(make("-n", target, "ENGINE_ARCH=amd64"))
        assert any(" DB_IMAGE=mysql:8.4 " in command for command in stack), (target, stack)
    # Lesson 10's file starts the image make db would: the file's mysql:5.7 unless on ARM.
    for arch, db in (("arm64", "DB_IMAGE=mysql:8.4 "), ("amd64", "")):
        dry = make(
            "-n", "lesson10-up", "REGISTRY=you", f"ENGINE_ARCH={arch}", "COMPOSE=docker-compose"
        )
        [up] = printed_commands(dry)
        assert up == f"cd lessons/01-10-docker-compose && {db}docker-compose up -d", up


def test_every_name_follows_project_and_the_lesson_keeps_its_own():
    lesson = dict(line.split("=", 1) for line in make("names").splitlines())
    assert lesson["PROJECT"] == "k8scourse"  # .env
    assert (lesson["BACK_NAME"], lesson["FRONT_NAME"]) == ("back", "front")
    renamed = dict(line.split("=", 1) for line in make("names", "PROJECT=photoshare").splitlines())
    assert renamed == {
        **lesson, "PROJECT": "photoshare", "NETWORK": "photoshare", "STACK": "photoshare",
        "DB_NAME": "photoshare-db", "BACK_NAME": "photoshare-back", "BACK_IMAGE": "photoshare-back",
        "FRONT_NAME": "photoshare-front", "FRONT_IMAGE": "photoshare-front",
        "CAPTION_NAME": "photoshare-microgifcap", "GIFS_VOLUME": "photoshare-gifs",
        "DB_VOLUME": "photoshare-db-data",
    }  # fmt: skip
    # From the environment too, as every other variable.
    assert "NETWORK=photoshare" in make("names", env={"PROJECT": "photoshare"})


def test_a_renamed_stack_prints_its_own_names_ports_and_image():
    chosen = "PROJECT=photoshare BACK_PORT=3100 FRONT_PORT=8180 DB_PORT=3406 DB_IMAGE=mysql:8.4"
    dry = make("-n", "up", *chosen.split())
    commands = printed_commands(dry)
    assert "docker network create photoshare" in commands
    assert any(
        c.startswith("cd db && docker run -p 3406:3306 -d --name photoshare-db ")
        and c.endswith(" --network photoshare mysql:8.4")
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
    commands = printed_commands(make("-n", "down", "PROJECT=photoshare"))
    stops = [f"docker stop photoshare-{tier}" for tier in ("front", "back", "db")]
    assert commands == [*stops, "docker network rm photoshare"]
    # The lesson's shells are killed: a shell as PID 1 ignores docker stop's SIGTERM (10 s).
    lesson = printed_commands(make("-n", "down"))
    assert "docker kill one" in lesson and "docker kill two" in lesson
    assert "docker network rm alpine-network" in lesson


def test_a_bad_or_missing_project_name_says_what_to_do(tmp_path):
    bad = make("names", "PROJECT=Photo_Share", check=False)
    assert bad.returncode != 0
    assert "PROJECT=Photo_Share: use lowercase letters, digits and dashes" in bad.stderr
    seen, _, fix = troubleshooting_row("PROJECT=Photo_Share")
    assert says(bad.stderr, quoted(seen)[0])
    assert "`make rename NAME=photo-share`" in fix  # a name the rule takes:
    assert make("names", "PROJECT=photo-share").splitlines()[0] == "PROJECT=photo-share"
    # The Makefile copied without .env.
    (tmp_path / "Makefile").write_text((REPO / "Makefile").read_text())
    missing = make("help", cwd=tmp_path, check=False)
    assert missing.returncode != 0
    said = "PROJECT is not set: keep .env (its line PROJECT=...) beside the Makefile"
    assert said in missing.stderr
    seen, _, fix = troubleshooting_row("PROJECT is not set")
    assert says(missing.stderr, quoted(seen)[0])
    assert "`make up PROJECT=yourname`" in fix
    assert "make up" in make("-f", str(tmp_path / "Makefile"), "help", "PROJECT=myapp")


def test_compose_gets_the_project_and_a_chosen_password_only_as_a_file_path():
    lesson, health = printed_commands(make("-n", "compose-up"))
    assert health == "curl localhost:3000/health"
    # Compose's own default database image (compose.yaml): mysql:8.4, for amd64 and arm64.
    # The committed lesson passwords: no DB_SECRETS. Compose v2 where it is installed.
    assert lesson == (
        "PROJECT=k8scourse DB_IMAGE=mysql:8.4 BACK_PORT=3000 FRONT_PORT=8080 "
        "docker compose -p k8scourse up -d --build"
    )
    chosen, _ = printed_commands(make("-n", "compose-up", "DB_PASSWORD=s3cret-pw"))
    assert f'DB_SECRETS="{REPO}/.secrets/k8scourse" ' in chosen
    assert "s3cret-pw" not in chosen


def test_a_make_run_by_a_recipe_derives_its_own_names():
    """`make test` runs the tests, and they run make again (here and in copies): what the
    outer make exports must not pin the inner one's names to the lesson's."""
    env_of_a_recipe = make("--eval", "recipe-env: ; @env -0", "recipe-env")
    env = dict(item.split("=", 1) for item in env_of_a_recipe.split("\0") if "=" in item)
    inner = make("names", "PROJECT=photoshare", env=env)
    assert "DB_NAME=photoshare-db" in inner and "BACK_IMAGE=photoshare-back" in inner


# Podman 4.3.1 with nothing running (tests/engines/podman-4.3-idle.json).
PODMAN = "podman-4.3-idle"
ONE_NET_RAW = "run -it -d --rm --name one --cap-add=NET_RAW alpine /bin/sh"


def test_podman_gives_alpine_net_raw_and_lists_the_networks_containers():
    """Podman drops NET_RAW, which busybox's ping needs; Podman 4's network inspect lists no
    containers. Docker's commands stay the lesson's."""
    targets = ("-n", "alpine", "alpine-network", "inspect")
    podman = make(*targets, "DOCKER=podman", engine=PODMAN)
    commands = printed_commands(podman)
    assert commands == [
        "podman run -it -d --rm --name one --cap-add=NET_RAW alpine /bin/sh",
        "podman run -it -d --rm --name two --cap-add=NET_RAW alpine /bin/sh",
        "podman network create alpine-network",
        "podman run -it -d --rm --name one --network alpine-network --cap-add=NET_RAW "
        "alpine /bin/sh",
        "podman run -it -d --rm --name two --network alpine-network --cap-add=NET_RAW "
        "alpine /bin/sh",
        "podman network inspect alpine-network",
        "podman ps --filter network=alpine-network",
    ]
    why = (
        "echo '# --cap-add=NET_RAW: ping needs the NET_RAW capability (busybox opens a raw "
        "socket), which Podman drops by default and Docker keeps'"
    )
    for target in ("alpine", "alpine-network"):  # said by each, once
        said = make("-n", target, "DOCKER=podman", engine=PODMAN).splitlines()
        assert said.count(why) == 1, (target, said)
    docker = printed_commands(make(*targets))
    assert not any("NET_RAW" in command or " ps " in command for command in docker)


def test_without_docker_make_names_the_podman_choice_in_one_line(tmp_path):
    no_docker = {"PATH": path_without("docker", tmp_path / "bin"), "DOCKER": None}

    refused = make("-n", "alpine", env=no_docker, engine=PODMAN, stub_as=("podman",), check=False)

    assert refused.returncode != 0
    [line] = refused.output.splitlines()
    assert line.startswith("mk/engine.mk:") and line.endswith(
        ": *** docker is not installed, podman is: run make DOCKER=podman, or export "
        "DOCKER=podman once in this shell.  Stop."
    ), line
    # Chosen, it runs: DOCKER=podman as asked.
    chosen = make("-n", "alpine", "DOCKER=podman", env=no_docker, engine=PODMAN, stub_as=["podman"])
    assert printed_commands(chosen)[0] == f"podman {ONE_NET_RAW}"


def test_podman_behind_the_docker_command_is_recognised():
    """podman-docker's `docker` is Podman: the commands print as docker, with Podman's fixes."""
    dry = make("-n", "alpine", engine=PODMAN)
    assert printed_commands(dry)[0] == f"docker {ONE_NET_RAW}"


def test_compose_and_swarm_refuse_on_podman():
    for target, said in (
        ("compose-up", "make compose-up/compose-down drive Docker Compose: on Podman"),
        ("swarm-down", "Swarm is Docker's own: Podman has no swarm mode"),
    ):
        refused = make("-n", target, "DOCKER=podman", engine=PODMAN, check=False)
        assert refused.returncode != 0
        assert said in refused.stderr
        _, _, _, said_there = readme_row("On Podman", "drive Docker Compose: on Podman")
        assert any(says(refused.stderr, words) for words in quoted(said_there))
    assert "`make up DOCKER=podman`" in said_there
    assert make("-n", "up", "DOCKER=podman", engine=PODMAN, check=False).returncode == 0


def test_a_tier_folder_that_is_not_there_is_one_line(tmp_path):
    """The Makefile copied beside a project that has no back/ (the README's recipe says
    which folders it drives): make build answers in one line, not with bash's cd error."""
    copy = learner_copy(tmp_path / "myapp", "Makefile", ".env", "scripts", "front", "db")
    build = make("build", cwd=copy, check=False)
    assert build.returncode != 0
    assert build.stdout == ""
    said, make_error = build.stderr.splitlines()
    assert said == (
        f"make: back/ is not here ({copy}): this step runs in it ('cd back && docker build -t "
        "k8scourse-back .'); copy back/ beside the Makefile (README: Copy the Makefile)."
    )
    seen, _, fix = troubleshooting_row("back/ is not here")
    assert says(said, quoted(seen)[0]) and "copy `back/`" in fix
    assert make_error.startswith("make: *** [Makefile:") and make_error.endswith("build] Error 1")


@pytest.mark.parametrize("folder", ["front", "db"])
def test_make_in_a_tier_folder_says_to_run_it_from_the_root(folder, tmp_path):
    """The lesson's `cd db && ...` leaves the learner in a tier's folder: make answers in
    one line, right here and in a project the folder is copied into (no Makefile above)."""
    up = make("up", cwd=REPO / folder, check=False)
    assert up.returncode != 0
    assert up.output.splitlines() == [
        "Makefile:4: *** the make targets are one folder up: cd .. && make up.  Stop."
    ]
    alone = learner_copy(tmp_path / "elsewhere", folder) / folder
    copied = make("up", cwd=alone, check=False)
    assert copied.returncode != 0
    assert copied.output.splitlines() == [
        "Makefile:4: *** this folder has no make targets: it builds alone (docker build -t "
        "NAME .).  Stop."
    ]
    # back/ has no Makefile, so that it copies into any project: make's own line.
    back = make("up", cwd=REPO / "back", check=False)
    assert back.returncode != 0
    assert "No rule to make target 'up'" in back.output
    seen, _, fix = troubleshooting_row("the make targets are one folder up")
    here, _, _, in_back, _ = quoted(seen)
    assert says(up.output, here) and says(back.output, in_back)
    assert fix == "`cd ..`, then make"


def test_rename_names_the_copy_on_every_line_that_carries_the_name(tmp_path):
    copy = learner_copy(tmp_path / "photoshare")
    renamed = make("rename", "NAME=photoshare", cwd=copy)
    assert renamed.splitlines() == [
        "This project is now photoshare: .env and k8s/base/kustomization.yaml say so; "
        "make names lists its names."
    ]
    assert "PROJECT=photoshare\n" in (copy / ".env").read_text()
    kustomization = (copy / "k8s" / "base" / "kustomization.yaml").read_text()
    assert "\nnamespace: photoshare\n" in kustomization
    assert "\nnamePrefix: photoshare-\n" in kustomization
    names = dict(line.split("=", 1) for line in make("names", cwd=copy).splitlines())
    assert [names[n] for n in ("DB_NAME", "BACK_NAME", "NETWORK")] == [
        "photoshare-db", "photoshare-back", "photoshare"
    ]  # fmt: skip
    for bad, said in (
        ("", "say the new name: make rename NAME=photoshare"),
        ("Photo_Share", "NAME=Photo_Share: use lowercase"),
    ):
        refused = make("rename", f"NAME={bad}", cwd=copy, check=False)
        assert refused.returncode != 0 and said in refused.stderr, refused.stderr
    assert "PROJECT=photoshare\n" in (copy / ".env").read_text()
