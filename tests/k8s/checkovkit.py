"""checkov in a virtualenv of its own: .venv/checkov, from tests/k8s/requirements-checkov.txt.

checkov 3 requires packaging<24 and the project's venv pins pytest's packaging 26.4, so the
two cannot share one. The scan test (test_k8s_checkov.py) calls `checkov()`, which makes the
venv the first time and again whenever the requirements file changes: `make test` needs no
other step. By hand: `python3 tests/k8s/checkovkit.py` prints the path of the checkov it made.
"""

import hashlib
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
REQUIREMENTS = Path(__file__).with_name("requirements-checkov.txt")
VENV = REPO / ".venv" / "checkov"
# The hash of the requirements file the venv was made from.
STAMP = VENV / ".installed"
INSTALL_TIMEOUT = 900  # seconds; it took 30 to 80 s here (k8s/README.md, Tests)


class CheckovUnavailable(RuntimeError):
    """The venv could not be made (offline, no PyPI): the message says which step failed."""


def checkov():
    """The path of checkov in .venv/checkov, made or remade first when it is out of date."""
    wanted = hashlib.sha256(REQUIREMENTS.read_bytes()).hexdigest()
    binary = VENV / "bin" / "checkov"
    if binary.exists() and STAMP.exists() and STAMP.read_text(encoding="utf-8") == wanted:
        return binary
    python = str(VENV / "bin" / "python")
    pip = [python, "-m", "pip", "--disable-pip-version-check"]
    for step in (
        [sys.executable, "-m", "venv", "--clear", str(VENV)],
        # Every package is pinned in the file: no resolving, the same set everywhere.
        [*pip, "install", "--quiet", "--no-deps", "-r", str(REQUIREMENTS)],
        # ... and that set must be complete and consistent on this machine.
        [*pip, "check"],
    ):
        result = subprocess.run(
            step, capture_output=True, text=True, check=False, timeout=INSTALL_TIMEOUT
        )
        if result.returncode != 0:
            output = (result.stderr.strip() or result.stdout.strip()).splitlines()
            last = output[-1] if output else f"exit status {result.returncode}"
            raise CheckovUnavailable(f"{' '.join(step[:5])} ...: {last}")
    STAMP.write_text(wanted, encoding="utf-8")
    return binary


if __name__ == "__main__":
    try:
        print(checkov())
    except CheckovUnavailable as exc:
        sys.exit(f"checkov could not be installed: {exc}")
