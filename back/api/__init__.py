"""The images API: a Flask application factory.

gunicorn runs it as `gunicorn -c gunicorn.conf.py "api:create_app()"` from back/.
"""

from flask import Flask, request

from . import errors, health, images, openapi
from .config import Config
from .db import Database
from .probes import Probes, cors_headers


def create_app(config=None):
    config = config or Config.from_env()
    # No static files here: nginx serves the front end.
    app = Flask(__name__, static_folder=None)
    app.config["MAX_CONTENT_LENGTH"] = 16 * 1024  # bigger bodies get a 413
    app.config["API"] = config
    app.extensions["db"] = db = Database(config)

    app.register_blueprint(health.bp)
    app.register_blueprint(images.bp)
    app.register_blueprint(openapi.bp)
    errors.register(app)

    @app.after_request
    def cors(response):
        origin = request.environ.get("HTTP_ORIGIN")
        for name, value in cors_headers(origin, config.cors_origins):
            response.headers.add(name, value)
        if request.method == "OPTIONS" and origin in config.cors_origins:
            # A preflight; Flask answers OPTIONS itself.
            response.headers["Access-Control-Allow-Methods"] = "GET, POST, DELETE"
            response.headers["Access-Control-Allow-Headers"] = "Content-Type"
            response.headers["Access-Control-Max-Age"] = "600"
        return response

    # Probes skip Flask: they are most of the traffic a server ever sees (probes.py).
    app.wsgi_app = Probes(app.wsgi_app, config, db)
    return app
