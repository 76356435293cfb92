"""`make lesson` walks Lesson 5 once per engine, each step checked here against what the
lesson says (not by scripts/walk-lesson's own patterns), with the lesson's images pulled
from a registry as on a learner's machine (CI's local registry mirrors docker.io).

On Docker the walk runs where learners are, all at once: a Mac (bash 3.2, GNU make 3.81,
BSD tools, tests/copies.py), in a clone made by Git for Windows (core.autocrlf=true), in a
folder whose path has a space and accents, in a copy renamed photoshare (the lesson still
runs under its own names). On Podman it runs in a plain copy.
"""

import json
import os
import re
import urllib.request

import pytest
from copies import (
    OLD_GNU,
    files_with_crlf,
    learner_copy,
    mac_env,
    mac_make_args,
    rename,
    windows_clone,
)
from kit import missing_part, quoted, troubleshooting_row
from real_engines import LESSON_IMAGES, Engine, run

pytestmark = pytest.mark.e2e

MIRROR = "127.0.0.1:5000"
# What a Mac-like run must never print: the marks of a GNU-only or bash 4 habit.
BROKEN = ("unbound variable", "command not found", "usage:")


def pull_path(engine):
    """engine pulls docker.io's images through CI's local registry, with the lesson's
    images (and the two built on them) removed from its store, so that they come whole."""
    if not engine.answers():
        missing_part(f"no {engine.title} engine answers")
    try:
        with urllib.request.urlopen(f"http://{MIRROR}/v2/", timeout=5) as reply:
            up = reply.status == 200
    except OSError:
        up = False
    field = "{{.RegistryConfig.Mirrors}}" if engine.name == "docker" else "{{.Registries}}"
    if not (up and MIRROR in engine.cli("info", "--format", field).stdout):
        missing_part(f"no registry on {MIRROR} mirrors docker.io for {engine.title}: .ci/run")
    for image in ("k8scourse-back", "k8scourse-front", *LESSON_IMAGES):
        engine.cli("rmi", image)
    assert not [image for image in LESSON_IMAGES if engine.has("image", image)]


def make_in(copy, engine, *targets, env=None, args=()):
    env = {**(env or os.environ), "DOCKER": engine.name}
    result = run("make", "--no-print-directory", *args, *targets, cwd=copy, env=env, timeout=900)
    result.output = result.stdout + result.stderr
    return result


def steps_of(output):
    """make lesson's output, step by step: [(what the step shows, the lines it printed)]."""
    steps, lines = [], []
    for line in output.splitlines():
        verdict = re.match(r"   (?:ok|NOT AS IN THE LESSON): (.*)$", line)
        if verdict:
            steps.append((verdict[1], lines))
            lines = []
        elif line.startswith("   "):
            lines.append(line[3:])
    return steps


def printed_after(lines, command):
    """The lines a step printed after `$ command`, up to the next command."""
    after = lines[lines.index(f"$ {command}") + 1 :]
    return after[: next((i for i, line in enumerate(after) if line.startswith("$ ")), None)]


def names_in_table(lines):
    """The last column (NAMES) of a `ps` table."""
    return sorted(line.split()[-1] for line in lines[1:] if line.strip())


def assert_walked(lesson, engine):
    """Every step of the walk, and what it printed, as the lesson says."""
    assert lesson.returncode == 0, lesson.output
    assert "19 steps, all as the lesson says" in lesson.stdout, lesson.output
    assert "\x1b[" not in lesson.output  # not a terminal: no colour codes in the log
    steps, on = steps_of(lesson.stdout), engine.name
    assert len(steps) == 19, [said for said, _ in steps]

    def step(start):
        [lines] = [lines for said, lines in steps if said.startswith(start)]
        return lines

    assert any(line.startswith(f"$ {on} run -it -d --rm --name one ") for line in step("two"))
    image_root = engine.cli("run", "--rm", "alpine", "ls").stdout.split()
    assert printed_after(step("inside one: a file system"), f"{on} exec one ls") == image_root
    assert printed_after(
        step("inside one: docker is not found"), f"{on} exec one sh -c 'docker ps'"
    ) == ["sh: docker: not found"]
    seen, _, fix = troubleshooting_row("ping: bad address 'two'")
    assert quoted(seen)[0] in step("ping two fails on the default bridge")
    assert fix == "`make alpine-network` (a user-defined network)"
    inspect = step("make inspect lists one and two")
    if on == "docker":
        listed = printed_after(inspect, "docker network inspect alpine-network")
        [network] = json.loads("\n".join(listed))
        assert sorted(c["Name"] for c in network["Containers"].values()) == ["one", "two"]
    else:  # Podman 4's network inspect lists no containers: make inspect adds `podman ps`
        listed = printed_after(inspect, "podman ps --filter network=alpine-network")
        assert names_in_table(listed) == ["one", "two"]
    assert "1 packets transmitted, 1 packets received, 0% packet loss" in step("ping two now works")
    [broken] = [json.loads(line) for line in step("/health: the backend") if line[:1] == "{"]
    assert (broken["db"], broken["mysql_host"]) == (False, "localhost")
    fix = step("the fix:")
    removed = "$ podman rm -f -t 0 back" if on == "podman" else "$ docker rm -f back"
    assert fix.index(removed) < fix.index(
        f"$ {on} run -p 3000:3000 --name back --rm --network k8scourse -e MYSQL_HOST=k8scourse-db "
        "-d k8scourse-back"
    )
    [healthy] = [json.loads(line) for line in step("/health answers 200") if line[:1] == "{"]
    assert healthy["db"] is True
    ps = step(f"{on} ps shows")
    assert names_in_table(printed_after(ps, f"{on} ps")) == ["back", "k8scourse-db"]
    logs = printed_after(step(f"{on} logs back"), f"{on} logs back")
    assert any(
        line.endswith("Server running on port 3000, database k8scourse-db:3306/images")
        for line in logs
    )
    # The lesson ends where it says: back and k8scourse-db running.
    assert sorted(engine.cli("ps", "--format", "{{.Names}}").stdout.split()) == [
        "back",
        "k8scourse-db",
    ]


def assert_pulled(output, engine, images):
    """Each of images came from the registry: pulled, none built as a stand-in."""
    assert "building a local stand-in" not in output, output
    for image in images:
        assert f"pull-or-build: pulling {image}" in output, (image, output)
        assert engine.has("image", image), image


@pytest.fixture
def docker_walk(tmp_path):
    """A Mac's PATH, and a photoshare copy cloned as Git for Windows clones, in a folder
    with a space and accents; the lesson's stack is stopped afterwards."""
    if not (OLD_GNU / "bash-3.2").exists():
        missing_part("../shared/tools/old-gnu (bash 3.2, make 3.81) is not beside the repository")
    source = learner_copy(tmp_path / "k8scourse")
    copy = rename(
        windows_clone(source, tmp_path / "My Course" / "ünï" / "photoshare"), "photoshare"
    )
    yield copy, mac_env(tmp_path / "mac-bin"), mac_make_args(tmp_path / "mac-bin")
    make_in(copy, Engine("docker"), "down", "PROJECT=k8scourse")


def test_the_lesson_walks_on_a_learners_machine(docker_walk):
    copy, mac, old_bash = docker_walk
    docker = Engine("docker")
    pull_path(docker)
    assert files_with_crlf(copy) == []  # .gitattributes keeps LF, even there

    lesson = make_in(copy, docker, "lesson", env=mac, args=old_bash)
    quoted = make_in(copy, docker, "-n", "db", env=mac, args=old_bash)
    helped = [make_in(copy, docker, target, env=mac, args=old_bash) for target in ("help", "names")]

    assert "GNU Make 3.81" in run("make", "--version", env=mac).stdout
    assert_walked(lesson, docker)
    assert (
        "# make lesson runs under the lesson's own names (k8scourse: back, k8scourse-db, one, "
        "two), not photoshare's: photoshare's stack is left alone"
    ) in lesson.stdout.splitlines()
    assert_pulled(lesson.output, docker, LESSON_IMAGES[:3])
    assert "Downloaded newer image for" in lesson.output
    assert '"$(pwd)"/init.sql:/docker-entrypoint-initdb.d/init.sql' in quoted.stdout
    for result in (lesson, quoted, *helped):
        assert result.returncode == 0, result.output
        broken = [line for line in result.output.splitlines() if any(b in line for b in BROKEN)]
        assert broken == [], broken
    assert "DB_NAME=photoshare-db" in helped[1].stdout.splitlines()


def test_the_lesson_walks_on_podman(tmp_path):
    podman = Engine("podman")
    pull_path(podman)
    copy = learner_copy(tmp_path / "k8scourse")
    try:
        lesson = make_in(copy, podman, "lesson")
        assert_walked(lesson, podman)
    finally:
        make_in(copy, podman, "down")
    assert_pulled(lesson.output, podman, LESSON_IMAGES[:3])
    assert "Trying to pull docker.io/library/alpine:latest..." in lesson.output
