"""What the Makefile does differently on the learners' machines, in dry runs (no engine).

The runs themselves, on the real engine, are in tests/e2e/test_machines.py.
"""

import os
import tempfile

from copies import OLD_GNU, files_with_crlf, learner_copy, mac_env, mac_make_args, windows_clone
from kit import (
    REPO,
    lesson_commands,
    missing_part,
    offline_env,
    printed_commands,
    quoted,
    readme_row,
    run,
    says,
)
from kit import offline_make as make  # a stub engine with nothing running, not this machine's

[LESSON_DB] = [command for command in lesson_commands() if command.startswith("cd db && ")]


def test_selinux_gets_z_and_says_why_elsewhere_the_lessons_command():
    enforcing = make("-n", "db", "ENGINE_ARCH=amd64", "SELINUX_ENFORCING=1").splitlines()
    relaxed = make("-n", "db", "ENGINE_ARCH=amd64", "SELINUX_ENFORCING=0").splitlines()

    assert printed_commands(relaxed[-1]) == [LESSON_DB]
    relabelled = LESSON_DB.replace("initdb.d/init.sql ", "initdb.d/init.sql:z ")
    assert printed_commands(enforcing[-1]) == [relabelled] != [LESSON_DB]
    assert enforcing[-2] == (
        "echo '# z: SELinux enforces here, and a container may read a mounted file only once "
        "the engine relabels it for containers';"
    )
    assert not any(":z" in line for line in relaxed)


def test_help_prints_no_carriage_return_from_a_crlf_makefile(tmp_path):
    """A clone made with CRLF before .gitattributes: make reads it, help must not print ^M."""
    crlf = tmp_path / "Makefile"
    crlf.write_bytes((REPO / "Makefile").read_bytes().replace(b"\n", b"\r\n"))
    out = make("-f", str(crlf), "help", text=False)  # bytes: text mode would drop every \r
    assert b"make up" in out and b"\r" not in out


def test_a_windows_clone_checks_every_file_out_with_lf(tmp_path):
    """Git for Windows sets core.autocrlf=true: .gitattributes keeps every tracked file LF
    (bash, make, MySQL and nginx would read a CR as part of the line). Without it, the same
    clone gets CRLF: the case is real. The lesson run from such a clone:
    tests/e2e/test_machines.py."""
    copy = learner_copy(tmp_path / "copy")
    assert files_with_crlf(windows_clone(copy, tmp_path / "windows")) == []

    identity = ("-c", "user.name=learner", "-c", "user.email=learner@example.invalid")
    assert run("git", "rm", "-q", ".gitattributes", cwd=copy).returncode == 0
    assert run("git", *identity, "commit", "-qm", "no .gitattributes", cwd=copy).returncode == 0
    without = windows_clone(copy, tmp_path / "without")
    assert "scripts/run-step" in files_with_crlf(without)

    # What the learner sees in such a clone: env looks for a program named "bash\r".
    _, known, _ = readme_row("Your machine", "bash\\r")
    utf8, c_locale, fix_commands = [w for w in quoted(known) if "bash\\r" in w or "git rm" in w]
    for locale, words in (("C.UTF-8", utf8), ("C", c_locale)):
        env = {**os.environ, "LC_ALL": locale}
        ran = run("scripts/wait-for-http", "--help", cwd=without, env=env)
        assert ran.returncode == 127
        assert says(ran.stderr, words) or words in ran.stderr, (locale, ran.stderr)
    # The row's fix, in that clone once .gitattributes is back in it: every file LF again.
    (without / ".gitattributes").write_bytes((REPO / ".gitattributes").read_bytes())
    assert fix_commands == "git rm -r -q --cached . && git reset -q --hard"
    fixed = run("bash", "-c", f"git add .gitattributes && {fix_commands}", cwd=without)
    assert fixed.returncode == 0, fixed.output
    assert files_with_crlf(without) == []


# Dry runs that must not depend on the machine's engine: the ports and the architecture given.
FIXED = ("BACK_PORT=3000", "FRONT_PORT=8080", "ENGINE_ARCH=amd64", "SELINUX_ENFORCING=0")


def test_a_macs_bash_parses_every_script_and_its_make_prints_the_same(tmp_path):
    """bash 3.2 parses every host script; make 3.81 with it prints what make 4.3 does."""
    if not OLD_GNU.exists():
        missing_part("../shared/tools/old-gnu is not beside the repository")
    scripts = [p for p in (REPO / "scripts").iterdir() if p.is_file()] + [REPO / ".ci" / "run"]
    for script in scripts:
        if b"bash" in script.read_bytes().split(b"\n", 1)[0]:
            parsed = run(OLD_GNU / "bash-3.2", "-n", script)
            assert parsed.returncode == 0, (script, parsed.stderr)
    mac = mac_env(tmp_path / "mac-bin")
    for args in (("-n", "up"), ("help",), ("names",)):
        ours = make(*args, *FIXED)
        macs = make(*args, *FIXED, *mac_make_args(tmp_path / "mac-bin"), env=mac)
        assert macs == ours, args


def test_the_copied_scripts_find_what_they_share_from_any_folder(tmp_path):
    """The README's copy of the scripts, in a folder whose path has a space, run by a Mac's
    bash from another folder and outside make: each finds scripts/lib.sh by its own path,
    and says in one line what make would have passed it."""
    if not OLD_GNU.exists():
        missing_part("../shared/tools/old-gnu is not beside the repository")
    copy, tmp = learner_copy(tmp_path / "my app", "scripts"), tmp_path
    with tempfile.TemporaryDirectory(prefix="k8scourse-offline-") as folder:
        env = offline_env(folder, env={"DB_NAME": None, "NETWORK": None, "DOCKER": None})

        def bash_32(script, *args):  # from tmp_path, not the copy's folder
            return run(OLD_GNU / "bash-3.2", copy / "scripts" / script, *args, env=env, cwd=tmp)

        health = bash_32("check-health", "back", "0", "curl localhost:3000/health")
        step = bash_32("run-step", "--if-running", "one", "docker stop one")

    assert health.returncode != 0
    assert health.stdout == ""
    [line] = health.stderr.splitlines()
    assert line.endswith(
        "DB_NAME: scripts/check-health needs DB_NAME, the database container "
        "(make health passes it)"
    )
    assert step.returncode == 0, step.stderr
    assert step.stderr == ""
    assert step.stdout == "# one is not running\n"  # DOCKER unset: docker, the stub here
