"""scripts/check-health against the backend's real answers, offline: the real app (back/api) on a
port of this machine, its database unreachable, and a stub engine first on PATH (no engine
is asked with Compose's and Swarm's empty container name). The runs on a real engine, with
the lesson's containers: tests/e2e/test_lesson.py and tests/e2e/test_dead_ends.py."""

import json

import pytest
from flask import Flask
from kit import free_port, offline_env, run, serving

from api import create_app
from api.config import Config
from api.db import SchemaMismatch

# What make health passes to scripts/check-health, for a project renamed as the README says.
NAMES = {"DB_NAME": "photoshare-db", "NETWORK": "photoshare"}


@pytest.mark.parametrize("host", ["localhost", "127.0.0.1"])
def test_a_database_looked_for_on_localhost_stops_the_wait_naming_the_fix(host, tmp_path):
    """The lesson's classic: MYSQL_HOST is the container itself. The backend answers 503 with
    the host it used and its hint; scripts/check-health reads them, stops at the first answer (a
    wait would end in "not 200 after 0 s"), and names the fix with this project's database."""
    app = create_app(Config(mysql_host=host, mysql_port=free_port(), in_container=True))
    env = offline_env(tmp_path, env=NAMES)
    with serving(app) as port:
        health = run("scripts/check-health", "", "0", f"curl localhost:{port}/health", env=env)

    assert not (tmp_path / "unanswered").exists(), "scripts/check-health asked the engine"
    assert health.returncode == 1, health.output
    reason = health.stderr.splitlines()[-1]
    assert reason.startswith(f"make: the backend looks for the database on {host}, "), reason
    assert "'make back'" in reason and "-e MYSQL_HOST=photoshare-db" in reason, reason
    # The backend's own answer, printed before: its hint gives the same fix.
    answer = json.loads(health.stdout.splitlines()[-1])
    assert answer["mysql_host"] == host and answer["db"] is False
    assert "-e MYSQL_HOST=<db container name>" in answer["hint"], answer["hint"]


def test_a_table_unlike_init_sql_stops_the_wait_with_the_backends_hint(tmp_path):
    """The database answers, but its table was made from an older db/init.sql: /health's
    503 (tests/back: test_a_table_unlike_init_sql_...) is read once, its hint said."""
    app = Flask(__name__)
    body = {
        "db": False,
        "error": "Unknown column 'filename' in 'field list'",
        "hint": SchemaMismatch.HINT,
        "mysql_host": "photoshare-db",
    }
    app.get("/health")(lambda: (body, 503))
    env = offline_env(tmp_path, env=NAMES)
    with serving(app) as port:
        health = run("scripts/check-health", "", "0", f"curl localhost:{port}/health", env=env)
    assert health.returncode == 1, health.output
    assert health.stderr.splitlines()[-1] == f"make: the backend says: {SchemaMismatch.HINT}"
