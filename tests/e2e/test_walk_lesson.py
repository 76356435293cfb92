"""`make lesson`, which walks the whole lesson (scripts/walk-lesson): on each engine every
step behaves as the lesson says, checked here and not by the script's own patterns; it
starts from a clean slate, asking first on a terminal, streams its lines as they come, and
from a renamed copy runs under the lesson's own names.

The test that takes `engine` runs on Docker, then on Podman; the others on Docker only.
"""

import json
import os
import pty
import re
import subprocess
import time

import pytest
from copies import learner_copy, rename
from real_engines import REPO, docker, json_line, make

pytestmark = pytest.mark.e2e


# On Docker only: before the test that takes `engine` (conftest.py's docker_clean_slate).


@pytest.mark.usefixtures("docker_clean_slate")
def test_make_lesson_on_a_terminal_asks_before_it_stops_the_database():
    assert make("db").returncode == 0
    main, terminal = pty.openpty()
    child = subprocess.Popen(
        ["make", "--no-print-directory", "lesson"],
        cwd=REPO,
        stdin=terminal,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    os.write(main, b"n\n")
    output, _ = child.communicate(timeout=60)
    os.close(main)
    os.close(terminal)

    assert child.returncode != 0
    assert (
        "# make lesson starts from a clean slate: it stops k8scourse-db, and the data in "
        "k8scourse-db goes with it (it runs with --rm)"
    ) in output.splitlines()
    # The answer's newline is the terminal's echo: here the line follows the question.
    assert (
        "Stop them and go on? [y/N] make: nothing stopped, nothing run: stop them when you are "
        "ready (make down PROJECT=k8scourse), then make lesson again."
    ) in output.splitlines()
    assert docker("container", "inspect", "k8scourse-db").returncode == 0  # still there


@pytest.mark.usefixtures("docker_clean_slate")
def test_make_lesson_in_a_renamed_copy_streams_says_what_it_stops_and_how_to_stop_it(tmp_path):
    copy = rename(learner_copy(tmp_path / "photoshare"), "photoshare")
    assert make("db").returncode == 0  # a lesson's database the learner may have filled
    started = time.monotonic()
    child = subprocess.Popen(
        ["make", "--no-print-directory", "lesson"],
        cwd=copy,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    seen = []  # (seconds since the start, line), as the lines come
    for line in child.stdout:
        seen.append((time.monotonic() - started, line.rstrip("\n")))
    assert child.wait(timeout=600) == 0, "\n".join(line for _, line in seen)
    lines = [line for _, line in seen]

    start = lines.index("== Start from a clean slate")
    assert lines[start + 1 : start + 4] == [
        "# make lesson runs under the lesson's own names (k8scourse: back, k8scourse-db, one, "
        "two), not photoshare's: photoshare's stack is left alone",
        "# make lesson starts from a clean slate: it stops k8scourse-db, and the data in "
        "k8scourse-db goes with it (it runs with --rm)",
        "# no terminal to ask on: going on",
    ]
    assert lines[-1].endswith(
        "all as the lesson says. Still running: back and k8scourse-db (make down "
        "PROJECT=k8scourse stops them)."
    )
    # Streamed: the line that announces the 10 s stop comes before the wait, not after it.
    [announced] = [t for t, line in seen if "# stopping one takes a while" in line][:1]
    [stopped] = [t for t, line in seen if "ok: docker stop one and two" in line][:1]
    assert stopped - announced > 5, lines


# On Docker, then on Podman.


def lesson_steps(output):
    """make lesson's output, step by step: [(what scripts/walk-lesson says the step shows, the
    lines the step printed before that verdict, unindented)]."""
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


def table_names(lines):
    """The last column (NAMES) of a `ps` table."""
    return sorted(line.split()[-1] for line in lines[1:] if line.strip())


@pytest.mark.usefixtures("docker_clean_slate")
def test_make_lesson_after_make_up_says_the_front_it_stopped_and_how_to_start_it():
    """The lesson starts the database and the backend again, not the front (lesson 6's):
    after make up, make lesson's last lines say what still runs and how the front returns."""
    up = make("up", timeout=900)
    assert up.returncode == 0, up.output
    lesson = make("lesson", timeout=900)
    assert lesson.returncode == 0, lesson.output
    assert lesson.stdout.splitlines()[-2:] == [
        "19 steps, all as the lesson says. Still running: back and k8scourse-db (make down "
        "stops them).",
        "front, which ran before the lesson, is stopped (the lesson has no front): make front "
        "starts it again.",
    ]
    again = make("front")
    assert again.returncode == 0, again.output


def test_make_lesson_walks_the_whole_lesson(engine):
    lesson = engine.make("lesson", timeout=600)
    assert lesson.returncode == 0, lesson.output
    assert "19 steps, all as the lesson says" in lesson.output
    assert "NOT AS IN THE LESSON" not in lesson.output
    assert "\x1b[" not in lesson.output  # not a terminal: no colour codes in the log
    assert f"$ {engine} run -it -d --rm --name one " in lesson.output

    # Each outcome the lesson describes, checked here, not by scripts/walk-lesson's own patterns.
    steps = lesson_steps(lesson.stdout)
    assert len(steps) == 19, [said for said, _ in steps]
    on = engine.name

    def step(what):
        [lines] = [lines for said, lines in steps if said.startswith(what)]
        return lines

    image_root = engine.cli("run", "--rm", "alpine", "ls").stdout.split()
    assert printed_after(step("inside one: a file system"), f"{on} exec one ls") == image_root
    assert printed_after(
        step("inside one: docker is not found"), f"{on} exec one sh -c 'docker ps'"
    ) == ["sh: docker: not found"]
    assert "ping: bad address 'two'" in step("ping two fails on the default bridge")
    inspect = step("make inspect lists one and two")
    if on == "docker":
        listed = printed_after(inspect, "docker network inspect alpine-network")
        [network] = json.loads("\n".join(listed))
        assert sorted(c["Name"] for c in network["Containers"].values()) == ["one", "two"]
    else:  # Podman 4's network inspect lists no containers: make inspect adds `podman ps`
        listed = printed_after(inspect, "podman ps --filter network=alpine-network")
        assert table_names(listed) == ["one", "two"]
    assert "1 packets transmitted, 1 packets received, 0% packet loss" in step("ping two now works")
    broken = json_line("\n".join(step("/health: the backend cannot reach")))
    assert (broken["db"], broken["mysql_host"]) == (False, "localhost")
    fix = step("the fix:")
    assert fix.index(f"$ {on} stop back") < fix.index(
        f"$ {on} run -p 3000:3000 --name back --rm --network k8scourse -e MYSQL_HOST=k8scourse-db "
        "-d k8scourse-back"
    )
    assert json_line("\n".join(step("/health answers 200")))["db"] is True
    assert table_names(printed_after(step(f"{on} ps shows"), f"{on} ps")) == [
        "back",
        "k8scourse-db",
    ]
    logs = printed_after(step(f"{on} logs back"), f"{on} logs back")
    assert any(
        line.endswith("Server running on port 3000, database k8scourse-db:3306/images")
        for line in logs
    )
    # And the lesson ends where it says: back and k8scourse-db running.
    running_now = engine.cli("ps", "--format", "{{.Names}}").stdout.split()
    assert sorted(running_now) == ["back", "k8scourse-db"]
