"""The front tier in a real browser, against the stack `make up` starts on the Docker engine.

Headless Chromium (Debian's `chromium`) driven by playwright: the page loads the API's
address from /config.json, shows the health badge, lists, adds and deletes captions.
A screenshot of every test's last state goes to artifacts/screenshots/<test>.png, and
each test checks that the browser console stayed clean.
"""

import gzip
import json
import re
import time
import urllib.error
import urllib.request
import uuid
from pathlib import Path

import pytest
from kit import missing_part, running, troubleshooting_row
from playwright.sync_api import expect, sync_playwright
from real_engines import REPO, docker, http, make, wait_for_http

pytestmark = pytest.mark.e2e

FRONT = "http://localhost:8080"
API = "http://localhost:3000"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]
SCREENSHOTS = REPO / "artifacts" / "screenshots"
# The page polls /health every 5 s and the API answers within ~3 s even without its database.
BADGE_TIMEOUT_MS = 15_000
CAPTION_RULE = "caption must be a string of 1 to 100 characters."

expect.set_options(timeout=10_000)


# ---- helpers -----------------------------------------------------------------------


def api_json(method, path, body=None):
    """The API directly (no browser, so no CORS): for setting up and cleaning up rows."""
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(
        API + path, data=data, method=method, headers={"Content-Type": "application/json"}
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        raw = response.read()
        return json.loads(raw) if raw else None


def shot(page, name):
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)


def shot_state(page, state):
    """A screenshot of an intermediate state: <test>-<state>.png."""
    shot(page, f"{page.test_name}-{state}")


def open_page(page, url=FRONT):
    page.goto(url)
    # app.js sets data-ready once it has read config.json and drawn the first list.
    expect(page.locator("body")).to_have_attribute("data-ready", "true")


class Console:
    """The browser's console messages and uncaught errors of one page."""

    def __init__(self, page):
        self.messages = []
        page.on("console", lambda m: self.messages.append((m.type, m.text)))
        page.on("pageerror", lambda e: self.messages.append(("pageerror", str(e))))

    def assert_clean(self, allow=()):
        """No errors or warnings, except the browser's own lines about failed requests
        the test caused on purpose (`allow`: patterns such as "status of 503")."""
        bad = [
            f"{kind}: {text}"
            for kind, text in self.messages
            if kind in ("error", "warning", "warn", "pageerror")
            and not (
                kind == "error"
                and text.startswith("Failed to load resource")
                and any(re.search(pattern, text) for pattern in allow)
            )
        ]
        assert not bad, "console:\n" + "\n".join(bad)


# ---- fixtures ------------------------------------------------------------------------


@pytest.fixture(scope="module")
def stack(lesson_stack):
    """The stack of `make up`, with the front serving; this module's extra containers go."""
    assert running("front"), "make up did not start the front container:\n" + lesson_stack.output
    wait_for_http(f"{FRONT}/healthz")
    yield
    docker("rm", "-f", "front-3001", "back-3001", "k8scourse-e2e-front-stop")


@pytest.fixture(autouse=True)
def stack_whole_again(stack):
    """A test that left the stack broken (the badge test stops the database) does not take
    the tests after it down: what no longer runs is started again."""
    yield
    if not all(running(name) for name in ("k8scourse-db", "back", "front")):
        up = make("up", timeout=900)
        assert up.returncode == 0, up.output


@pytest.fixture(scope="module")
def browser(stack):
    if not Path(CHROMIUM).exists():
        missing_part(f"{CHROMIUM} not found: apt-get install chromium")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser, request):
    """A fresh browser context (empty cache) per test; its last state is screenshotted."""
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    tab = context.new_page()
    tab.console = Console(tab)
    tab.test_name = request.node.name
    yield tab
    try:
        shot(tab, request.node.name)
    finally:
        context.close()


def badge(page):
    return page.get_by_test_id("health")


def field(page, label):
    # exact: the delete buttons' labels contain captions, which may contain "caption".
    return page.get_by_role("textbox", name=label, exact=True)


def captions(page, text):
    return page.get_by_test_id("image-caption").filter(has_text=text)


# ---- the page in the browser ----------------------------------------------------------


def test_page_loads_and_shows_the_seeded_row(page):
    open_page(page)

    expect(badge(page)).to_have_attribute("data-state", "ok")
    expect(badge(page)).to_contain_text("API and database OK")
    expect(captions(page, "Hello")).to_be_visible()
    expect(page.get_by_test_id("api-base")).to_have_text(API)  # from config.json
    page.console.assert_clean()


def test_an_added_caption_is_still_there_after_a_reload_and_can_be_deleted(page):
    caption = f"e2e caption {uuid.uuid4().hex[:8]}"
    open_page(page)

    field(page, "Caption").fill(caption)
    field(page, "File name").fill("e2e.gif")
    page.get_by_role("button", name="Add image").click()
    expect(captions(page, caption)).to_be_visible()

    page.reload()
    expect(page.locator("body")).to_have_attribute("data-ready", "true")
    expect(captions(page, caption)).to_be_visible()
    shot_state(page, "after-reload")

    page.get_by_role("button", name=f"Delete “{caption}”").click()
    expect(captions(page, caption)).to_have_count(0)
    expect(captions(page, "Hello")).to_be_visible()
    page.console.assert_clean()


def test_an_empty_caption_shows_the_api_validation_message(page):
    open_page(page)

    field(page, "File name").fill("empty.gif")
    page.get_by_role("button", name="Add image").click()

    error = page.get_by_test_id("caption-error")
    expect(error).to_have_text(CAPTION_RULE)  # the API's own words, next to the field
    expect(field(page, "Caption")).to_have_attribute("aria-invalid", "true")

    field(page, "Caption").fill("a caption")
    field(page, "File name").fill("../etc/passwd")
    page.get_by_role("button", name="Add image").click()
    expect(page.get_by_test_id("filename-error")).to_contain_text("filename must be")
    expect(error).to_be_hidden()
    page.console.assert_clean(allow=[r"status of 400"])


def test_paging_walks_to_older_rows_and_back(page):
    # The test pages through rows of its own, the table's 15 newest; whatever else the
    # table holds (the seeded row, rows other tests left) comes after them, read first.
    before = [row["caption"] for row in api_json("GET", "/images?limit=10")["items"]]
    tag = uuid.uuid4().hex[:8]
    newest_first = [f"e2e page row {tag} {n}" for n in reversed(range(15))]
    created = [
        api_json("POST", "/images", {"caption": caption, "filename": "p.gif"})["id"]
        for caption in reversed(newest_first)
    ]
    shown = page.get_by_test_id("image-caption")
    try:
        open_page(page)
        expect(shown).to_have_text(newest_first[:10])  # the page's size
        expect(page.get_by_role("button", name="Newer")).to_be_disabled()

        page.get_by_role("button", name="Older").click()
        expect(page.get_by_test_id("page-label")).to_have_text("Page 2")
        expect(shown).to_have_text((newest_first[10:] + before)[:10])
        older = expect(page.get_by_role("button", name="Older"))
        if len(before) > 5:  # more than these 15 and 5 others: a third page
            older.to_be_enabled()
        else:
            older.to_be_disabled()

        page.get_by_role("button", name="Newer").click()
        expect(page.get_by_test_id("page-label")).to_have_text("Page 1")
        expect(shown).to_have_text(newest_first[:10])
    finally:
        for image_id in created:
            api_json("DELETE", f"/images/{image_id}")
    page.console.assert_clean()


def test_badge_turns_red_without_the_database_and_green_when_it_is_back(page):
    open_page(page)
    expect(badge(page)).to_have_attribute("data-state", "ok")
    try:
        assert docker("stop", "k8scourse-db").returncode == 0

        expect(badge(page)).to_have_attribute("data-state", "db-down", timeout=BADGE_TIMEOUT_MS)
        expect(badge(page)).to_contain_text("Database unavailable")
        expect(page.get_by_test_id("health-detail")).to_contain_text("k8scourse-db")
        shot_state(page, "db-down")
    finally:
        if not running("k8scourse-db"):
            back = make("db", "wait-db", timeout=300)
            assert back.returncode == 0, back.output

    expect(badge(page)).to_have_attribute("data-state", "ok", timeout=BADGE_TIMEOUT_MS)
    # The list failed meanwhile; the page reloads it by itself once the badge is green.
    expect(captions(page, "Hello")).to_be_visible()
    page.console.assert_clean(allow=[r"status of 503"])


def test_base_url_points_the_page_at_a_backend_on_another_port(page):
    try:
        # The front first: nothing listens on 3001 yet, and the page says so.
        front = docker(
            *"run -d --rm --name front-3001 -p 8081:8080".split(),
            *("-e", "BASE_URL=http://localhost:3001", "k8scourse-front"),
        )
        assert front.returncode == 0, front.stderr
        wait_for_http("http://localhost:8081/healthz")
        status, _, body = http("http://localhost:8081/config.json")
        assert (status, json.loads(body)) == (
            200,
            {"baseUrl": "http://localhost:3001", "name": "k8scourse"},
        )

        open_page(page, "http://localhost:8081")
        expect(badge(page)).to_have_attribute("data-state", "unreachable")
        expect(badge(page)).to_contain_text("Cannot reach the backend")
        seen, _, fix = troubleshooting_row('"Cannot reach the backend"')
        assert 'the page says "Cannot reach the backend"' == seen
        assert "`make front BASE_URL=http://localhost:3001`" in fix
        shot_state(page, "unreachable")

        back = docker(
            *"run -d --rm --name back-3001 -p 3001:3000 --network k8scourse".split(),
            *("-e", "MYSQL_HOST=k8scourse-db", "-e", "CORS_ORIGINS=http://localhost:8081"),
            "k8scourse-back",
        )
        assert back.returncode == 0, back.stderr

        # The page keeps polling: it turns green on its own once back-3001 answers.
        expect(badge(page)).to_have_attribute("data-state", "ok", timeout=30_000)
        expect(captions(page, "Hello")).to_be_visible()
        expect(page.get_by_test_id("api-base")).to_have_text("http://localhost:3001")
    finally:
        docker("rm", "-f", "front-3001", "back-3001")
    # Refused and reset connections while back-3001 was not up yet.
    page.console.assert_clean(allow=[r"net::ERR_"])


# ---- the container --------------------------------------------------------------------


def test_front_runs_as_a_non_root_user(stack):
    uid = docker("exec", "front", "id", "-u")
    assert uid.returncode == 0, uid.stderr
    assert int(uid.stdout) != 0


def test_config_json_reflects_base_url_and_is_never_cached(stack):
    status, headers, body = http(f"{FRONT}/config.json")
    assert status == 200
    assert json.loads(body) == {"baseUrl": API, "name": "k8scourse"}
    assert headers["Content-Type"].startswith("application/json")
    assert "no-store" in headers["Cache-Control"]


def test_cache_and_security_headers(stack):
    _, page_headers, _ = http(f"{FRONT}/")
    assert "no-cache" in page_headers["Cache-Control"]
    assert page_headers["X-Content-Type-Options"] == "nosniff"
    assert page_headers["Referrer-Policy"]
    csp = page_headers["Content-Security-Policy"]
    assert f"connect-src 'self' {API}" in csp
    assert "script-src 'self'" in csp

    _, css_headers, _ = http(f"{FRONT}/styles.css")
    assert re.search(r"max-age=[1-9]", css_headers["Cache-Control"])


def test_gzip_when_the_browser_asks_for_it(stack):
    status, plain_headers, plain = http(f"{FRONT}/app.js")
    assert status == 200 and plain_headers.get("Content-Encoding") is None

    status, headers, packed = http(f"{FRONT}/app.js", headers={"Accept-Encoding": "gzip"})

    assert status == 200
    assert headers["Content-Encoding"] == "gzip"
    assert gzip.decompress(packed) == plain
    assert len(packed) < len(plain) / 2


def test_front_container_becomes_healthy(stack):
    deadline = time.monotonic() + 40  # the first HEALTHCHECK runs after its 10 s interval
    while True:
        health = docker("inspect", "-f", "{{.State.Health.Status}}", "front").stdout.strip()
        if health == "healthy" or time.monotonic() > deadline:
            break
        time.sleep(1)
    assert health == "healthy"


def test_a_bad_base_url_stops_the_container_with_one_clear_line(stack):
    run = docker(
        *"run --rm --name k8scourse-e2e-front-bad".split(),
        *("-e", 'BASE_URL=http://localhost:3000"; evil', "k8scourse-front"),
    )
    assert run.returncode != 0
    assert "BASE_URL must look like http(s)://host[:port][/path]" in run.stderr
    assert "start worker process" not in run.stdout + run.stderr  # nginx never started


def test_docker_stop_front_is_fast(stack):
    name = "k8scourse-e2e-front-stop"
    assert docker("run", "-d", "--rm", "--name", name, "k8scourse-front").returncode == 0
    try:
        deadline = time.monotonic() + 20
        while docker("exec", name, "curl", "-fsS", "http://127.0.0.1:8080/healthz").returncode:
            assert time.monotonic() < deadline, "the front container did not start serving"
            time.sleep(0.5)
        started = time.monotonic()
        assert docker("stop", name).returncode == 0
        elapsed = time.monotonic() - started
    finally:
        docker("rm", "-f", name)
    # SIGQUIT (the nginx image's STOPSIGNAL): idle connections close, nginx exits at once;
    # a signal it ignored would take the engine's 10 s. The bound tells them apart.
    assert elapsed < 5, f"docker stop took {elapsed:.1f} s"
