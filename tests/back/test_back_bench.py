"""scripts/bench runs end to end (short runs): the table it prints is what docs/benchmarks.md
reports, so it must keep working. Its figures are not checked here: speed lives in `make bench`."""

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.integration


def test_the_benchmark_runs_and_prints_every_target():
    missing = [tool for tool in ("wrk", "mariadb-slap") if not shutil.which(tool)]
    if missing:
        pytest.skip(f"{', '.join(missing)} not found: apt-get install wrk mariadb-client")
    result = subprocess.run(
        [sys.executable, "scripts/bench.py"],
        cwd=REPO,
        env=os.environ | {"BENCH_SECONDS": "1", "BENCH_ROUNDS": "2"},
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    rows = re.findall(r"^\| ([^|]+) \| ([^|]+) \| (\d+) \| [\d,]+ \|", result.stdout, re.M)
    expected = {("1 row", t) for t in ("SELECT 1 (mariadb-slap)", "/livez")}
    for path in ("/health", "/images?limit=1", "/images"):
        expected |= {("1 row", path), ("1,000,000 rows", path)}
    expected.add(("50 rows", "/images"))  # the like-for-like first page
    for c in ("8", "32"):
        assert {(size, target) for size, target, conc in rows if conc == c} == expected
    assert "each target 2 times in alternating order" in result.stdout
    assert "- /health vs /livez at c=32:" in result.stdout
    assert "- /images at c=32, 1,000,000 rows vs 50 rows:" in result.stdout
