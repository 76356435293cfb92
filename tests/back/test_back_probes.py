"""The probes' fast path (api/probes.py) answers exactly what Flask's routes would."""

import re

import pytest
from werkzeug.test import Client

from api import create_app
from api.config import Config
from api.probes import Probes
from mariadb_server import db_config, free_port

ALLOWED = {"Origin": "http://localhost:8080"}
OTHER = {"Origin": "http://evil.example"}
PROBES = ["/livez", "/health", "/readyz"]


def answer(wsgi_app, method, path, headers):
    """Status line, header list and body; the timestamp is the one thing allowed to differ."""
    response = Client(wsgi_app).open(path, method=method, headers=headers)
    body = re.sub(rb'"timestamp":\d{13}', b'"timestamp":T', response.get_data())
    return response.status, response.headers.to_wsgi_list(), body


def assert_same_as_flask(app):
    fast = app.wsgi_app
    assert isinstance(fast, Probes)
    for path in PROBES:
        for method in ("GET", "HEAD"):
            for headers in ({}, ALLOWED, OTHER):
                got = answer(fast, method, path, headers)
                assert got == answer(fast.app, method, path, headers), (method, path, headers)


def test_offline_probes_answer_like_flask():
    assert_same_as_flask(create_app(Config(mysql_host="127.0.0.1", mysql_port=free_port())))


def test_hint_and_other_origins_answer_like_flask():
    config = Config(
        mysql_host="localhost",
        mysql_port=free_port(),
        in_container=True,
        cors_origins=("https://a.example", "https://b.example"),
    )
    app = create_app(config)
    assert_same_as_flask(app)
    for origin in config.cors_origins:
        status, headers, _ = answer(app.wsgi_app, "GET", "/health", {"Origin": origin})
        assert status == "503 SERVICE UNAVAILABLE"
        assert ("Access-Control-Allow-Origin", origin) in headers


@pytest.mark.integration
def test_live_probes_answer_like_flask(live_db):
    app = create_app(db_config(live_db))
    assert answer(app.wsgi_app, "GET", "/health", {})[0] == "200 OK"
    assert_same_as_flask(app)


def test_probes_skip_flask_and_the_rest_goes_to_flask():
    calls = []

    def flask_app(environ, start_response):
        calls.append((environ["REQUEST_METHOD"], environ["PATH_INFO"]))
        start_response("418 I'M A TEAPOT", [])
        return [b""]

    fast = Probes(flask_app, Config(mysql_host="127.0.0.1", mysql_port=free_port()), db=None)
    assert answer(fast, "GET", "/livez", {})[0] == "200 OK"
    assert answer(fast, "HEAD", "/livez?verbose=1", {})[0] == "200 OK"
    assert calls == []
    for method, path in [("POST", "/livez"), ("OPTIONS", "/health"), ("GET", "/livez/")]:
        answer(fast, method, path, {})
    assert answer(fast, "GET", "/images", {})[0] == "418 I'M A TEAPOT"
    # /health with no usable database object: the fast path gives up and Flask answers.
    answer(fast, "GET", "/health", {})
    assert calls == [
        ("POST", "/livez"),
        ("OPTIONS", "/health"),
        ("GET", "/livez/"),
        ("GET", "/images"),
        ("GET", "/health"),
    ]


def test_other_methods_on_probes_are_still_flask_answers(offline_client):
    response = offline_client.post("/livez")
    assert response.status_code == 405
    assert response.get_json()["error"] == "Method Not Allowed"
    preflight = offline_client.options(
        "/health", headers=ALLOWED | {"Access-Control-Request-Method": "GET"}
    )
    assert preflight.status_code == 200
    assert preflight.headers["Access-Control-Allow-Origin"] == "http://localhost:8080"
