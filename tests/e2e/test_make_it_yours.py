"""The README's "Use it in your own project" recipes on the real engine, each in a copy
made as a learner makes it: the tracked files taken out with `git archive` into a folder
outside the repository, a new git repository there (tests/copies.py).

1. Copy it all and rename: the renamed stack runs beside the lesson's, both healthy,
   each front calling its own API, and goes away alone.
2. Copy back/ (or front/) into your app: it builds and runs from the other folder.
3. Copy the Makefile and its scripts: they drive a project that has only its tiers,
   without the stand-in machinery.
(The renamed Kubernetes overlay: tests/k8s; Compose alone on a fresh clone:
test_compose.py.)
First, on Docker with nothing running (before the lesson's stack that the recipes run
beside): a renamed copy's page titled with its name in Chromium, and back/ and front/
copied alone building without the Makefile their folder holds.
"""

import json
import urllib.request

import pytest
from copies import learner_copy, rename
from kit import running
from playwright.sync_api import sync_playwright
from real_engines import OTHER_PROJECT, docker, http, make, run, wait_for_http

pytestmark = pytest.mark.e2e

COPY = "PROJECT=photoshare"  # the README's renamed copy, run from the lesson's folder

# The README's command for the renamed stack's ports.
PORTS = ("BACK_PORT=3100", "FRONT_PORT=8180", "DB_PORT=3406")
NAMES = {part: f"{OTHER_PROJECT}-{part}" for part in ("db", "back", "front")}


def env_of(name):
    return docker("inspect", "-f", "{{range .Config.Env}}{{println .}}{{end}}", name).stdout


def image_exists(image):
    return docker("image", "inspect", image).returncode == 0


def health(port):
    status, _, body = http(f"http://localhost:{port}/health")
    return status, json.loads(body)


def base_url_of_the_page(port):
    return json.loads(http(f"http://localhost:{port}/config.json")[2])["baseUrl"]


def allowed_origin(api_port, origin):
    _, headers, _ = http(f"http://localhost:{api_port}/health", headers={"Origin": origin})
    return headers.get("Access-Control-Allow-Origin")


def post_image(port, caption):
    body = json.dumps({"caption": caption, "filename": "copy.gif"}).encode()
    request = urllib.request.Request(
        f"http://localhost:{port}/images", data=body, headers={"Content-Type": "application/json"}
    )
    with urllib.request.urlopen(request, timeout=10) as reply:
        return reply.status


def captions(port):
    return {
        item["caption"] for item in json.loads(http(f"http://localhost:{port}/images")[2])["items"]
    }


# Before the tests that take `lesson_stack` (the module's: made for the first of them,
# kept to the module's end), which conftest.py's docker_clean_slate would take down.


@pytest.mark.usefixtures("docker_clean_slate")
def test_a_renamed_copys_page_is_titled_with_its_name(tmp_path):
    copy = rename(learner_copy(tmp_path / "photoshare"), "photoshare")
    try:
        ports = ("BACK_PORT=3100", "FRONT_PORT=8180")
        front = make("build-front", "front", *ports, cwd=copy)
        assert front.returncode == 0, front.output
        assert "-e APP_NAME=photoshare -d photoshare-front" in front.stdout
        wait_for_http("http://localhost:8180/healthz")
        config = json.loads(http("http://localhost:8180/config.json")[2])
        assert config == {"baseUrl": "http://localhost:3100", "name": "photoshare"}

        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path="/usr/bin/chromium", args=["--no-sandbox", "--disable-gpu"]
            )
            page = browser.new_page()
            page.goto("http://localhost:8180/")
            page.wait_for_function("document.title === 'photoshare · images'", timeout=15_000)
            heading = page.locator("h1").inner_text()
            browser.close()
        assert heading == "photoshare images"
        # The lesson's own page keeps the lesson's name, and its command stays the lesson's.
        assert "-e APP_NAME" not in make("-n", "front").stdout
    finally:  # the copy's image too: make down PROJECT=photoshare leaves images
        make("down", COPY)
        docker("rmi", "-f", "photoshare-front")


@pytest.mark.usefixtures("docker_clean_slate")
@pytest.mark.parametrize(
    "folder, image, copied_to",
    [("back", "myapp-back", "/app"), ("front", "myapp-front", "/usr/share/nginx/html")],
)
def test_a_tier_copied_alone_still_builds_without_its_makefile(tmp_path, folder, image, copied_to):
    """A tier folder builds alone, and none of it that is not the app's goes into its image:
    front's Makefile (its one line for make in the folder) stays out; back/ has none."""
    copy = learner_copy(tmp_path / "myapp", folder) / folder
    assert (copy / "Makefile").exists() == (folder == "front")
    try:
        build = run("docker", "build", "-t", image, ".", cwd=copy, timeout=600)
        assert build.returncode == 0, build.stderr
        found = docker("run", "--rm", "--entrypoint", "find", image, copied_to, "-name", "Makefile")
        assert found.returncode in (0, 1), found.stderr
        assert found.stdout == ""
    finally:
        docker("rmi", "-f", image)


# Beside the lesson's stack.


def test_a_renamed_copy_runs_beside_the_lesson_and_goes_alone(lesson_stack, tmp_path):
    copy = rename(learner_copy(tmp_path / OTHER_PROJECT), OTHER_PROJECT)
    up = make("up", *PORTS, cwd=copy, timeout=900)
    try:
        assert up.returncode == 0, up.output
        # Every name follows the one line of .env; the commands print them.
        assert (
            "$ docker run -p 3100:3000 --name photoshare-back --rm --network photoshare "
            "-e MYSQL_HOST=photoshare-db -e CORS_ORIGINS=http://localhost:8180 -d photoshare-back"
        ) in up.output
        assert all(running(name) for name in NAMES.values())
        assert "MYSQL_HOST=photoshare-db" in env_of(NAMES["back"]).splitlines()
        members = json.loads(docker("network", "inspect", OTHER_PROJECT).stdout)[0]["Containers"]
        assert sorted(c["Name"] for c in members.values()) == [NAMES["back"], NAMES["db"]]

        # Both stacks healthy at once, each front calling its own API, which allows it.
        for api in (3000, 3100):
            status, body = health(api)
            assert status == 200 and body["db"] is True, (api, body)
        assert base_url_of_the_page(8080) == "http://localhost:3000"
        assert base_url_of_the_page(8180) == "http://localhost:3100"
        assert allowed_origin(3100, "http://localhost:8180") == "http://localhost:8180"
        assert allowed_origin(3000, "http://localhost:8080") == "http://localhost:8080"
        # Two databases: what one stack saves, the other does not see.
        assert post_image(3100, "saved in photoshare") == 201
        assert "saved in photoshare" in captions(3100)
        assert "saved in photoshare" not in captions(3000)
    finally:
        down = make("down", cwd=copy)

    assert down.returncode == 0, down.output
    assert not any(docker("container", "inspect", n).returncode == 0 for n in NAMES.values())
    assert docker("network", "inspect", OTHER_PROJECT).returncode != 0
    # The lesson's stack did not notice.
    assert all(running(name) for name in ("k8scourse-db", "back", "front"))
    assert health(3000)[0] == 200
    clean = make("clean", cwd=copy)
    assert clean.returncode == 0, clean.output
    assert not image_exists("photoshare-back") and not image_exists("photoshare-front")
    assert image_exists("k8scourse-back") and image_exists("k8scourse-front")


def test_back_and_front_copied_alone_build_and_run_from_another_folder(lesson_stack, tmp_path):
    """The README's recipe: back/ and front/ into myapp/, built there with docker build
    alone and run against the lesson's database (any MySQL will do)."""
    app = learner_copy(tmp_path / "myapp", "back", "front")
    try:
        for folder in ("back", "front"):
            build = run(
                "docker", "build", "-q", "-t", f"myapp-{folder}", f"myapp/{folder}", cwd=tmp_path
            )
            assert build.returncode == 0, build.stderr
        assert sorted(path.name for path in app.iterdir() if not path.name.startswith(".")) == [
            "back",
            "front",
        ]
        api = docker(
            *"run -d --rm --name myapp-back -p 3200:3000 --network k8scourse".split(),
            *("-e", "MYSQL_HOST=k8scourse-db", "-e", "CORS_ORIGINS=http://localhost:8280"),
            "myapp-back",
        )
        assert api.returncode == 0, api.stderr
        web = docker(
            *"run -d --rm --name myapp-front -p 8280:8080".split(),
            *("-e", "BASE_URL=http://localhost:3200", "myapp-front"),
        )
        assert web.returncode == 0, web.stderr
        wait_for_http("http://localhost:3200/health")
        assert health(3200)[1]["db"] is True
        wait_for_http("http://localhost:8280/healthz")
        assert base_url_of_the_page(8280) == "http://localhost:3200"
        assert allowed_origin(3200, "http://localhost:8280") == "http://localhost:8280"
    finally:
        docker("rm", "-f", "myapp-back", "myapp-front")
        docker("rmi", "myapp-back", "myapp-front")


def test_the_makefile_and_its_scripts_drive_a_project_of_its_own(lesson_stack, tmp_path):
    """The README's recipe: the Makefile, .env and scripts/, without mk/, in a project that
    has its own tiers (here the sample's) and nothing else: no standins/, so docker uses (or
    pulls) the images itself, and none of mk/'s machinery."""
    project = learner_copy(
        tmp_path / "myapp", "Makefile", ".env", "scripts", "back", "front", "db/init.sql"
    )
    rename(project, "myapp")
    assert not (project / "mk").exists() and not (project / "standins").exists()
    assert "make up" in make("help", cwd=project).stdout
    up = make("up", *PORTS, cwd=project, timeout=900)
    try:
        assert up.returncode == 0, up.output
        assert "--name myapp-db" in up.output and "standin" not in up.output
        assert health(3100)[1]["db"] is True
        checked = make("health", *PORTS, cwd=project)
        assert checked.returncode == 0, checked.output
        assert '"db":true' in checked.stdout
        assert base_url_of_the_page(8180) == "http://localhost:3100"
        absent = ("DB_NAME=myapp-db2", "DB_IMAGE=k8scourse-e2e-absent:1")
        missing = make("db", *absent, cwd=project)
        assert missing.returncode != 0
        assert "k8scourse-e2e-absent:1' is missing and cannot be pulled" in missing.stderr
        assert "make pull-images" not in missing.stderr  # no stand-ins in this project
    finally:
        down = make("down", cwd=project)
        make("clean", cwd=project)
    assert down.returncode == 0, down.output
    assert docker("network", "inspect", "myapp").returncode != 0
