"""The page (front/public) in Chromium, offline: werkzeug serves its files and a
/config.json as the front's nginx does, the real backend app (back/api) answers on another
port over the real MariaDB of the backend's tests, and Playwright drives Debian's chromium.
The page from the front image: tests/images; the whole stack on the engines: tests/e2e."""

import json
from pathlib import Path
from types import SimpleNamespace

import pytest
from kit import REPO, free_port, missing_part, serving, troubleshooting_row
from playwright.sync_api import expect, sync_playwright
from werkzeug.middleware.dispatcher import DispatcherMiddleware
from werkzeug.middleware.shared_data import SharedDataMiddleware
from werkzeug.wrappers import Request, Response

from api import create_app
from mariadb_server import INIT_SQL, db_config

pytestmark = pytest.mark.integration

PUBLIC = REPO / "front" / "public"
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]
CAPTION_RULE = "caption must be a string of 1 to 100 characters."

expect.set_options(timeout=10_000)


@pytest.fixture(scope="module")
def site(mariadb):
    """The page's server (front/public, /config.json from site.config, and the API under
    /api, as a path-based Ingress routes it) and the API's own, on ports of this machine."""
    site = SimpleNamespace(config={})

    @Request.application
    def page(request):
        if request.path == "/config.json":
            return Response(json.dumps(site.config), content_type="application/json")
        return Response((PUBLIC / "index.html").read_bytes(), content_type="text/html")

    def api(environ, start_response):
        return site.api_app(environ, start_response)

    files = SharedDataMiddleware(DispatcherMiddleware(page, {"/api": api}), {"/": str(PUBLIC)})
    with serving(files) as front_port:
        site.front = f"http://127.0.0.1:{front_port}"
        site.api_app = create_app(db_config(mariadb, cors_origins=(site.front,)))
        with serving(site.api_app) as api_port:
            site.api = f"http://127.0.0.1:{api_port}"
            yield site


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
    """A fresh browser context; the table holds init.sql's seed row only; the page calls
    the API on its own port; no script error on the page."""
    with live_db.root("images") as conn, conn.cursor() as cur:
        cur.execute("DELETE FROM images")
    live_db.run_sql_file(INIT_SQL)
    site.config = {"baseUrl": site.api, "name": "photoshare"}
    context = browser.new_context()
    tab = context.new_page()
    errors = []
    tab.on("pageerror", lambda error: errors.append(str(error)))
    yield tab
    context.close()
    assert errors == []


def open_page(page, site):
    page.goto(site.front)
    # app.js sets data-ready once it has read config.json and drawn the first list.
    expect(page.locator("body")).to_have_attribute("data-ready", "true")


def captions(page):
    return page.get_by_test_id("image-caption")


def add(page, caption, filename):
    page.get_by_role("textbox", name="Caption", exact=True).fill(caption)
    page.get_by_role("textbox", name="File name", exact=True).fill(filename)
    page.get_by_role("button", name="Add image").click()


def test_the_page_shows_the_seeded_row_from_the_api_of_config_json(page, site):
    open_page(page, site)
    expect(page.get_by_test_id("health")).to_have_attribute("data-state", "ok")
    expect(page.get_by_test_id("health-title")).to_have_text("API and database OK")
    expect(captions(page)).to_have_text(["Hello"])
    expect(page.get_by_test_id("api-base")).to_have_text(site.api)
    expect(page).to_have_title("photoshare · images")
    expect(page.get_by_test_id("config-note")).to_be_hidden()


def test_an_added_caption_is_there_after_a_reload_as_text_and_can_be_deleted(page, site):
    hostile = '<img src=x onerror="document.title=1">'
    open_page(page, site)
    add(page, hostile, "  cat.gif ")  # the file name is trimmed, as the API wants it
    expect(captions(page)).to_have_text([hostile, "Hello"])  # text, never markup
    expect(page.get_by_test_id("announcer")).to_have_text(f"Added “{hostile}”.")

    page.reload()
    expect(captions(page)).to_have_text([hostile, "Hello"])
    page.get_by_role("button", name=f"Delete “{hostile}”").click()
    expect(captions(page)).to_have_text(["Hello"])
    expect(page).to_have_title("photoshare · images")


def test_the_apis_validation_message_is_shown_by_its_field(page, site):
    open_page(page, site)
    add(page, "", "empty.gif")
    expect(page.get_by_test_id("caption-error")).to_have_text(CAPTION_RULE)
    caption = page.get_by_role("textbox", name="Caption", exact=True)
    expect(caption).to_have_attribute("aria-invalid", "true")
    add(page, "a caption", "../etc/passwd")
    expect(page.get_by_test_id("filename-error")).to_contain_text("filename must be")
    expect(page.get_by_test_id("caption-error")).to_be_hidden()
    expect(captions(page)).to_have_text(["Hello"])


def test_paging_walks_to_older_rows_and_back(page, site, live_db):
    with live_db.root("images") as conn, conn.cursor() as cur:
        cur.executemany(
            "INSERT INTO images (caption, filename) VALUES (%s, 'p.gif')",
            [(f"row {n}",) for n in range(1, 16)],
        )
    newest_first = [f"row {n}" for n in range(15, 0, -1)] + ["Hello"]
    open_page(page, site)
    expect(captions(page)).to_have_text(newest_first[:10])
    expect(page.get_by_role("button", name="Newer")).to_be_disabled()

    page.get_by_role("button", name="Older").click()
    expect(page.get_by_test_id("page-label")).to_have_text("Page 2")
    expect(captions(page)).to_have_text(newest_first[10:])
    expect(page.get_by_role("button", name="Older")).to_be_disabled()

    page.get_by_role("button", name="Newer").click()
    expect(page.get_by_test_id("page-label")).to_have_text("Page 1")
    expect(captions(page)).to_have_text(newest_first[:10])


def test_the_badge_turns_red_without_the_database_and_green_when_it_is_back(page, site, live_db):
    """The page asks /health every 5 s (the clock jumps them); the list that failed while
    the database was down is drawn again once the badge is green."""
    page.clock.install()
    open_page(page, site)
    badge = page.get_by_test_id("health")
    expect(badge).to_have_attribute("data-state", "ok")
    live_db.stop()
    try:
        page.clock.fast_forward(5_000)
        expect(badge).to_have_attribute("data-state", "db-down")
        expect(page.get_by_test_id("health-title")).to_have_text("Database unavailable")
        page.get_by_role("button", name="Refresh").click()
        expect(page.get_by_test_id("list-status")).to_contain_text("Could not load the images.")
        expect(captions(page)).to_have_count(0)
    finally:
        live_db.start()
    page.clock.fast_forward(5_000)
    expect(badge).to_have_attribute("data-state", "ok")
    expect(captions(page)).to_have_text(["Hello"])


def test_a_relative_base_url_is_the_api_on_the_pages_own_origin(page, site):
    """BASE_URL=api, as behind a path-based Ingress: resolved as a link would be."""
    site.config = {"baseUrl": "api", "name": "photoshare"}
    open_page(page, site)
    expect(page.get_by_test_id("api-base")).to_have_text(f"{site.front}/api")
    expect(page.get_by_test_id("health")).to_have_attribute("data-state", "ok")
    expect(captions(page)).to_have_text(["Hello"])


def test_an_api_that_does_not_answer_is_said_with_the_readmes_fix(page, site):
    site.config = {"baseUrl": f"http://127.0.0.1:{free_port()}", "name": "photoshare"}
    open_page(page, site)
    expect(page.get_by_test_id("health")).to_have_attribute("data-state", "unreachable")
    seen, _, fix = troubleshooting_row('"Cannot reach the backend"')
    expect(page.get_by_test_id("health")).to_contain_text(seen.split('"')[1])
    assert "`make back`" in fix and "`make front BASE_URL=http://localhost:3001`" in fix
