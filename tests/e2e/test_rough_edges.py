"""The rough edges of issue 21, tried as a learner would, on the real engine (Docker;
Podman where an item is engine-specific): each expected failure reads as the lesson's
point, each real one names the fix that works from where the learner stands."""

import json

import pytest
from lessonkit import AT_ONCE, docker, make, timed_make

pytestmark = pytest.mark.e2e


COPY = "PROJECT=photoshare"  # the README's renamed copy, run from the lesson's folder


@pytest.fixture(autouse=True)
def clean_slate():
    make("down")
    yield
    make("down")
    make("down", COPY)


def json_line(text):
    """The last JSON object printed on a line of its own (curl's body)."""
    return json.loads([line for line in text.splitlines() if line.startswith("{")][-1])


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
