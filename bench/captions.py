"""make bench's captions (bench/bench.py runs them after the list's figures).

- Captions per second: back/api/draw.py (Pillow) beside the course's Node captioner
  (bench/node-captioner.js: the course's npm packages, run by node), each drawing the same
  caption into the same 48-frame GIF, one caption after the other, in alternating rounds.
  The npm packages are installed once, in the temp folder, never in the repository.
- /health while 4 captions run at once: a probe, as Docker's HEALTHCHECK or a kubelet sends
  one (a new connection each time), every 20 ms, against the backend drawing the captions
  itself (Part 1's monolith), and against the backend passing them to the captioning service
  (lesson 02-13's split, GIF_CAPTION_SVC), both on this machine.

Knobs (environment): BENCH_NODE=off leaves Node out; BENCH_SECONDS and BENCH_ROUNDS as for
the list (captions per second: at most 3 rounds, a Node caption takes seconds).
"""

import hashlib
import http.client
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
GIF = REPO / "back" / "api" / "gifs" / "bounce.gif"  # 48 frames of 320 x 240, shipped
CAPTION = "hello world"
# The course's back/package.json, as its ranges say. --ignore-scripts: gifencoder lists
# canvas, which it never loads, and whose install would build it from source.
NODE_PACKAGES = (
    "jimp@^0.10.3",
    "gif-frames@^1.0.1",
    "gifencoder@^2.0.1",
    "png-file-stream@^1.2.1",
    "image-size@^0.8.3",
)
NODE_WAYS = {"files": "the course's way: frames through files", "memory": "frames in memory"}
AT_ONCE = 4
PROBE_EVERY = 0.02  # seconds


def node_modules():
    """(the course's packages' node_modules, None), installed once; or (None, why not)."""
    if os.environ.get("BENCH_NODE") == "off":
        return None, "BENCH_NODE=off"
    for tool in ("node", "npm"):
        if not shutil.which(tool):
            return None, f"{tool} not found (apt-get install nodejs npm)"
    key = hashlib.sha256(" ".join(NODE_PACKAGES).encode()).hexdigest()[:12]
    folder = Path(tempfile.gettempdir()) / f"k8scourse-bench-node-{key}"
    if not (folder / ".installed").exists():
        print(f"bench: npm install {' '.join(NODE_PACKAGES)} in {folder}", file=sys.stderr)
        folder.mkdir(exist_ok=True)
        subprocess.run(
            ["npm", "install", "--prefix", str(folder), "--ignore-scripts", "--no-audit"]
            + ["--no-fund", "--no-save", "--loglevel=error", *NODE_PACKAGES],
            check=True,
            timeout=600,
        )
        (folder / ".installed").touch()
    return folder / "node_modules", None


def node_versions(modules):
    names = [spec.rsplit("@", 1)[0] for spec in NODE_PACKAGES]
    read = [json.loads((modules / n / "package.json").read_text())["version"] for n in names]
    node = subprocess.run(["node", "--version"], capture_output=True, text=True).stdout.strip()
    return f"node {node}, " + ", ".join(f"{n} {v}" for n, v in zip(names, read, strict=True))


def python_rate(python, seconds):
    """Captions a second of back/api/draw.py, one after the other for `seconds` (at least 2),
    after one caption to warm up; in a process of its own, as Node's."""
    code = (
        "import json, sys, time\n"
        "import PIL\n"
        "from api import draw\n"
        "from api.config import DEFAULT_FONT\n"
        "data, seconds = open(sys.argv[1], 'rb').read(), float(sys.argv[3])\n"
        "draw.caption_gif(data, sys.argv[2], DEFAULT_FONT)\n"
        "count, started = 0, time.perf_counter()\n"
        "while count < 2 or time.perf_counter() - started < seconds:\n"
        "    draw.caption_gif(data, sys.argv[2], DEFAULT_FONT)\n"
        "    count += 1\n"
        "took = time.perf_counter() - started\n"
        "print(json.dumps({'captions': count, 'seconds': took, 'pillow': PIL.__version__}))\n"
    )
    out = subprocess.run(
        [python, "-c", code, str(GIF), CAPTION, str(seconds)],
        cwd=REPO / "back",
        capture_output=True,
        text=True,
        check=True,
        timeout=seconds + 120,
    ).stdout
    figures = json.loads(out)
    return figures["captions"] / figures["seconds"], f"Pillow {figures['pillow']}"


def node_rate(modules, way):
    """Captions a second of the course's captioner drawn `way`: one caption, after one to
    warm up (a caption takes seconds)."""
    out = subprocess.run(
        ["node", str(REPO / "bench" / "node-captioner.js"), str(GIF), CAPTION, "1", way],
        env=os.environ | {"NODE_PATH": str(modules)},
        capture_output=True,
        text=True,
        check=True,
        timeout=600,
    ).stdout
    figures = json.loads(out)
    return figures["captions"] / figures["seconds"], None


def captions_per_second(python, seconds, rounds):
    """{captioner: median captions a second}, and {captioner: what ran it} (Node: its versions,
    or why it did not run)."""
    modules, why_not = node_modules()
    runs = {"python": lambda: python_rate(python, seconds)}
    if modules:
        for way in NODE_WAYS:
            runs[way] = lambda way=way: node_rate(modules, way)
    rates, notes = {name: [] for name in runs}, {"node": why_not}
    for i in range(rounds):
        for name in runs if i % 2 == 0 else list(runs)[::-1]:
            rate, notes[name] = runs[name]()
            rates[name].append(rate)
    if modules:
        notes["node"] = node_versions(modules)
    return {name: statistics.median(r) for name, r in rates.items()}, notes


def _request(base, method, path, body=None):
    """One request on a new connection; the status."""
    host, port = base.removeprefix("http://").split(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=120)
    try:
        headers = {"Content-Type": "application/json"} if body else {}
        connection.request(method, path, body=body, headers=headers)
        answer = connection.getresponse()
        answer.read()
        return answer.status
    finally:
        connection.close()


def health_while_captioning(base, at_once, seconds):
    """/health probed every PROBE_EVERY s for `seconds` while `at_once` clients each ask for
    one caption after the other: (probe latencies in ms, probes failed, captions done,
    captions failed)."""
    stop, done, failed = threading.Event(), [], []
    body = json.dumps({"caption": CAPTION}).encode()

    def caption():
        while not stop.is_set():
            status = _request(base, "POST", f"/gifs/{GIF.name}/captions", body)
            (done if status == 201 else failed).append(time.monotonic())

    clients = [threading.Thread(target=caption) for _ in range(at_once)]
    for client in clients:
        client.start()
    time.sleep(0.5 if at_once else 0)  # the captions under way before the first probe
    latencies, probe_failures = [], 0
    started = next_at = time.monotonic()
    while next_at < started + seconds:
        time.sleep(max(0, next_at - time.monotonic()))
        sent = time.perf_counter()
        probe_failures += _request(base, "GET", "/health") != 200
        latencies.append((time.perf_counter() - sent) * 1000)
        next_at = max(next_at + PROBE_EVERY, time.monotonic())
    ended = time.monotonic()
    stop.set()
    for client in clients:
        client.join()
    captions = sum(started <= t <= ended for t in done)
    return latencies, probe_failures, captions / (ended - started), len(failed)


def percentile(values, share):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def health_rows(cases, seconds, rounds):
    """cases: {label: (base URL, captions at once)}; each measured `rounds` times in
    alternating order, its probes pooled: {label: figures}."""
    runs = {label: [] for label in cases}
    labels = list(cases)
    for i in range(rounds):
        for label in labels if i % 2 == 0 else labels[::-1]:
            runs[label].append(health_while_captioning(*cases[label], seconds))
    rows = {}
    for label, measured in runs.items():
        latencies = [ms for run in measured for ms in run[0]]
        rows[label] = {
            "at_once": cases[label][1],
            "probes": len(latencies),
            "p50": percentile(latencies, 0.5),
            "p99": percentile(latencies, 0.99),
            "max": max(latencies),
            "probe_failures": sum(run[1] for run in measured),
            "captions_per_s": statistics.median(run[2] for run in measured),
            "captions_failed": sum(run[3] for run in measured),
        }
    return rows


def report(rates, notes, health, seconds, caption_rounds, rounds):
    """The two tables and their ratios; returns the count of failed requests."""
    python = rates["python"]
    print(
        f"\nCaptions: {GIF.name} (48 frames, 320 x 240), '{CAPTION}', one caption after the "
        f"other, {caption_rounds} alternating rounds, the median shown; back/api/draw.py with "
        f"{notes['python']}; Node: {notes['node']}\n"
    )
    print("| captioner | captions/s | s a caption | back/api/draw.py's rate as a multiple |")
    print("|---|---:|---:|---:|")
    print(f"| back/api/draw.py | {python:.2f} | {1 / python:.2f} | |")
    for way, what in NODE_WAYS.items():
        if way in rates:
            rate = rates[way]
            times = python / rate
            print(f"| the course's Node, {what} | {rate:.3f} | {1 / rate:.1f} | {times:.0f} |")
    print(
        f"\n/health probed every {PROBE_EVERY * 1000:.0f} ms (a new connection each time) while "
        f"captions are asked for at once, {seconds} s, {rounds} alternating rounds, the probes "
        "pooled; monolith: the backend draws them, split: it passes them on to its captioning "
        "service (GIF_CAPTION_SVC), on this machine; each gunicorn as the image runs it "
        "(WEB_CONCURRENCY=2)\n"
    )
    print(
        "| back/ | captions at once | probes | p50 ms | p99 ms | max ms | captions/s "
        "| failed probes | failed captions |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    for label, row in health.items():
        print(
            f"| {label} | {row['at_once']} | {row['probes']} | {row['p50']:.1f} | "
            f"{row['p99']:.1f} | {row['max']:.1f} | {row['captions_per_s']:.2f} | "
            f"{row['probe_failures']} | {row['captions_failed']} |"
        )
    print()
    if "files" in rates:
        print(
            f"- captions a second, back/api/draw.py vs the course's Node captioner: "
            f"{python / rates['files']:.0f}x its way, {python / rates['memory']:.0f}x with "
            "frames in memory (target >= 10x)"
        )
    busy = {label: row for label, row in health.items() if row["at_once"]}
    print(
        f"- /health p99 while {AT_ONCE} captions run at once: "
        + ", ".join(f"{label} {row['p99']:.1f} ms" for label, row in busy.items())
    )
    return sum(row["probe_failures"] + row["captions_failed"] for row in health.values())
