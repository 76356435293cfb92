"""Probes: /livez (the process answers), /health and /readyz (a real database round trip).

Docker, Kubernetes and load balancers call these all day long, so probes.py answers the
same three paths before Flask, with the functions below; these Flask routes describe them
(/openapi.json) and answer the rare rest (OPTIONS, or a fast path that gave up).
"""

import time

from flask import Blueprint, current_app

from .db import UNAVAILABLE

bp = Blueprint("health", __name__)

LOCAL_HOSTS = ("localhost", "127.0.0.1", "::1")
HINT = (
    "Inside a container, localhost is the container itself: put the database on the same "
    "Docker network and set MYSQL_HOST to its container name, e.g. -e MYSQL_HOST=k8scourse-db"
)


def now_ms():
    return int(time.time() * 1000)


def live():
    return {"status": "running", "timestamp": now_ms()}, 200


def check(db, config):
    """One round trip to the database server, now: 200 when it answered, 503 and why when not."""
    try:
        # A ping costs the same whatever the size of the tables (and less than SELECT 1).
        db.ping()
    except UNAVAILABLE as exc:
        body = {
            "status": "running",
            "db": False,
            "error": short_error(exc, config.mysql_password),
            "mysql_host": config.mysql_host,
            "timestamp": now_ms(),
        }
        if config.in_container and config.mysql_host in LOCAL_HOSTS:
            body["hint"] = HINT
        return body, 503
    return {"status": "running", "db": True, "timestamp": now_ms()}, 200


@bp.get("/livez")
def livez():
    return live()


@bp.get("/health")
@bp.get("/readyz")
def health():
    return check(current_app.extensions["db"], current_app.config["API"])


def short_error(exc, password):
    """PyMySQL's message without the error code; the password is masked just in case."""
    message = str(exc.args[-1] if exc.args else exc) or type(exc).__name__
    if password:
        message = message.replace(password, "***")
    return message[:200]
