"""The page (front/public, and as front/build.sh builds it) in Chromium, offline: werkzeug
serves its files with nginx's Content-Security-Policy and a /config.json as the front's
nginx does, the real backend app (back/api) answers on another port over the real MariaDB
of the backend's tests (GIPHY unset: the shipped GIFs answer), and Playwright drives
Debian's chromium. The page from the front image: tests/images; the whole stack: tests/e2e."""

import json
import mimetypes
import re
import subprocess
import threading
from pathlib import Path
from types import SimpleNamespace

import pytest
from kit import REPO, free_port, missing_part, serving, troubleshooting_row
from playwright.sync_api import expect, sync_playwright
from werkzeug.middleware.dispatcher import DispatcherMiddleware
from werkzeug.wrappers import Request, Response

from api import create_app
from mariadb_server import INIT_SQL, db_config

pytestmark = pytest.mark.integration

FRONT = REPO / "front"
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = (
    "--no-sandbox --disable-gpu --disable-background-networking --disable-component-update "
    "--no-first-run --disable-sync"
).split()
# The policy nginx sends (front/security-headers.conf), $api_origin as its map fills it in.
HEADERS = (FRONT / "security-headers.conf").read_text()
CSP = re.search(r'Content-Security-Policy "([^"]+)"', HEADERS)[1]

expect.set_options(timeout=10_000)


@pytest.fixture(scope="module")
def site(mariadb, tmp_path_factory):
    """The page's server (site.root's files, /config.json from site.config, and the API
    under /api, as a path-based Ingress routes it) and the API's own, on ports of this
    machine. A caption waits while site.captions is clear: the page's working state shows."""
    site = SimpleNamespace(config={}, root=FRONT / "public", captions=threading.Event())
    site.captions.set()

    @Request.application
    def page(request):
        if request.path == "/config.json":
            return Response(json.dumps(site.config), content_type="application/json")
        name = request.path.strip("/") or "index.html"
        path = site.root / name
        if "/" in name or not path.is_file():
            return Response("not found", status=404)
        response = Response(path.read_bytes(), content_type=mimetypes.guess_type(name)[0])
        origin = re.match(r"https?://[^/]+", site.config["baseUrl"])
        response.headers["Content-Security-Policy"] = CSP.replace(
            "$api_origin", origin[0] if origin else ""
        )
        return response

    def api(environ, start_response):
        if environ["PATH_INFO"].endswith("/captions"):
            site.captions.wait(10)
        return site.api_app(environ, start_response)

    with serving(DispatcherMiddleware(page, {"/api": api})) as front_port:
        site.front = f"http://127.0.0.1:{front_port}"
        gifs = tmp_path_factory.mktemp("gifs")
        config = db_config(mariadb, cors_origins=(site.front,), image_path=gifs)
        site.api_app = create_app(config)
        with serving(api) as api_port:
            site.api = f"http://127.0.0.1:{api_port}"
            yield site


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """The page as the image's first stage builds it (front/build.sh: sh, sha256sum, sed)."""
    out = tmp_path_factory.mktemp("built")
    command = ["sh", str(FRONT / "build.sh"), str(FRONT / "public"), str(out)]
    subprocess.run(command, check=True, capture_output=True, timeout=60)
    return out


@pytest.fixture(scope="module")
def browser():
    if not CHROMIUM.exists():
        missing_part(f"{CHROMIUM} not found: apt-get install chromium")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser, site, live_db):
    """A fresh browser context; the table holds init.sql's seed row only; the page, from
    front/public, calls the API on its own port; no script error, no CSP refusal."""
    with live_db.root("images") as conn, conn.cursor() as cur:
        cur.execute("DELETE FROM images")
    live_db.run_sql_file(INIT_SQL)
    site.config = {"baseUrl": site.api, "name": "photoshare"}
    site.root = FRONT / "public"
    context = browser.new_context()
    tab = context.new_page()
    errors = []
    tab.on("pageerror", lambda error: errors.append(str(error)))
    tab.on("console", lambda m: "Content Security Policy" in m.text and errors.append(m.text))
    yield tab
    context.close()
    assert errors == []


def open_page(page, site):
    page.goto(site.front)
    # app.js sets data-ready once it has read config.json and drawn the gallery's first page.
    expect(page.locator("body")).to_have_attribute("data-ready", "true")


def gallery(page):
    """The gallery's pictures (an <img> each, its caption as alt) and their captions."""
    memes = page.get_by_test_id("memes")
    return memes.get_by_role("img"), memes.get_by_test_id("meme-caption")


def shown(picture):
    """The picture is on screen: loaded from the API, 320 pixels wide as the GIFs are."""
    expect(picture).to_be_visible()
    expect(picture).to_have_js_property("naturalWidth", 320)


def test_a_keyword_a_caption_and_save_put_the_captioned_picture_first_in_the_gallery(
    page, site, built
):
    """On the page as the image serves it: index.html loads build.sh's content-named files."""
    caption = "<b>Friday</b> & co"  # drawn into the GIF, shown as text: never markup
    site.root = built
    asked = []
    page.on("request", lambda request: asked.append(request.url.removeprefix(site.front + "/")))
    open_page(page, site)
    loaded = {name for name in asked if name.endswith((".js", ".css", ".svg"))}
    assert loaded == {path.name for path in built.iterdir()} - {"index.html"}
    assert all(re.search(r"\.[0-9a-f]{12}\.", name) for name in loaded), loaded
    expect(page).to_have_title("photoshare · memes")
    expect(page.get_by_test_id("health-title")).to_have_text("API and database OK")
    pictures, captions = gallery(page)
    expect(pictures).to_have_attribute("alt", "Hello")  # init.sql's row, hello-caption.gif
    shown(pictures.first)

    page.get_by_role("searchbox", name="Search term").fill("cat")
    page.get_by_role("button", name="Search For Canvas").click()
    picture = page.get_by_test_id("picture")
    expect(picture).to_have_attribute("alt", "The GIF found for “cat”")
    shown(picture)
    page.get_by_role("button", name="Get New Image").click()
    shown(picture)
    save = page.get_by_role("button", name="Save To Gallery")
    expect(save).to_be_disabled()  # nothing to save before a caption

    page.get_by_role("textbox", name="Caption").fill(caption)
    site.captions.clear()
    try:
        page.get_by_role("button", name="Captionize").click()
        canvas = page.locator("#canvas")
        expect(canvas).to_have_attribute("data-state", "working")
        expect(canvas).to_have_attribute("aria-busy", "true")
        expect(canvas).to_contain_text(f"Captionizing: drawing “{caption}” into every frame…")
        expect(page.get_by_role("button", name="Captionize")).to_be_disabled()
    finally:
        site.captions.set()
    expect(picture).to_have_attribute("alt", caption)
    expect(picture).to_have_attribute("src", re.compile(rf"^{site.api}/gifs/[0-9a-f]{{32}}\.gif$"))
    shown(picture)

    save.click()
    expect(captions).to_have_text([caption, "Hello"])  # newest first
    expect(pictures.first).to_have_attribute("alt", caption)
    expect(pictures.first).to_have_attribute("src", picture.get_attribute("src"))
    shown(pictures.first)
    expect(save).to_be_disabled()  # saved once
    expect(page.get_by_test_id("announcer")).to_have_text(f"Saved “{caption}” to the gallery.")

    page.reload()
    expect(captions).to_have_text([caption, "Hello"])
    page.get_by_role("button", name=f"Delete “{caption}”").click()
    expect(captions).to_have_text(["Hello"])


def test_the_apis_refusals_are_said_by_the_field_they_are_about(page, site):
    open_page(page, site)
    keyword = page.get_by_role("searchbox", name="Search term")
    page.get_by_role("button", name="Search For Canvas").click()
    error = page.get_by_test_id("generator-error")
    expect(error).to_have_text("keyword must be a string of 1 to 50 printable characters.")
    expect(keyword).to_have_attribute("aria-invalid", "true")

    keyword.fill("cat")
    page.get_by_role("button", name="Search For Canvas").click()
    expect(error).to_be_hidden()
    expect(keyword).not_to_have_attribute("aria-invalid", "true")
    page.get_by_role("textbox", name="Caption").fill("猫")  # DejaVu Sans has no CJK
    page.get_by_role("button", name="Captionize").click()
    expect(error).to_have_text("The font cannot draw 猫 (U+732B) of the caption.")
    expect(page.get_by_role("textbox", name="Caption")).to_have_attribute("aria-invalid", "true")
    expect(page.get_by_role("button", name="Save To Gallery")).to_be_disabled()


def test_paging_walks_to_older_pictures_and_back(page, site, live_db):
    with live_db.root("images") as conn, conn.cursor() as cur:
        cur.executemany(
            "INSERT INTO images (caption, filename) VALUES (%s, 'gone.gif')",
            [(f"row {n}",) for n in range(1, 16)],
        )
    newest_first = [f"row {n}" for n in range(15, 0, -1)] + ["Hello"]
    open_page(page, site)
    pictures, captions = gallery(page)
    expect(captions).to_have_text(newest_first[:12])
    shown(pictures.first)  # a row whose file is gone: the API's "missing" picture
    expect(page.get_by_role("button", name="Newer")).to_be_disabled()

    page.get_by_role("button", name="Older").click()
    expect(page.get_by_test_id("page-label")).to_have_text("Page 2")
    expect(captions).to_have_text(newest_first[12:])
    expect(page.get_by_role("button", name="Older")).to_be_disabled()

    page.get_by_role("button", name="Newer").click()
    expect(page.get_by_test_id("page-label")).to_have_text("Page 1")
    expect(captions).to_have_text(newest_first[:12])


def test_the_badge_turns_red_without_the_database_and_green_when_it_is_back(page, site, live_db):
    """The page asks /health every 5 s (the clock jumps them); the gallery that failed
    while the database was down is drawn again once the badge is green."""
    page.clock.install()
    open_page(page, site)
    badge = page.get_by_test_id("health")
    expect(badge).to_have_attribute("data-state", "ok")
    _, captions = gallery(page)
    live_db.stop()
    try:
        page.clock.fast_forward(5_000)
        expect(badge).to_have_attribute("data-state", "db-down")
        expect(page.get_by_test_id("health-title")).to_have_text("Database unavailable")
        page.get_by_role("button", name="Refresh").click()
        expect(page.get_by_test_id("list-status")).to_contain_text("Could not load the gallery.")
        expect(captions).to_have_count(0)
    finally:
        live_db.start()
    page.clock.fast_forward(5_000)
    expect(badge).to_have_attribute("data-state", "ok")
    expect(captions).to_have_text(["Hello"])


def test_a_relative_base_url_is_the_api_on_the_pages_own_origin(page, site):
    """BASE_URL=api, as behind a path-based Ingress: resolved as a link would be; the
    GIFs come from the page's own origin too."""
    site.config = {"baseUrl": "api", "name": "photoshare"}
    open_page(page, site)
    expect(page.get_by_test_id("api-base")).to_have_text(f"{site.front}/api")
    expect(page.get_by_test_id("health")).to_have_attribute("data-state", "ok")
    pictures, _ = gallery(page)
    expect(pictures).to_have_attribute("src", f"{site.front}/api/gifs/hello-caption.gif")
    shown(pictures)


def test_an_api_that_does_not_answer_is_said_with_the_readmes_fix(page, site):
    site.config = {"baseUrl": f"http://127.0.0.1:{free_port()}", "name": "photoshare"}
    open_page(page, site)
    expect(page.get_by_test_id("health")).to_have_attribute("data-state", "unreachable")
    seen, _, fix = troubleshooting_row('"Cannot reach the backend"')
    expect(page.get_by_test_id("health")).to_contain_text(seen.split('"')[1])
    assert "`make back`" in fix and "`make front BASE_URL=http://localhost:3001`" in fix
