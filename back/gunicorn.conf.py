"""gunicorn settings. Run from back/:  gunicorn -c gunicorn.conf.py "api:create_app()"

Override with environment variables: PORT, WEB_CONCURRENCY (worker processes),
GUNICORN_THREADS (threads per worker), or any flag through GUNICORN_CMD_ARGS.
"""

import json
import os
import sys

# gunicorn reads this file before it loads the app: checking the settings here turns a bad
# value into one clear line instead of a traceback in every worker.
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from gunicorn import util  # noqa: E402
from gunicorn.glogging import Logger  # noqa: E402

from api.config import Config, ConfigError  # noqa: E402

try:
    _config = Config.from_env()
except ConfigError as exc:
    sys.exit(f"Configuration error: {exc}")

bind = f"0.0.0.0:{_config.port}"
# Chosen by measurement on 2 cores (docs/benchmarks.md): threads, because a request mostly
# waits on the database. Re-measured with the probes' fast path: 2 x 8, 4 x 2 and sync
# workers (4 or 8) cost as much CPU per request or more, and sync workers would let a hung
# database block every process; gevent was no faster, with a much worse p99.
worker_class = "gthread"
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
threads = int(os.environ.get("GUNICORN_THREADS", "4"))
keepalive = 5
accesslog = "-"  # stdout


class AccessLogger(Logger):
    """gunicorn's logger, the same lines, without the work that nobody reads.

    For every request gunicorn copies each request header, response header and environ entry
    into the line's fields, in case the format asks for one as %({name}i)s; ours does not.
    Skipping that saves 10-20 µs of CPU per request, a tenth of a probe's (docs/benchmarks.md).
    """

    def atoms(self, resp, req, environ, request_time):
        if "{" in self.cfg.access_log_format:  # a format that does use them
            return super().atoms(resp, req, environ, request_time)
        used = {key: environ[key] for key in ENVIRON_USED if key in environ}
        return super().atoms(resp, (), used, request_time)


# What the default format's fields (%(h)s, %(r)s, %(a)s...) read from the WSGI environ.
ENVIRON_USED = (
    "REMOTE_ADDR",
    "REQUEST_METHOD",
    "RAW_URI",
    "SERVER_PROTOCOL",
    "PATH_INFO",
    "QUERY_STRING",
    "HTTP_REFERER",
    "HTTP_USER_AGENT",
    "HTTP_AUTHORIZATION",  # %(u)s, the user of Basic auth
)


logger_class = AccessLogger
errorlog = "-"  # stderr
# `docker stop` waits 10 s before it kills; in-flight requests take milliseconds.
graceful_timeout = 5
# gunicorn 27's control socket would write to ~/.gunicorn; we do not use it.
control_socket_disable = True


def when_ready(server):
    server.log.info("Server running on port %s, database %s", _config.port, _config.db_address)


def json_error(sock, status_int, reason, mesg):
    """gunicorn's own answer to requests it cannot even parse, in the API's JSON shape.

    A request line too long (414), headers too large (431) or malformed (400) never reach
    Flask: gunicorn answers itself, with an HTML page by default. The API promises JSON for
    every error, so the same answer is sent as JSON (tests/back/test_back_gunicorn.py).
    """
    body = json.dumps({"error": reason, "message": mesg or reason}).encode()
    head = (
        f"HTTP/1.1 {status_int} {reason}\r\nConnection: close\r\n"
        f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n"
    )
    util.write_nonblock(sock, head.encode("latin-1") + body)


# The workers are forked from this process, so they inherit the replacement.
util.write_error = json_error
