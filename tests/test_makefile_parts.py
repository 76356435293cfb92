"""The Makefile's included files (mk/*.mk), each on what it adds to the lesson, offline: dry
runs and real runs of make against a stub engine (the recorded idle forms, or this test's own
answers, as tests/test_scripts_offline.py writes them), in this repository or in a learner's
copy where a run writes files. The lesson's own commands: tests/test_makefile.py; the
development loop: tests/test_dev_loop_offline.py."""

import re
import stat
import subprocess

import pytest
from copies import learner_copy
from kit import REPO, printed_commands, run
from kit import offline_make as make
from test_scripts_offline import Engine, answer, running

# ---- mk/images.mk: each image pulled (or its stand-in built) before the step that uses it ----


def arg_default(dockerfile, name):
    return re.search(rf"^ARG {name}=(\S+)$", (REPO / dockerfile).read_text(), re.M)[1]


BACK_BASE = arg_default("back/Dockerfile", "PYTHON_IMAGE")
FRONT_BASE = arg_default("front/Dockerfile", "NGINX_IMAGE")


@pytest.mark.parametrize(
    ("target", "image", "step"),
    [
        ("alpine", "alpine", "docker run -it -d --rm --name one alpine /bin/sh"),
        ("db", "mysql:5.7", "mysql:5.7'"),
        ("build", BACK_BASE, "docker build -t k8scourse-back ."),
        ("build-front", FRONT_BASE, "docker build -t k8scourse-front ."),
        ("hello-world", "hello-world", "docker run hello-world"),
        ("python-version", BACK_BASE, f"docker run {BACK_BASE} python -c"),
        ("db-with-volume", "mysql:5.7", "-v k8scourse-db-data:/var/lib/mysql mysql:5.7"),
    ],
    ids=["alpine", "db", "build", "build-front", "hello-world", "python", "db-with-volume"],
)
def test_each_step_gets_its_image_before_it_runs(target, image, step):
    """Where no registry answers, the step would fail on a pull: the image the step runs (or
    the base its Dockerfile builds FROM by default) is pulled, or stood in for, first; that
    image only (lesson 3's steps each pull their own)."""
    dry = make("-n", target).splitlines()
    pulls = [i for i, line in enumerate(dry) if line.startswith("standins/pull-or-build ")]
    steps = [i for i, line in enumerate(dry) if step in line]
    assert [dry[i] for i in pulls] == [f"standins/pull-or-build {image}"], dry
    assert steps and pulls[0] < steps[0], dry


def test_the_hello_txt_the_course_types_is_ignored_where_it_is_typed():
    for path in ("hello.txt", "lessons/01-03-run-container/hello.txt"):
        assert subprocess.run(["git", "check-ignore", "-q", path], cwd=REPO).returncode == 0, path


VERSION = answer("--version", "Docker version 28.2.2, build e6534b4\n")


# ---- mk/project.mk: the project's name --------------------------------------------------


@pytest.mark.parametrize(("name", "ok"), [("a" * 40, True), ("a" * 41, False), ("-ab", False)])
def test_a_project_name_must_suit_images_compose_and_kubernetes(name, ok):
    names = make("names", f"PROJECT={name}", check=False)
    assert (names.returncode == 0) == ok, names.output
    if not ok:
        assert (
            f"PROJECT={name}: use lowercase letters, digits and dashes (up to 40)" in names.stderr
        )


@pytest.mark.parametrize("whose", ["another folder's", "this folder's"])
def test_rename_never_needs_a_stack_stopped_and_names_its_own(tmp_path, whose):
    """Beside the lesson's stack run from another folder, a copy renames in silence; where
    its own stack runs, the last line says how to stop it under the old name."""
    copy = learner_copy(tmp_path / "copy", "Makefile", ".env", "mk", "scripts", "k8s")
    folder = tmp_path / "engine"
    folder.mkdir()
    source = copy if whose == "this folder's" else tmp_path / "k8scourse"
    mounts = answer("container inspect -f *Mounts* k8scourse-db", f"{source}/db/init.sql\n")
    engine = Engine(folder, VERSION, mounts, running("k8scourse-db"), running("*", False))
    renamed = engine.run("make", "--no-print-directory", "rename", "NAME=photoshare", cwd=copy)
    assert renamed.returncode == 0, renamed.output
    assert "PROJECT=photoshare\n" in (copy / ".env").read_text()
    notice = (
        "notice: this folder's stack still runs as k8scourse: make down PROJECT=k8scourse stops it"
    )
    assert (notice in renamed.stdout.splitlines()) is (whose == "this folder's")


# ---- mk/compose.mk and mk/swarm.mk: the other stacks' commands ----------------------------


def test_compose_down_removes_what_an_older_file_left_and_secrets_stay_private(tmp_path):
    down = printed_commands(make("-n", "compose-down"))
    assert down == [
        "PROJECT=k8scourse DB_IMAGE=mysql:8.4 BACK_PORT=3000 FRONT_PORT=8080 "
        "docker compose -p k8scourse down --remove-orphans"
    ]
    copy = learner_copy(tmp_path / "copy", "Makefile", ".env", "mk", "scripts")
    make("secrets", "DB_PASSWORD=pass word", "DB_ROOT_PASSWORD=r00t", cwd=copy)
    folder = copy / ".secrets" / "k8scourse"
    assert (folder / "password").read_text() == "pass word"
    assert (folder / "root-password").read_text() == "r00t"
    for private in (copy / ".secrets", folder):  # only you may list or read them
        assert stat.S_IMODE(private.stat().st_mode) == 0o700, private


@pytest.mark.parametrize(
    ("version", "ok"), [("2.21.0", False), ("2.22.0", True), ("1.29.2", False)]
)
def test_compose_watch_needs_compose_v2_22(version, ok, tmp_path):
    watch_command = "compose -p k8scourse -f compose.yaml -f compose.watch.yaml watch"
    engine = Engine(
        tmp_path,
        VERSION,
        answer("compose version --short", f"{version}\n"),
        answer("compose version"),
        running("*", False),
        answer("network inspect *", status=1),
        answer(watch_command),
    )
    watch = engine.run("make", "--no-print-directory", "compose-watch")
    said = f"make: watch needs Compose v2.22 or newer ({version}): update Docker, or use make dev"
    if ok:
        assert watch.returncode == 0, watch.output
        assert watch_command in engine.asked()
    else:
        assert watch.returncode != 0 and said in watch.stderr.splitlines(), watch.output
        assert watch_command not in engine.asked()


def test_swarm_deploys_the_local_images_and_waits_for_its_updates():
    """The images are built here, in no registry: deploy must not resolve them there. An
    update waits until it has converged (or rolled back): make says when it is done."""
    up = make("-n", "swarm-up")
    assert (
        "PROJECT=k8scourse DB_IMAGE=mysql:8.4 BACK_PORT=3000 FRONT_PORT=8080 docker stack "
        "deploy --resolve-image never -c swarm/stack.yaml k8scourse"
    ) in printed_commands(up)
    update = printed_commands(make("-n", "swarm-update"))
    assert update[-1] == "docker service update --force --detach=false k8scourse_back"


def expanded(words):
    """The words of a recipe's command line as bash expands them here (globs, $(find …))."""
    return run("bash", "-c", "printf '%s\\n' " + words).stdout.split()


# ---- mk/k8s.mk: every rendering validated, strictly ----------------------------------------


def test_k8s_validate_checks_every_rendering_and_every_lesson_strictly():
    dry = make("-n", "k8s-validate").splitlines()
    validate = [line for line in dry if "kubernetes-validate" in line]
    assert all("--strict" in line.split() for line in validate), validate
    rendered = {m[1] for line in validate if (m := re.search(r"kubectl kustomize (\S+) \|", line))}
    overlays = {str(p.parent.relative_to(REPO)) for p in REPO.glob("k8s/*/kustomization.yaml")}
    assert rendered == {"k8s"} | overlays - {"k8s/base"}
    [lessons] = [line for line in validate if "$(find" in line]
    listed = expanded(lessons.split("--quiet ", 1)[1])
    lessons = tracked("k8s/lessons/*.yaml")
    assert sorted(listed) == sorted(lessons) and lessons


# ---- mk/backup.mk: dumps kept out of git, the newest one offered ---------------------------


def test_make_backup_dumps_the_projects_database_into_a_folder_git_ignores():
    [line] = [x for x in make("-n", "backup").splitlines() if x.startswith("scripts/backup-db ")]
    _, project, db, folder = line.split()
    assert (project, db) == ("k8scourse", "k8scourse-db")
    ignored = run("git", "check-ignore", "-q", f"{folder}/k8scourse-20261201-100000.sql")
    assert ignored.returncode == 0, f"{folder}/ is not ignored: a dump could be committed"


def test_make_restore_without_a_dump_named_offers_the_newest(tmp_path):
    copy = learner_copy(tmp_path / "copy", "Makefile", ".env", "mk", "scripts")
    never = make("restore", cwd=copy, check=False)
    assert never.returncode != 0
    assert never.stderr.splitlines()[0] == (
        "make: say which dump: make restore BACKUP=FILE (no dump in backups/ yet: make backup "
        "first)"
    )
    (copy / "backups").mkdir()
    for stamp in ("20261130-235959", "20261201-100000", "20260101-000000"):
        (copy / "backups" / f"k8scourse-{stamp}.sql").write_text("-- Dump completed\n")
    offered = make("restore", cwd=copy, check=False)
    assert offered.stderr.splitlines()[0] == (
        "make: say which dump: make restore BACKUP=FILE (backups/k8scourse-20261201-100000.sql)"
    )


# ---- mk/tests.mk: what make lint and make test-offline run ------------------------------


def tracked(*patterns):
    return run("git", "ls-files", *patterns).stdout.split()


def test_make_lint_checks_every_script_and_every_dockerfile_of_the_product():
    dry = make("-n", "lint").replace("\\\n", " ").splitlines()  # the recipe's continued lines
    [shellcheck] = [line for line in dry if line.startswith("shellcheck ")]
    checked = expanded(shellcheck.removeprefix("shellcheck "))
    scripts = [
        path
        for path in tracked("scripts", "front", "back", "db", "standins", "bench", ".ci", "lessons")
        if path.endswith(".sh")
        or (REPO / path).read_bytes()[:40].split(b"\n")[0] in (b"#!/bin/sh", b"#!/usr/bin/env bash")
    ]
    assert sorted(set(scripts) - set(checked)) == []
    [hadolint] = [line for line in dry if "hadolint " in line]
    dockerfiles = [p for p in tracked() if p.endswith("Dockerfile")]
    assert sorted(dockerfiles) == sorted(expanded(hadolint.split("hadolint ", 1)[1]))


def test_make_test_offline_leaves_out_only_the_tests_that_need_an_engine():
    [line] = [x for x in make("-n", "test-offline").splitlines() if " -m pytest " in x]
    ignored = re.findall(r"--ignore=(\S+)", line)
    assert sorted(ignored) == ["tests/cluster", "tests/e2e", "tests/images"]
    for folder in ignored:  # they run the engines (tests/e2e/real_engines.py), the cluster
        texts = " ".join(p.read_text() for p in (REPO / folder).glob("*.py"))
        assert any(word in texts for word in ("real_engines", "imagekit", "cluster-up")), folder
