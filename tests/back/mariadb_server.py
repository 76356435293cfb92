"""A throw-away MariaDB server for tests and the benchmark.

It is set up the way the official mysql image sets up the lesson's container: the
entrypoint creates MYSQL_USER with MYSQL_PASSWORD, then runs db/init.sql as root. So the
GRANT in init.sql is exercised and the app's user really has only row privileges.
Needs the Debian package mariadb-server (mariadbd, mariadb-install-db) and mariadb-client.
"""

import contextlib
import hashlib
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from pathlib import Path

import pymysql

REPO = Path(__file__).resolve().parents[2]
INIT_SQL = REPO / "db" / "init.sql"
APP_USER, APP_PASSWORD = "user", "mysql"  # the lesson's MYSQL_USER / MYSQL_PASSWORD
DB_TIMEOUT = 2  # seconds: api/db.py's connect_timeout, read_timeout and write_timeout


def missing_binaries():
    """The binaries this needs that are not installed, as a list of names."""
    names = ("mariadbd", "mariadb-install-db", "mariadb")
    return [n for n in names if not shutil.which(n) and not Path("/usr/sbin", n).exists()]


def free_port():
    # The kernel picks an unused port from its ephemeral range, never 3000, 3306 or 8080.
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _binary(name):
    return shutil.which(name) or str(Path("/usr/sbin", name))


def installed_datadir():
    """A datadir as mariadb-install-db makes it, made once for this machine's MariaDB in the
    temp folder, never written to: each server starts from a copy (the install takes seconds,
    a copy milliseconds)."""
    version = subprocess.run(
        [_binary("mariadbd"), "--version"], capture_output=True, text=True, check=True
    ).stdout
    key = hashlib.sha256(version.encode()).hexdigest()[:12]
    template = Path(tempfile.gettempdir()) / f"k8scourse-mariadb-{key}"
    if not template.exists():
        work = Path(tempfile.mkdtemp(prefix="k8scourse-mariadb-"))
        subprocess.run(
            [_binary("mariadb-install-db"), "--no-defaults", f"--datadir={work / 'data'}",
             "--user=root", "--skip-test-db",
             "--auth-root-authentication-method=normal"],  # root with an empty password
            check=True, capture_output=True,
        )  # fmt: skip
        with contextlib.suppress(OSError):  # another run made it meanwhile: that one is kept
            (work / "data").rename(template)
        shutil.rmtree(work, ignore_errors=True)
    return template


def _stopped(task_stat):
    try:
        return task_stat.read_text().rsplit(")", 1)[1].split()[0] == "T"
    except FileNotFoundError:
        return True  # the thread has ended


class MariaDB:
    def __init__(self, basedir, port=None, buffer_pool="64M", options=()):
        self.basedir = Path(basedir)
        self.options = list(options)  # more mariadbd flags, e.g. --ssl-cert=...
        self.datadir = self.basedir / "data"
        self.socket = self.basedir / "mysqld.sock"
        self.log = self.basedir / "error.log"
        self.port = port or free_port()
        self.buffer_pool = buffer_pool
        self.process = None
        self.root_password = ""  # create(root_password=...) sets one, as the lesson's image

    def create(self, root_password=""):
        """A fresh datadir, started, the schema loaded like the mysql image does."""
        shutil.copytree(installed_datadir(), self.datadir)
        self.start()
        with self.root() as conn, conn.cursor() as cur:
            cur.execute("CREATE USER %s@'%%' IDENTIFIED BY %s", (APP_USER, APP_PASSWORD))
        self.run_sql_file(INIT_SQL)
        if root_password:
            with self.root() as conn, conn.cursor() as cur:
                cur.execute("ALTER USER root@localhost IDENTIFIED BY %s", (root_password,))
            self.root_password = root_password
        return self

    def start(self):
        self.process = subprocess.Popen(
            [_binary("mariadbd"), "--no-defaults", f"--datadir={self.datadir}",
             f"--socket={self.socket}", f"--pid-file={self.basedir / 'mysqld.pid'}",
             f"--log-error={self.log}", f"--port={self.port}", "--bind-address=127.0.0.1",
             "--user=root",  # the tests run as root; mariadbd refuses that unless told
             "--skip-name-resolve", "--innodb-log-file-size=8M",
             f"--innodb-buffer-pool-size={self.buffer_pool}", "--max-connections=500",
             *self.options],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        self._wait_until_up()

    def _wait_until_up(self, timeout=30):
        deadline = time.monotonic() + timeout
        while True:
            if self.process.poll() is not None:
                raise RuntimeError(f"mariadbd exited; see {self.log}:\n{self.log_tail()}")
            try:
                self.root().close()
                return
            except pymysql.err.OperationalError:
                if time.monotonic() > deadline:
                    raise RuntimeError(f"mariadbd did not start; see {self.log}") from None
                time.sleep(0.05)

    def stop(self):
        if self.process and self.process.poll() is None:
            self.process.terminate()  # SIGTERM: a clean shutdown
            self.process.wait(timeout=60)
        self.process = None

    def pause(self):
        """Freeze the server (SIGSTOP): it still accepts TCP connections but never answers."""
        os.kill(self.process.pid, signal.SIGSTOP)
        # The signal is asynchronous: wait until every thread is really stopped.
        tasks = Path(f"/proc/{self.process.pid}/task")
        while not all(_stopped(task) for task in tasks.glob("*/stat")):
            time.sleep(0.01)

    def waiting_clients(self):
        """What clients left waiting on a paused server, from its TCP sockets in
        /proc/net/tcp: bytes sent on its connections it has not read, plus connections the
        kernel accepted for it and it has not taken (a new client waiting for the greeting)."""
        waiting = 0
        for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
            _, local, _, state, queues, *_ = line.split()
            if int(local.rsplit(":", 1)[1], 16) == self.port and state in ("01", "0A"):
                # ESTABLISHED: rx_queue is unread bytes; LISTEN: the accept queue's length.
                waiting += int(queues.split(":")[1], 16)
        return waiting

    def resume(self):
        os.kill(self.process.pid, signal.SIGCONT)

    def root(self, database=None):
        return pymysql.connect(
            unix_socket=str(self.socket), user="root", password=self.root_password,
            database=database, autocommit=True, charset="utf8mb4",
        )  # fmt: skip

    def run_sql_file(self, path):
        """Feed a file to the command-line client, as the image's entrypoint does."""
        with open(path, "rb") as sql:
            client = [_binary("mariadb"), "--no-defaults", f"--socket={self.socket}", "-uroot"]
            subprocess.run(client, stdin=sql, check=True, capture_output=True)

    def log_tail(self, lines=20):
        try:
            return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""


def db_config(server, **changes):
    """The app's Config for that server, as the app's user. Lives here, not in conftest.py:
    tests/k8s has a conftest.py too, and `from conftest import` may find that one."""
    settings = {
        "mysql_host": "127.0.0.1", "mysql_port": server.port, "mysql_user": APP_USER,
        "mysql_password": APP_PASSWORD, "in_container": False,
    } | changes  # fmt: skip
    from api.config import Config  # the app's own, from back/

    return Config(**settings)
