"""The Makefile as a learner meets it, checked with dry runs (no Docker needed)."""

import os
import re
import shlex
import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
LESSON_TOOL = REPO.parent / "shared" / "tools" / "lesson-commands"


def make(*args, env=None):
    result = subprocess.run(
        ["make", "--no-print-directory", *args],
        cwd=REPO,
        capture_output=True,
        text=True,
        env={**os.environ, **(env or {})},
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


def test_arm64_hosts_get_a_multi_arch_database_image(tmp_path):
    fake_uname = tmp_path / "uname"
    fake_uname.write_text("#!/bin/sh\necho aarch64\n")
    fake_uname.chmod(0o755)
    path = f"{tmp_path}:{os.environ['PATH']}"
    out = make("-n", "db", env={"PATH": path})
    assert "notice: mysql:5.7 has no arm64 image, using DB_IMAGE=mysql:8.4" in out
    assert printed_command(out.strip().splitlines()[-1]).endswith(" mysql:8.4")
    # An explicit choice wins, without the notice.
    out = make("-n", "db", "DB_IMAGE=mariadb:11", env={"PATH": path})
    assert "notice" not in out and out.strip().endswith("mariadb:11'")
