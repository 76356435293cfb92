"""gunicorn settings. Run from back/:  gunicorn -c gunicorn.conf.py "api:create_app()"

Override with environment variables: PORT, WEB_CONCURRENCY (worker processes),
GUNICORN_THREADS (threads per worker), or any flag through GUNICORN_CMD_ARGS.
"""

import os
import sys

# gunicorn reads this file before it loads the app: checking the settings here turns a bad
# value into one clear line instead of a traceback in every worker.
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from api.config import Config, ConfigError  # noqa: E402

try:
    _config = Config.from_env()
except ConfigError as exc:
    sys.exit(f"Configuration error: {exc}")

bind = f"0.0.0.0:{_config.port}"
# Chosen by measurement on 2 cores (docs/benchmarks.md): threads, because a request mostly
# waits on the database; 2 processes x 4 threads beat 2 x 8 (less GIL contention) and gevent
# (no faster here, much worse p99, and it needs monkey-patching).
worker_class = "gthread"
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
threads = int(os.environ.get("GUNICORN_THREADS", "4"))
keepalive = 5
accesslog = "-"  # stdout
errorlog = "-"  # stderr
# `docker stop` waits 10 s before it kills; in-flight requests take milliseconds.
graceful_timeout = 5
# gunicorn 27's control socket would write to ~/.gunicorn; we do not use it.
control_socket_disable = True


def when_ready(server):
    server.log.info("Server running on port %s, database %s", _config.port, _config.db_address)
