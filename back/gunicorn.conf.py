"""gunicorn's settings (docs.gunicorn.org/en/stable/settings.html); docs/benchmarks.md has
the measurements behind them."""

import runpy
import sys
from pathlib import Path

# The app's package, named here only (the Dockerfile's CMD and make dev name this file).
APP_PACKAGE = "api"
wsgi_app = f"{APP_PACKAGE}:create_app()"

# A bad setting is one clear line before the app loads, not a traceback in every worker.
# config.py is run by its path: importing the package in gunicorn's master would leave
# workers restarted by --reload (make dev) on the old code.
settings = runpy.run_path(str(Path(__file__).with_name(APP_PACKAGE) / "config.py"))
try:
    _config = settings["Config"].from_env()
except settings["ConfigError"] as exc:
    sys.exit(f"Configuration error: {exc}")

bind = f"0.0.0.0:{_config.port}"
# Threaded workers: a request that waits for the database holds one thread, not a process.
worker_class = "gthread"
threads = 4
# A connection stays open 1 s for its next request (a new connection per request cost a
# quarter of /images' throughput); at shutdown gthread waits that 1 s, not the default 2.
keepalive = 1
# `docker stop` kills after 10 s; a request in progress takes at most 3 s.
graceful_timeout = 5
accesslog = "-"  # stdout
errorlog = "-"  # stderr
control_socket_disable = True  # gunicorn 27's, which would write to ~/.gunicorn


def when_ready(server):
    server.log.info("Server running on port %s, database %s", _config.port, _config.db_address)
    captions = (
        f"by GIF_CAPTION_SVC {_config.caption_service}" if _config.caption_service else "here"
    )
    server.log.info("GIFs stored in %s, captions drawn %s", _config.image_path, captions)
    for note in _config.notes:
        server.log.warning(note)


def post_worker_init(worker):
    # The course's backend connects at start, and its log shows why it cannot (lesson 4's
    # foreground run). This one asks its own /health once, in the first worker the server
    # starts (gunicorn numbers them from 1: worker.age), and logs the answer's error and
    # hint; it serves all the same, and each request tries the database again. (Answered,
    # that check's connection stays in the worker's main thread, idle: requests run in its
    # other threads.)
    app = worker.wsgi
    if worker.age != 1 or not hasattr(app, "test_client"):
        return
    answer = app.test_client().get("/health")
    if answer.status_code == 503:  # the captioning service has no /health: a 404
        body = answer.get_json()
        hint = f" ({body['hint']})" if "hint" in body else ""
        worker.log.warning(
            "Database %s unavailable, each request tries it again: %s%s",
            _config.db_address,
            body["error"],
            hint,
        )
