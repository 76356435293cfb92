"""bench/run runs end to end (short runs): the table it prints is what docs/benchmarks.md
reports, so it must keep working. Its figures are not checked here: speed lives in `make bench`."""

import os
import re
import shutil
import sys
from pathlib import Path

import pytest
from kit import missing_part, run

REPO = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.integration


def bench_worktrees():
    """The git worktrees of bench/run's temporary folders."""
    listing = run("git", "worktree", "list", "--porcelain").stdout
    return [line for line in listing.splitlines() if line.startswith("worktree /tmp/bench-")]


def test_the_benchmark_runs_and_prints_every_target():
    before = bench_worktrees()
    missing = [tool for tool in ("wrk", "mariadb-slap") if not shutil.which(tool)]
    if missing:
        missing_part(f"{', '.join(missing)} not found: apt-get install wrk mariadb-client")
    # --against HEAD: the committed back/ beside the working tree's, as `make bench` compares.
    env = os.environ | {"BENCH_SECONDS": "1", "BENCH_ROUNDS": "1", "BENCH_NODE": "off"}
    result = run(sys.executable, "bench/bench.py", "--against", "HEAD", env=env, timeout=600)
    assert result.returncode == 0, result.stdout + result.stderr
    rows = re.findall(
        r"^\| ([^|]+) \| ([^|]+) \| ([^|]+) \| (\d+) \| [\d,]+ \|", result.stdout, re.M
    )
    revisions = {revision.split(" (")[0] for revision, *_ in rows} - {"—"}
    assert revisions == {"this", "HEAD"}
    for c in ("8", "32"):
        for revision in revisions:
            measured = {
                (size, target)
                for r, size, target, conc in rows
                if conc == c and r.startswith(revision)
            }
            assert measured == {
                ("50 rows", "/livez"),
                ("50 rows", "/health"),
                ("50 rows", "/images"),
                ("1,000,000 rows", "/images"),
            }
        assert ("—", "50 rows", "SELECT 1 (mariadb-slap)", c) in rows
    assert "each target 1 times in alternating order" in result.stdout
    assert "- /images first page (50 rows) at c=32, this vs HEAD" in result.stdout
    assert "- /health vs /livez at c=32:" in result.stdout
    assert "- /images at c=32, 1,000,000 rows vs 50 rows:" in result.stdout
    assert re.search(r"^- wrk runs redone, one worker .*: \d+$", result.stdout, re.M)
    # The captions (bench/captions.py): Pillow's rate, and /health while 4 are drawn by the
    # backend itself, then by its service (each answered 201: the exit status).
    assert re.search(r"^\| back/api/draw\.py \| [\d.]+ \| [\d.]+ \| \|$", result.stdout, re.M)
    health = re.findall(r"^\| ([^|]+) \| (\d) \| [1-9]\d* \|", result.stdout, re.M)
    assert health == [("monolith, idle", "0"), ("monolith", "4"), ("split", "4")]
    assert set(bench_worktrees()) <= set(before)  # its other revision's checkout is removed
