"""Every error is JSON, `{"error": ..., "message": ...}`: never an HTML page or a stack trace."""

from flask import json
from werkzeug.exceptions import HTTPException, InternalServerError, ServiceUnavailable

from .db import UNAVAILABLE


def register(app):
    @app.errorhandler(HTTPException)
    def http_error(exc):
        response = exc.get_response()  # keeps headers such as Allow on a 405
        response.data = json.dumps({"error": exc.name, "message": exc.description})
        response.content_type = "application/json"
        return response

    def database_unavailable(exc):
        # The details (host, reason) are on /health; API callers just learn to retry later.
        app.logger.warning("database unavailable: %s", exc)
        return http_error(ServiceUnavailable("The database is unavailable, try again later."))

    for error_class in UNAVAILABLE:
        app.register_error_handler(error_class, database_unavailable)

    @app.errorhandler(Exception)
    def unexpected(exc):
        app.logger.exception("unhandled error")
        return http_error(InternalServerError())
