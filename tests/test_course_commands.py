"""The course goes on: each lesson of Part 1 beyond Lesson 5 has its commands pinned in
tests/course_commands/ (its README says the format), checked against the lesson's text,
and printed whole by the dry run of the target that runs it (offline: a stub engine)."""

import pytest
from kit import REPO, commands_of_the_lesson, missing_part, printed_commands
from kit import offline_make as make

COURSE = REPO.parent / "shared" / "lesson" / "course"
# The commands the course's lessons type (Lesson 10 adds docker-compose to Lesson 5's).
COURSE_PREFIXES = ("docker ", "docker-compose ", "curl ")
PINNED = REPO / "tests" / "course_commands"
LESSONS = sorted(path.stem for path in PINNED.glob("01-*.txt"))


def pinned(lesson):
    """[(the course's command, ours, the make command that prints it, or why none)]."""
    entries = []
    for line in (PINNED / f"{lesson}.txt").read_text(encoding="utf-8").splitlines():
        if not line.startswith("    "):
            entries.append({"course": line, "ours": line, "make": None, "why": None})
        elif line.startswith("    = "):
            entries[-1]["ours"] = line.removeprefix("    = ")
        elif line.startswith("    make "):
            entries[-1]["make"] = line.removeprefix("    make ").split()
        elif line.startswith("    - "):
            entries[-1]["why"] = line.removeprefix("    - ")
        else:
            raise AssertionError(f"{lesson}.txt: a line of no known kind: {line!r}")
    return entries


def test_every_lesson_of_part_1_that_runs_commands_is_pinned():
    if not COURSE.exists():
        missing_part(f"{COURSE} is not here: the course's lessons are not read")
    with_commands = sorted(
        path.name[:5]
        for path in COURSE.glob("01-*.md")
        if commands_of_the_lesson(path.read_text(encoding="utf-8"), COURSE_PREFIXES)
        and path.name[:5] != "01-05"
    )
    assert LESSONS == with_commands


@pytest.mark.parametrize("lesson", LESSONS)
def test_the_pinned_commands_are_the_lessons(lesson):
    if not COURSE.exists():
        missing_part(f"{COURSE} is not here: the pinned copy is not checked")
    [text] = [p.read_text(encoding="utf-8") for p in COURSE.glob(f"{lesson}-*.md")]
    assert [entry["course"] for entry in pinned(lesson)] == commands_of_the_lesson(
        text, COURSE_PREFIXES
    )


@pytest.mark.parametrize("lesson", LESSONS)
def test_every_pinned_command_is_printed_whole_by_its_target(lesson):
    """Each command has a target whose dry run prints it (or our version of it), whole;
    or says why no target runs it."""
    for entry in pinned(lesson):
        assert bool(entry["make"]) != bool(entry["why"]), entry
        if entry["make"]:
            printed = printed_commands(make("-n", *entry["make"]))
            assert entry["ours"] in printed, (entry, printed)


def test_make_lesson_takes_the_lessons_number():
    """make lesson N walks lesson N: the number is the lesson's, not a target of its own;
    a number the course has no walk for is one line."""
    for number in ("2", "3", "4", "6", "7", "8", "9", "10", "06"):
        dry = make("-n", "lesson", number).splitlines()
        assert f"PROJECT=k8scourse scripts/walk-lesson {number}" in dry, dry
    assert "PROJECT=k8scourse scripts/walk-lesson " in make("-n", "lesson").splitlines()
    missing = make("lesson", "11", check=False)
    assert missing.returncode != 0
    assert missing.stderr.splitlines()[0] == (
        "make: the course has no lesson 11 to walk here: make lesson walks lesson 5; make "
        "lesson 2, 3, 4, 6, 7, 8, 9 or 10 the others (lessons/)."
    )
