"""POST /gifs with GIPHY set, against a stand-in Giphy on loopback (giphy_standin.py): the
backend's real HTTP client finds, fetches and stores a GIF; a slow, huge or strange answer
is cut off and said; only Giphy's https media hosts are fetched, redirects included. Every
refusal leaves IMAGE_PATH as it was."""

import time

import pytest
from kit import free_port

from api import create_app
from api.config import Config
from api.giphy import allowed
from giphy_standin import body, redirect, reset, search_answer

GIF = b"GIF87a" + bytes(100)  # GIF89a's: test_back_openapi.py
OFF_HOST = search_answer("https://evil.example/cat.gif")
TOO_BIG = search_answer("https://i.giphy.com/a.gif", size=10 * 2**20 + 1)


@pytest.fixture
def app(tmp_path, giphy):
    """An app with its IMAGE_PATH in tmp_path, and Giphy's stand-in (with a key) answering in
    0.5 s or never."""
    asks = {"giphy_key": "test-key", "giphy_api": giphy.origin, "giphy_timeout": 0.5}
    return create_app(Config(image_path=tmp_path / "gifs", **asks))


def post(app, keyword="cat"):
    return app.test_client().post("/gifs", json={"keyword": keyword})


def stored(app):
    folder = app.config["API"].image_path
    return sorted(p.name for p in folder.iterdir()) if folder.exists() else []


def test_a_random_result_is_fetched_through_allowed_redirects_and_stored(app, giphy):
    giphy.results("/moved")
    giphy.answers["/moved"] = redirect(giphy.origin + "/cat.gif")  # the same origin: allowed
    giphy.answers["/cat.gif"] = body(GIF)
    made = post(app, " cat ")
    assert made.status_code == 201 and made.json["source"] == "giphy", made.json
    assert stored(app) == [made.json["name"]]
    assert app.test_client().get(made.location).data == GIF
    query = {"api_key": ["test-key"], "q": ["cat"], "limit": ["50"], "rating": ["g"]}
    assert giphy.asked[0] == ("/v1/gifs/search", query)
    assert [path for path, _ in giphy.asked] == ["/v1/gifs/search", "/moved", "/cat.gif"]


@pytest.mark.parametrize(
    ("answers", "status", "message"),
    [
        ({"search": body(b"[]", delay=1.5)}, 504, "Giphy did not answer within 0.5 s."),
        ({"gif": body(GIF, drip=0.2)}, 504, "Giphy's answer is too slow: cut off."),
        ({"search": body(bytes(2 * 2**20 + 1))}, 502, "Giphy's answer is over 2 MiB: cut off."),
        ({"search": body(b'{"data": []}'.ljust(2 * 2**20))}, 404, "Giphy has no GIF"),  # 2 MiB
        ({"gif": body(GIF, length=False, headers=[("Content-Length", "999")])}, 502,
         "Giphy's answer broke off after 106 bytes."),
        ({"gif": reset}, 502, "Giphy's answer broke off: ConnectionResetError"),
        ({"gif": body(GIF + bytes(10 * 2**20), length=False)},  # no Content-Length to trust
         502, "Giphy's answer is over 10 MiB: cut off."),
        ({"gif": body(b"<html>a page</html>")}, 502, "Giphy's answer is not a GIF."),
        ({"search": body(b"<html>")}, 502, "Giphy's answer is not the search API's JSON."),
        ({"search": body(b'{"data": [{"images": []}]}')}, 502, "Giphy's answer is not the"),
        ({"search": body(b'{"data": [{"images": {"original": {"url": 7}}}]}')}, 404, "Giphy has"),
        ({"search": body(b"", status=401)}, 502, "Giphy answered HTTP 401: check GIPHY, the API"),
        ({"search": body(b"", status=403)}, 502, "Giphy answered HTTP 403: check GIPHY, the API"),
        ({"gif": body(b"", status=500)}, 502, "Giphy answered HTTP 500."),
        ({"search": body(b'{"data": []}')}, 404, "Giphy has no GIF for 'cat'."),
        ({"gif": redirect("https://evil.example/a.gif")}, 502, "Giphy redirected to a host"),
        ({"search": body(OFF_HOST)}, 502, "Giphy's answer points at a host this API does not"),
        ({"search": body(TOO_BIG)}, 404, "Giphy has no GIF for 'cat'."),  # left out unfetched
    ],
)  # fmt: skip
def test_a_slow_huge_or_strange_answer_is_cut_off_and_said(app, giphy, answers, status, message):
    giphy.results("/cat.gif")
    giphy.answers["/v1/gifs/search"] = answers.get("search", giphy.answers["/v1/gifs/search"])
    giphy.answers["/cat.gif"] = answers.get("gif", body(GIF))
    started = time.monotonic()
    response = post(app)
    assert time.monotonic() - started < 4  # 4 x 0.5 s at most, for the whole answer
    assert response.status_code == status
    assert response.json["message"].startswith(message), response.json
    assert stored(app) == []


@pytest.mark.parametrize(
    ("url", "fetched"),
    [
        ("https://media.giphy.com/media/abc/giphy.gif", True),
        ("https://media4.giphy.com/media/abc/giphy.gif?cid=x&rid=giphy.gif", True),
        ("https://i.giphy.com/abc.gif", True),
        ("https://evil.example/cat.gif", False),
        ("http://media.giphy.com/cat.gif", False),  # not https
        ("https://media.giphy.com.evil.example/cat.gif", False),
        ("https://evil.example/media.giphy.com/cat.gif", False),
        ("http://127.0.0.1:1/cat.gif", False),  # this machine, but not the API's origin
        ("file:///etc/passwd", False),
    ],
)
def test_only_giphys_media_hosts_are_fetched(url, fetched):
    assert allowed(url, Config()) is fetched


def test_a_giphy_that_cannot_be_reached_is_said(app):
    app.config["API"] = Config(giphy_key="k", giphy_api=f"http://127.0.0.1:{free_port()}")
    response = post(app)
    assert response.status_code == 502
    assert response.json["message"] == "Giphy cannot be reached: [Errno 111] Connection refused."
