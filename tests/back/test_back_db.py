"""db.py under concurrency: the pool's bound and the shared ping.

Threads stand for gunicorn's greenlets here: db.py uses threading's locks, which gevent
makes cooperative in the server; with real threads every race is a real one.
"""

import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from api.db import UNAVAILABLE, Database, PoolBusy, SharedCall
from mariadb_server import db_config


@pytest.mark.integration
def test_connections_never_exceed_the_pool_size(live_db):
    db = Database(db_config(live_db, mysql_pool_size=3))

    def connection_used():
        return db.query("SELECT CONNECTION_ID() AS id, SLEEP(0.02) AS slept")[0]["id"]

    with ThreadPoolExecutor(max_workers=30) as pool:
        used = set(pool.map(lambda _: connection_used(), range(120)))
    assert 1 <= len(used) <= 3  # 30 requests at a time, 3 connections to the server


@pytest.mark.integration
def test_a_request_that_finds_every_connection_busy_gets_503_after_a_second(live_db):
    db = Database(db_config(live_db, mysql_pool_size=1))
    holder = threading.Thread(target=db.query, args=("SELECT SLEEP(1.6)",))
    holder.start()
    time.sleep(0.2)  # the only connection is now busy
    started = time.monotonic()
    with pytest.raises(PoolBusy, match="all 1 database connections of this process are busy"):
        db.query("SELECT 1")
    waited = time.monotonic() - started
    holder.join()
    assert 0.9 < waited < 1.5
    assert isinstance(PoolBusy("x"), UNAVAILABLE)  # so the API answers 503, not 500
    assert db.query("SELECT 1 AS one") == [{"one": 1}]  # and the slot came back


@pytest.mark.integration
def test_a_busy_pool_is_a_json_503_on_the_api(live_db):
    from api import create_app

    app = create_app(db_config(live_db, mysql_pool_size=1))
    holder = threading.Thread(target=app.extensions["db"].query, args=("SELECT SLEEP(1.6)",))
    holder.start()
    time.sleep(0.2)
    try:
        response = app.test_client().get("/images")
    finally:
        holder.join()
    assert response.status_code == 503
    assert response.get_json()["error"] == "Service Unavailable"


@pytest.mark.integration
def test_concurrent_pings_all_get_a_real_answer(live_db):
    db = Database(db_config(live_db))
    with ThreadPoolExecutor(max_workers=20) as pool:
        list(pool.map(lambda _: db.ping(), range(400)))  # raises if any failed
    live_db.stop()
    try:
        with ThreadPoolExecutor(max_workers=20) as pool:
            failures = list(pool.map(lambda _: _outcome(db.ping), range(40)))
    finally:
        live_db.start()
    assert all(isinstance(f, UNAVAILABLE) for f in failures)
    db.ping()  # and up again, same Database


class Gate:
    """A function that blocks until the test opens the gate, counting its runs."""

    def __init__(self, result="pong", error=None):
        self.runs = 0
        self.entered = threading.Event()
        self.opened = threading.Event()
        self.result, self.error = result, error

    def __call__(self):
        self.runs += 1
        self.entered.set()
        assert self.opened.wait(5)
        if self.error:
            raise self.error
        return self.result


def start(target, results):
    thread = threading.Thread(target=lambda: results.append(_outcome(target)))
    thread.start()
    return thread


def _outcome(function):
    try:
        return function()
    except Exception as exc:  # noqa: BLE001 - the test compares it
        return exc


def test_callers_that_overlap_share_one_run():
    gate = Gate()
    shared, results = SharedCall(gate), []
    threads = [start(shared, results)]
    assert gate.entered.wait(5)  # the first caller is inside
    threads += [start(shared, results) for _ in range(5)]
    time.sleep(0.1)
    assert results == []  # the others wait for its answer rather than start their own
    gate.opened.set()
    for thread in threads:
        thread.join(5)
    assert results == ["pong"] * 6
    assert gate.runs == 1


def test_a_caller_after_the_run_gets_a_new_run_not_a_cached_answer():
    gate = Gate()
    gate.opened.set()
    shared = SharedCall(gate)
    assert shared() == "pong"
    assert shared() == "pong"
    assert gate.runs == 2


def test_an_error_reaches_every_caller_that_shared_the_run():
    error = ConnectionError("the database went away")
    gate = Gate(error=error)
    shared, results = SharedCall(gate), []
    threads = [start(shared, results)]
    assert gate.entered.wait(5)
    threads += [start(shared, results) for _ in range(3)]
    time.sleep(0.1)
    gate.opened.set()
    for thread in threads:
        thread.join(5)
    assert results == [error] * 4
    gate.error = None
    assert shared() == "pong"  # the next call tries again


def test_callers_run_it_again_when_the_first_caller_was_interrupted():
    # A worker that stops kills its greenlets: the others must not take that as success.
    class Interrupted(BaseException):
        pass

    gate = Gate()
    first_run = gate.__call__

    def interrupted_once():
        if gate.runs == 0:
            first_run()
            raise Interrupted
        return first_run()

    shared, results = SharedCall(interrupted_once), []
    first = threading.Thread(target=lambda: _swallow(shared, Interrupted))
    first.start()
    assert gate.entered.wait(5)
    waiting = start(shared, results)
    time.sleep(0.1)
    gate.opened.set()
    first.join(5)
    waiting.join(5)
    assert results == ["pong"]
    assert gate.runs == 2


def _swallow(function, error_class):
    try:
        function()
    except error_class:
        pass
