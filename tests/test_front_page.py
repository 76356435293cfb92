"""front/public/app.js, the page's script, run by node against a stand-in of the browser
(tests/front_page.mjs: the elements of index.html, fetch answering as the API and nginx do,
timers stepped through): what the page asks the API, and what it shows. The page in a real
browser, against the real stack: tests/e2e/test_front.py."""

import json
import shutil
import subprocess

import pytest
from kit import REPO, missing_part

API = "http://localhost:3001"
HEALTHY = {"status": 200, "json": {"db": True, "status": "running", "timestamp": 1}}
CONFIG = {"status": 200, "json": {"baseUrl": API, "name": "photoshare"}}


def image(number, caption=None):
    return {"id": number, "caption": caption or f"image {number}", "filename": f"{number}.gif"}


def page(answers, steps=(), config=CONFIG, at="http://localhost:8080/"):
    """The page loaded at `at`: [what it shows and asked] after loading, then after each step."""
    node = shutil.which("node")
    if node is None:
        missing_part("node is not installed (apt-get install nodejs)")
    scenario = {
        "page": at,
        "answers": {f"GET {at}config.json": [config], **answers},
        "steps": list(steps),
    }
    ran = subprocess.run(
        [node, str(REPO / "tests/front_page.mjs"), str(REPO / "front/public/app.js"),
         str(REPO / "front/public/index.html")],
        input=json.dumps(scenario), capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert ran.returncode == 0, ran.stderr
    return json.loads(ran.stdout)


def listing(*items, next_cursor=None):
    return {"status": 200, "json": {"items": list(items), "next_cursor": next_cursor}}


def test_the_page_reads_its_api_from_config_json_and_lists_the_newest_images():
    [loaded] = page(
        {
            f"GET {API}/health": [HEALTHY],
            f"GET {API}/images?limit=10": [listing(image(2), image(1))],
        }
    )
    asked = [(a["key"], a["cache"]) for a in loaded["asked"]]
    # config.json first, then the API; never from the browser's cache.
    assert asked == [
        ("GET http://localhost:8080/config.json", "no-store"),
        (f"GET {API}/health", "no-store"),
        (f"GET {API}/images?limit=10", "no-store"),
    ]
    assert [row["caption"] for row in loaded["rows"]] == ["image 2", "image 1"]
    assert loaded["rows"][0] == {"id": "2", "caption": "image 2", "filename": "2.gif"}
    assert loaded["title"] == "photoshare · images" and loaded["heading"] == "photoshare images"
    assert loaded["api"] == [API, f"{API}/health"]
    assert loaded["health"] == {
        "state": "ok", "title": "API and database OK", "detail": None, "hint": None,
    }  # fmt: skip
    assert loaded["healthTimers"] == [5000]  # asked again in 5 s
    assert (loaded["older"], loaded["newer"], loaded["pageLabel"]) == (True, True, "Page 1")
    assert loaded["ready"] == "true" and loaded["configNote"] is None


@pytest.mark.parametrize(
    ("base_url", "api"),
    [
        (f"{API}/", API),  # a trailing slash: no // in the API's paths
        ("api", "http://localhost:8080/api"),  # a path: the page's own origin (an Ingress)
        ("/api/", "http://localhost:8080/api"),
    ],
)
def test_the_apis_address_is_normalised_as_a_link_would_be(base_url, api):
    config = {"status": 200, "json": {"baseUrl": base_url, "name": "k8scourse"}}
    [loaded] = page(
        {f"GET {api}/health": [HEALTHY], f"GET {api}/images?limit=10": [listing()]},
        config=config,
    )
    assert [a["key"] for a in loaded["asked"]][1:] == [
        f"GET {api}/health",
        f"GET {api}/images?limit=10",
    ]
    assert loaded["listStatus"] == "No images yet: add the first one."


def test_without_config_json_the_page_says_so_and_calls_the_lessons_api():
    lesson = "http://localhost:3000"
    [loaded] = page(
        {f"GET {lesson}/health": [HEALTHY], f"GET {lesson}/images?limit=10": [listing()]},
        config={"status": 404, "json": {"error": "Not Found"}},
    )
    assert loaded["api"][0] == lesson
    assert loaded["configNote"] == (
        "config.json could not be read (HTTP 404); using http://localhost:3000."
    )


def test_a_caption_is_shown_as_text_never_as_markup():
    hostile = '<img src=x onerror="alert(1)">'
    [loaded] = page(
        {
            f"GET {API}/health": [HEALTHY],
            f"GET {API}/images?limit=10": [listing(image(7, hostile))],
        }
    )
    assert loaded["rows"][0]["caption"] == hostile


def test_the_badge_says_why_the_database_is_unavailable_with_the_backends_hint():
    down = {
        "status": 503,
        "json": {
            "db": False,
            "error": "(2003, \"Can't connect to MySQL server on 'localhost'\")",
            "hint": "Inside a container, localhost is the container itself: ...",
            "mysql_host": "localhost",
            "status": "running",
        },
    }
    [loaded] = page({f"GET {API}/health": [down], f"GET {API}/images?limit=10": [listing()]})
    assert loaded["health"] == {
        "state": "db-down",
        "title": "Database unavailable",
        "detail": "The API answers, but not its database (MYSQL_HOST=localhost): (2003, "
        "\"Can't connect to MySQL server on 'localhost'\")",
        "hint": "Hint: Inside a container, localhost is the container itself: ...",
    }
    assert loaded["healthTimers"] == [5000]


def test_an_api_that_cannot_be_reached_is_named_with_what_to_check():
    [loaded] = page({})
    assert loaded["health"]["state"] == "unreachable"
    assert loaded["health"]["detail"] == (
        f"No answer from {API} (the connection failed). Is the backend running and published "
        "on that port, and does its CORS_ORIGINS include http://localhost:8080?"
    )
    assert loaded["listStatus"] == (
        f"Could not load the images. Cannot reach the API at {API} (the connection failed)."
    )
    assert loaded["healthTimers"] == [5000]  # and it keeps asking


def test_the_badge_and_the_list_come_back_when_the_api_does():
    first = f"GET {API}/images?limit=10"
    loaded, healthy = page(
        {f"GET {API}/health": [{"unreachable": True}, HEALTHY], first: [{"unreachable": True}]},
        steps=[{"do": "health", "answers": {first: [listing(image(1))]}}],
    )
    assert loaded["health"]["state"] == "unreachable" and loaded["rows"] == []
    assert healthy["health"]["state"] == "ok"
    assert [row["id"] for row in healthy["rows"]] == ["1"]  # the failed list, drawn again


def test_older_and_newer_page_through_the_api_with_its_cursor():
    newest = f"GET {API}/images?limit=10"
    older = f"GET {API}/images?limit=10&cursor=41"
    loaded, second, back = page(
        {
            f"GET {API}/health": [HEALTHY],
            newest: [listing(*[image(n) for n in range(50, 40, -1)], next_cursor=41)],
            older: [listing(image(41))],
        },
        steps=[{"do": "older"}, {"do": "newer"}],
    )
    assert (loaded["older"], loaded["newer"]) == (False, True)
    assert [a["key"] for a in second["asked"]] == [older]
    assert [row["id"] for row in second["rows"]] == ["41"]
    assert (second["older"], second["newer"], second["pageLabel"]) == (True, False, "Page 2")
    assert [a["key"] for a in back["asked"]] == [newest]
    assert back["pageLabel"] == "Page 1"


def test_adding_an_image_posts_json_and_shows_the_apis_words_by_the_field():
    post = f"POST {API}/images"
    refused = {
        "status": 400,
        "json": {"error": "Bad Request", "message": "caption must be a string of 1 to 100 "
                 "characters."},
    }  # fmt: skip
    created = {"status": 201, "json": {"id": 3, "caption": "A cat", "filename": "cat.gif"}}
    _, bad, good = page(
        {
            f"GET {API}/health": [HEALTHY],
            f"GET {API}/images?limit=10": [listing(), listing(image(3, "A cat"))],
            post: [refused, created],
        },
        steps=[
            {"do": "add", "caption": "", "filename": "cat.gif"},
            {"do": "add", "caption": "A cat", "filename": "  cat.gif "},
        ],
    )
    [sent] = bad["asked"]
    assert (sent["key"], sent["contentType"]) == (post, "application/json")
    assert json.loads(sent["body"]) == {"caption": "", "filename": "cat.gif"}
    assert bad["captionError"] == "caption must be a string of 1 to 100 characters."
    assert bad["captionInvalid"] == "true" and bad["formError"] is None
    assert json.loads(good["asked"][0]["body"]) == {"caption": "A cat", "filename": "cat.gif"}
    assert good["captionError"] is None and good["captionInvalid"] is None
    assert [row["caption"] for row in good["rows"]] == ["A cat"]
    assert good["announced"] == "Added “A cat”."


def test_deleting_an_image_asks_the_api_and_draws_the_list_again():
    listed = f"GET {API}/images?limit=10"
    _, deleted = page(
        {
            f"GET {API}/health": [HEALTHY],
            listed: [listing(image(2), image(1)), listing(image(1))],
            f"DELETE {API}/images/2": [{"status": 204}],
        },
        steps=[{"do": "delete", "row": 0}],
    )
    assert [a["key"] for a in deleted["asked"]] == [f"DELETE {API}/images/2", listed]
    assert [row["id"] for row in deleted["rows"]] == ["1"]
    assert deleted["announced"] == "Deleted: “image 2”."
