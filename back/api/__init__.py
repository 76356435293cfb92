"""The images API: a Flask application factory, as in Flask's tutorial; and a second one for
the captioning service of lesson 02-13."""

import dataclasses
from pathlib import Path

from flask import Flask, abort, request, send_file
from flask.json.provider import DefaultJSONProvider

from . import captions, errors, gifs, health, images
from .config import Config
from .db import Database

try:
    import orjson
except ImportError:  # dropped (README.md)
    orjson = None


class OrjsonProvider(DefaultJSONProvider):
    """Flask's documented way to swap JSON libraries: 5 % more GET /images with orjson
    (docs/benchmarks.md). Compact with sorted keys, as Flask's; but "café", not "caf\\u00e9"."""

    def dumps(self, obj, **kwargs):
        return orjson.dumps(obj, option=orjson.OPT_SORT_KEYS).decode()


def flask_app(config):
    # No static files here: nginx serves the front end.
    app = Flask(__name__, static_folder=None)
    if orjson:
        app.json = OrjsonProvider(app)
    app.config["MAX_CONTENT_LENGTH"] = 16 * 1024  # bigger bodies get a 413, chunked ones too
    app.config["API"] = config
    errors.register(app)
    return app


def create_captioner(config=None):
    """Lesson 02-13's captioning service: POST /gifs/<name>/captions and /livez only, drawn
    here whatever GIF_CAPTION_SVC says. Run from the backend's image:
    gunicorn -c gunicorn.conf.py 'api:create_captioner()' (with PORT=4000, the course's)."""
    app = flask_app(dataclasses.replace(config or Config.from_env(), caption_service=None))
    app.add_url_rule("/livez", view_func=health.livez)
    app.register_blueprint(captions.bp)
    return app


def create_app(config=None):
    config = config or Config.from_env()
    app = flask_app(config)
    app.extensions["db"] = Database(config)

    app.register_blueprint(health.bp)
    app.register_blueprint(images.bp)
    app.register_blueprint(gifs.bp)
    app.register_blueprint(captions.bp)

    @app.get("/openapi.json")
    def openapi():
        # The API's description, kept true by tests/back/test_back_openapi.py.
        spec = Path(__file__).with_name("openapi.json")
        if not spec.is_file():
            abort(404, "This copy of the API has no openapi.json.")
        return send_file(spec)

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
