"""Reliability and security on the real stack: writes across crashes, load, secrets, grants.

Figures (counts, rates, memory) are recorded with record_figure() and printed at the
end of the run; docs/reliability.md quotes them.
"""

import json
import re
import select
import subprocess
import threading
import time
import urllib.error
import urllib.request
import uuid
from http.client import HTTPConnection, HTTPException
from urllib.parse import urlsplit

import pytest
from real_engines import REPO, docker, http, make, record_figure, wait_for_http

pytestmark = [pytest.mark.e2e, pytest.mark.usefixtures("lesson_stack")]

API = "http://localhost:3000"
LOAD_SECONDS = 60
LOAD_CONNECTIONS = 64


def post_image(caption, filename, timeout=5):
    """POST /images; the status, and the new row's id on 201 (None when no answer)."""
    body = json.dumps({"caption": caption, "filename": filename}).encode()
    request = urllib.request.Request(
        API + "/images", data=body, method="POST", headers={"Content-Type": "application/json"}
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as reply:
            return reply.status, json.load(reply)["id"]
    except urllib.error.HTTPError as error:
        return error.code, None
    except (OSError, HTTPException):
        # No answer, or one cut off (the server died between its status line and its body):
        # not acknowledged, whatever the server did.
        return None, None


def db_rows(sql):
    """Rows of a query run as the app's user inside the db container, tab-separated."""
    out = docker(
        *("exec", "-e", "MYSQL_PWD=mysql", "k8scourse-db", "mysql", "--protocol=TCP"),
        *("-h127.0.0.1", "-uuser", "-N", "-B", "images", "-e", sql),
    )
    assert out.returncode == 0, out.stderr
    return [line.split("\t") for line in out.stdout.splitlines()]


def rows_tagged(tag, columns):
    """The rows a Writer created; tag is our own [a-z0-9-] string, never user input."""
    assert re.fullmatch(r"[a-z0-9-]+", tag)
    return db_rows(f"SELECT {columns} FROM images WHERE caption LIKE '{tag}-%'")  # noqa: S608


def wrk_summary(out):
    """Requests, req/s, socket errors and non-2xx answers from wrk's output."""
    errors = re.search(r"Socket errors: (.*)", out)
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return {
        "requests": int(re.search(r"(\d+) requests in", out).group(1)),
        "rate": float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)),
        "socket_errors": errors.group(1).strip() if errors else "none",
        "non_2xx": int(non_2xx.group(1)) if non_2xx else 0,
    }


class Writer(threading.Thread):
    """POSTs numbered rows until stopped; remembers which ones were acknowledged."""

    def __init__(self, tag, pause=0.02):
        super().__init__(daemon=True)
        self.tag, self.pause = tag, pause
        self.acknowledged, self.statuses = {}, []
        self.stopping = threading.Event()

    def run(self):
        n = 0
        while not self.stopping.is_set():
            n += 1
            status, row_id = post_image(f"{self.tag}-{n}", f"{self.tag}-{n}.gif")
            self.statuses.append(status)
            if status == 201:
                self.acknowledged[row_id] = n
            time.sleep(self.pause)

    def stop(self):
        self.stopping.set()
        self.join(timeout=30)


def test_every_acknowledged_write_survives_a_database_restart():
    writer = Writer(f"restart-{uuid.uuid4().hex[:8]}")
    writer.start()
    time.sleep(2)
    assert docker("restart", "k8scourse-db").returncode == 0
    wait_for_http(API + "/health", timeout=60)
    time.sleep(2)
    writer.stop()

    stored = {int(row_id): caption for row_id, caption in rows_tagged(writer.tag, "id, caption")}
    missing = [i for i in writer.acknowledged if i not in stored]
    refused = sum(1 for s in writer.statuses if s == 503)
    record_figure(
        "database restarted under a trickle of writes",
        f"{len(writer.acknowledged)} writes acknowledged with 201, "
        f"{len(writer.acknowledged) - len(missing)} present afterwards, "
        f"{refused} answered 503 during the restart",
        "pytest tests/e2e/test_reliability.py -k restart",
    )
    assert writer.acknowledged, "no write was acknowledged at all"
    assert refused > 0, "the restart went unnoticed: the test did not test anything"
    assert not missing, f"acknowledged but lost: {missing[:10]}"
    for row_id, n in writer.acknowledged.items():
        assert stored[row_id] == f"{writer.tag}-{n}"
    assert all(s in (201, 503, None) for s in writer.statuses), set(writer.statuses)


def test_killing_the_backend_mid_write_leaves_no_half_rows():
    writer = Writer(f"kill-{uuid.uuid4().hex[:8]}", pause=0)
    writer.start()
    time.sleep(1.5)
    assert docker("kill", "back").returncode == 0
    time.sleep(0.5)
    writer.stop()
    assert make("back").returncode == 0
    wait_for_http(API + "/health", timeout=60)

    rows = rows_tagged(writer.tag, "id, caption, filename")
    for row_id, caption, filename in rows:
        assert filename == f"{caption}.gif", (
            f"row {row_id} is half-written: {caption!r}, {filename!r}"
        )
    stored = {int(row_id) for row_id, _, _ in rows}
    assert set(writer.acknowledged) <= stored
    record_figure(
        "backend killed (docker kill back) while a client writes",
        f"{len(writer.acknowledged)} writes acknowledged, {len(rows)} rows stored, "
        "0 half-written, every acknowledged row present",
        "pytest tests/e2e/test_reliability.py -k kill",
    )
    assert writer.acknowledged and None in writer.statuses  # it really died mid-stream


def test_docker_stop_with_an_idle_keep_alive_connection_open_takes_under_a_second():
    # A browser tab keeps its connection to the API open after the page loaded.
    url = urlsplit(API)
    browser = HTTPConnection(url.hostname, url.port, timeout=10)
    browser.request("GET", "/images")
    answer = browser.getresponse()
    answer.read()
    assert answer.status == 200 and not answer.will_close
    # Idle, and still open: gunicorn closes it 1 s after its answer (gunicorn.conf.py's
    # keepalive) and, stopping, waits for it until then. Right after an answer the stop
    # takes up to ~1.4 s (docs/benchmarks.md); a browser's connection is idle far longer.
    time.sleep(0.6)
    assert select.select([browser.sock], [], [], 0)[0] == []  # still open: not readable
    try:
        started = time.monotonic()
        assert docker("stop", "back").returncode == 0
        elapsed = time.monotonic() - started
    finally:
        browser.close()
        assert make("back").returncode == 0
        wait_for_http(API + "/health", timeout=60)
    record_figure(
        "docker stop back, a browser's idle keep-alive connection open",
        f"{elapsed:.2f} s",
        "pytest tests/e2e/test_reliability.py -k docker_stop",
    )
    # Waiting for the idle connection would take graceful_timeout (5 s): the bound tells that
    # apart from not waiting (0.8 s on a quiet machine, the figure above) on a busy machine.
    assert elapsed < 3, f"docker stop back took {elapsed:.2f} s"


def container_memory(container):
    """docker stats' memory figure, in bytes: the whole container, page cache and
    short-lived processes (the image's HEALTHCHECK runs python3 every 10 s) included."""
    usage = docker("stats", "--no-stream", "--format", "{{.MemUsage}}", container).stdout
    amount = usage.split("/")[0].strip()
    units = {"B": 1, "KiB": 2**10, "MiB": 2**20, "GiB": 2**30}
    for unit in sorted(units, key=len, reverse=True):
        if amount.endswith(unit):
            return float(amount[: -len(unit)]) * units[unit]
    raise AssertionError(f"cannot read docker stats: {usage!r}")


def gunicorn_memory(container):
    """Resident memory of the backend itself: gunicorn's master and workers, in bytes."""
    top = docker("top", container, "-o", "pid,rss,args").stdout.splitlines()[1:]
    return sum(int(line.split()[1]) * 1024 for line in top if "gunicorn" in line)


def test_mixed_load_gives_no_errors_and_flat_memory(tmp_path):
    script = tmp_path / "mixed.lua"
    script.write_text(
        """
local n = 0
request = function()
  n = n + 1
  if n % 3 == 0 then return wrk.format("GET", "/health") end
  if n % 3 == 1 then return wrk.format("GET", "/images?limit=20") end
  return wrk.format("POST", "/images", {["Content-Type"] = "application/json"},
                    '{"caption": "load", "filename": "load.gif"}')
end
"""
    )
    samples = {}

    def sample_memory():
        for second in (10, LOAD_SECONDS):
            time.sleep(second - (time.monotonic() - started))
            samples[second] = (gunicorn_memory("back"), container_memory("back"))

    started = time.monotonic()
    sampler = threading.Thread(target=sample_memory, daemon=True)
    sampler.start()
    wrk = subprocess.run(
        # --timeout 10s: a request counts as failed only when it gets no answer at all.
        ["wrk", "-t2", f"-c{LOAD_CONNECTIONS}", f"-d{LOAD_SECONDS}s", "--timeout", "10s"]
        + ["-s", str(script), API],
        capture_output=True,
        text=True,
        timeout=LOAD_SECONDS + 60,
        check=True,
        cwd=REPO,
    ).stdout
    sampler.join(timeout=30)

    summary = wrk_summary(wrk)
    (app_10, box_10), (app_end, box_end) = samples[10], samples[LOAD_SECONDS]
    growth = app_end / app_10 - 1
    record_figure(
        f"mixed load, {LOAD_SECONDS} s at {LOAD_CONNECTIONS} connections (wrk)",
        f"{summary['requests']} requests, {summary['rate']:.0f} req/s, "
        f"socket errors: {summary['socket_errors']}, non-2xx: {summary['non_2xx']}; "
        f"gunicorn RSS {app_10 / 2**20:.1f} MiB at 10 s, {app_end / 2**20:.1f} MiB at "
        f"{LOAD_SECONDS} s ({growth:+.1%}); docker stats {box_10 / 2**20:.1f} -> "
        f"{box_end / 2**20:.1f} MiB",
        "pytest tests/e2e/test_reliability.py -k load",
    )
    assert "Socket errors" not in wrk, wrk
    assert "Non-2xx or 3xx responses" not in wrk, wrk
    assert growth < 0.10, f"backend memory grew {growth:.1%} from the 10th to the 60th second"


def test_the_app_user_may_not_change_the_schema():
    out = docker(
        *("exec", "-e", "MYSQL_PWD=mysql", "k8scourse-db", "mysql", "--protocol=TCP"),
        *("-h127.0.0.1", "-uuser", "images", "-e", "DROP TABLE images"),
    )
    assert out.returncode != 0
    assert "DROP command denied" in out.stderr
    assert db_rows("SELECT COUNT(*) > 0 FROM images") == [["1"]]


def test_cors_answers_only_the_configured_origin():
    for origin, allowed in (("http://localhost:8080", True), ("http://evil.example", False)):
        status, headers, _ = http(API + "/images", headers={"Origin": origin})
        assert status == 200
        assert (headers.get("Access-Control-Allow-Origin") == origin) is allowed, origin


def test_images_carry_no_password():
    for image in ("k8scourse-back", "k8scourse-front"):
        history = docker("history", "--no-trunc", "--format", "{{.CreatedBy}}", image).stdout
        config = docker("image", "inspect", "-f", "{{json .Config}}", image).stdout
        user = json.loads(config)["User"]  # both were read: the image's own settings are there
        assert user and user.split(":")[0] not in ("0", "root"), config
        assert history.count("\n") >= 3, image
        for text in (history, config):
            assert "PASSWORD=" not in text.upper(), image


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
    finally:
        make("down")
        assert make("up").returncode == 0  # the lesson's defaults again, for what follows
