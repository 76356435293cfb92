"""Keep or replace: `make back` (and alpine, front, db) keeps a container that runs exactly
as its `docker run` would start it, and replaces (the database: keeps, and says) one that
runs otherwise. scripts/run-differences.sh decides it without interpreting the command's
flags: bash reads the command's words, the engine creates a probe from them, and the two
containers' records are compared.

Offline here: the words of the probe for every form the docker run reference allows (a
literal table), under this machine's bash and a Mac's bash 3.2; and both sides of the
decision against the records of real engines (tests/engines/*-probes.json, recorded by
tests/engines/record-probes). The real engines run the same in tests/e2e.
"""

import os
import subprocess

import pytest
from kit import REPO, missing_part, offline_env

OLD_BASH = REPO.parent / "shared" / "tools" / "old-gnu" / "bash-3.2"

# A `docker run` command as a Makefile recipe or a learner writes it, and the words of the
# `create` of its probe (P): the flags `create` refuses (-d, --detach, --sig-proxy,
# --detach-keys) dropped, --name replaced, --pull=never before the image, and the image
# and its arguments as they are.
FORMS = [
    (
        "docker run -p 3000:3000 --name back --rm --network k8scourse "
        "-e MYSQL_HOST=k8scourse-db -d k8scourse-back",
        "create --name P -p 3000:3000 --rm --network k8scourse -e MYSQL_HOST=k8scourse-db "
        "--pull=never k8scourse-back",
    ),
    (
        "docker run -p 3000:3000 --name=back --rm --network=k8scourse "
        "--env=MYSQL_HOST=k8scourse-db --detach k8scourse-back",
        "create --name P -p 3000:3000 --rm --network=k8scourse --env=MYSQL_HOST=k8scourse-db "
        "--pull=never k8scourse-back",
    ),
    (
        "docker run -it -d --rm --name one alpine /bin/sh",
        "create --name P -it --rm --pull=never alpine /bin/sh",
    ),
    (
        "docker run -itd --name one alpine /bin/sh",
        "create --name P -it --pull=never alpine /bin/sh",
    ),
    ("docker run -dit --name one alpine", "create --name P -it --pull=never alpine"),
    ("docker run -dp 3000:3000 img", "create --name P -p 3000:3000 --pull=never img"),
    ("docker run -dp3000:3000 img", "create --name P -p 3000:3000 --pull=never img"),
    ("docker run -p3000:3000 -d img", "create --name P -p 3000:3000 --pull=never img"),
    (
        "docker run --platform linux/amd64 -d img",
        "create --name P --platform linux/amd64 --pull=never img",
    ),
    (
        "docker run --platform=linux/amd64 img",
        "create --name P --platform=linux/amd64 --pull=never img",
    ),
    ("docker run -m 512m img", "create --name P -m 512m --pull=never img"),
    (
        "docker run --memory 512m --cpus 1.5 img",
        "create --name P --memory 512m --cpus 1.5 --pull=never img",
    ),
    (
        "docker run -u 1000:1000 -w /app img",
        "create --name P -u 1000:1000 -w /app --pull=never img",
    ),
    (
        "docker run --user=app --workdir /srv img",
        "create --name P --user=app --workdir /srv --pull=never img",
    ),
    (
        "docker run --entrypoint sh img -c true",
        "create --name P --entrypoint sh --pull=never img -c true",
    ),
    ("docker run --restart always img", "create --name P --restart always --pull=never img"),
    (
        "docker run --mount type=bind,src=/tmp,dst=/data img",
        "create --name P --mount type=bind,src=/tmp,dst=/data --pull=never img",
    ),
    (
        "docker run -l tier=back --label x=y img",
        "create --name P -l tier=back --label x=y --pull=never img",
    ),
    ("docker run --env-file .env img", "create --name P --env-file .env --pull=never img"),
    (
        "docker run -h box --hostname=box img",
        "create --name P -h box --hostname=box --pull=never img",
    ),
    (
        "docker run --init --rm --privileged img",
        "create --name P --init --rm --privileged --pull=never img",
    ),
    (
        "docker run --rm=true --read-only img",
        "create --name P --rm=true --read-only --pull=never img",
    ),
    ("docker run --detach=true --sig-proxy=false img", "create --name P --pull=never img"),
    ("docker run --detach-keys ctrl-x -d img", "create --name P --pull=never img"),
    ("docker run -e NAME -d img", "create --name P -e NAME --pull=never img"),
    (  # a quoted value with a space stays one word
        'docker run -e "GREETING=hello world" img',
        ["create", "--name", "P", "-e", "GREETING=hello world", "--pull=never", "img"],
    ),
    ("docker run -e 'A=$x' img", "create --name P -e A=$x --pull=never img"),
    (
        "docker run --cap-add=NET_RAW alpine ping -c 1 two",
        "create --name P --cap-add=NET_RAW --pull=never alpine ping -c 1 two",
    ),
    ("docker run -d alpine ls -d /", "create --name P --pull=never alpine ls -d /"),
    ("docker run -d -- alpine", "create --name P --pull=never alpine"),
    ("podman run -dt --rm img", "create --name P -t --rm --pull=never img"),
    (
        "cd db && docker run -d -v $(pwd)/init.sql:/docker-entrypoint-initdb.d/init.sql mysql:5.7",
        f"create --name P -v {REPO}/db/init.sql:/docker-entrypoint-initdb.d/init.sql "
        "--pull=never mysql:5.7",
    ),
    (
        'cd db && docker run -v "$(pwd)"/init.sql:/x:ro,z mysql:8.4',
        f"create --name P -v {REPO}/db/init.sql:/x:ro,z --pull=never mysql:8.4",
    ),
]


def probe_words(command, bash="bash"):
    """The words scripts/run-differences.sh gives `create` for `command`, one a line."""
    program = '. scripts/lib.sh && . scripts/run-differences.sh && run_words "$1" | probe_words P'
    engine = command.split(" run ", 1)[0].split()[-1]
    result = subprocess.run(
        [bash, "-c", program, "-", command],
        cwd=REPO,
        env={**os.environ, "DOCKER": engine, "ENGINE": engine},
        capture_output=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.decode().rstrip("\0").split("\0")


@pytest.mark.parametrize(("command", "words"), FORMS, ids=[c for c, _ in FORMS])
def test_the_probe_is_created_from_every_form_of_docker_run(command, words):
    assert probe_words(command) == (words if isinstance(words, list) else words.split(" "))


def test_a_macs_bash_reads_every_form_the_same():
    if not OLD_BASH.exists():
        missing_part(f"{OLD_BASH} is not here (../shared/tools/old-gnu)")
    for command, _ in FORMS:
        assert probe_words(command, bash=str(OLD_BASH)) == probe_words(command), command


# Each recorded case (tests/engines/record-probes): the command make would run while `back`
# runs as the lesson's `make back` started it, and what differs, as run-step says it.
LESSON_BACK = (
    "run -p 3000:3000 --name back --rm --network k8scourse -e MYSQL_HOST=k8scourse-db "
    "-d k8scourse-back"
)
CASES = {
    "same": (LESSON_BACK, ""),
    "same-equals-forms": (
        "run -p 3000:3000 --name=back --rm --network=k8scourse "
        "--env=MYSQL_HOST=k8scourse-db --detach k8scourse-back",
        "",
    ),
    "image": (LESSON_BACK.removesuffix("k8scourse-back") + "alpine", "image"),
    "network": (LESSON_BACK.replace("--network k8scourse ", ""), "network"),
    "port": (LESSON_BACK.replace("-p 3000:3000", "-p 3001:3000"), "published port"),
    "environment": (
        LESSON_BACK.replace("MYSQL_HOST=k8scourse-db", "MYSQL_HOST=other-db"),
        "environment",
    ),
    "mounts": (LESSON_BACK.replace("--rm ", "--rm -v /tmp:/mnt:ro "), "set of bind mounts"),
    "memory": (LESSON_BACK.replace("--rm ", "--rm -m 512m "), "set of resource limits"),
}
# The engines whose answers were recorded: Podman 5 cannot run on this machine class.
RECORDED = {"docker-28": "docker", "podman-4.3": "podman"}


def recorded_engine(form, case, tmp_path):
    """The engine's name, and an offline environment where it answers as recorded in
    tests/engines/FORM-probes.json for CASE (the stub's variant)."""
    engine = RECORDED[form]
    env = offline_env(
        tmp_path, f"{form}-probes", {"DOCKER": engine, "ENGINE": engine}, stub_as=(engine,)
    )
    env["STUB_VARIANT"] = case
    return engine, env


def differences(form, case, tmp_path):
    engine, env = recorded_engine(form, case, tmp_path)
    command = f"{engine} {CASES[case][0]}"
    program = '. scripts/lib.sh && . scripts/run-differences.sh && differences back "$1"'
    result = subprocess.run(
        ["bash", "-c", program, "-", command],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0 and "no recorded answer" not in result.stderr, result.stderr
    assert not (tmp_path / "unanswered").exists()
    return result.stdout


@pytest.mark.parametrize("case", CASES)
@pytest.mark.parametrize("form", RECORDED)
def test_each_difference_is_seen_and_nothing_else(form, case, tmp_path):
    assert differences(form, case, tmp_path) == CASES[case][1]


def run_step(form, case, guard, tmp_path):
    engine, env = recorded_engine(form, case, tmp_path)
    return subprocess.run(
        ["scripts/run-step", guard, "back", f"{engine} {CASES[case][0]}"],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


@pytest.mark.parametrize("form", RECORDED)
def test_make_back_keeps_a_backend_that_runs_as_its_command(form, tmp_path):
    kept = run_step(form, "same-equals-forms", "--replace", tmp_path)
    assert kept.returncode == 0, kept.stderr
    assert kept.stdout.splitlines() == ["# back is already running"]


@pytest.mark.parametrize("form", RECORDED)
def test_a_database_that_runs_otherwise_is_kept_and_the_change_said(form, tmp_path):
    """--keep (make db): the running container holds the data; what differs is said, with
    how to apply it, and nothing is stopped or started."""
    kept = run_step(form, "port", "--keep", tmp_path)
    engine = RECORDED[form]
    assert kept.returncode == 0, kept.stderr
    assert kept.stdout.splitlines() == [
        "# back runs with another published port than this command: kept, because it holds "
        "the data (it runs with --rm: stopping it deletes what was added); to apply the change "
        f"anyway: '{engine} stop back', then run this make again"
    ]
