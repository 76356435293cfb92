"""mutmut on back/api, with its settings kept out of back/ (tests/README.md, "Mutation testing"):
in artifacts/mutmut/ (kept for mutmut's cache), a copy of back/api, the settings below, and a
link to tests/ in mutants/, where mutmut runs pytest. Then mutmut runs there with the
arguments given:

    .venv/bin/python tests/back/mutate.py run --max-children 4
    .venv/bin/python tests/back/mutate.py results
    .venv/bin/python tests/back/mutate.py check   # every survivor named in tests/README.md
"""

import os
import re
import shutil
import signal
import subprocess
import sys
from collections import Counter
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
WORK = REPO / "artifacts" / "mutmut"
# The table of the survivors allowed, each with why it stays.
SURVIVORS = REPO / "tests" / "README.md"
SECTION = "\n## Mutation testing\n"
MUTMUT = Path(sys.executable).with_name("mutmut")
RUN_MARK = "K8SCOURSE_MUTATE_RUN"

# api/draw.py is left unmutated: each of its mutants runs Pillow on real GIFs in about 40 s
# of tests, and most change the caption's look, not a promise (tests/README.md).
# The root pyproject.toml puts back/ on sys.path (pythonpath): here the mutated copy in
# mutants/ must be imported instead. The benchmark, the gunicorn and hostile-input tests and
# the copy's tests run back/ only in other processes, so they catch no mutant: left out; so
# are pytest's cache and the plugins of those (each mutant is a pytest session of its own).
SETTINGS = """\
[mutmut]
source_paths = api
do_not_mutate =
    api/draw.py
pytest_add_cli_args_test_selection =
    tests/back
pytest_add_cli_args =
    --override-ini=pythonpath=
    -p no:cacheprovider
    -p no:hypothesispytest
    -p no:schemathesis
    -p no:anyio
    --ignore=tests/back/test_back_bench.py
    --ignore=tests/back/test_back_gunicorn.py
    --ignore=tests/back/test_back_hostile.py
    --ignore=tests/back/test_back_copy.py
"""


def lay_out(work=WORK):
    """work/ with back/api as it is now, the settings, and mutants/tests -> tests/."""
    work.mkdir(parents=True, exist_ok=True)
    # copytree keeps modification times: mutmut mutates again only the files that changed.
    shutil.rmtree(work / "api", ignore_errors=True)
    shutil.copytree(
        REPO / "back" / "api", work / "api", ignore=shutil.ignore_patterns("__pycache__")
    )
    (work / "setup.cfg").write_text(SETTINGS, encoding="utf-8")
    link = work / "mutants" / "tests"
    link.parent.mkdir(exist_ok=True)
    if not link.is_symlink():
        link.symlink_to(REPO / "tests", target_is_directory=True)


def check(work=WORK):
    """0 when every survivor of the last run is named in tests/README.md's table; else 1."""
    results = subprocess.run(
        [MUTMUT, "results", "--all", "true"], cwd=work, capture_output=True, text=True
    )
    if results.returncode != 0:
        print(results.stdout + results.stderr, file=sys.stderr)
        return 1
    status = dict(line.strip().rsplit(": ", 1) for line in results.stdout.splitlines())
    counts = Counter(status.values())
    print(f"{len(status)} mutants: " + ", ".join(f"{n} {s}" for s, n in sorted(counts.items())))
    survived = {name for name, said in status.items() if said == "survived"}
    section = SURVIVORS.read_text(encoding="utf-8").split(SECTION, 1)[1].split("\n## ", 1)[0]
    named = set(re.findall(r"`(api\.[^`\s]+__mutmut_\d+)`", section))
    unnamed = sorted(survived - named)
    for name in unnamed:
        print(f"survived, and not named in tests/README.md: {name} (mutate.py show {name})")
    named_here = len(survived) - len(unnamed)
    print(f"{len(survived)} survived, {named_here} of them named in tests/README.md")
    return 1 if unnamed else 0


# Collects tests/back twice in one process; prints the ids the second collection lacks.
COLLECT_TWICE = """
import pytest, sys
class Ids:
    def pytest_collection_modifyitems(self, items):
        seen.append({item.nodeid for item in items})
seen = []
for _ in (1, 2):
    pytest.main(["--collect-only", "-qq", "-p", "no:cacheprovider", "tests/back"], plugins=[Ids()])
sys.stderr.write("\\n".join(sorted(seen[0] - seen[1])))
"""


def ids_unstable():
    """The ids of tests/back that a second collection in one process lacks, as mutmut's has:
    pytest escapes non-ASCII and backslashes again, the test is "not found", and every
    mutant it reaches is said killed, none run."""
    run = [sys.executable, "-c", COLLECT_TWICE]
    return subprocess.run(run, cwd=REPO, capture_output=True, text=True).stderr.splitlines()


def stop_left_servers(run):
    """Stop the MariaDB servers that mutants left running: a mutant that hangs a test is
    killed by mutmut ("timeout") before the test's fixtures stop its server, which may be
    paused (SIGSTOP) by the test. They are the mariadbd processes that carry this run's mark
    in their environment (another checkout's run keeps its own)."""
    for proc in Path("/proc").glob("[0-9]*"):
        try:
            if (proc / "comm").read_text().strip() != "mariadbd":
                continue
            if f"{RUN_MARK}={run}".encode() not in (proc / "environ").read_bytes().split(b"\0"):
                continue
            pid = int(proc.name)
            os.kill(pid, signal.SIGCONT)  # a paused server acts on SIGTERM only once resumed
            os.kill(pid, signal.SIGTERM)
            print(f"stopped the MariaDB server a mutant left running (pid {pid})")
        except (FileNotFoundError, ProcessLookupError, PermissionError):
            continue  # gone meanwhile, or another user's


if __name__ == "__main__":
    lay_out()
    if sys.argv[1:] == ["check"]:
        sys.exit(check())
    if sys.argv[1:2] == ["run"] and (unstable := ids_unstable()):
        sys.exit("ids that pytest changes when it collects twice:\n" + "\n".join(unstable))
    run = str(os.getpid())  # the mark of this run's processes, the servers its tests start
    env = {**os.environ, RUN_MARK: run}
    returncode = subprocess.run([MUTMUT, *sys.argv[1:]], cwd=WORK, env=env).returncode
    if sys.argv[1:2] == ["run"]:
        stop_left_servers(run)
    sys.exit(returncode)
