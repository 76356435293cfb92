"""Shared by every test folder: a skip fails in CI; real MariaDB servers for the tests that
need one (root_mariadb's root has the lesson's password); the planted breakages started beside
the rest of the suite; the figures tests record (real_engines.record_figure, into
artifacts/figures.jsonl) printed after the run, for docs/reliability.md's numbers."""

import json
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
from kit import in_ci, missing_part

# The throw-away MariaDB of the backend's tests (tests/back/mariadb_server.py).
sys.path.insert(0, str(Path(__file__).resolve().parent / "back"))
from mariadb_server import MariaDB, missing_binaries  # noqa: E402

FIGURES = Path(__file__).resolve().parents[1] / "artifacts" / "figures.jsonl"


@pytest.fixture(scope="session")
def mariadb(tmp_path_factory):
    """One real MariaDB server for the session (tests/back, the page in Chromium), set up
    as the mysql image sets up the lesson's container, on a free port."""
    missing = missing_binaries()
    if missing:
        missing_part(
            f"{', '.join(missing)} not found: apt-get install mariadb-server mariadb-client"
        )
    server = MariaDB(tmp_path_factory.mktemp("mariadb")).create()
    yield server
    server.stop()


@pytest.fixture
def live_db(mariadb):
    """The shared server, started again if an earlier test left it stopped."""
    if mariadb.process is None:
        mariadb.start()
    return mariadb


def pytest_sessionstart(session):
    FIGURES.unlink(missing_ok=True)


def pytest_collection_finish(session):
    """tests/breakages.py runs a hundred pytest runs in copies of the repository, most of
    their time spent waiting on their own subprocesses: when its test is selected, it
    starts now, beside the rest of the suite, and its test waits for it."""
    if session.config.option.collectonly:
        return
    if any(item.name == "test_every_planted_breakage_is_caught" for item in session.items):
        output = tempfile.TemporaryFile("w+")
        script = Path(__file__).with_name("breakages.py")
        process = subprocess.Popen(
            [sys.executable, str(script)], stdout=output, stderr=subprocess.STDOUT, text=True
        )
        session.config.breakages = (process, output)


def pytest_sessionfinish(session):
    process, _ = getattr(session.config, "breakages", (None, None))
    if process is not None and process.poll() is None:  # the run stopped before its test
        process.kill()
        process.wait()


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
    if missing_binaries():
        missing_part("mariadbd not found: apt-get install mariadb-server mariadb-client")
    server = MariaDB(tmp_path_factory.mktemp("root-mariadb")).create(root_password="root")
    yield server
    server.stop()
