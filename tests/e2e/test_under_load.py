"""Faults and replacements under load, on the docker run stack (`make up`).

The same load as the Swarm update tests (tests/e2e/loadkit.py: clients on kept-alive
connections, reads and every 4th request a write, bounded in time), while the database
restarts, the backend is stopped, or the backend is replaced by `make back` or by
`docker compose up -d`, which have no rolling update: the error window of those is
measured, and the README says it beside Swarm's and Kubernetes' way that avoids it.
Figures go to the end-of-run table (docs/reliability.md).
"""

import json
import time
import uuid

import pytest
from lessonkit import docker, make, record_figure, wait_for_http
from loadkit import Load, assert_acknowledged_writes_stored

pytestmark = [pytest.mark.e2e, pytest.mark.usefixtures("lesson_stack")]

API = "http://localhost:3000"


def database_answers(db="k8scourse-db"):
    return (
        docker(
            *("exec", "-e", "MYSQL_PWD=mysql", db, "mysql", "--protocol=TCP", "-h127.0.0.1"),
            *("-uuser", "images", "-e", "SELECT 1"),
        ).returncode
        == 0
    )


def test_a_database_restart_under_load_is_503_then_well_again():
    with Load(3000, f"dbrestart-{uuid.uuid4().hex[:8]}", connections=32, seconds=45) as load:
        time.sleep(2)
        assert docker("restart", "k8scourse-db").returncode == 0
        deadline = time.monotonic() + 30
        while not database_answers():
            assert time.monotonic() < deadline, "the database did not come back in 30 s"
            time.sleep(0.1)
        back_at = time.monotonic()
        time.sleep(5)
    statuses = load.statuses()
    window = load.error_window(ok=(200, 201))
    slowest = max(r.seconds for r in load.requests)
    refused = [r for r in load.requests if r.status == 503]
    record_figure(
        "docker run stack: the database restarted under load",
        f"{load.summary()}; answers {statuses}; error window "
        f"{(window[1] - window[0]) if window else 0:.1f} s, ending "
        f"{(window[1] - back_at) if window else 0:+.1f} s after the database answered; "
        f"slowest request {slowest:.2f} s",
        "pytest tests/e2e/test_under_load.py -k restart",
    )
    assert set(statuses) <= {200, 201, 503}, statuses  # never a 500, never no answer
    assert refused, "the restart went unnoticed: the test did not test anything"
    for answer in refused:
        assert json.loads(answer.body)["error"], answer.body  # the API's JSON, with its reason
    assert slowest <= 3, f"a request took {slowest:.2f} s"
    assert window[1] <= back_at + 3, f"503s went on {window[1] - back_at:.1f} s after"
    assert_acknowledged_writes_stored(load, "k8scourse-db")


def test_docker_stop_back_answers_every_request_in_flight():
    try:
        with Load(3000, f"stop-{uuid.uuid4().hex[:8]}", connections=8, seconds=15) as load:
            time.sleep(2)
            stop_at = time.monotonic()
            assert docker("stop", "back").returncode == 0
            time.sleep(1)
    finally:
        assert make("back").returncode == 0
        wait_for_http(API + "/health", timeout=60)
    in_flight = [r for r in load.requests if r.started < stop_at < r.ended]
    record_figure(
        "docker run stack: docker stop back under load",
        f"{len(in_flight)} requests in flight at the stop, "
        f"{sum(r.status in (200, 201) for r in in_flight)} of them answered",
        "pytest tests/e2e/test_under_load.py -k docker_stop",
    )
    assert all(r.status in (200, 201) for r in in_flight), [r for r in in_flight if not r.status]
    assert_acknowledged_writes_stored(load, "k8scourse-db")


def changed_back_image(tmp_path, tag):
    """A back image other than k8scourse-back (a label and a variable more), tagged tag."""
    (tmp_path / "Dockerfile").write_text(
        "FROM k8scourse-back\nLABEL org.k8scourse.test=changed\nENV K8SCOURSE_TEST_CHANGED=1\n"
    )
    assert docker("build", "-q", "-t", tag, str(tmp_path)).returncode == 0


def assert_error_window_under(seconds, load, case, selector):
    """The replacement under load failed requests (it has no rolling update), for less
    than `seconds` from the first failure to the last; the figure is recorded."""
    window = load.error_window()
    assert window, "nothing failed: the replacement was not under load"
    record_figure(
        f"{case}, under load",
        f"{load.summary()}; error window {window[1] - window[0]:.1f} s",
        f"pytest tests/e2e/test_under_load.py -k {selector}",
    )
    assert window[1] - window[0] < seconds, f"{window[1] - window[0]:.1f} s without a backend"


def test_make_back_replacing_a_running_backend_drops_requests_for_a_moment(tmp_path):
    """No rolling update with docker run: the old container stops before the new one
    answers. Measured, and bounded, not zero."""
    changed_back_image(tmp_path, "k8scourse-back-changed")
    try:
        with Load(3000, f"replace-{uuid.uuid4().hex[:8]}", connections=8, seconds=40) as load:
            time.sleep(2)
            replaced = make("back", "BACK_IMAGE=k8scourse-back-changed")
            wait_for_http(API + "/health", timeout=30)
            time.sleep(2)
        assert replaced.returncode == 0, replaced.output
        assert "runs with another image than this command: replacing it" in replaced.output
        assert_error_window_under(
            10, load, "docker run stack: make back replacing a running backend", "replacing"
        )
        assert_acknowledged_writes_stored(load, "k8scourse-db")
    finally:
        make("back")
        docker("rmi", "k8scourse-back-changed")


def test_compose_up_after_a_rebuild_drops_requests_for_a_moment(tmp_path):
    """`docker compose up -d` recreates a service whose image changed: it stops the old
    container before it starts the new one. Measured, and bounded, not zero."""
    original = docker("image", "inspect", "-f", "{{.Id}}", "k8scourse-back").stdout.strip()
    assert make("down").returncode == 0
    try:
        up = make("compose-up", timeout=600)
        assert up.returncode == 0, up.output
        changed_back_image(tmp_path, "k8scourse-back")  # what `docker compose build` would do
        with Load(3000, f"compose-{uuid.uuid4().hex[:8]}", connections=8, seconds=60) as load:
            time.sleep(2)
            recreated = run_compose("up", "-d", "--no-build")
            wait_for_http(API + "/health", timeout=30)
            time.sleep(2)
        assert recreated.returncode == 0, recreated.stderr
        assert "Recreate" in recreated.stderr or "Recreated" in recreated.stderr, recreated.stderr
        assert_error_window_under(
            15, load, "Compose: docker compose up -d recreating back after a rebuild", "compose_up"
        )
        assert_acknowledged_writes_stored(load, db=compose_container("db"))
    finally:
        make("compose-down")
        docker("tag", original, "k8scourse-back")
        assert make("up").returncode == 0  # the docker run stack again, for what follows


def run_compose(*args):
    return docker("compose", "-p", "k8scourse", *args, timeout=120)


def compose_container(service):
    return docker(
        "ps", "-q", "--filter", "label=com.docker.compose.project=k8scourse",
        "--filter", f"label=com.docker.compose.service={service}",
    ).stdout.split()[0]  # fmt: skip
