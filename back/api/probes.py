"""The probes' fast path: GET/HEAD /livez, /health and /readyz answered before Flask.

Docker, Kubernetes and load balancers call these every few seconds on every replica, for as
long as it runs: they deserve the cheapest path. Through Flask, a probe spends most of its
CPU on routing, a request context and response objects (docs/benchmarks.md); this small
WSGI wrapper answers the same bytes (status, headers, JSON body) with the same functions of
health.py, so /health still makes its database round trip on every call. Everything else,
and any surprise, goes to Flask. tests/back/test_back_probes.py checks that both agree.
"""

import json

from .health import check, live

# Werkzeug's spelling of the status line, so the bytes on the wire do not change.
STATUS = {200: "200 OK", 503: "503 SERVICE UNAVAILABLE"}


def cors_headers(origin, allowed):
    """Browsers only let the configured front-end origins read our answers; caches must not
    mix answers across origins. Shared by the probes and Flask's after_request hook."""
    allow = [("Access-Control-Allow-Origin", origin)] if origin in allowed else []
    return [*allow, ("Vary", "Origin")]


class Probes:
    def __init__(self, app, config, db):
        self.app = app  # Flask's own WSGI callable
        self.cors_origins = config.cors_origins

        def database_check():
            return check(db, config)

        self.answers = {"/livez": live, "/health": database_check, "/readyz": database_check}

    def __call__(self, environ, start_response):
        answer = self.answers.get(environ.get("PATH_INFO"))
        method = environ.get("REQUEST_METHOD")
        if answer is None or method not in ("GET", "HEAD"):
            return self.app(environ, start_response)
        try:
            body, status = answer()
        except Exception:  # Flask tries again, logs it and answers with a JSON 500
            return self.app(environ, start_response)
        # As Flask's JSON provider writes it: sorted keys, compact, a final newline.
        data = json.dumps(body, sort_keys=True, separators=(",", ":")).encode() + b"\n"
        headers = [("Content-Type", "application/json"), ("Content-Length", str(len(data)))]
        headers += cors_headers(environ.get("HTTP_ORIGIN"), self.cors_origins)
        start_response(STATUS[status], headers)
        return [] if method == "HEAD" else [data]
