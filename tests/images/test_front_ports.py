"""The front image: the page on port 80 (the course's `-p 8888:80`)
and on 8080, with every process of the container as uid 101, and 8080 alone, said in the
log, where a non-root process may not bind 80 (front/listen-on-80.sh)."""

import time

import pytest
from imagekit import IMAGE, engine_cli, fetch, remove

pytestmark = pytest.mark.e2e

NAME = "tiers-front"
ON_80, ON_8080 = 18888, 18080  # host ports: -p 18888:80 -p 18080:8080
ONLY_8080 = "listen-on-80.sh: port 80 cannot be bound by a non-root process in this container"
PAGE_MARK = b'<form id="search-form"'


def get(port, path="/"):
    status, _, body = fetch(f"http://127.0.0.1:{port}{path}")
    return status, body


def start(engine, *flags):
    """The course's command, `run -d --rm --name ... -p ...:80 IMAGE`, with flags before the
    image; waits until 8080 serves. Returns the container's log until then."""
    remove(engine, NAME)
    ports = ("-p", f"{ON_80}:80", "-p", f"{ON_8080}:8080")
    started = engine_cli(engine, "run", "-d", "--rm", "--name", NAME, *ports, *flags, IMAGE)
    assert started.returncode == 0, started.stderr
    deadline = time.monotonic() + 30
    while get(ON_8080, "/healthz")[0] != 200:
        logs = engine_cli(engine, "logs", NAME)
        assert time.monotonic() < deadline, f"no answer on 8080:\n{logs.stdout}{logs.stderr}"
        time.sleep(0.2)
    logs = engine_cli(engine, "logs", NAME)
    return logs.stdout + logs.stderr


def processes(engine):
    """Every process of the container: {pid: (Uid line, CapEff, command)} from /proc."""
    script = (
        "for d in /proc/[0-9]*; do "
        'echo "${d#/proc/}|$(sed -n "s/^Uid:\\t//p" $d/status)|'
        '$(sed -n "s/^CapEff:\\t//p" $d/status)|$(tr "\\0" " " < $d/cmdline)"; done'
    )
    listing = engine_cli(engine, "exec", NAME, "sh", "-c", script)
    assert listing.returncode == 0, listing.stderr
    rows = [line.split("|", 3) for line in listing.stdout.splitlines()]
    # The shell and the commands of the listing itself are not the container's own.
    return {
        int(pid): (uid, caps, cmd.strip())
        for pid, uid, caps, cmd in rows
        if cmd.startswith("nginx")
    }


@pytest.fixture(autouse=True)
def no_container_left(engine):
    yield
    remove(engine, NAME)


# The capabilities nginx holds (CapEff): none, where the kernel lets any process bind 80
# (Docker's default sysctl); CAP_NET_BIND_SERVICE alone (bit 10) where the copy with it runs.
NGINX_CAPABILITIES = {"docker": "0000000000000000"}


def test_the_page_answers_on_80_and_8080_as_uid_101(engine):
    log = start(engine)

    for port in (ON_80, ON_8080):
        status, body = get(port)
        assert status == 200 and PAGE_MARK in body, (port, status, body[:200])
    assert ONLY_8080 not in log
    nginx = processes(engine)
    assert 1 in nginx and nginx[1][2].startswith("nginx: master process")
    assert len(nginx) >= 2  # the master and its workers
    for pid, (uid, caps, cmd) in nginx.items():
        assert uid.split() == ["101"] * 4, (pid, cmd)  # real, effective, saved, file system
        assert caps == NGINX_CAPABILITIES[engine], (pid, cmd)


# Where a non-root process may not bind 80, nginx must still start, on 8080.
# (engine, flags added to the course's command, whether 80 answers)
RESTRICTED = [
    ("docker", ["--cap-drop", "ALL"], True),  # the sysctl still lets any process bind 80
    ("docker", ["--sysctl", "net.ipv4.ip_unprivileged_port_start=1024"], True),  # the copy
    (
        "docker",
        ["--sysctl", "net.ipv4.ip_unprivileged_port_start=1024", "--cap-drop", "ALL"],
        False,
    ),
    (
        "docker",
        [
            "--sysctl",
            "net.ipv4.ip_unprivileged_port_start=1024",
            "--security-opt",
            "no-new-privileges",
        ],
        False,
    ),
]


@pytest.mark.parametrize(("engine", "flags", "port_80"), RESTRICTED, indirect=["engine"])
def test_where_80_is_refused_nginx_serves_8080_and_says_so(engine, flags, port_80):
    log = start(engine, *flags)

    assert get(ON_8080)[0] == 200
    assert (get(ON_80)[0] == 200) is port_80
    assert (ONLY_8080 in log) is not port_80, log
    for pid, (uid, _, cmd) in processes(engine).items():
        assert uid.split() == ["101"] * 4, (pid, cmd)
