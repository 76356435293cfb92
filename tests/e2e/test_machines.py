"""The lesson on the learners' machines, imitated on the real engine (README: "Your machine").

1. The pull path: a learner's engine pulls the lesson's images from a registry. CI serves
   them from a local registry that Docker and Podman use as their docker.io mirror
   (.ci/registry-mirror); with the images removed, `make up` and `make lesson` pull them,
   on Docker and on Podman. (With the registry down, .ci/run builds the stand-ins first:
   the path of a machine without a registry.)
2. A Mac: Apple's bash 3.2, GNU make 3.81, BSD tools, no GNU-only commands
   (tests/copies.py), on Docker, pulling as in 1.
3. Windows: a clone made by Git for Windows (core.autocrlf=true), used as WSL would.
4. A folder whose path has a space and non-ASCII letters.
Each runs in a copy of the repository (tests/copies.py) with the lesson's names.
"""

import os
import urllib.request

import pytest
from copies import (
    OLD_GNU,
    files_with_crlf,
    learner_copy,
    mac_env,
    mac_make_args,
    path_without,
    windows_clone,
)
from kit import lesson_commands, missing_part, quoted, says, troubleshooting_row
from real_engines import LESSON_IMAGES, Engine, describe_image, run

pytestmark = pytest.mark.e2e

MIRROR = "127.0.0.1:5000"
# What a Mac-like run must never print: the marks of a GNU-only or bash 4 habit.
BROKEN = ("unbound variable", "command not found", "usage:")
# The images `make up` builds on top of the lesson's (removed with them, so that the base
# images are really gone and pulled whole).
BUILT = ("k8scourse-back", "k8scourse-front")


def mirror_answers():
    try:
        with urllib.request.urlopen(f"http://{MIRROR}/v2/", timeout=5) as reply:
            return reply.status == 200
    except OSError:
        return False


def mirrored(engine):
    """Whether engine pulls docker.io's images through the local registry."""
    if engine.name == "docker":
        return MIRROR in engine.cli("info", "--format", "{{.RegistryConfig.Mirrors}}").stdout
    return MIRROR in engine.cli("info", "--format", "{{.Registries}}").stdout


def registry_for(engine):
    if not engine.answers():
        missing_part(f"no {engine.title} engine answers")
    if not (mirror_answers() and mirrored(engine)):
        missing_part(
            f"no registry on {MIRROR} mirrors docker.io for {engine.title}: "
            ".ci/registry-mirror sets it up (CI's machine setting)"
        )


def remove_images(engine):
    """The lesson's images, and the two built on them, gone from engine's store."""
    for image in (*BUILT, *LESSON_IMAGES):
        engine.cli("rmi", image)
    left = [image for image in LESSON_IMAGES if engine.has("image", image)]
    assert left == [], f"still in {engine}'s store: {left}"


def make_in(copy, engine, *targets, env=None, args=(), timeout=900):
    result = run(
        "make",
        "--no-print-directory",
        *args,
        *targets,
        cwd=copy,
        env={**(env or os.environ), "DOCKER": engine.name},
        timeout=timeout,
    )
    result.output = result.stdout + result.stderr
    return result


def assert_pulled(output, engine):
    """Every lesson image came from the registry: pulled, none built as a stand-in."""
    assert "building a local stand-in" not in output, output
    for image in LESSON_IMAGES:
        assert f"pull-or-build: pulling {image}" in output, (image, output)
        assert engine.has("image", image), image
    pulled = "Downloaded newer image for" if engine.name == "docker" else "Writing manifest"
    assert pulled in output, output


def assert_lesson_passed(lesson):
    assert lesson.returncode == 0, lesson.output
    assert "steps, all as the lesson says." in lesson.stdout, lesson.output


@pytest.fixture
def copy(tmp_path):
    """A learner's copy of the repository; what it started is stopped afterwards."""
    folder = learner_copy(tmp_path / "k8scourse")
    yield folder
    for engine in (Engine("docker"), Engine("podman")):
        if engine.answers():
            make_in(folder, engine, "down")


def test_a_mac_pulls_the_images_and_runs_the_lesson(copy, tmp_path):
    if not (OLD_GNU / "bash-3.2").exists():
        missing_part("../shared/tools/old-gnu (bash 3.2, make 3.81) is not beside the repository")
    docker = Engine("docker")
    registry_for(docker)
    remove_images(docker)
    env = mac_env(tmp_path / "mac-bin")
    args = mac_make_args(tmp_path / "mac-bin")

    runs = {}
    for target in ("up", "health", "lesson", "down", "help", "names"):
        runs[target] = make_in(copy, docker, target, env=env, args=args)

    for target, result in runs.items():
        assert result.returncode == 0, (target, result.output)
        broken = [line for line in result.output.splitlines() if any(b in line for b in BROKEN)]
        assert broken == [], (target, broken)
    assert "GNU Make 3.81" in run("make", "--version", env=env).stdout
    assert_pulled(runs["up"].output + runs["lesson"].output, docker)
    assert_lesson_passed(runs["lesson"])
    assert runs["health"].stdout.rstrip().endswith("}"), runs["health"].output
    # Pulled from the registry, which serves CI's stand-ins: still labelled as such.
    assert describe_image("alpine", docker) != "absent"


def test_podman_pulls_the_images_and_runs_the_lesson(copy):
    podman = Engine("podman")
    registry_for(podman)
    remove_images(podman)

    up = make_in(copy, podman, "up")
    lesson = make_in(copy, podman, "lesson")

    assert up.returncode == 0, up.output
    assert_pulled(up.output + lesson.output, podman)
    assert "Trying to pull docker.io/library/alpine:latest..." in lesson.output
    assert_lesson_passed(lesson)


def test_a_windows_clone_keeps_lf_and_runs_the_lesson(copy, tmp_path):
    docker = Engine("docker")
    # Without .gitattributes such a clone gets CRLF: tests/test_learners_machines.py shows it.
    clone = windows_clone(copy, tmp_path / "from-windows")
    assert files_with_crlf(clone) == []
    up = make_in(clone, docker, "up")
    lesson = make_in(clone, docker, "lesson")
    help_ = make_in(clone, docker, "help")
    make_in(clone, docker, "down")

    assert up.returncode == 0, up.output
    assert_lesson_passed(lesson)
    # No CR can reach help from an LF checkout; a Makefile with CRLF is
    # tests/test_learners_machines.py's case (make help strips them).
    assert "make up" in help_.stdout


def test_a_folder_with_a_space_and_accents_runs_every_stack(tmp_path):
    docker = Engine("docker")
    copy = learner_copy(tmp_path / "My Course" / "ünï")
    try:
        db = make_in(copy, docker, "-n", "db").stdout.splitlines()
        quoted = [line for line in db if '"$(pwd)"/init.sql:' in line]
        assert len(quoted) == 1, db
        assert db[db.index(quoted[0]) - 1] == (
            'echo \'# "$(pwd)" quoted: the path of this folder has a space, which would '
            "split the -v argument in two';"
        )

        up = make_in(copy, docker, "up")
        lesson = make_in(copy, docker, "lesson")
        down = make_in(copy, docker, "down")
        # Compose, with a chosen password: its secrets folder is in this path too.
        secret = ("DB_PASSWORD=spaced-pw-1", "DB_ROOT_PASSWORD=spaced-pw-2")
        compose_up = make_in(copy, docker, "compose-up", *secret)
        compose_down = make_in(copy, docker, "compose-down", *secret)

        assert up.returncode == 0, up.output
        assert '"$(pwd)"/init.sql:/docker-entrypoint-initdb.d/init.sql' in up.stdout
        assert_lesson_passed(lesson)
        assert down.returncode == 0, down.output
        assert compose_up.returncode == 0, compose_up.output
        assert compose_down.returncode == 0, compose_down.output
    finally:
        make_in(copy, docker, "compose-down")
        make_in(copy, docker, "down")


def test_no_registry_and_no_debian_tools_say_to_check_the_connection(tmp_path):
    """A Mac, say, where no registry answers: nothing to build a stand-in with either, so
    pull-or-build gives up in the words of the README's row, after the engine's own."""
    seen, _, fix = troubleshooting_row("no stand-in can be built on this machine")
    image = "mysql:k8scourse-e2e-absent"  # a mysql that no registry holds
    env = {
        **os.environ,
        "PATH": path_without("mmdebstrap", tmp_path / "bin"),
        "STANDIN_SUITE": "k8scourse-e2e-absent",  # and no stand-in base is built yet
    }

    ran = run("standins/pull-or-build", image, env=env, timeout=300)

    assert ran.returncode == 1
    *engines_words, last = ran.stderr.strip().splitlines()
    assert says(last, quoted(seen)[0].replace("mysql:5.7", image)), ran.stderr
    # Between "pulling" and the last line, the engine's own error.
    assert engines_words[0] == f"pull-or-build: pulling {image}"
    assert [line for line in engines_words[1:] if "pull-or-build" not in line], ran.stderr
    assert "`docker pull mysql:5.7`" in fix


def test_the_lessons_db_command_typed_in_a_folder_with_a_space_is_refused(tmp_path):
    """`-v $(pwd)/init.sql:…` unquoted, in "My Course": the shell splits the path, the
    engine reads "Course/init.sql:…" as the image, and says so in the README row's words."""
    seen, why, fix = troubleshooting_row("invalid reference format")
    [lesson_db] = [c for c in lesson_commands() if "--name k8scourse-db" in c]
    folder = tmp_path / "My Course"
    folder.mkdir()
    (folder / "init.sql").write_text("SELECT 1;\n")
    for engine, words in zip(("docker", "podman"), quoted(seen), strict=True):
        typed = lesson_db.removeprefix("cd db && ").replace("docker run", f"{engine} run", 1)
        ran = run("bash", "-c", typed, cwd=folder)
        assert ran.returncode == 125 and says(ran.stderr, words), (engine, ran.stderr)
        assert run(engine, "container", "inspect", "k8scourse-db").returncode != 0
    assert "`-v $(pwd)/init.sql:…`" in why and '`-v "$(pwd)"/init.sql:…`' in fix
