"""The images API: a Flask application factory, as in Flask's tutorial."""

import json
from pathlib import Path

from flask import Flask, abort, request
from flask.json.provider import JSONProvider

from . import errors, health, images
from .config import Config
from .db import Database

try:
    import orjson
except ImportError:  # dropped (README.md)
    orjson = None


class OrjsonProvider(JSONProvider):
    """Flask's documented way to swap JSON libraries: 5 % more GET /images with orjson
    (docs/benchmarks.md). Sorted keys, compact, a final newline, as Flask's; but "café", not
    "caf\\u00e9"."""

    def dumps(self, obj, **kwargs):
        return orjson.dumps(obj, option=orjson.OPT_SORT_KEYS | orjson.OPT_APPEND_NEWLINE).decode()

    def loads(self, s, **kwargs):
        # Parsing (request.get_json) stays with the standard library, as in Flask's.
        return json.loads(s, **kwargs)


def read_openapi():
    """The API's description (kept true by tests/back/test_back_openapi.py), or None."""
    try:
        return json.loads(Path(__file__).with_name("openapi.json").read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None


def create_app(config=None):
    config = config or Config.from_env()
    # No static files here: nginx serves the front end.
    app = Flask(__name__, static_folder=None)
    if orjson:
        app.json = OrjsonProvider(app)
    app.config["MAX_CONTENT_LENGTH"] = 16 * 1024  # bigger bodies get a 413, chunked ones too
    app.config["API"] = config
    app.extensions["db"] = Database(config)

    app.register_blueprint(health.bp)
    app.register_blueprint(images.bp)
    errors.register(app)

    openapi_spec = read_openapi()

    @app.get("/openapi.json")
    def openapi():
        if openapi_spec is None:
            abort(404, "This copy of the API has no openapi.json.")
        return openapi_spec

    @app.after_request
    def cors(response):
        # Browsers let only the configured origins read our answers; Vary keeps caches from
        # serving one origin's answer to another.
        origin = request.headers.get("Origin")
        response.vary.add("Origin")
        if origin in config.cors_origins:
            response.headers["Access-Control-Allow-Origin"] = origin
            if request.method == "OPTIONS":  # a preflight; Flask answers OPTIONS itself
                response.headers["Access-Control-Allow-Methods"] = "GET, POST, DELETE"
                response.headers["Access-Control-Allow-Headers"] = "Content-Type"
                response.headers["Access-Control-Max-Age"] = "600"
        return response

    return app
