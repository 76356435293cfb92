"""A relative BASE_URL (the course's 02-09: BASE_URL=api) in a real browser: the page and
the API on one origin, behind an nginx that sends /api/... to the API with the prefix
stripped and everything else to the front container, as the course's path-based Ingress
(`/api(/|$)(.*)`) does.

On Docker only: the front container (tiers-front-api, -p 18090:8080), the "Ingress" (the
nginx:1.28 image as tiers-ingress, on the host's network, listening on 127.0.0.1:18091),
and the API served on this machine by the backend's app against a throw-away MariaDB.
"""

import uuid
from pathlib import Path

import pytest
from imagekit import IMAGE, engine_cli, fetch, remove, wait_for
from kit import missing_part, serving
from playwright.sync_api import expect, sync_playwright

from api import create_app
from mariadb_server import MariaDB, db_config, missing_binaries

# Docker only: the ports test (test_front_ports.py) covers both engines.
pytestmark = [pytest.mark.e2e, pytest.mark.parametrize("engine", ["docker"], indirect=True)]

CHROMIUM = "/usr/bin/chromium"
FRONT, INGRESS = "tiers-front-api", "tiers-ingress"
FRONT_PORT, INGRESS_PORT = 18090, 18091
PAGE = f"http://127.0.0.1:{INGRESS_PORT}"
INGRESS_CONF = """\
server {{
    listen 127.0.0.1:{ingress};
    # /api/health -> the API's /health: the prefix goes, as the course's rewrite-target /$2.
    location /api/ {{
        proxy_pass http://127.0.0.1:{api}/;
    }}
    location / {{
        proxy_pass http://127.0.0.1:{front};
    }}
}}
"""


@pytest.fixture(scope="module")
def api(tmp_path_factory):
    """The backend's app on a port of this machine, with its database."""
    missing = missing_binaries()
    if missing:
        missing_part(f"{', '.join(missing)} not found: apt-get install mariadb-server")
    database = MariaDB(tmp_path_factory.mktemp("mariadb")).create()
    try:
        with serving(create_app(db_config(database))) as port:
            yield port
    finally:
        database.stop()


@pytest.fixture(scope="module")
def ingress(engine, api, tmp_path_factory):
    conf = tmp_path_factory.mktemp("ingress") / "ingress.conf"
    conf.write_text(INGRESS_CONF.format(ingress=INGRESS_PORT, api=api, front=FRONT_PORT))
    remove(engine, INGRESS)
    started = engine_cli(
        engine,
        *("run", "-d", "--rm", "--name", INGRESS, "--network", "host"),
        # Its conf.d holds this file alone: the image's default server (port 80) stays out.
        *("-v", f"{conf.parent}:/etc/nginx/conf.d:ro", "nginx:1.28"),
    )
    assert started.returncode == 0, started.stderr
    yield engine
    remove(engine, INGRESS)


@pytest.fixture(scope="module")
def browser(ingress):
    if not Path(CHROMIUM).exists():
        missing_part(f"{CHROMIUM} not found: apt-get install chromium")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        yield chromium
        chromium.close()


def start_front(engine, base_url):
    remove(engine, FRONT)
    started = engine_cli(
        engine,
        *("run", "-d", "--rm", "--name", FRONT, "-p", f"{FRONT_PORT}:8080"),
        *("-e", f"BASE_URL={base_url}", IMAGE),
    )
    assert started.returncode == 0, started.stderr
    assert wait_for(f"{PAGE}/healthz"), engine_cli(engine, "logs", FRONT).stderr


@pytest.mark.parametrize("base_url", ["api", "/api"])
def test_the_page_calls_the_api_on_its_own_origin(ingress, browser, base_url):
    start_front(ingress, base_url)
    try:
        _, headers, config = fetch(f"{PAGE}/config.json")
        assert config == f'{{"baseUrl": "{base_url}", "name": "k8scourse"}}\n'.encode()
        # No other origin to allow: the API is on the page's own, 'self'.
        assert "connect-src 'self' ;" in headers["Content-Security-Policy"]

        context = browser.new_context()
        page = context.new_page()
        problems = []
        page.on("console", lambda m: m.type in ("error", "warning") and problems.append(m.text))
        page.on("pageerror", lambda e: problems.append(str(e)))
        page.goto(PAGE)
        expect(page.locator("body")).to_have_attribute("data-ready", "true")
        expect(page.get_by_test_id("api-base")).to_have_text(f"{PAGE}/api")
        expect(page.get_by_test_id("health")).to_have_attribute("data-state", "ok")
        expect(page.get_by_test_id("image-caption").filter(has_text="Hello")).to_be_visible()

        caption = f"behind the ingress {uuid.uuid4().hex[:8]}"
        page.get_by_role("textbox", name="Caption", exact=True).fill(caption)
        page.get_by_role("textbox", name="File name", exact=True).fill("ingress.gif")
        page.get_by_role("button", name="Add image").click()
        expect(page.get_by_test_id("image-caption").filter(has_text=caption)).to_be_visible()
        context.close()
        assert problems == []
        # The caption went through the Ingress's /api/ to the API.
        _, _, listed = fetch(f"{PAGE}/api/images?limit=1")
        assert caption.encode() in listed
    finally:
        remove(ingress, FRONT)
