"""Faults and replacements under load, on the docker run stack (`make up`).

The same load as the Swarm update tests (tests/e2e/load.py: clients on kept-alive
connections, reads and every 4th request a write, bounded in time), while the database
restarts, the backend is stopped, or the backend is replaced by `make back` or by
`docker compose up -d`, which have no rolling update: the error window of those is
measured, and the README says it beside Swarm's and Kubernetes' way that avoids it.
Figures go to the end-of-run table (docs/reliability.md).
"""

import time
import uuid

import pytest
from copies import learner_copy
from load import (
    Load,
    assert_acknowledged_writes_stored,
    database_answers,
    database_outage_under_load,
)
from real_engines import docker, make, record_figure, wait_for_http, with_named_db_volume

pytestmark = [pytest.mark.e2e, pytest.mark.usefixtures("lesson_stack")]

API = "http://localhost:3000"


def test_a_database_restart_under_load_is_503_then_well_again():
    load = database_outage_under_load(
        3000,
        lambda: docker("restart", "k8scourse-db"),
        lambda: database_answers("k8scourse-db"),
        "docker run stack: the database restarted",
        "database_restart",
    )
    assert_acknowledged_writes_stored(load, "k8scourse-db")


def test_docker_stop_back_answers_every_request_in_flight():
    try:
        with Load(3000, f"stop-{uuid.uuid4().hex[:8]}", connections=8, seconds=15) as load:
            load.wait_answered(8 * 5)  # every client busy
            stop_at = time.monotonic()
            assert docker("stop", "back").returncode == 0
            # The stop has returned: the backend is gone, and no answer comes after it.
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
    assert in_flight, "no request was in flight when docker stop began: nothing was tested"
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
            load.wait_answered(8 * 5)
            replaced = make("back", "BACK_IMAGE=k8scourse-back-changed")
            wait_for_http(API + "/health", timeout=30)
            load.wait_answered(8 * 5, since=time.monotonic())  # the new backend under load
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
            load.wait_answered(8 * 5)
            recreated = run_compose("up", "-d", "--no-build")
            wait_for_http(API + "/health", timeout=30)
            load.wait_answered(8 * 5, since=time.monotonic())  # the new backend under load
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


def test_a_database_restart_with_compose_named_volume_keeps_every_write(tmp_path):
    """Compose with the opt-in named volume (compose.yaml's comments): the data outlives the
    database's restart, so every write answered 201 before it is still there."""
    copy = with_named_db_volume(learner_copy(tmp_path / "k8scourse"))
    assert make("down").returncode == 0
    try:
        up = make("compose-up", cwd=copy, timeout=600)
        assert up.returncode == 0, up.output
        db = compose_container("db")
        load = database_outage_under_load(
            3000,
            lambda: docker("restart", db),
            lambda: database_answers(db),
            "Compose, the database on its named volume, restarted",
            "named_volume",
        )
        assert_acknowledged_writes_stored(load, db)
    finally:
        make("compose-down", cwd=copy)
        docker("volume", "rm", "k8scourse_db-data")
        assert make("up").returncode == 0  # the docker run stack again, for what follows
