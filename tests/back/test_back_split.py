"""Lesson 02-13's split: with GIF_CAPTION_SVC, the backend asks the captioning service
(the same image, gunicorn serving create_captioner), which stores the new GIF in the
IMAGE_PATH both share, where the backend serves it. With the service down, captions get a
503 with a hint, and everything else works."""

import socket

import pytest
from kit import free_port

from api import create_app, create_captioner
from api.captions import SERVICE_HINT
from api.config import Config
from giphy_standin import Giphy, body
from mariadb_server import db_config
from test_back_gunicorn import GUNICORN, run_gunicorn, stop


def caption(config, text="x"):
    return (
        create_app(config).test_client().post("/gifs/bounce.gif/captions", json={"caption": text})
    )


def test_the_service_draws_the_caption_into_the_shared_folder(tmp_path):
    shared = tmp_path / "shared"
    service, base, out, _ = run_gunicorn(
        tmp_path, command=[*GUNICORN, "api:create_captioner()"], IMAGE_PATH=str(shared)
    )
    try:
        config = Config(image_path=shared, caption_service=base.removeprefix("http://"))
        made, refused = caption(config, "split"), caption(config, "中")
        assert (made.status_code, made.location) == (201, f"/gifs/{made.json['name']}")
        served = create_app(config).test_client().get(made.location)
        assert served.data == (shared / made.json["name"]).read_bytes()
        assert (refused.status_code, refused.json["error"]) == (422, "Unprocessable Entity")
        assert "Location" not in refused.headers  # only a new GIF has one
        assert refused.json["message"].startswith("The font cannot draw 中")
    finally:
        stop(service)
    log = out.read_text()
    assert '"POST /gifs/bounce.gif/captions HTTP/1.1" 201' in log
    assert '"POST /gifs/bounce.gif/captions HTTP/1.1" 422' in log


@pytest.mark.integration
def test_with_the_service_down_captions_get_a_503_with_a_hint_and_the_rest_works(tmp_path, live_db):
    service = f"127.0.0.1:{free_port()}"
    client = create_app(db_config(live_db, image_path=tmp_path, caption_service=service))
    client = client.test_client()
    response = client.post("/gifs/bounce.gif/captions", json={"caption": "x"})
    assert response.status_code == 503
    assert response.json == {
        "error": "Service Unavailable",
        "message": f"The captioning service (GIF_CAPTION_SVC={service}) cannot be reached: "
        "[Errno 111] Connection refused.",
        "hint": SERVICE_HINT,
    }
    assert client.get("/health").status_code == 200
    assert client.get("/images").status_code == 200
    assert client.post("/gifs", json={"keyword": "cat"}).status_code == 201
    assert client.get("/gifs/hello-caption.gif").status_code == 200


def test_a_service_that_answers_late_or_is_not_one_is_a_503_too(tmp_path):
    with Giphy() as wrong, socket.create_server(("127.0.0.1", 0)) as silent:
        # Any HTTP server answering a page, not JSON; and one that connects, never answers.
        wrong.answers["/gifs/bounce.gif/captions"] = body(b"<html>nginx</html>")
        late = f"127.0.0.1:{silent.getsockname()[1]}"
        answers = [
            caption(Config(image_path=tmp_path, caption_service=service, caption_timeout=0.5))
            for service in (wrong.origin.removeprefix("http://"), late)
        ]
    assert [(a.status_code, a.json["hint"]) for a in answers] == [(503, SERVICE_HINT)] * 2
    assert answers[0].json["message"].endswith("answered, but not as the captioning service.")
    assert answers[1].json["message"].endswith("cannot be reached: timed out.")


def test_the_service_serves_only_captions_and_liveness(tmp_path):
    client = create_captioner(Config(image_path=tmp_path, caption_service="x:1")).test_client()
    assert client.get("/livez").status_code == 200
    assert [client.get(p).status_code for p in ("/images", "/health", "/gifs/sun.gif")] == [404] * 3
    made = client.post("/gifs/sun.gif/captions", json={"caption": "here"})  # not sent to x:1
    assert made.status_code == 201 and (tmp_path / made.json["name"]).is_file()
