"""Shared by every test folder: the figures that tests measured, printed at the end.

Tests record a figure with real_engines.record_figure(); they land in
artifacts/figures.jsonl and are printed as a table after the run, so CI's log
carries the numbers that docs/reliability.md quotes.
"""

import json
from pathlib import Path

FIGURES = Path(__file__).resolve().parents[1] / "artifacts" / "figures.jsonl"


def pytest_sessionstart(session):
    FIGURES.unlink(missing_ok=True)


def pytest_terminal_summary(terminalreporter):
    if not FIGURES.exists():
        return
    rows = [json.loads(line) for line in FIGURES.read_text().splitlines() if line.strip()]
    terminalreporter.section("figures measured in this run")
    for row in rows:
        terminalreporter.write_line(f"{row['case']}: {row['figure']}   [{row['command']}]")
