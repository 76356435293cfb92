"""Every error as JSON, never an HTML page or a stack trace: Flask's "Handling Application
Errors", with handlers that return a dict, so that Flask writes errors as every other answer.
"""

from werkzeug.exceptions import (
    HTTPException,
    InternalServerError,
    MethodNotAllowed,
    ServiceUnavailable,
)

from .db import UNAVAILABLE, SchemaMismatch


def register(app):
    @app.errorhandler(HTTPException)
    def http_error(exc):
        body = {"error": exc.name, "message": exc.description}
        if isinstance(exc, MethodNotAllowed):  # a 405 names the methods the path does have
            return body, exc.code, {"Allow": ", ".join(exc.valid_methods)}
        return body, exc.code

    def database_unavailable(exc):
        # The details are on /health; API callers just learn to retry later.
        app.logger.warning("database unavailable: %s", exc)
        return http_error(ServiceUnavailable("The database is unavailable, try again later."))

    for error_class in UNAVAILABLE:
        app.register_error_handler(error_class, database_unavailable)

    @app.errorhandler(SchemaMismatch)
    def schema_mismatch(exc):
        app.logger.error("schema mismatch: %s", exc)
        return http_error(InternalServerError(f"{exc}. {exc.HINT}"))

    @app.errorhandler(Exception)
    def unexpected(exc):
        app.logger.exception("unhandled error")
        return http_error(InternalServerError())
