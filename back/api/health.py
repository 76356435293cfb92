"""Probes. /livez, for Docker's HEALTHCHECK and Kubernetes' livenessProbe, never touches the
database: an outage must not get the backend restarted. /health and /readyz read the columns
the routes read, no row (a cost that does not grow), and say why that fails, with a hint for
the usual mistakes.
"""

import time

from flask import Blueprint, current_app

from .db import UNAVAILABLE, SchemaMismatch

bp = Blueprint("health", __name__)

LOCAL_HOSTS = ("localhost", "127.0.0.1", "::1")
LOCALHOST_HINT = (
    "Inside a container, localhost is the container itself: put the database on the same "
    "Docker network and set MYSQL_HOST to its container name: -e MYSQL_HOST=<db container name>"
)
# What the resolver (glibc, musl) says when no network we are on knows the name.
UNRESOLVED = ("Name or service not known", "Temporary failure in name resolution")
# MySQL's 1044: the user may not use this database. The image creates MYSQL_USER without
# rights; db/init.sql makes the database and grants them (not a MySQL of your own in the way:
# that one would refuse the password, 1045).
NO_RIGHTS = 1044
NO_RIGHTS_HINT = (
    "The database {database} is not there for this user: db/init.sql creates it and grants "
    "the rights, and MySQL runs it only on its first start with an empty data directory. Start "
    "the database with -v $(pwd)/init.sql:/docker-entrypoint-initdb.d/init.sql, from db/ (make db)"
)
UNRESOLVED_HINT = (
    "MYSQL_HOST={host} does not resolve here. In Docker: the name has a typo, or the backend "
    "and the database are not on the same network: start both containers with "
    "--network <network>, and set -e MYSQL_HOST=<db container name>"
)


def now_ms():
    return int(time.time() * 1000)


@bp.get("/livez")
def livez():
    return {"status": "running", "timestamp": now_ms()}


@bp.get("/health")
@bp.get("/readyz")
def health():
    config = current_app.config["API"]
    try:
        current_app.extensions["db"].query("SELECT id, caption, filename FROM images LIMIT 0")
    except (SchemaMismatch, *UNAVAILABLE) as exc:
        error = short_error(exc, config.mysql_password)
        body = {
            "status": "running",
            "db": False,
            "error": error,
            "mysql_host": config.mysql_host,
            "timestamp": now_ms(),
        }
        if isinstance(exc, SchemaMismatch):
            body["hint"] = exc.HINT
        elif exc.args and exc.args[0] == NO_RIGHTS:
            body["hint"] = NO_RIGHTS_HINT.format(database=config.mysql_database)
        elif config.in_container and config.mysql_host in LOCAL_HOSTS:
            body["hint"] = LOCALHOST_HINT
        elif any(text in error for text in UNRESOLVED):
            body["hint"] = UNRESOLVED_HINT.format(host=config.mysql_host)
        return body, 503
    return {"status": "running", "db": True, "timestamp": now_ms()}


def short_error(exc, password):
    """The error as Python prints it, at most 200 characters, the password masked."""
    message = str(exc) or type(exc).__name__
    if password:
        message = message.replace(password, "***")
    return message[:200]
