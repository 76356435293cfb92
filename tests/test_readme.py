"""The README says what the Makefile does: its picture of the networks, and its words about
`make lint` and the engines `make test` uses."""

import ast
import re

from kit import MAKEFILES, REPO, troubleshooting_rows
from kit import offline_make as make  # a stub engine with nothing running, not this machine's

README = REPO / "README.md"


def names():
    """The lesson's names, as `make names` prints them (ports given: no engine asked)."""
    out = make("names", "BACK_PORT=3000", "FRONT_PORT=8080")
    found = dict(line.split("=", 1) for line in out.splitlines())
    makefile = (REPO / "Makefile").read_text()
    found["DEMO_NETWORK"] = re.search(r"^DEMO_NETWORK\s+\?= (\S+)$", makefile, re.M)[1]
    return found


def test_the_network_picture_names_what_the_makefile_starts():
    """The picture is text (a terminal and an editor show it as it is), and names the
    lesson's networks, containers, ports and the backend's MYSQL_HOST as make does."""
    [picture] = re.findall(r"```text\n(.*?)```", README.read_text(), re.S)
    n = names()
    lines = picture.splitlines()
    for expected in (
        "default bridge: no name resolves", f"{n['DEMO_NETWORK']}: names resolve",
        f"{n['NETWORK']} network", f"│ {n['BACK_NAME']} :3000  │",
        f"MYSQL_HOST={n['DB_NAME']}, port 3306", f"│ {n['DB_NAME']} │",
        f"localhost:{n['BACK_PORT']}: the API (BASE_URL)", f"localhost:{n['DB_PORT']}",
        f"(-p {n['DB_PORT']}:3306)", "(nginx, default bridge)",
        f"localhost:{n['FRONT_PORT']}: the page ──▶ {n['FRONT_NAME']} :8080",
    ):  # fmt: skip
        assert any(expected in line for line in lines), expected
    # front joins no network of the backend's: the Makefile's front command has no --network.
    front = make("-n", "front", "BACK_PORT=3000", "FRONT_PORT=8080")
    assert "--network" not in front.splitlines()[-1]


def recipe(target):
    """The recipe lines of a target, from the Makefile and mk/."""
    for path in MAKEFILES:
        match = re.search(rf"^{target}:[^\n]*\n((?:\t[^\n]*\n)+)", path.read_text(), re.M)
        if match:
            return match[1]
    raise AssertionError(f"no recipe for {target}")


def test_what_the_readme_says_of_lint_and_test_is_what_they_run():
    """make help's and the README's words about `make lint` (its three linters) and `make
    test` (both engines) are the recipes' and the suite's."""
    lint = recipe("lint")
    linters = [tool for tool in ("ruff", "shellcheck", "hadolint") if tool in lint]
    assert linters == ["ruff", "shellcheck", "hadolint"]
    help_text = make("help")
    assert re.search(r"make lint +ruff, shellcheck and hadolint\n", help_text)
    assert re.search(r"make test +Lint, then every test \(Docker and Podman too\)\n", help_text)
    first_screen = README.read_text().split("```")[1]
    assert "make test-offline   # the tests a learner can run: " in first_screen
    assert "no engine" in first_screen.split("make test-offline")[1].splitlines()[0]
    assert "make test           # maintainers: lint, then every test, the engines' too" in (
        first_screen
    )
    offline = recipe("test-offline")
    assert "--ignore=tests/e2e --ignore=tests/images" in offline
    # The engines: the end-to-end tests take each of them in turn.
    engines = (REPO / "tests" / "e2e" / "real_engines.py").read_text()
    assert 'ENGINES = ("docker", "podman")' in engines


def test_help_names_the_front_as_the_readme_does():
    """Part 4 prints lesson 8's commands; lesson 8 has a group of its own."""
    help_text = make("help")
    assert "\nPart 4: the front end, served by nginx (lesson 8's commands)\n" in help_text
    lesson_8 = help_text.split("\nLesson 8: non-root images (lessons/01-08-non-root)\n")[1]
    assert lesson_8.splitlines()[0].startswith("  make back-whoami ")
    readme = (REPO / "README.md").read_text()
    assert "\n### 4. The front end, served by nginx (lesson 8's commands)\n" in readme


NOT_PRODUCIBLE = "*(not produced here:"  # how a row that no test can produce is marked


def rows_read_by_tests():
    """Each `troubleshooting_row("…")` of the suite: the text it looks rows up by, and where."""
    found = []
    for path in sorted((REPO / "tests").rglob("test_*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (
                isinstance(node, ast.Call)
                and getattr(node.func, "id", None) == "troubleshooting_row"
                and node.args
                and isinstance(node.args[0], ast.Constant)
            ):
                found.append((node.args[0].value, path.relative_to(REPO)))
    return found


def test_every_troubleshooting_row_is_held_by_a_test_or_marked_not_produced_here():
    """A row is held when a test reads it (kit.troubleshooting_row, which asserts the
    product's or the engine's words against it); a row no machine here can produce says so
    in its "why" cell, with the reason, and no test pretends to hold it."""
    reads = rows_read_by_tests()
    unheld, pretended = [], []
    for seen, why, _ in troubleshooting_rows():
        readers = [str(path) for key, path in reads if key in seen]
        marked = NOT_PRODUCIBLE in why
        if not readers and not marked:
            unheld.append(seen)
        if readers and marked:
            pretended.append((seen, readers))
    assert unheld == [], f"rows no test reads, and not marked {NOT_PRODUCIBLE!r}: {unheld}"
    assert pretended == []
    marked = [why for _, why, _ in troubleshooting_rows() if NOT_PRODUCIBLE in why]
    for why in marked:  # the reason follows the mark, inside it
        assert re.search(r"\*\(not produced here: [^)]{10,}\)\*", why), why
