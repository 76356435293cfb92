"""The backend benchmark; run it through bench/run (or make bench).

Starts a throw-away MariaDB and gunicorn (each back/ with its own gunicorn.conf.py) on free
ports of 127.0.0.1 and measures with wrk at concurrency 8 and 32: /livez, /health and the
first page of /images on a table of 50 rows and on a copy holding 1,000,000 rows (whose
newest 50 rows are the same 50: the same answer, only the table's size differs). First, the
captions, this revision only (bench/captions.py): captions per second beside the course's
Node captioner, and /health while captioning, monolith and split. `--part` runs one of the two.

`--against REF` (or BENCH_AGAINST=REF) also runs the back/ of another git revision, checked
out with `git worktree`, on the same database, the targets of both measured in alternating
rounds: each change shows its cost beside the code it replaces. A revision whose
back/requirements.txt differs from ours gets its own virtualenv, cached in the temp folder.

Speed targets are reported, never enforced: the exit status is non-zero only when a request
failed or a step broke. Knobs (environment): BENCH_SECONDS (per wrk run, default 4),
BENCH_ROUNDS (runs of each target, alternating, median kept; default 5), and what gunicorn
reads itself, for this revision only: WEB_CONCURRENCY, GUNICORN_CMD_ARGS.
"""

import argparse
import hashlib
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

import captions  # noqa: E402
from mariadb_server import APP_PASSWORD, APP_USER, MariaDB, free_port  # noqa: E402

SECONDS = int(os.environ.get("BENCH_SECONDS", "4"))
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "5"))  # runs of each target; the median is kept
CONCURRENCY = (8, 32)
ROWS, PAGE_ROWS = 1_000_000, 50
PAGE = "/images"  # the first page: 50 rows, newest first
BIG_DB, PAGE_DB = "images_big", "images_page"
MILLION, FIFTY = f"{ROWS:,} rows", f"{PAGE_ROWS} rows"
THIS = "this"


def wrk(url, connections):
    """One wrk run; returns req/s, p50 and p99 in ms, and the count of failed requests."""
    out = subprocess.run(
        ["wrk", "-t2", f"-c{connections}", f"-d{SECONDS}s", "--latency", url],
        capture_output=True,
        text=True,
        check=True,
        timeout=SECONDS + 60,
    ).stdout
    latency = dict(re.findall(r"^\s+(50|99)%\s+([\d.]+\w+)\s*$", out, re.M))
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


def _ms(text):
    value, unit = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text).groups()
    return float(value) * {"us": 0.001, "ms": 1, "s": 1000, "m": 60_000}[unit]


def cpu_ticks(root_pid):
    """CPU time (user + system, in clock ticks) used so far by a process and by each of its
    children, from /proc: {pid: ticks}. Less noisy than req/s on a shared machine: it is
    what each request costs the server."""
    ticks = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue  # the process ended meanwhile
        pid, ppid = int(stat.parent.name), int(fields[1])
        if root_pid in (pid, ppid):
            ticks[pid] = int(fields[11]) + int(fields[12])  # utime, stime
    return ticks


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


def measure(url, connections, server, db, tries=5):
    """wrk, plus the CPU each request cost gunicorn (all workers) and mariadbd.

    A run where one worker did nearly all the work is run again (`redone` counts them):
    gthread workers accept as the kernel wakes them, and here about one run in three gave
    all of wrk's kept connections to one of two workers, halving req/s and raising the CPU
    per request (GIL contention). That is the kernel's draw, not the code's cost; gunicorn's
    maintainers call it expected (benoitc/gunicorn#2817). docs/benchmarks.md has the runs.
    """
    for redone in range(tries):
        before = cpu_ticks(server.pid), cpu_ticks(db.process.pid)
        result = wrk(url, connections) | {"redone": redone}
        after = cpu_ticks(server.pid), cpu_ticks(db.process.pid)
        used = {pid: ticks - before[0].get(pid, 0) for pid, ticks in after[0].items()}
        workers = [ticks for pid, ticks in used.items() if pid != server.pid]
        if len(workers) < 2 or max(workers) <= 0.75 * sum(workers):
            break
    per_request = 1e6 / max(result["requests"], 1) / os.sysconf("SC_CLK_TCK")
    result["app_us"] = sum(used.values()) * per_request
    result["db_us"] = (sum(after[1].values()) - sum(before[1].values())) * per_request
    return result


# The worker processes back/Dockerfile gives gunicorn (ENV WEB_CONCURRENCY).
IMAGE_WORKERS = "2"


def start_gunicorn(revision, db, workdir, database, app="api:create_app()", **settings):
    """gunicorn serving one revision's back/ on one database; (process, base URL). The GIFs
    it makes go to workdir/gifs; settings: more of its environment (GIF_CAPTION_SVC)."""
    port = free_port()
    # As the image runs it: back/Dockerfile sets WEB_CONCURRENCY=2 (gunicorn's default is 1).
    env = (
        {"WEB_CONCURRENCY": IMAGE_WORKERS}
        | os.environ
        | {
            "PORT": str(port),
            "MYSQL_HOST": "127.0.0.1",
            "MYSQL_PORT": str(db.port),
            "MYSQL_USER": APP_USER,
            "MYSQL_PASSWORD": APP_PASSWORD,
            "MYSQL_DATABASE": database,
            "IMAGE_PATH": str(workdir / "gifs"),
        }
        | settings
    )
    if revision["name"] != THIS:  # settings to try apply to this revision only
        env.pop("GUNICORN_CMD_ARGS", None)
        env["WEB_CONCURRENCY"] = IMAGE_WORKERS
    log = workdir / f"gunicorn-{revision['label']}-{database}-{port}.log"
    process = subprocess.Popen(
        [revision["python"], "-m", "gunicorn", "-c", "gunicorn.conf.py", app],
        cwd=revision["back"],
        env=env,
        stdout=subprocess.DEVNULL,  # the access log: written as in production, then dropped
        stderr=log.open("w"),
    )
    base = f"http://127.0.0.1:{port}"
    ready = "/health" if app == "api:create_app()" else "/livez"  # the captioner has no /health
    for _ in range(200):
        try:
            with urllib.request.urlopen(base + ready, timeout=5) as response:  # noqa: S310
                if response.status == 200:
                    return process, base
        except OSError:
            if process.poll() is not None:
                break
        time.sleep(0.1)
    process.kill()
    raise RuntimeError(f"gunicorn did not become healthy:\n{log.read_text()}")


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


def git(*args):
    return subprocess.run(
        ["git", *args], cwd=REPO, capture_output=True, text=True, check=True
    ).stdout.strip()


def python_for(back):
    """Our Python if that back/ pins the same packages as ours, else a virtualenv of its own."""
    requirements = (back / "requirements.txt").read_bytes()
    if requirements == (REPO / "back" / "requirements.txt").read_bytes():
        return sys.executable
    digest = hashlib.sha256(requirements).hexdigest()[:12]
    venv = Path(tempfile.gettempdir()) / f"k8scourse-bench-venv-{digest}"
    python = venv / "bin" / "python"
    if not (venv / ".installed").exists():
        print(f"bench: a virtualenv for {back / 'requirements.txt'} in {venv}", file=sys.stderr)
        subprocess.run([sys.executable, "-m", "venv", "--clear", str(venv)], check=True)
        pip = [str(python), "-m", "pip", "install", "-q", "-r", str(back / "requirements.txt")]
        subprocess.run(pip, check=True)
        (venv / ".installed").touch()
    return str(python)


def in_rounds(targets, connections, db, rounds=ROUNDS):
    """Every target measured `rounds` times, in alternating order; each one's median run.

    On a shared 2-core machine one run can land in someone else's burst. Going through the
    targets forwards, then backwards, gives each the same machine on average (the two
    revisions' runs of a target are neighbours), and the median drops the outlier.
    """
    runs = {target: [] for target in targets}
    for i in range(rounds):
        for target in targets if i % 2 == 0 else targets[::-1]:
            label, size, path, base, server = target
            runs[target].append(measure(base + path, connections, server, db))
    return {target: median_run(figures) for target, figures in runs.items()}


def median_run(runs):
    """The run with the median req/s, with its own latencies and CPU; failures of all runs."""
    chosen = dict(sorted(runs, key=lambda r: r["rps"])[len(runs) // 2])
    chosen["errors"] = sum(r["errors"] for r in runs)
    chosen["non_2xx"] = sum(r["non_2xx"] for r in runs)
    chosen["redone"] = sum(r["redone"] for r in runs)
    return chosen


def fmt(value, pattern):
    return "—" if value is None else format(value, pattern)


def load_average():
    return Path("/proc/loadavg").read_text().split()[0]


def revisions(against, workdir):
    this = {"name": THIS, "label": f"this ({git('rev-parse', '--short', 'HEAD')}+)"}
    this |= {"back": REPO / "back", "python": sys.executable}
    if not against:
        return [this]
    tree = workdir / "against"
    git("worktree", "add", "--detach", str(tree), against)
    back = tree / "back"
    other = {"name": against, "label": f"{against} ({git('rev-parse', '--short', against)})"}
    return [this, other | {"back": back, "python": python_for(back), "tree": tree}]


def report(results, sides):
    print(
        "| back/ | table | target | conc. | req/s | p50 ms | p99 ms | errors | non-2xx "
        "| app CPU µs/req | db CPU µs/req |"
    )
    print("|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    for label, size, target, c, r in results:
        print(
            f"| {label} | {size} | {target} | {c} | {r['rps']:,.0f} | {fmt(r['p50'], '.2f')} | "
            f"{fmt(r['p99'], '.2f')} | {r['errors']} | {r['non_2xx']} | "
            f"{fmt(r.get('app_us'), '.0f')} | {fmt(r.get('db_us'), '.0f')} |"
        )
    fig = {(label, size, target, c): r for label, size, target, c, r in results}
    this = sides[0]["label"]
    print()
    if len(sides) > 1:
        other = sides[1]["label"]
        new, old = fig[(this, FIFTY, PAGE, 32)], fig[(other, FIFTY, PAGE, 32)]
        print(
            f"- {PAGE} first page ({FIFTY}) at c=32, this vs {other}: "
            f"{new['rps'] / old['rps']:.0%} (target >= 95%); p99 {new['p99']:.2f} vs "
            f"{old['p99']:.2f} ms (target: no worse)"
        )
    health, live = fig[(this, FIFTY, "/health", 32)], fig[(this, FIFTY, "/livez", 32)]
    print(f"- /health vs /livez at c=32: {health['rps'] / live['rps']:.0%} (target >= 70%)")
    for c in CONCURRENCY:
        ratio = fig[(this, MILLION, PAGE, c)]["rps"] / fig[(this, FIFTY, PAGE, c)]["rps"]
        print(f"- {PAGE} at c={c}, {MILLION} vs {FIFTY}: {ratio:.0%} (target 90%-110%)")
    failures = sum(r["errors"] + r["non_2xx"] for *_, r in results)
    redone = sum(r.get("redone", 0) for *_, r in results)
    print(f"- failed requests: {failures} (target 0)")
    print(f"- wrk runs redone, one worker having taken all connections: {redone}")
    return failures


def measure_the_list(sides, db, workdir, servers, results):
    """The list's figures (the module's docstring) into results; the seconds the big table
    took to fill."""
    filled_in = fill(db, ROWS)
    newest_rows_of(db, BIG_DB, PAGE_ROWS)
    targets = []
    for side in sides:
        page_server, page_base = start_gunicorn(side, db, workdir, PAGE_DB)
        big_server, big_base = start_gunicorn(side, db, workdir, BIG_DB)
        servers += [page_server, big_server]
        for c in CONCURRENCY:  # warm up: connections opened, code paths hot
            for url in (page_base, big_base):
                subprocess.run(
                    ["wrk", "-t2", f"-c{c}", "-d1s", url + "/health"],
                    check=True,
                    capture_output=True,
                )
        for path in ("/livez", "/health", PAGE):
            targets.append((side["label"], FIFTY, path, page_base, page_server))
        targets.append((side["label"], MILLION, PAGE, big_base, big_server))
    # Each target next to the same target of the other revision.
    targets.sort(key=lambda t: (t[1], t[2]))
    for c in CONCURRENCY:
        results.append(("—", FIFTY, "SELECT 1 (mariadb-slap)", c, slap(db, c)))
        for (label, size, path, _, _), figures in in_rounds(targets, c, db).items():
            results.append((label, size, path, c, figures))
    return filled_in


def measure_captions(side, db, workdir, servers):
    """bench/captions.py's figures for one revision's back/: captions per second beside the
    course's Node captioner; /health while captioning, drawn by the backend itself and by
    its captioning service (create_captioner) beside it. Then the load average, before and
    after."""
    load = load_average()
    rates, notes = captions.captions_per_second(side["python"], SECONDS, min(ROUNDS, 3))
    monolith, monolith_base = start_gunicorn(side, db, workdir, "images")
    service, service_base = start_gunicorn(side, db, workdir, "images", "api:create_captioner()")
    svc = service_base.removeprefix("http://")
    split, split_base = start_gunicorn(side, db, workdir, "images", GIF_CAPTION_SVC=svc)
    servers += [monolith, service, split]
    cases = {
        "monolith, idle": (monolith_base, 0),
        "monolith": (monolith_base, captions.AT_ONCE),
        "split": (split_base, captions.AT_ONCE),
    }
    health = captions.health_rows(cases, SECONDS, ROUNDS)
    return rates, notes, health, (load, load_average())


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--against",
        default=os.environ.get("BENCH_AGAINST") or None,
        metavar="REF",
        help="also run the back/ of this git revision, in alternating rounds",
    )
    parser.add_argument(
        "--part",
        choices=("all", "list", "captions"),
        default="all",
        help="the list's figures, the captions' (bench/captions.py), or both (default)",
    )
    options = parser.parse_args()
    load_before = load_average()
    results, captioned = [], None  # results: (revision, table size, target, conc., figures)
    with tempfile.TemporaryDirectory(prefix="bench-") as tmp:
        workdir = Path(tmp)
        sides, servers, db = [], [], None
        try:
            sides = revisions(options.against if options.part != "captions" else None, workdir)
            db = MariaDB(workdir / "db", buffer_pool="256M").create()
            if options.part != "list":
                captioned = measure_captions(sides[0], db, workdir, servers)
            if options.part != "captions":
                filled_in = measure_the_list(sides, db, workdir, servers, results)
        finally:
            for server in servers:
                server.terminate()
                server.wait(timeout=30)
            if db is not None:
                db.stop()
            for side in sides:
                if "tree" in side:
                    git("worktree", "remove", "--force", str(side["tree"]))

    failures = 0
    if results:
        this_args = os.environ.get("GUNICORN_CMD_ARGS", "") or "its gunicorn.conf.py as it is"
        labels = ", ".join(side["label"] for side in sides)
        print(
            f"\nwrk -t2 -c{{8,32}} -d{SECONDS}s --latency, each target {ROUNDS} times in "
            f"alternating order, the median run shown (errors: all runs); back/ of {labels}; "
            f"this: {this_args}, WEB_CONCURRENCY={os.environ.get('WEB_CONCURRENCY', '-')}; "
            f"{os.cpu_count()} CPUs, load average {load_before} before and {load_average()} "
            f"after; {ROWS:,}-row copy of the table filled in {filled_in:.1f} s\n"
        )
        results.sort(key=lambda r: (r[3], r[1] == MILLION))  # by concurrency, big table last
        failures += report(results, sides)
    if captioned:
        rates, notes, health, (load, load_after) = captioned
        print(
            f"\n{os.cpu_count()} CPUs, load average {load} before the captions, {load_after} after"
        )
        failures += captions.report(rates, notes, health, SECONDS, min(ROUNDS, 3), ROUNDS)
    if failures:
        print("\nFAILED: some requests failed")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
