"""back/api/openapi.json stays true: every route is described, and real responses match it."""

import json
import re
from pathlib import Path

import pytest
from jsonschema import Draft202012Validator

import api
from api import create_app
from api.config import Config
from giphy_standin import body
from mariadb_server import free_port

# The file beside the package that the tests import (back/api, or mutmut's copy of it).
SPEC = json.loads(Path(api.__file__).with_name("openapi.json").read_text(encoding="utf-8"))


def test_every_route_is_described_with_its_methods():
    app = create_app(Config())
    routes = {}
    for rule in app.url_map.iter_rules():
        path = re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule.rule)  # /images/{image_id}
        routes.setdefault(path, set()).update(rule.methods - {"HEAD", "OPTIONS"})
    described = {path: {m.upper() for m in ops} for path, ops in SPEC["paths"].items()}
    assert routes == described


def test_the_spec_is_served(offline_client):
    assert offline_client.get("/openapi.json").get_json() == SPEC


def assert_matches(response, path, method):
    """The response's status is documented for that operation and its body fits the schema."""
    documented = SPEC["paths"][path][method]["responses"]
    status = str(response.status_code)
    assert status in documented, f"{method.upper()} {path} answered undocumented {status}"
    content = documented[status].get("content")
    if content is None:
        assert response.data == b""
        return
    if "image/gif" in content:
        assert response.mimetype == "image/gif" and response.data[:6] in (b"GIF87a", b"GIF89a")
        return
    schema = content["application/json"]["schema"]
    # The whole document is the root, so "#/components/..." references resolve.
    validator = Draft202012Validator(SPEC | schema)
    validator.validate(response.get_json())
    return status


def gif_calls(tmp_path, giphy):
    """A call for each documented answer of /gifs, /gifs/{name} and its captions."""
    gifs, file = tmp_path / "gifs", tmp_path / "file"
    file.touch()  # an IMAGE_PATH where nothing can be stored
    giphy.answers["/cat.gif"] = body(b"GIF89a")

    def post(path, data, image_path=gifs, search=None, port=None):
        """POST to an app whose Giphy answers `search` (none: no key), or service is `port`."""
        giphy.results("/cat.gif")
        if search and search != b"results":
            giphy.answers["/v1/gifs/search"] = body(search, delay=1 if search == b"slow" else 0)
        config = Config(
            image_path=image_path, giphy_key="k" if search else "", giphy_api=giphy.origin,
            giphy_timeout=0.5, caption_service=f"127.0.0.1:{port}" if port else None,
        )  # fmt: skip
        client = create_app(config).test_client()
        if isinstance(data, str):
            response = client.post(path, data=data, content_type="text/plain")
        else:
            response = client.post(path, json=data)
        return response, "/gifs/{name}/captions" if path.endswith("/captions") else "/gifs", "post"

    keyword, caption, sun = {"keyword": "cat"}, {"caption": "spec"}, "/gifs/sun.gif/captions"
    calls = [
        post("/gifs", keyword),
        post("/gifs", {}),
        post("/gifs", {"keyword": "x" * 20_000}),
        post("/gifs", "text"),
        post("/gifs", keyword, image_path=file, search=b"results"),
        post("/gifs", keyword, search=b'{"data": []}'),
        post("/gifs", keyword, search=b"<html>"),
        post("/gifs", keyword, search=b"slow"),
        post(sun, caption),
        post("/gifs/.x/captions", caption),
        post("/gifs/gone.gif/captions", caption),
        post(sun, {"caption": "x" * 20_000}),
        post(sun, "text"),
        post(sun, {"caption": "中"}),
        post(sun, caption, port=free_port()),
        post(sun, caption, image_path=file),
    ]
    here = create_app(Config(image_path=gifs)).test_client()
    shipped = here.get("/gifs/hello-caption.gif")
    etag = {"If-None-Match": shipped.headers["ETag"]}
    return calls + [
        (shipped, "/gifs/{name}", "get"),
        (here.get("/gifs/hello-caption.gif", headers=etag), "/gifs/{name}", "get"),
        (here.get("/gifs/.x"), "/gifs/{name}", "get"),
        (here.get("/gifs/gone.gif"), "/gifs/{name}", "get"),
    ]


@pytest.mark.integration
def test_real_responses_match_the_spec(client, tmp_path, giphy):
    offline = create_app(Config(mysql_host="127.0.0.1", mysql_port=free_port())).test_client()
    unresolved = create_app(Config(mysql_host="no-such-db.invalid")).test_client()  # a hint
    created = client.post("/images", json={"caption": "spec", "filename": "spec.gif"})
    one = f"/images/{created.get_json()['id']}"
    gone = "/images/2147483647"
    big = {"caption": "x" * 20_000, "filename": "a.gif"}
    json_body = {"caption": "c", "filename": "a.gif"}
    calls = [
        (client.get("/livez"), "/livez", "get"),
        (client.get("/health"), "/health", "get"),
        (offline.get("/health"), "/health", "get"),
        (unresolved.get("/health"), "/health", "get"),
        (client.get("/readyz"), "/readyz", "get"),
        (offline.get("/readyz"), "/readyz", "get"),
        (client.get("/openapi.json"), "/openapi.json", "get"),
        (client.get("/images?limit=2"), "/images", "get"),
        (client.get("/images?limit=0"), "/images", "get"),
        (offline.get("/images"), "/images", "get"),
        (created, "/images", "post"),
        (client.post("/images", json={}), "/images", "post"),
        (client.post("/images", json=big), "/images", "post"),
        (client.post("/images", data="x", content_type="text/plain"), "/images", "post"),
        (offline.post("/images", json=json_body), "/images", "post"),
        (client.get(one), "/images/{image_id}", "get"),
        (client.get(gone), "/images/{image_id}", "get"),
        (offline.get(one), "/images/{image_id}", "get"),
        (client.delete(one), "/images/{image_id}", "delete"),
        (client.delete(one), "/images/{image_id}", "delete"),
        (offline.delete(one), "/images/{image_id}", "delete"),
        *gif_calls(tmp_path, giphy),
    ]
    exercised = {(path, method, str(r.status_code)) for r, path, method in calls}
    for response, path, method in calls:
        assert_matches(response, path, method)
    # And nothing is documented that these calls did not see.
    documented = {
        (path, method, status)
        for path, ops in SPEC["paths"].items()
        for method, op in ops.items()
        for status in op["responses"]
    }
    assert documented == exercised
