"""The rough edges of issue 21, tried as a learner would, on the real engine (Docker;
Podman where an item is engine-specific): each expected failure reads as the lesson's
point, each real one names the fix that works from where the learner stands."""

import json
import os
import pty
import socket
import subprocess
import time
from contextlib import contextmanager

import pytest
from copies import learner_copy, path_without, rename
from playwright.sync_api import sync_playwright
from real_engines import (
    AT_ONCE,
    REPO,
    docker,
    http,
    json_line,
    make,
    run,
    timed_make,
    wait_for_http,
)

pytestmark = pytest.mark.e2e


COPY = "PROJECT=photoshare"  # the README's renamed copy, run from the lesson's folder


@pytest.fixture(autouse=True)
def clean_slate():
    make("down")
    yield
    make("down")
    make("down", COPY)


def test_health_after_back_broken_is_the_lessons_failure_and_a_real_one_is_not():
    assert make("build", "back-broken").returncode == 0

    health = timed_make("health")

    assert health.returncode == 0, health.output
    assert json_line(health.stdout)["mysql_host"] == "localhost"
    assert (
        "# this is the failure the lesson shows (back runs without MYSQL_HOST, so it looks for "
        "the database on localhost, which inside its container is the container itself); "
        "next: make back, which passes -e MYSQL_HOST=k8scourse-db"
    ) in health.stdout.splitlines()
    assert "Error" not in health.output
    assert health.elapsed < AT_ONCE

    # MYSQL_HOST=localhost given by hand is no step of the lesson: a real failure.
    assert make("stop").returncode == 0
    by_hand = "-p 3000:3000 --network k8scourse -e MYSQL_HOST=localhost k8scourse-back"
    assert docker("run", "-d", "--rm", "--name", "back", *by_hand.split()).returncode == 0

    real = make("health")

    assert real.returncode != 0
    assert "the lesson's fix is 'make back', which passes -e MYSQL_HOST=k8scourse-db" in (
        real.stderr
    )
    assert "failure the lesson shows" not in real.output


def test_ping_with_one_stopped_names_the_step_the_learner_is_at():
    ping = timed_make("ping")

    assert ping.returncode != 0
    assert ping.stderr.splitlines()[0:1] == [
        "make: container 'one' is not running: start it with 'make alpine' (or "
        "'make alpine-network' once you are at the lesson's part 2)."
    ]
    assert ping.elapsed < AT_ONCE

    assert docker("network", "create", "alpine-network").returncode == 0  # part 2 begun
    ping = make("ping")

    assert ping.returncode != 0
    assert ping.stderr.splitlines()[0:1] == [
        "make: container 'one' is not running: start it with 'make alpine-network' "
        "(the network alpine-network exists: you are at the lesson's part 2)."
    ]


def test_a_changed_db_port_says_so_and_keeps_the_database():
    assert make("db", COPY, "DB_PORT=3407").returncode == 0

    again = make("db", COPY, "DB_PORT=3406")

    assert again.returncode == 0, again.output
    assert (
        "# photoshare-db runs with another published port than this command: kept, because "
        "it holds the data (it runs with --rm: stopping it deletes what was added); to apply "
        "the change anyway: 'docker stop photoshare-db', then run this make again"
    ) in again.stdout.splitlines()
    assert "$ docker stop" not in again.stdout
    assert docker("port", "photoshare-db", "3306/tcp").stdout.split()[0].endswith(":3407")
    assert "# photoshare-db is already running" in make("db", COPY, "DB_PORT=3407").stdout


def test_up_in_a_renamed_copy_names_every_clash_at_once_with_commands_that_work_there(tmp_path):
    assert make("up", timeout=900).returncode == 0  # the lesson's stack
    copy = rename(learner_copy(tmp_path / "photoshare"), "photoshare")

    up = timed_make("up", cwd=copy)

    assert up.returncode != 0
    assert [line for line in up.stderr.splitlines() if line.startswith("make: ")][0] == (
        "make: make up PROJECT=photoshare would publish ports that are already in use: "
        "3306 (DB_PORT) by container 'k8scourse-db', 3000 (BACK_PORT) by container 'back', "
        "8080 (FRONT_PORT) by container 'front'. Free them ('make down PROJECT=k8scourse'), "
        "or use free ports: make up PROJECT=photoshare DB_PORT=3307 BACK_PORT=3001 "
        "FRONT_PORT=8081."
    )
    assert up.elapsed < AT_ONCE
    assert "$ " not in up.stdout  # nothing started
    assert docker("network", "inspect", "photoshare").returncode != 0

    # From the lesson's folder its own stack is no clash: make up keeps it.
    assert make("ports").returncode == 0
    # The command the line names works from the copy.
    assert make("down", "PROJECT=k8scourse", cwd=copy).returncode == 0
    assert docker("container", "inspect", "k8scourse-db").returncode != 0


@contextmanager
def squatting(port):
    """Another program (this test) listening on port, as a learner's dev server would."""
    with socket.socket() as squatter:
        squatter.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        squatter.bind(("0.0.0.0", port))  # noqa: S104 - the port the engine publishes on
        squatter.listen()
        yield


def test_a_port_held_by_another_program_names_it_or_the_command_that_shows_it(tmp_path):
    assert make("build").returncode == 0
    with squatting(3000):
        back = make("back")
        up = make("ports")
        bare_path = path_without("ss", tmp_path / "bin")
        (tmp_path / "bin" / "lsof").unlink(missing_ok=True)
        blind = make("back", env={**os.environ, "PATH": bare_path})

    assert back.returncode != 0
    assert "make: port 3000 is already used by another program on this machine, " in back.stderr
    assert f"(PID {os.getpid()}): stop it, or publish the backend on another port" in back.stderr
    assert "3000 (BACK_PORT) by another program on this machine, " in up.stderr
    assert f"(PID {os.getpid()}). Free them (stop that program)" in up.stderr
    assert (
        "make: port 3000 is already used by another program on this machine (to see which: "
        "'ss -ltnp' on Linux, 'lsof -iTCP:3000 -sTCP:LISTEN' on macOS): stop it, or"
    ) in blind.stderr


def test_make_lesson_on_a_terminal_asks_before_it_stops_the_database():
    assert make("db").returncode == 0
    main, terminal = pty.openpty()
    child = subprocess.Popen(
        ["make", "--no-print-directory", "lesson"],
        cwd=REPO,
        stdin=terminal,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    os.write(main, b"n\n")
    output, _ = child.communicate(timeout=60)
    os.close(main)
    os.close(terminal)

    assert child.returncode != 0
    assert (
        "# make lesson starts from a clean slate: it stops k8scourse-db, and the data in "
        "k8scourse-db goes with it (it runs with --rm)"
    ) in output.splitlines()
    # The answer's newline is the terminal's echo: here the line follows the question.
    assert (
        "Stop them and go on? [y/N] make: nothing stopped, nothing run: stop them when you are "
        "ready (make down PROJECT=k8scourse), then make lesson again."
    ) in output.splitlines()
    assert docker("container", "inspect", "k8scourse-db").returncode == 0  # still there


def test_make_lesson_in_a_renamed_copy_streams_says_what_it_stops_and_how_to_stop_it(tmp_path):
    copy = rename(learner_copy(tmp_path / "photoshare"), "photoshare")
    assert make("db").returncode == 0  # a lesson's database the learner may have filled
    started = time.monotonic()
    child = subprocess.Popen(
        ["make", "--no-print-directory", "lesson"],
        cwd=copy,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    seen = []  # (seconds since the start, line), as the lines come
    for line in child.stdout:
        seen.append((time.monotonic() - started, line.rstrip("\n")))
    assert child.wait(timeout=600) == 0, "\n".join(line for _, line in seen)
    lines = [line for _, line in seen]

    start = lines.index("== Start from a clean slate")
    assert lines[start + 1 : start + 4] == [
        "# make lesson runs under the lesson's own names (k8scourse: back, k8scourse-db, one, "
        "two), not photoshare's: photoshare's stack is left alone",
        "# make lesson starts from a clean slate: it stops k8scourse-db, and the data in "
        "k8scourse-db goes with it (it runs with --rm)",
        "# no terminal to ask on: going on",
    ]
    assert lines[-1].endswith(
        "all as the lesson says. back and k8scourse-db still run: make down PROJECT=k8scourse "
        "stops them."
    )
    # Streamed: the line that announces the 10 s stop comes before the wait, not after it.
    [announced] = [t for t, line in seen if "# stopping one takes a while" in line][:1]
    [stopped] = [t for t, line in seen if "ok: docker stop one and two" in line][:1]
    assert stopped - announced > 5, lines


@pytest.mark.parametrize("folder", ["back", "front", "db"])
def test_make_in_a_tier_folder_says_to_run_it_from_the_root(folder):
    up = make("up", cwd=REPO / folder)

    assert up.returncode != 0
    assert up.output.splitlines() == [
        f"Makefile:{4 if folder != 'db' else 3}: *** run make from the repository's root, "
        f"not from {folder}/: cd .. && make up.  Stop."
    ]


@pytest.mark.parametrize(
    "folder, image, copied_to",
    [("back", "myapp-api", "/app"), ("front", "myapp-web", "/usr/share/nginx/html")],
)
def test_a_tier_copied_alone_still_builds_without_its_makefile(tmp_path, folder, image, copied_to):
    copy = learner_copy(tmp_path / "myapp", folder) / folder
    assert (copy / "Makefile").exists()
    try:
        build = run("docker", "build", "-t", image, ".", cwd=copy, timeout=600)
        assert build.returncode == 0, build.stderr
        found = docker("run", "--rm", "--entrypoint", "find", image, copied_to, "-name", "Makefile")
        assert found.returncode in (0, 1), found.stderr
        assert found.stdout == ""
    finally:
        docker("rmi", "-f", image)


def test_the_readmes_first_screen_adds_an_image_beside_make_up():
    first_screen = (REPO / "README.md").read_text().split("```")[1]
    [add] = [line for line in first_screen.splitlines() if line.startswith("curl ")]
    assert make("up", timeout=900).returncode == 0

    added = run("bash", "-c", add.split("   #")[0] + " --silent --write-out '\\n%{http_code}'")

    assert added.stdout.splitlines()[-1] == "201", added.stdout + added.stderr
    listed = run("curl", "--silent", "localhost:3000/images").stdout
    assert '"caption": "a cat"' in listed.replace('"caption":"', '"caption": "')


def test_plain_compose_beside_the_docker_run_network_has_a_troubleshooting_row():
    assert make("network").returncode == 0

    compose = run("docker", "compose", "up", "-d", timeout=600)

    assert compose.returncode != 0
    said = (
        'network k8scourse was found but has incorrect label com.docker.compose.network set to ""'
    )
    assert said in compose.stderr
    row = [line for line in (REPO / "README.md").read_text().splitlines() if said in line]
    assert len(row) == 1 and "make down" in row[0]
    run("docker", "compose", "down", "--remove-orphans")


def test_alpine_network_stops_the_old_one_and_two_in_one_wait():
    assert make("alpine").returncode == 0

    network = timed_make("alpine-network")

    assert network.returncode == 0, network.output
    assert "$ docker stop one two" in network.stdout.splitlines()
    assert (
        "# two runs with another network than this command: replacing it too, in the same wait"
        in (network.stdout)
    )
    assert network.elapsed < 15, f"make alpine-network took {network.elapsed:.0f} s (two waits: 20)"
    assert make("ping").returncode == 0  # both on the network, as the lesson wants


def test_a_backend_moved_back_says_the_running_front_still_calls_the_old_port():
    assert make("build", "build-front").returncode == 0
    assert make("back", "BACK_PORT=3001").returncode == 0
    assert make("front").returncode == 0  # BASE_URL=http://localhost:3001, following back

    back = make("back", "BACK_PORT=3000")

    assert back.returncode == 0, back.output
    assert (
        "notice: front's page still calls the API at http://localhost:3001: 'make front' points "
        "it at http://localhost:3000"
    ) in back.stdout.splitlines()
    assert "-e BASE_URL=http://localhost:3000 " in make("front").stdout


def test_help_names_the_front_as_the_readme_does():
    assert "\nPart 4: the front end (the next lesson), served by nginx\n" in make("help").stdout
    assert "\n### 4. The front end (the next lesson)\n" in (REPO / "README.md").read_text()


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
