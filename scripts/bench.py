"""The backend benchmark; run it through scripts/bench.

Starts a throw-away MariaDB and gunicorn (with back/gunicorn.conf.py) on free ports of
127.0.0.1 and measures with wrk at concurrency 8 and 32: the lesson's 1-row table, and a copy
of it filled to 1,000,000 rows (a second database, served by a second gunicorn), measured in
alternation so that both see the same machine. Prints one table. Speed targets are reported,
never enforced: the exit status is non-zero only when a request failed or a step broke.

Knobs (environment): BENCH_SECONDS (per wrk run, default 4), BENCH_ROUNDS (runs of each
target, alternating, median kept; default 5), and what gunicorn reads itself:
WEB_CONCURRENCY, GUNICORN_CMD_ARGS (e.g. "--worker-class gthread --threads 4" to compare).
"""

import os
import re
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests" / "back"))

from mariadb_server import APP_PASSWORD, APP_USER, MariaDB, free_port  # noqa: E402

SECONDS = int(os.environ.get("BENCH_SECONDS", "4"))
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "5"))  # runs of each target; the median is kept
CONCURRENCY = (8, 32)
ROWS = 1_000_000
PAGE = "/images"  # the first page: up to 50 rows, newest first
# The same page with one row: at 1 row and at 1M rows it returns the same amount of data,
# so it isolates what the table size costs (the 50-row page also serialises 50x more).
ONE = "/images?limit=1"
BIG_DB = "images_big"
# The big table's newest 50 rows alone: the same first page as the big table's, full.
PAGE_ROWS, PAGE_DB = 50, "images_page"
# The tables as the printed table names them.
ONE_ROW, FIFTY, MILLION = "1 row", f"{PAGE_ROWS} rows", f"{ROWS:,} rows"


def wrk(url, connections):
    """One wrk run; returns req/s, p50 and p99 in ms, and the count of failed requests."""
    out = subprocess.run(
        ["wrk", "-t2", f"-c{connections}", f"-d{SECONDS}s", "--latency", url],
        capture_output=True,
        text=True,
        check=True,
        timeout=SECONDS + 60,
    ).stdout
    latency = dict(re.findall(r"^\s+(50|99)%\s+([\d.]+\w+)$", out, re.M))
    rps = re.search(r"Requests/sec:\s+([\d.]+)", out)
    count = re.search(r"(\d+) requests in", out)
    if not (rps and count and latency.keys() == {"50", "99"}):
        raise RuntimeError(f"cannot read wrk's output:\n{out}")
    socket_errors = re.search(
        r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out
    )
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return {
        "rps": float(rps.group(1)),
        "requests": int(count.group(1)),
        "p50": _ms(latency["50"]),
        "p99": _ms(latency["99"]),
        "errors": sum(map(int, socket_errors.groups())) if socket_errors else 0,
        "non_2xx": int(non_2xx.group(1)) if non_2xx else 0,
    }


def cpu_seconds(root_pid):
    """CPU time (user + system) used so far by a process and its children, from /proc.

    Less noisy than req/s on a shared machine: it is what each request costs the server.
    """
    tick = os.sysconf("SC_CLK_TCK")
    total = 0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue  # the process ended meanwhile
        pid, ppid = int(stat.parent.name), int(fields[1])
        if root_pid in (pid, ppid):
            total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / tick


def _ms(text):
    value, unit = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text).groups()
    return float(value) * {"us": 0.001, "ms": 1, "s": 1000, "m": 60_000}[unit]


def slap(db, connections):
    """The database's raw rate for SELECT 1 over TCP, with mariadb-slap."""
    queries = 40_000 * max(1, SECONDS // 5)
    out = subprocess.run(
        [
            "mariadb-slap",
            "--no-defaults",
            "--protocol=tcp",
            "--host=127.0.0.1",
            f"--port={db.port}",
            f"--user={APP_USER}",
            f"--password={APP_PASSWORD}",
            "--create-schema=images",
            f"--concurrency={connections}",
            "--iterations=1",
            f"--number-of-queries={queries}",  # in total, shared by the clients
            "--query=SELECT 1",
        ],
        capture_output=True,
        text=True,
        check=True,
        timeout=300,
    ).stdout
    seconds = float(re.search(r"Average number of seconds to run all queries: ([\d.]+)", out)[1])
    return {"rps": queries / seconds, "p50": None, "p99": None, "errors": 0, "non_2xx": 0}


def measure(url, connections, server, db):
    """wrk, plus the CPU each request cost gunicorn (all workers) and mariadbd."""
    before = cpu_seconds(server.pid), cpu_seconds(db.process.pid)
    result = wrk(url, connections)
    after = cpu_seconds(server.pid), cpu_seconds(db.process.pid)
    per_request = 1e6 / max(result["requests"], 1)
    result["app_us"] = (after[0] - before[0]) * per_request
    result["db_us"] = (after[1] - before[1]) * per_request
    return result


def start_gunicorn(db, workdir, database="images"):
    port = free_port()
    env = os.environ | {
        "PORT": str(port),
        "MYSQL_HOST": "127.0.0.1",
        "MYSQL_PORT": str(db.port),
        "MYSQL_USER": APP_USER,
        "MYSQL_PASSWORD": APP_PASSWORD,
        "MYSQL_DATABASE": database,
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py", "api:create_app()"],
        cwd=REPO / "back",
        env=env,
        stdout=subprocess.DEVNULL,  # the access log: written as in production, then dropped
        stderr=(workdir / f"gunicorn-{database}.log").open("w"),
    )
    base = f"http://127.0.0.1:{port}"
    for _ in range(200):
        try:
            with urllib.request.urlopen(base + "/health", timeout=5) as response:  # noqa: S310
                if response.status == 200:
                    return process, base
        except OSError:
            if process.poll() is not None:
                break
        time.sleep(0.1)
    process.kill()
    raise RuntimeError(
        "gunicorn did not become healthy:\n" + (workdir / f"gunicorn-{database}.log").read_text()
    )


def fill(db, rows, database=BIG_DB):
    """A second database like the lesson's, its table filled to `rows` rows."""
    started = time.monotonic()
    with db.root("images") as conn, conn.cursor() as cur:
        _new_database(cur, database, "SELECT * FROM images.images")
        cur.execute(f"SELECT COUNT(*) FROM {database}.images")  # noqa: S608
        missing = rows - cur.fetchone()[0]
        # MariaDB's sequence engine makes the rows in one statement, not a million round trips.
        sql = f"INSERT INTO {database}.images (caption, filename) SELECT CONCAT('Image ', seq)"
        cur.execute(f"{sql}, 'bench.gif' FROM seq_1_to_{missing}")  # noqa: S608
        _open_to_the_app(cur, database)
    return time.monotonic() - started


def newest_rows_of(db, source, rows, database=PAGE_DB):
    """A database whose table holds only the newest `rows` rows of `source`'s: its first
    page is byte for byte the big table's (same ids, same captions), only the size differs."""
    with db.root("images") as conn, conn.cursor() as cur:
        newest = f"SELECT * FROM {source}.images ORDER BY id DESC LIMIT {rows}"  # noqa: S608
        _new_database(cur, database, newest)
        _open_to_the_app(cur, database)


# Names, row counts and these statements are the bench's own constants, never input: they
# are formatted into the SQL because a database name cannot be a query parameter.
def _new_database(cur, database, rows_sql):
    """A database with a table like the lesson's, holding the rows that rows_sql selects."""
    cur.execute(f"CREATE DATABASE {database} CHARACTER SET utf8mb4")
    cur.execute(f"CREATE TABLE {database}.images LIKE images.images")
    cur.execute(f"INSERT INTO {database}.images {rows_sql}")


def _open_to_the_app(cur, database):
    """Fresh statistics for the planner, and the app's user allowed in, as on images."""
    cur.execute(f"ANALYZE TABLE {database}.images")
    cur.execute(f"GRANT SELECT, INSERT, UPDATE, DELETE ON {database}.* TO %s@'%%'", (APP_USER,))


def in_rounds(targets, connections, db, rounds=ROUNDS):
    """Every target measured `rounds` times, in alternating order; each one's median run.

    On a shared 2-core machine one run can land in someone else's burst. Going through the
    targets forwards, then backwards, gives each the same machine on average (the 1-row and
    the 1,000,000-row table of a path are neighbours), and the median drops the outlier.
    """
    runs = {target: [] for target in targets}
    for i in range(rounds):
        for target in targets if i % 2 == 0 else targets[::-1]:
            _, path, base, server = target
            runs[target].append(measure(base + path, connections, server, db))
    return {target: median_run(figures) for target, figures in runs.items()}


def median_run(runs):
    """The run with the median req/s, with its own latencies and CPU; failures of all runs."""
    chosen = dict(sorted(runs, key=lambda r: r["rps"])[len(runs) // 2])
    chosen["errors"] = sum(r["errors"] for r in runs)
    chosen["non_2xx"] = sum(r["non_2xx"] for r in runs)
    return chosen


def fmt(value, pattern):
    return "—" if value is None else format(value, pattern)


def load_average():
    return Path("/proc/loadavg").read_text().split()[0]


def main():
    load_before = load_average()
    results = []  # (table size, target, concurrency, figures)
    with tempfile.TemporaryDirectory(prefix="bench-") as tmp:
        workdir = Path(tmp)
        db = MariaDB(workdir, buffer_pool="256M").create()
        servers = []
        try:
            filled_in = fill(db, ROWS)
            newest_rows_of(db, BIG_DB, PAGE_ROWS)
            small, base = start_gunicorn(db, workdir)
            page_server, page_base = start_gunicorn(db, workdir, PAGE_DB)
            big, big_base = start_gunicorn(db, workdir, BIG_DB)
            servers += [small, page_server, big]
            for c in CONCURRENCY:  # warm up: connections opened, code paths hot
                for url in (base, page_base, big_base):
                    subprocess.run(
                        ["wrk", "-t2", f"-c{c}", "-d1s", url + "/health"],
                        check=True,
                        capture_output=True,
                    )
            big_results = []
            targets = [(ONE_ROW, "/livez", base, small)]
            for path in ("/health", ONE, PAGE):
                targets += [(ONE_ROW, path, base, small), (MILLION, path, big_base, big)]
            # The first page is 1 item on the 1-row table and 50 on the big one: the 50-row
            # table, the big one's newest rows, gives the like-for-like pair.
            targets.insert(-1, (FIFTY, PAGE, page_base, page_server))
            for c in CONCURRENCY:
                results.append((ONE_ROW, "SELECT 1 (mariadb-slap)", c, slap(db, c)))
                for (size, path, _, _), figures in in_rounds(targets, c, db).items():
                    (big_results if size == MILLION else results).append((size, path, c, figures))
            results += big_results
        finally:
            for server in servers:
                server.terminate()
                server.wait(timeout=30)
            db.stop()

    workers = os.environ.get("GUNICORN_CMD_ARGS", "") or "back/gunicorn.conf.py defaults"
    print(
        f"\nwrk -t2 -c{{8,32}} -d{SECONDS}s --latency, each target {ROUNDS} times in alternating "
        f"order, the median run shown (errors: all runs); gunicorn: {workers}, "
        f"WEB_CONCURRENCY={os.environ.get('WEB_CONCURRENCY', '-')}, "
        f"{os.cpu_count()} CPUs, load average {load_before} before and {load_average()} after; "
        f"{ROWS:,}-row copy of the table filled in {filled_in:.1f} s\n"
    )
    print(
        "| table | target | conc. | req/s | p50 ms | p99 ms | errors | non-2xx "
        "| app CPU µs/req | db CPU µs/req |"
    )
    print("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    for size, target, c, r in results:
        print(
            f"| {size} | {target} | {c} | {r['rps']:,.0f} | {fmt(r['p50'], '.2f')} | "
            f"{fmt(r['p99'], '.2f')} | {r['errors']} | {r['non_2xx']} | "
            f"{fmt(r.get('app_us'), '.0f')} | {fmt(r.get('db_us'), '.0f')} |"
        )

    rps = {(size, target, c): r["rps"] for size, target, c, r in results}
    health_vs_live = rps[(ONE_ROW, "/health", 32)] / rps[(ONE_ROW, "/livez", 32)]
    print()
    print(f"- /health vs /livez at c=32: {health_vs_live:.0%} (target >= 85%)")
    print(f"- /health at c=32: {rps[(ONE_ROW, '/health', 32)]:,.0f} req/s (target >= 7,000)")
    for path in ("/health", ONE, PAGE):
        for c in CONCURRENCY:
            ratio = rps[(MILLION, path, c)] / rps[(ONE_ROW, path, c)]
            note = " (1 item vs 50: not like for like)" if path == PAGE else ""
            print(f"- {path} at c={c}, {MILLION} vs {ONE_ROW}: {ratio:.0%} (target 90%-110%){note}")
    for c in CONCURRENCY:
        ratio = rps[(MILLION, PAGE, c)] / rps[(FIFTY, PAGE, c)]
        print(
            f"- {PAGE} at c={c}, {MILLION} vs {FIFTY}: {ratio:.0%} (target 90%-110%; "
            "the same 50 items on both)"
        )

    failures = sum(r["errors"] + r["non_2xx"] for *_, r in results)
    if failures:
        print(f"\nFAILED: {failures} requests failed")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
