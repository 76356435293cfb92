"""The planted breakages (tests/breakages.py, table in docs/testing.md): every one-line
breakage there, in every part the product runs, fails the offline tests listed for it,
and the unbroken copy passes them. One run of the script: 196 pytest runs in copies of
the repository, two at a time and the control beside them, about 2 minutes on a 2-core
machine."""

import sys

from kit import REPO, run


def test_every_planted_breakage_is_caught():
    result = run(sys.executable, str(REPO / "tests" / "breakages.py"), timeout=1200)
    assert result.returncode == 0, result.stdout + result.stderr[-5000:]
