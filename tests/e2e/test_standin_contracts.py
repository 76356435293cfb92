"""The image contracts the lesson relies on, checked on whatever the images are here.

On a machine with a registry these run against the real mysql and nginx images;
where no registry answers they run against the stand-ins of standins/pull-or-build.
Either way the same contract must hold. Containers here use their own names
(k8scourse-contract-*) and no published ports, so they never meet the lesson's.
The alpine contract is checked on Docker's and on Podman's image (`engine`): each
engine has its own store, and so its own stand-in.
"""

import gzip
import os
import uuid

import pytest
from kit import run, wait_until
from real_engines import CONTRACT_PREFIX, docker

pytestmark = pytest.mark.e2e

DB_IMAGE = os.environ.get("DB_IMAGE", "mysql:5.7")
NGINX_IMAGE = os.environ.get("NGINX_IMAGE", "nginx:1.28")
# k8s/lessons' 02-02 and 02-04 (mk/cluster.mk pulls it, or builds its stand-in).
NGINX_UNPRIVILEGED = "nginxinc/nginx-unprivileged:1.28"


@pytest.fixture
def volume():
    """Name named volumes; remove them at the end, after the containers that use them
    (`container` depends on this fixture, so it is torn down first)."""
    named = []

    def name():
        named.append(f"{CONTRACT_PREFIX}{uuid.uuid4().hex[:8]}")
        return named[-1]

    yield name
    for each in named:
        docker("volume", "rm", each)


@pytest.fixture
def container(volume):
    """Start containers by name; remove them (and their anonymous volumes) afterwards."""
    started = []

    def start(image, *args, detach=True):
        name = f"{CONTRACT_PREFIX}{uuid.uuid4().hex[:8]}"
        started.append(name)
        mode = ["-d"] if detach else []
        result = docker("run", *mode, "--name", name, *args, image, timeout=120)
        return name, result

    yield start
    for name in started:
        docker("rm", "-f", "-v", name)


def query(name, sql, user="root", password="root", database=""):
    """A query over TCP inside the container: only the final server listens there."""
    args = ["exec", "-e", f"MYSQL_PWD={password}", name, "mysql", "--protocol=TCP"]
    args += ["-h127.0.0.1", f"-u{user}", "-N", "-B", "-e", sql]
    return docker(*args, *([database] if database else []))


def wait_for_sql(name, timeout=60, **kwargs):
    def answers():
        if query(name, "SELECT 1", **kwargs).returncode == 0:
            return True
        state = docker("container", "inspect", "-f", "{{.State.Running}}", name).stdout.strip()
        assert state == "true", docker("logs", name).stdout + docker("logs", name).stderr
        return False

    wait_until(answers, timeout, f"{name} to answer a query over TCP", every=0.3)


def test_alpine_ping_needs_net_raw_as_the_real_images_busybox_does(engine):
    """The real alpine's ping is busybox's: it opens a raw ICMP socket only (no fallback to
    an unprivileged ICMP socket), so without NET_RAW it says so and stops. Docker gives
    NET_RAW by default, Podman 4 does not: the Makefile adds it on Podman."""
    without = ["--cap-drop", "NET_RAW"] if engine.name == "docker" else []  # Podman's default
    ping = ("ping", "-c", "1", "-W", "2", "127.0.0.1")

    refused = engine.cli("run", "--rm", *without, "alpine", *ping)
    answered = engine.cli("run", "--rm", "--cap-add=NET_RAW", "alpine", *ping)

    assert refused.returncode != 0
    assert "ping: permission denied (are you root?)" in refused.stderr
    assert answered.returncode == 0, answered.stderr
    assert "1 packets received" in answered.stdout


def test_mysql_creates_the_user_before_running_init_files_in_order(container, tmp_path):
    initdb = tmp_path / "initdb"
    initdb.mkdir()
    (initdb / "01-schema.sql").write_text(
        "CREATE TABLE steps (n INT PRIMARY KEY, what VARCHAR(20));\n"
        "INSERT INTO steps VALUES (1, 'sql');\n"
        # Fails if MYSQL_USER did not exist yet (ERROR 1133), as with the lesson's init.sql.
        "GRANT SELECT ON contract.* TO 'learner'@'%';\n"
    )
    script = initdb / "02-script.sh"
    script.write_text(
        '#!/bin/sh\nmysql -uroot -p"$MYSQL_ROOT_PASSWORD" contract'
        " -e \"INSERT INTO steps VALUES (2, 'sh')\"\n"
    )
    script.chmod(0o755)
    (initdb / "03-data.sql.gz").write_bytes(gzip.compress(b"INSERT INTO steps VALUES (3, 'gz');\n"))
    (initdb / "04-notes.txt").write_text("ignored\n")
    initdb.chmod(0o755)
    for f in initdb.iterdir():
        f.chmod(f.stat().st_mode | 0o444)

    name, run = container(
        DB_IMAGE,
        *("-e", "MYSQL_ROOT_PASSWORD=root", "-e", "MYSQL_DATABASE=contract"),
        *("-e", "MYSQL_USER=learner", "-e", "MYSQL_PASSWORD=secret"),
        *("-v", f"{initdb}:/docker-entrypoint-initdb.d:ro"),
    )
    assert run.returncode == 0, run.stderr
    wait_for_sql(name)

    rows = query(
        name,
        "SELECT n, what FROM steps ORDER BY n",
        user="learner",
        password="secret",
        database="contract",
    )
    assert rows.returncode == 0, rows.stderr
    assert rows.stdout.split("\n")[:3] == ["1\tsql", "2\tsh", "3\tgz"]


def test_mysql_refuses_to_start_without_a_root_password_option(container):
    name, run = container(
        DB_IMAGE, "-e", "MYSQL_USER=learner", "-e", "MYSQL_PASSWORD=x", detach=False
    )
    assert run.returncode != 0
    assert "password option is not specified" in run.stdout + run.stderr


def test_mysql_random_root_password_is_printed_once_and_works(container):
    name, run = container(DB_IMAGE, "-e", "MYSQL_RANDOM_ROOT_PASSWORD=yes")
    assert run.returncode == 0, run.stderr

    def printed():
        logs = docker("logs", name)
        return [
            line.split("GENERATED ROOT PASSWORD:")[1].strip()
            for line in (logs.stdout + logs.stderr).splitlines()
            if "GENERATED ROOT PASSWORD:" in line
        ]

    wait_until(printed, 60, "the generated root password in the logs", every=0.3)
    [password] = printed()  # printed once
    wait_for_sql(name, password=password)
    assert query(name, "SELECT 1", password="root").returncode != 0


def test_mysql_allows_an_empty_root_password_when_asked(container):
    name, run = container(DB_IMAGE, "-e", "MYSQL_ALLOW_EMPTY_PASSWORD=yes")
    assert run.returncode == 0, run.stderr
    wait_for_sql(name, password="")


def test_mysql_runs_init_files_on_the_first_start_only(container, volume, tmp_path):
    initdb = tmp_path / "initdb"
    initdb.mkdir()
    (initdb / "init.sql").write_text("CREATE DATABASE once; CREATE TABLE once.t (n INT);\n")
    initdb.chmod(0o755)
    (initdb / "init.sql").chmod(0o644)
    args = (
        "-e",
        "MYSQL_ROOT_PASSWORD=root",
        "-v",
        f"{volume()}:/var/lib/mysql",
        "-v",
        f"{initdb}:/docker-entrypoint-initdb.d:ro",
    )
    first, run = container(DB_IMAGE, *args)
    assert run.returncode == 0, run.stderr
    wait_for_sql(first)
    assert query(first, "INSERT INTO once.t VALUES (42)").returncode == 0
    docker("stop", first)

    second, run = container(DB_IMAGE, *args)  # init.sql would fail: database exists
    assert run.returncode == 0, run.stderr
    wait_for_sql(second)
    assert query(second, "SELECT n FROM once.t").stdout.split() == ["42"]


def test_mysql_takes_a_root_owned_data_directory_and_runs_as_pid_1(container):
    """compose.yaml keeps the data on a tmpfs (root's, mode 755, whatever mode= says: runc
    copies the image directory's mode): the official image starts as root, hands the
    directory to its mysql user and runs the server as that user, as PID 1."""
    name, run = container(DB_IMAGE, "--tmpfs", "/var/lib/mysql", "-e", "MYSQL_ROOT_PASSWORD=root")
    assert run.returncode == 0, run.stderr
    wait_for_sql(name)
    owner = docker("exec", name, "stat", "-c", "%U", "/var/lib/mysql").stdout.strip()
    assert owner == "mysql"
    uid = docker("exec", name, "awk", "/^Uid:/ {print $2}", "/proc/1/status").stdout.strip()
    assert uid != "0", "the server runs as root"
    cmdline = docker("exec", name, "cat", "/proc/1/cmdline").stdout
    assert cmdline.split("\0")[0].rsplit("/", 1)[-1] in ("mysqld", "mariadbd")


def test_nginx_renders_templates_with_defined_variables_only(container, tmp_path):
    templates = tmp_path / "templates"
    templates.mkdir()
    (templates / "site.conf.template").write_text(
        "# ${UNDEFINED_VAR} stays as it is\n"
        'server { listen 8080; location / { return 200 "${GREETING} $uri"; } }\n'
    )
    hooks = tmp_path / "hooks"
    hooks.mkdir()
    (hooks / "40-first.sh").write_text("#!/bin/sh\necho hook-40 >> /tmp/order\n")
    (hooks / "50-second.envsh").write_text('#!/bin/sh\necho "hook-50 $GREETING" >> /tmp/order\n')
    for path in (templates, hooks, *templates.iterdir(), *hooks.iterdir()):
        path.chmod(0o755)

    name, run = container(
        NGINX_IMAGE,
        *("-e", "GREETING=hello", "-v", f"{templates}:/etc/nginx/templates:ro"),
        *("-v", f"{hooks}/40-first.sh:/docker-entrypoint.d/40-first.sh:ro"),
        *("-v", f"{hooks}/50-second.envsh:/docker-entrypoint.d/50-second.envsh:ro"),
    )
    assert run.returncode == 0, run.stderr

    def rendered_conf():
        return docker("exec", name, "cat", "/etc/nginx/conf.d/site.conf").stdout

    wait_until(rendered_conf, 30, "the template rendered to /etc/nginx/conf.d", every=0.1)
    rendered = rendered_conf()
    assert '"hello $uri"' in rendered  # nginx's own $uri is left alone
    assert "# ${UNDEFINED_VAR} stays as it is" in rendered
    assert docker("exec", name, "curl", "-s", "localhost:8080/page").stdout == "hello /page"
    assert docker("exec", name, "cat", "/tmp/order").stdout.split("\n")[:2] == [
        "hook-40",
        "hook-50 hello",
    ]


def test_nginx_stops_when_an_entrypoint_script_fails(container, tmp_path):
    hook = tmp_path / "10-fail.sh"
    hook.write_text("#!/bin/sh\necho 'BASE_URL is not a URL' >&2\nexit 1\n")
    hook.chmod(0o755)
    name, run = container(
        NGINX_IMAGE, "-v", f"{hook}:/docker-entrypoint.d/10-fail.sh:ro", detach=False
    )
    assert run.returncode != 0
    assert "BASE_URL is not a URL" in run.stderr


def test_nginx_unprivileged_serves_on_8080_as_101_on_a_read_only_root(container):
    """As k8s/lessons' pods run it: uid 101, read-only root, /tmp its only scratch, no
    capabilities; bash and curl for the lessons' `kubectl exec`."""
    pulled = run("standins/pull-or-build", NGINX_UNPRIVILEGED, timeout=600)
    assert pulled.returncode == 0, pulled.output
    locked = ("--read-only", "--tmpfs", "/tmp", "--cap-drop", "ALL", "--user", "101:101")
    name, started = container(NGINX_UNPRIVILEGED, *locked, "--security-opt", "no-new-privileges")
    assert started.returncode == 0, started.output
    page = ("exec", name, "bash", "-c", "id -u; curl -sf localhost:8080")
    wait_until(lambda: docker(*page).returncode == 0, 20, "nginx on 8080")
    out = docker(*page).stdout
    assert out.startswith("101\n") and "Welcome to nginx!" in out, out
