"""mutmut on back/api, with its settings kept out of back/ (docs/testing.md, "Mutation testing").

mutmut reads its settings from setup.cfg in the folder it runs in, and names a module by
its path from there: it must run where api/ is a child folder, so that api/images.py is
the module the tests import, api.images. back/ is for learners to copy and carries no
maintainer's settings, so this lays out a folder of its own, artifacts/mutmut/ (kept
between runs, for mutmut's cache, `results` and `show`): a copy of back/api, the settings
below, and a link to tests/ in mutants/, where mutmut runs pytest. Then it runs mutmut
there with the arguments it was given:

    .venv/bin/python tests/back/mutate.py run --max-children 2
    .venv/bin/python tests/back/mutate.py results
    .venv/bin/python tests/back/mutate.py check   # every survivor named in docs/testing.md
"""

import re
import shutil
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
WORK = REPO / "artifacts" / "mutmut"
MUTMUT = Path(sys.executable).with_name("mutmut")

# The root pyproject.toml puts back/ on sys.path (pythonpath): here the mutated copy in
# mutants/ must be imported instead. The benchmark runs back/ only in other processes.
SETTINGS = """\
[mutmut]
source_paths = api
pytest_add_cli_args_test_selection =
    tests/back
pytest_add_cli_args =
    --override-ini=pythonpath=
    --ignore=tests/back/test_back_bench.py
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
    """0 when every mutant of the last run that survived is named in docs/testing.md (its
    list of survivors, each with why it stays); else 1, naming the others."""
    results = subprocess.run([MUTMUT, "results"], cwd=work, capture_output=True, text=True)
    if results.returncode != 0:
        print(results.stdout + results.stderr, file=sys.stderr)
        return 1
    survived = {
        line.split(": ")[0].strip()
        for line in results.stdout.splitlines()
        if line.strip().endswith(": survived")
    }
    docs = (REPO / "docs" / "testing.md").read_text(encoding="utf-8")
    named = set(re.findall(r"`(api\.[^`\s]+__mutmut_\d+)`", docs))
    unnamed = sorted(survived - named)
    for name in unnamed:
        print(f"survived, and not named in docs/testing.md: {name} (mutate.py show {name})")
    named_here = len(survived) - len(unnamed)
    print(f"{len(survived)} survived, {named_here} of them named in docs/testing.md")
    return 1 if unnamed else 0


if __name__ == "__main__":
    lay_out()
    if sys.argv[1:] == ["check"]:
        sys.exit(check())
    sys.exit(subprocess.run([MUTMUT, *sys.argv[1:]], cwd=WORK).returncode)
