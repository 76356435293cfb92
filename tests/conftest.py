"""Shared by every test folder: a skip fails in CI, the figures that tests measured are
printed at the end, and a MariaDB whose root has the lesson's password (root_mariadb).

Tests record a figure with real_engines.record_figure(); they land in
artifacts/figures.jsonl and are printed as a table after the run, so CI's log
carries the numbers that docs/reliability.md quotes.
"""

import json
import sys
from pathlib import Path

import pytest
from kit import in_ci, missing_part

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


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """In CI every test runs: a skip there (kit.missing_part's, a skipif, a pytest.skip)
    would hide a test that never ran, so under CI=true it is a failure, with its reason.
    An expected failure (xfail) stays what it is."""
    outcome = yield
    report = outcome.get_result()
    if in_ci() and report.skipped and not hasattr(report, "wasxfail"):
        reason = report.longrepr[-1] if isinstance(report.longrepr, tuple) else report.longrepr
        report.outcome = "failed"
        report.longrepr = f"skipped under CI=true, where every test must run: {reason}"


@pytest.fixture(scope="session")
def root_mariadb(tmp_path_factory):
    """A throw-away MariaDB set up as the lesson's database (db/init.sql), root's password the
    lesson's, root: for the scripts and Jobs that run mysql and mysqldump as root."""
    sys.path.insert(0, str(Path(__file__).with_name("back")))
    from mariadb_server import MariaDB, missing_binaries

    if missing_binaries():
        missing_part("mariadbd not found: apt-get install mariadb-server mariadb-client")
    server = MariaDB(tmp_path_factory.mktemp("root-mariadb")).create(root_password="root")
    yield server
    server.stop()
