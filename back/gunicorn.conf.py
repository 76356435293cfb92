"""gunicorn settings. Run from back/:  gunicorn -c gunicorn.conf.py "api:create_app()"

Override with environment variables: PORT, WEB_CONCURRENCY (worker processes), or any
flag through GUNICORN_CMD_ARGS (e.g. "--worker-class gthread --threads 4").
"""

import contextlib
import json
import logging
import os
import sys
import time

# gunicorn reads this file before it loads the app: checking the settings here turns a bad
# value into one clear line instead of a traceback in every worker.
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import gevent  # noqa: E402
from gunicorn import util  # noqa: E402
from gunicorn.glogging import Logger  # noqa: E402
from gunicorn.workers.ggevent import GeventWorker  # noqa: E402

from api.config import Config, ConfigError  # noqa: E402

try:
    _config = Config.from_env()
except ConfigError as exc:
    sys.exit(f"Configuration error: {exc}")

bind = f"0.0.0.0:{_config.port}"


class TurnTakingGeventWorker(GeventWorker):
    """gunicorn's gevent worker, where connections take turns and idle ones end at shutdown.

    A greenlet serves its keep-alive connection in a loop, and on a busy machine the client's
    next request is often already there: without a pause it would keep the process to itself
    while the other connections wait (p99 of 0.4 s on /livez, docs/benchmarks.md).
    At shutdown, gunicorn waits for every open connection, including a browser's idle
    keep-alive one: `docker stop` would take graceful_timeout. Those are closed at once;
    requests in progress still finish.
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.waiting = {}  # greenlet -> the timeout of its wait for the next request

    @contextlib.contextmanager
    def timeout_ctx(self):
        # gunicorn waits for each request of a connection inside this context.
        timeout = gevent.Timeout(self.cfg.keepalive, False)  # False: ends it without error
        greenlet = gevent.getcurrent()
        self.waiting[greenlet] = timeout
        try:
            with timeout:
                yield
        finally:
            del self.waiting[greenlet]

    def handle_request(self, listener_name, req, sock, addr):
        super().handle_request(listener_name, req, sock, addr)
        gevent.sleep(0)  # let the other greenlets run before the next request

    def handle_exit(self, sig, frame):
        super().handle_exit(sig, frame)  # stop accepting, finish what is in progress
        gevent.spawn(self.end_waits)  # not from the signal handler itself

    def end_waits(self):
        # As if each wait had timed out: gunicorn closes the connection quietly.
        for greenlet, timeout in list(self.waiting.items()):
            greenlet.kill(timeout, block=False)


# Chosen by measurement on 2 cores (docs/benchmarks.md): one thread per process switching
# between requests while they wait (gevent) costs less CPU per request than threads, which
# fight over the GIL; one worker per core. gevent makes the standard library's sockets and
# locks cooperative, so PyMySQL and db.py need no change; a request blocked on the
# database only holds its greenlet, and the connection pool (MYSQL_POOL_SIZE per process)
# keeps the database's connection count bounded whatever the number of clients.
worker_class = TurnTakingGeventWorker
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
worker_connections = 1000  # open client connections per process (gunicorn's default)
keepalive = 5
accesslog = "-"  # stdout


class AccessLogger(Logger):
    """gunicorn's logger, the same access lines, for a seventh of the CPU.

    For gunicorn's default format written to stdout (ours), the line is put together directly:
    gunicorn builds a dict of 20 fields plus every header and environ entry, escapes them all,
    then goes through the logging module, ~47 µs per request, a sixth of a probe's CPU
    (docs/benchmarks.md). Any other format or destination gets gunicorn's own code.
    tests/back/test_back_gunicorn.py checks that both write the same lines.
    """

    def setup(self, cfg):
        super().setup(cfg)
        handlers = self.access_log.handlers
        plain = (
            cfg.access_log_format == cfg.settings["access_log_format"].default
            and len(handlers) == 1
            and type(handlers[0]) is logging.StreamHandler
            and handlers[0].formatter._fmt == self.access_fmt
        )
        self.plain_handler = handlers[0] if plain else None
        self.clock = (None, "")  # (second, its text): one strftime per second

    def access(self, resp, req, environ, request_time):
        handler = self.plain_handler
        if handler is None:
            return super().access(resp, req, environ, request_time)
        status = resp.status.split(None, 1)[0] if isinstance(resp.status, str) else resp.status
        get = environ.get
        fields = (
            get("REMOTE_ADDR", "-"),
            "-",
            self._get_user(environ) or "-",
            self.timestamp(),
            f"{environ['REQUEST_METHOD']} {environ['RAW_URI']} {environ['SERVER_PROTOCOL']}",
            status,
            "-" if resp.sent is None else str(resp.sent),
            get("HTTP_REFERER", "-"),
            get("HTTP_USER_AGENT", "-"),
        )
        # gunicorn escapes double quotes in every text field (SafeAtoms).
        line = '{} {} {} {} "{}" {} {} "{}" "{}"\n'.format(
            *(v.replace('"', '\\"') if isinstance(v, str) else v for v in fields)
        )
        with handler.lock:  # as logging does: one whole line at a time, then flushed
            handler.stream.write(line)
            handler.stream.flush()

    def timestamp(self):
        second = int(time.time())
        if self.clock[0] != second:
            self.clock = (second, self.now())
        return self.clock[1]


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
