"""The stack `make up` runs, on the Docker engine: what only the three containers together
hold. The page through nginx in a real browser, calling the backend's container; a
database restart under load (JSON 503s only, and every write answered 201 kept); a chosen
password that reaches no printed command, answer, log or image (the split's captioning
service: test_compose, with Compose). What the backend does on
its own (each fault's 503 within 3 s, a graceful stop, grants, CORS) is tests/back's.
"""

import json
import re
import uuid
from pathlib import Path

import pytest
from kit import missing_part
from load import assert_acknowledged_writes_stored, database_answers, database_outage_under_load
from playwright.sync_api import expect, sync_playwright
from real_engines import REPO, docker, http, make, wait_for_http

pytestmark = [pytest.mark.e2e, pytest.mark.usefixtures("lesson_stack")]

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


def test_the_page_through_nginx_makes_a_meme_and_saves_it_through_the_backend():
    """Search, caption, save, then the picture in the gallery with its caption as alt text:
    the image's built page (content-named files) under nginx's CSP, the backend's GIFs."""
    if not Path(CHROMIUM).exists():
        missing_part(f"{CHROMIUM} not found: apt-get install chromium")
    wait_for_http("http://localhost:8080/healthz")
    caption = f"e2e {uuid.uuid4().hex[:8]}"
    errors = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1280, "height": 800})
        page.on("console", lambda m: m.type in ("error", "warning") and errors.append(m.text))
        page.on("pageerror", lambda e: errors.append(str(e)))
        try:
            page.goto("http://localhost:8080")
            # app.js sets data-ready once it has read config.json and drawn the gallery.
            expect(page.locator("body")).to_have_attribute("data-ready", "true")
            expect(page.get_by_test_id("health")).to_have_attribute("data-state", "ok")
            expect(page.get_by_test_id("api-base")).to_have_text(API)  # nginx's /config.json
            gallery = page.get_by_test_id("memes")
            expect(gallery.get_by_alt_text("Hello", exact=True)).to_be_visible()  # init.sql's

            page.get_by_role("searchbox", name="Search term").fill("cat")
            page.get_by_role("button", name="Search For Canvas").click()
            expect(page.get_by_test_id("picture")).to_have_js_property("naturalWidth", 320)
            page.get_by_role("textbox", name="Caption").fill(caption)
            page.get_by_role("button", name="Captionize").click()
            expect(page.get_by_test_id("picture")).to_have_attribute("alt", caption)
            page.get_by_role("button", name="Save To Gallery").click()
            saved = gallery.get_by_role("img").first
            expect(saved).to_have_attribute("alt", caption)
            expect(saved).to_have_attribute("src", re.compile(rf"^{API}/gifs/[0-9a-f]{{32}}\.gif$"))
            expect(saved).to_have_js_property("naturalWidth", 320)
        finally:
            SCREENSHOTS.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(SCREENSHOTS / "stack-page.png"), full_page=True)
            browser.close()
    assert errors == []


def test_a_database_restart_under_load_is_503_then_well_again():
    load = database_outage_under_load(
        3000,
        lambda: docker("restart", "k8scourse-db"),
        lambda: database_answers("k8scourse-db"),
        "docker run stack: the database restarted",
        "database_restart",
    )
    assert_acknowledged_writes_stored(load, "k8scourse-db")


def test_a_chosen_password_appears_nowhere_it_should_not():
    secret = f"pw-{uuid.uuid4().hex}"
    assert make("down").returncode == 0
    try:
        up = make("up", f"DB_PASSWORD={secret}", f"DB_ROOT_PASSWORD=root-{secret}")
        assert up.returncode == 0, up.output
        assert secret not in up.output  # the printed commands pass it as `-e MYSQL_PASSWORD`
        status, _, body = http(API + "/health")
        assert status == 200 and secret.encode() not in body
        assert docker("stop", "k8scourse-db").returncode == 0
        status, _, body = http(API + "/health")
        assert status == 503 and secret.encode() not in body
        logs = docker("logs", "back")
        assert secret not in logs.stdout + logs.stderr
        # `-e MYSQL_PASSWORD` hands the value to the container's environment, which
        # `docker inspect` shows to whoever may use the engine: it is there, and there only,
        # not on the command line that `docker ps` and `ps` show.
        env = json.loads(docker("inspect", "-f", "{{json .Config.Env}}", "back").stdout)
        assert f"MYSQL_PASSWORD={secret}" in env
        command = docker(
            "inspect", "-f", "{{json .Path}} {{json .Args}} {{json .Config.Cmd}}", "back"
        ).stdout
        assert secret not in command
        for image in ("k8scourse-back", "k8scourse-front"):  # nor in what the images carry
            history = docker("history", "--no-trunc", "--format", "{{.CreatedBy}}", image).stdout
            config = docker("image", "inspect", "-f", "{{json .Config}}", image).stdout
            assert history.count("\n") >= 3 and json.loads(config)["User"], image
            assert "PASSWORD=" not in (history + config).upper(), image
    finally:
        make("down")
        assert make("up").returncode == 0  # the lesson's defaults again, for what follows
