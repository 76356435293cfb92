"""A bounded load on the API while something happens to the stack (an update, a fault).

`Load` runs `connections` clients on 127.0.0.1 (or `host`), each on its own kept-alive
connection as a browser's, sending GET /images and every `write_every`-th request a POST
/images, until stopped or `seconds` are up: it always stops by itself. Every request is
kept with its start, end and outcome, so that a test can count failures, find the error
window and check that every write answered 201 is in the database afterwards.
"""

import json
import re
import threading
import time
import uuid
from dataclasses import dataclass
from http.client import HTTPConnection, HTTPException

from real_engines import docker, record_figure


@dataclass
class Request:
    started: float
    ended: float
    method: str
    status: int | None  # None: no answer (refused, reset, cut off, timed out)
    body: bytes = b""
    error: str = ""

    @property
    def seconds(self):
        return self.ended - self.started


class Load:
    def __init__(
        self, port, tag, connections=32, seconds=60, write_every=4, timeout=10, host="127.0.0.1"
    ):
        self.host, self.port, self.tag, self.seconds = host, port, tag, seconds
        self.write_every, self.timeout = write_every, timeout
        self.requests, self.acknowledged = [], {}  # acknowledged: row id -> caption
        self.lock, self.stopping = threading.Lock(), threading.Event()
        self.clients = [
            threading.Thread(target=self._client, args=(n,), daemon=True)
            for n in range(connections)
        ]

    def __enter__(self):
        self.started = time.monotonic()
        for client in self.clients:
            client.start()
        return self

    def __exit__(self, *_):
        self.stop()

    def answered(self, since=0.0, ok=(200, 201)):
        """How many requests started after `since` (time.monotonic()) were answered with ok."""
        with self.lock:
            return sum(r.started >= since and r.status in ok for r in self.requests)

    def wait_answered(self, count, since=0.0, timeout=30, ok=(200, 201)):
        """Wait until `count` requests started after `since` were answered with ok: the load
        runs before an event (or after it) as an observable fact, not after a sleep."""
        deadline = time.monotonic() + timeout
        while self.answered(since, ok) < count:
            assert time.monotonic() < deadline, (
                f"{self.answered(since, ok)} of {count} requests answered in {timeout} s"
            )
            time.sleep(0.05)

    def stop(self):
        self.stopping.set()
        for client in self.clients:
            client.join(timeout=self.timeout + 5)

    def _client(self, number):
        connection, n = None, 0
        deadline = self.started + self.seconds
        while not self.stopping.is_set() and time.monotonic() < deadline:
            n += 1
            if connection is None:
                connection = HTTPConnection(self.host, self.port, timeout=self.timeout)
            if n % self.write_every == 0:
                caption = f"{self.tag}-{number}-{n}"
                body = json.dumps({"caption": caption, "filename": f"{caption}.gif"})
                request = ("POST", "/images", body, {"Content-Type": "application/json"})
            else:
                caption, request = None, ("GET", "/images?limit=5", None, {})
            started = time.monotonic()
            try:
                connection.request(*request)
                answer = connection.getresponse()
                done = Request(started, time.monotonic(), request[0], answer.status, answer.read())
                if answer.will_close:
                    connection.close()
                    connection = None
            except (OSError, HTTPException) as exc:
                done = Request(started, time.monotonic(), request[0], None, error=repr(exc))
                connection.close()
                connection = None
            with self.lock:
                self.requests.append(done)
                if caption and done.status == 201:
                    self.acknowledged[json.loads(done.body)["id"]] = caption
        if connection is not None:
            connection.close()

    # What happened, for the assertions.
    def failed(self, ok=(200, 201)):
        return [r for r in self.requests if r.status not in ok]

    def statuses(self):
        counts = {}
        for r in self.requests:
            counts[r.status] = counts.get(r.status, 0) + 1
        return counts

    def error_window(self, ok=(200, 201)):
        """(first failure's start, last failure's end), or None: monotonic seconds."""
        failed = self.failed(ok)
        if not failed:
            return None
        return min(r.started for r in failed), max(r.ended for r in failed)

    def summary(self):
        writes = sum(1 for r in self.requests if r.method == "POST")
        return (
            f"{len(self.requests)} requests ({writes} writes), {len(self.failed())} failed, "
            f"{len(self.acknowledged)} writes answered 201"
        )


def stored_rows(db, tag):
    """id -> caption of the rows a Load tagged, read in the database container db as the
    app's user; fails if a write was applied twice."""
    assert re.fullmatch(r"[a-z0-9-]+", tag)
    out = docker(
        *("exec", "-e", "MYSQL_PWD=mysql", db, "mysql", "--protocol=TCP", "-h127.0.0.1"),
        *("-uuser", "-N", "-B", "images", "-e"),
        f"SELECT id, caption FROM images WHERE caption LIKE '{tag}-%'",  # noqa: S608
    )
    assert out.returncode == 0, out.stderr
    rows = [line.split("\t") for line in out.stdout.splitlines()]
    captions = [caption for _, caption in rows]
    assert len(captions) == len(set(captions)), "a write was applied twice"
    return {int(row_id): caption for row_id, caption in rows}


def assert_acknowledged_writes_stored(load, db):
    """Every write the Load saw answered 201 is in the database container db."""
    stored = stored_rows(db, load.tag)
    assert {i: stored.get(i) for i in load.acknowledged} == load.acknowledged


def database_answers(db):
    """The database container db answers a real query over TCP as the app's user."""
    query = docker(
        *("exec", "-e", "MYSQL_PWD=mysql", db, "mysql", "--protocol=TCP", "-h127.0.0.1"),
        *("-uuser", "images", "-e", "SELECT 1"),
    )
    return query.returncode == 0


def database_outage_under_load(
    port, restart, answers, case, selector, unanswered=0, slowest_allowed=3
):
    """restart() the database while a Load runs on port, until answers() says it is back;
    then the promise of the API: 503s with the API's JSON, never a 500, no answer later
    than 3 s, and no 503 later than 3 s after the database answers. Where the promise does
    not hold, measured bounds: at most `unanswered` requests without an answer, no answer
    later than `slowest_allowed` s. The Load."""
    with Load(port, f"outage-{uuid.uuid4().hex[:8]}", connections=32, seconds=50) as load:
        load.wait_answered(32 * 5)
        restart()
        deadline = time.monotonic() + 40
        while not answers():
            assert time.monotonic() < deadline, "the database did not come back in 40 s"
            time.sleep(0.1)
        back_at = time.monotonic()
        # The recovery, observed: every client answered again, 3 s after the database was.
        load.wait_answered(32 * 5, since=back_at + 3)
    statuses, window = load.statuses(), load.error_window(ok=(200, 201, None))
    slowest = max(r.seconds for r in load.requests if r.status)
    refused = [r for r in load.requests if r.status == 503]
    record_figure(
        f"{case}, under load",
        f"{load.summary()}; answers {statuses}; error window "
        f"{(window[1] - window[0]) if window else 0:.1f} s, ending "
        f"{(window[1] - back_at) if window else 0:+.1f} s after the database answered; "
        f"slowest answer {slowest:.2f} s",
        f"pytest tests/e2e -k {selector}",
    )
    assert set(statuses) <= {200, 201, 503, None}, statuses  # never a 500
    assert statuses.get(None, 0) <= unanswered, statuses
    assert refused, "the restart went unnoticed: the test did not test anything"
    for answer in refused:
        assert json.loads(answer.body)["error"], answer.body  # the API's JSON, with its reason
    assert slowest <= slowest_allowed, f"a request took {slowest:.2f} s"
    assert window[1] <= back_at + 3, f"503s went on {window[1] - back_at:.1f} s after"
    return load
