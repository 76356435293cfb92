"""The images API: a Flask application factory, as in Flask's tutorial.

gunicorn runs it as `gunicorn -c gunicorn.conf.py "api:create_app()"` from back/.
"""

import json
from pathlib import Path

import orjson
from flask import Flask, request
from flask.json.provider import JSONProvider

from . import errors, health, images
from .config import Config
from .db import Database

# The API's description is data, kept true by tests/back/test_back_openapi.py.
OPENAPI = json.loads(Path(__file__).with_name("openapi.json").read_text(encoding="utf-8"))


class OrjsonProvider(JSONProvider):
    """orjson writes the answers (Flask's documented way to swap JSON libraries): a page of
    50 images in ~5 µs instead of ~32, for 5 % more GET /images (docs/benchmarks.md).
    Sorted keys, compact, a final newline, as Flask's; but "café", not "caf\\u00e9"."""

    def dumps(self, obj, **kwargs):
        return orjson.dumps(obj, option=orjson.OPT_SORT_KEYS | orjson.OPT_APPEND_NEWLINE).decode()

    def loads(self, s, **kwargs):
        # Parsing (request.get_json) stays with the standard library, as in Flask's default.
        return json.loads(s, **kwargs)


def create_app(config=None):
    config = config or Config.from_env()
    # No static files here: nginx serves the front end.
    app = Flask(__name__, static_folder=None)
    app.json = OrjsonProvider(app)
    app.config["MAX_CONTENT_LENGTH"] = 16 * 1024  # bigger bodies get a 413, chunked ones too
    app.config["API"] = config
    app.extensions["db"] = Database(config)

    app.register_blueprint(health.bp)
    app.register_blueprint(images.bp)
    errors.register(app)

    @app.get("/openapi.json")
    def openapi():
        return OPENAPI

    @app.after_request
    def cors(response):
        # Browsers let only the configured front-end origins read our answers; Vary keeps
        # caches from serving one origin's answer to another.
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
