"""The tests kit: the helpers every test folder shares (tests/, tests/k8s, tests/e2e). Offline
runs of make (offline_make) never ask this machine's engine: a stub answers (tests/engines),
so that what a learner's running stack publishes cannot change what a test sees. A skip says
why, and fails in CI (missing_part). The README's tables are read by the tests that hold the
product to their words; every troubleshooting row is read or marked (tests/test_readme.py).
"""

import email
import os
import re
import shlex
import socket
import subprocess
import tempfile
import threading
import time
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from werkzeug.serving import make_server

REPO = Path(__file__).resolve().parents[1]
ENGINES = REPO / "tests" / "engines"
# The engine of offline runs: recorded answers of Docker with nothing running
# (tests/engines/docker-28-idle.json).
OFFLINE_ENGINE = "docker-28-idle"
# What the environment must not bring into an offline run: the Makefile's variables (a
# learner's `export BACK_PORT=3001`; every name it sets or asks the origin of, but SHELL),
# and the outer make's (`make test` runs the tests, and exports DOCKER; MAKEFLAGS carries
# its command line's variables).
# The Makefile and the files it includes (mk/*.mk), as one text.
MAKEFILES = (REPO / "Makefile", *sorted((REPO / "mk").glob("*.mk")))
_MAKEFILE = "\n".join(path.read_text(encoding="utf-8") for path in MAKEFILES)
MAKEFILE_VARIABLES = (
    {*re.findall(r"^\s*([A-Z][A-Z0-9_]*)\s*[?:+]?=", _MAKEFILE, re.M)}
    | {*re.findall(r"\$\(origin ([A-Z][A-Z0-9_]*)\)", _MAKEFILE)}
    | {"MAKEFLAGS", "MFLAGS", "MAKELEVEL", "MAKEOVERRIDES", "GNUMAKEFLAGS"}
) - {"SHELL"}
# The lesson's 17 commands, copied from its text (tests/test_makefile.py checks the copy).
LESSON_COMMANDS = REPO / "tests" / "lesson_commands.txt"
# The programs that print a lesson command as their last argument.
PRINTERS = ("scripts/run-step", "scripts/check-health")


def run(*args, timeout=300, text=True, **kwargs):
    """Run a command in the repo (or in cwd=...); never raises on a non-zero exit.
    result.output is stdout then stderr. text=False: bytes, as written (text mode reads
    every \r\n and lone \r as \n)."""
    kwargs.setdefault("stdin", None if "input" in kwargs else subprocess.DEVNULL)
    kwargs.setdefault("cwd", REPO)
    result = subprocess.run(
        args, capture_output=True, text=text, timeout=timeout, check=False, **kwargs
    )
    result.output = result.stdout + result.stderr
    return result


def make(*targets, timeout=300, **kwargs):
    """make in the repo with this environment (or env=, a whole environment)."""
    return run("make", "--no-print-directory", *targets, timeout=timeout, **kwargs)


def offline_env(folder, engine=OFFLINE_ENGINE, env=None, stub_as=("docker", "podman")):
    """The environment of an offline run: this one without the Makefile's variables, then
    env (a None value unsets); with `engine` (a form of tests/engines/, or None for no
    stub) answering as each command of stub_as from `folder`, first on PATH."""
    result = {k: v for k, v in os.environ.items() if k not in MAKEFILE_VARIABLES}
    result.update(env or {})
    if engine is not None:
        folder = Path(folder)
        for name in stub_as:
            (folder / name).symlink_to(ENGINES / "stub")
        result["PATH"] = f"{folder}{os.pathsep}{result['PATH']}"
        result["STUB_ENGINE"] = engine
        # The stub writes there what it had no answer for: the Makefile hides the engine's
        # errors (2>/dev/null), so an unanswered question would pass for "nothing running".
        result["STUB_UNANSWERED"] = str(folder / "unanswered")
    return {k: v for k, v in result.items() if v is not None}


def offline_make(*args, engine=OFFLINE_ENGINE, env=None, check=True, cwd=REPO, text=True, **stub):
    """make offline (see offline_env); its stdout, once it succeeded (check=False: the
    result; text=False: bytes). No engine question may go unanswered."""
    with tempfile.TemporaryDirectory(prefix="k8scourse-offline-") as folder:
        environment = offline_env(folder, engine, env, **stub)
        result = make(*args, env=environment, timeout=60, cwd=cwd, text=text)
        unanswered = Path(folder, "unanswered")
        asked = unanswered.read_text() if unanswered.exists() else ""
    assert not asked, f"the stub engine {engine} has no recorded answer for:\n{asked}"
    if not check:
        return result
    assert result.returncode == 0, result.output
    return result.stdout


def lesson_commands():
    """The lesson's commands, in its order (tests/lesson_commands.txt)."""
    lines = LESSON_COMMANDS.read_text(encoding="utf-8").splitlines()
    return [line for line in lines if line and not line.startswith("#")]


def commands_of_the_lesson(text, prefixes):
    """The lines of a lesson's ```bash blocks that start with one of `prefixes` ("docker ",
    "curl "), once each, in order; one that reads its folder ($(pwd)) after `cd DIR` in its
    block as `cd DIR && ...` (the lessons' commands, as tests/*lesson_commands* pin them)."""
    commands = []
    for block in re.findall(r"```bash\n(.*?)```", text, re.S):
        folder = None
        for line in block.splitlines():
            if line.startswith("cd "):
                folder = line.removeprefix("cd ")
            elif line.startswith(prefixes):
                command = f"cd {folder} && {line}" if folder and "$(pwd)" in line else line
                if command not in commands:
                    commands.append(command)
    return commands


def printed_commands(dry_run):
    """The commands a dry run's scripts/run-step and scripts/check-health would print: the last
    argument of each, as the shell would pass it (lines may run several: `a & b & wait`)."""
    commands = []
    for line in dry_run.splitlines():
        lexer = shlex.shlex(line, posix=True, punctuation_chars=True)
        lexer.whitespace_split = True
        simple = []
        for token in [*lexer, ";"]:
            if token in ("&", "&&", ";", "||", "|"):
                program = next((word for word in simple if "=" not in word), "")
                if program.endswith(PRINTERS):
                    commands.append(simple[-1])
                simple = []
            else:
                simple.append(token)
    return commands


def raw_http(base_url, request, timeout=10):
    """Send request (bytes, as they are) to base_url ("http://HOST:PORT") and read the
    answer to the end: (status, headers as an email.message.Message, raw body)."""
    url = urlsplit(base_url)
    with socket.create_connection((url.hostname, url.port or 80), timeout=timeout) as sock:
        sock.sendall(request)
        answer = b""
        while chunk := sock.recv(65536):
            answer += chunk
    head, _, body = answer.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    headers = email.message_from_string("\r\n".join(lines[1:]) + "\r\n\r\n")
    return int(lines[0].split()[1]), headers, body


def free_port():
    """A port of 127.0.0.1 that nothing listens on (the kernel's pick: never 3000 or 3306)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def serving(app):
    """A WSGI app (the backend's, from create_app) served on 127.0.0.1 by werkzeug's server,
    in a thread: its port."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, args=(0.01,), daemon=True)  # 10 ms polls
    thread.start()
    try:
        yield server.server_port
    finally:
        server.shutdown()
        thread.join()


def running(name, engine=None):
    """Whether the container `name` runs, on engine (default: DOCKER, else docker)."""
    engine = engine or os.environ.get("DOCKER", "docker")
    state = run(engine, "container", "inspect", "-f", "{{.State.Running}}", name, timeout=60)
    return state.returncode == 0 and state.stdout.strip() == "true"


def in_ci():
    """Whether this run is CI's: CI set, as .ci/run does (CI=false or 0 is not)."""
    return os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")


def missing_part(reason):
    """A part this test needs is missing: skip, saying why; in CI, fail: CI installs
    every part, so a skip there would hide a test that never ran."""
    if in_ci():
        pytest.fail(f"{reason} (CI is set: CI must provide it)", pytrace=False)
    pytest.skip(reason)


def wait_until(predicate, timeout, what, every=0.5):
    """Poll predicate() until it is true; fail naming `what` once timeout seconds passed."""
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, f"timed out after {timeout} s waiting for {what}"
        time.sleep(every)


def troubleshooting_rows():
    """The rows of the README's troubleshooting table: [you see, why, fix] each."""
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    table = readme.split("\n## Troubleshooting\n", 1)[1].split("\n## ", 1)[0]
    return [
        [cell.strip() for cell in line.strip().strip("|").split(" | ")]
        for line in table.splitlines()
        if line.startswith("| ") and not line.startswith("| you see ")
    ]


def troubleshooting_row(seen):
    """The README's troubleshooting row whose first cell ("you see") contains `seen`:
    (you see, why, fix), each cell's text as written. Exactly one row must match."""
    matching = [row for row in troubleshooting_rows() if len(row) == 3 and seen in row[0]]
    assert len(matching) == 1, f"README's troubleshooting rows saying {seen!r}: {matching}"
    return tuple(matching[0])


def readme_row(section, seen):
    """The row of the table under the README's `## section` with a cell that contains
    `seen`: its cells, as written. Exactly one row must match (e.g. the Podman table's row
    that quotes an error of Podman's)."""
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    part = readme.split(f"\n## {section}\n", 1)[1].split("\n## ", 1)[0]
    rows = [
        [cell.strip() for cell in re.split(r"(?<!\\)\|", line.strip()[1:-1])]
        for line in part.splitlines()
        if line.startswith("| ")
    ]
    matching = [row for row in rows if any(seen in cell for cell in row)]
    assert len(matching) == 1, f"README's {section} rows saying {seen!r}: {matching}"
    return matching[0]


def quoted(cell):
    """The words a README cell quotes (between backticks), in order."""
    return re.findall(r"`([^`]+)`", cell)


def says(output, words):
    """Whether `output` holds the README's quoted `words`, where `…` stands for any text of
    one line (the row leaves out what differs from one machine to another)."""
    pattern = r"[^\n]*?".join(re.escape(part) for part in words.split("…"))
    return re.search(pattern, output) is not None
