"""db.py against the real server: one connection per thread, kept; dropped when it breaks;
a read tried once more on a new connection, a write never repeated; MYSQL_SSL=1 against a
server that refuses the app's user without TLS."""

import subprocess
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pymysql
import pytest
from kit import missing_part, wait_until

from api.config import Config
from api.db import UNAVAILABLE, Database, SchemaMismatch
from mariadb_server import APP_PASSWORD, APP_USER, MariaDB, db_config, missing_binaries

pytestmark = pytest.mark.integration


def connection_id(db):
    return db.query("SELECT CONNECTION_ID() AS id")[0]["id"]


def kill(server, conn_id):
    """The server ends a connection, as a restart or an idle timeout would."""
    with server.root() as conn, conn.cursor() as cur:
        cur.execute("KILL CONNECTION %s", (conn_id,))


def inserts_sent(server):
    """How many INSERT ... SELECT statements the server has been sent, from any session."""
    with server.root() as conn, conn.cursor() as cur:
        cur.execute("SHOW GLOBAL STATUS LIKE 'Com_insert_select'")
        return int(cur.fetchone()[1])


def test_a_thread_keeps_its_connection_between_calls_and_threads_never_share_one(live_db):
    db = Database(db_config(live_db))
    first = connection_id(db)
    db.ping()
    db.execute("DELETE FROM images WHERE id = 0")
    assert connection_id(db) == first
    with ThreadPoolExecutor(max_workers=4) as pool:
        used = set(pool.map(lambda _: connection_id(db), range(200)))
    assert first not in used and 1 <= len(used) <= 4


def test_a_read_or_write_on_a_connection_the_server_closed_gets_a_new_one(live_db, empty_images):
    db = Database(db_config(live_db))
    first = connection_id(db)
    kill(live_db, first)
    assert connection_id(db) != first  # no error: read again on a new connection
    second = connection_id(db)
    kill(live_db, second)
    db.ping()  # no error either: the ping reconnects
    third = connection_id(db)
    assert third not in (first, second)
    kill(live_db, third)
    rows, new_id = db.execute(  # sent once, on a new connection
        "INSERT INTO images (caption, filename) VALUES (%s, %s)", ("once", "a.gif")
    )
    assert rows == 1
    assert db.query("SELECT id FROM images WHERE caption = 'once'") == [{"id": new_id}]


def test_a_write_that_fails_is_not_repeated(live_db, empty_images):
    db = Database(db_config(live_db))
    conn_id = connection_id(db)
    # The server cuts the connection while the INSERT runs: the write may or may not have
    # happened, so the caller gets the error and nothing is sent again. The INSERT waits on
    # a lock the test holds, so it is still running when the processlist shows it, however
    # slow this machine is; the connection is killed then, well within the app's 2 s
    # read_timeout (api/db.py). Whether the killed INSERT still lands is the server's race:
    # the promise is that it is sent once, so the row is there at most once.
    lock = "k8scourse-test-write"
    killed = []

    def waiting_on_lock():
        with live_db.root() as conn, conn.cursor() as cur:
            cur.execute(
                "SELECT STATE FROM information_schema.PROCESSLIST WHERE ID = %s", (conn_id,)
            )
            return cur.fetchone() == ("User lock",)

    def kill_once_waiting():
        wait_until(waiting_on_lock, 10, f"connection {conn_id}'s INSERT on the lock", every=0.01)
        kill(live_db, conn_id)
        killed.append(conn_id)

    sent = inserts_sent(live_db)
    with live_db.root() as holder, holder.cursor() as cur:
        cur.execute("SELECT GET_LOCK(%s, 0) AS got", (lock,))
        assert cur.fetchone() == (1,)
        killer = threading.Thread(target=kill_once_waiting)
        killer.start()
        with pytest.raises(UNAVAILABLE) as error:
            db.execute(
                "INSERT INTO images (caption, filename) SELECT 'slow', 'a.gif' FROM seq_1_to_1"
                " WHERE GET_LOCK(%s, 10) = 1",
                (lock,),
            )
        killer.join(15)
    assert killed == [conn_id], "the killer never saw the INSERT wait on the lock"
    # Killed, not timed out: a "timed out" here is the 2 s read_timeout, reached before the
    # kill, and the server would have gone on with the INSERT once the lock was free.
    assert "timed out" not in str(error.value), error.value
    assert inserts_sent(live_db) == sent + 1  # sent once, never again
    [landed] = db.query("SELECT COUNT(*) AS n FROM images WHERE caption = 'slow'")
    assert landed["n"] <= 1
    assert connection_id(db) != conn_id  # the broken connection was dropped


@pytest.mark.parametrize(
    ("statement", "error"),
    [
        ("SELEC 1", pymysql.err.ProgrammingError),
        ("SELECT no_such_column FROM images", SchemaMismatch),  # 1054, an OperationalError
        ("SELECT * FROM no_such_table", SchemaMismatch),  # 1146
    ],
)
def test_a_failed_statement_keeps_the_connection(live_db, statement, error):
    db = Database(db_config(live_db))
    first = connection_id(db)
    with pytest.raises(error):
        db.query(statement)
    assert connection_id(db) == first  # and no second try: the server answered


def test_writes_are_committed_on_a_server_whose_default_is_no_autocommit(live_db, empty_images):
    with live_db.root() as conn, conn.cursor() as cur:
        cur.execute("SET GLOBAL autocommit = 0")
    try:
        db = Database(db_config(live_db))  # its connection starts under the new default
        db.execute("INSERT INTO images (caption, filename) VALUES ('kept', 'a.gif')")
    finally:
        with live_db.root() as conn, conn.cursor() as cur:
            cur.execute("SET GLOBAL autocommit = 1")
    with live_db.root("images") as conn, conn.cursor() as cur:  # another session sees it
        cur.execute("SELECT COUNT(*) FROM images WHERE caption = 'kept'")
        assert cur.fetchone() == (1,)


def test_a_read_that_failed_after_more_than_a_second_is_not_repeated(live_db):
    # A slow failure means a hung server: a second try would only double the wait.
    db = Database(db_config(live_db))
    conn_id = connection_id(db)

    def kill_after_a_second():
        with live_db.root() as conn, conn.cursor() as cur:
            while True:  # until the query has run for 1.2 s, by the server's clock
                cur.execute(
                    "SELECT TIME_MS FROM information_schema.PROCESSLIST WHERE ID = %s", (conn_id,)
                )
                if cur.fetchone()[0] >= 1200:
                    break
                time.sleep(0.05)
            cur.execute("KILL CONNECTION %s", (conn_id,))

    killed = []
    killer = threading.Thread(target=lambda: killed.append(kill_after_a_second() or "killed"))
    killer.start()
    with pytest.raises(UNAVAILABLE):
        # Only this connection sleeps: tried again on a new one, it would answer at once.
        db.query("SELECT SLEEP(IF(CONNECTION_ID() = %s, 5, 0)) AS slept", (conn_id,))
    killer.join(10)
    assert killed == ["killed"], "the query failed, but not because the killer killed it"


# TLS: the database module on config.py's settings, read from the environment.


def self_signed_certificate(directory):
    """A certificate for 127.0.0.1, which is also its own CA, and its key (openssl's)."""
    cert, key = directory / "server-cert.pem", directory / "server-key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256"]
        + ["-nodes", "-days", "1", "-subj", "/CN=k8scourse test db", "-keyout", key, "-out", cert]
        + [
            "-addext",
            "subjectAltName=IP:127.0.0.1",
            "-addext",
            "basicConstraints=critical,CA:TRUE",
        ],
        check=True,
        capture_output=True,
    )
    return cert, key


@pytest.fixture(scope="module")
def tls_db(tmp_path_factory):
    if missing_binaries():
        missing_part("mariadb-server not installed")  # conftest's mariadb fixture says more
    base = tmp_path_factory.mktemp("tls-db")
    cert, key = self_signed_certificate(base)
    server = MariaDB(base, options=[f"--ssl-cert={cert}", f"--ssl-key={key}"]).create()
    with server.root() as conn, conn.cursor() as cur:
        cur.execute("ALTER USER %s@'%%' REQUIRE SSL", (APP_USER,))
    yield server, cert
    server.stop()


def database(server, **env):
    settings = {"MYSQL_HOST": "127.0.0.1", "MYSQL_PORT": str(server.port)}
    return Database(Config.from_env(settings | {"MYSQL_PASSWORD": APP_PASSWORD} | env))


def test_the_apps_connection_is_encrypted(tls_db):
    server, cert = tls_db
    db = database(server, MYSQL_SSL="1", MYSQL_SSL_CA=str(cert))
    [row] = db.query("SHOW SESSION STATUS LIKE 'Ssl_version'")
    assert row["Value"].startswith("TLS")


def test_without_mysql_ssl_the_app_tries_no_tls(tls_db):
    # The server refuses it: the test above really needed TLS. PyMySQL alone would try TLS
    # with an unverified context (its "preferred" mode).
    server, _ = tls_db
    with pytest.raises(pymysql.err.OperationalError, match="Access denied"):
        database(server).ping()


def test_the_ca_is_checked(tls_db, tmp_path):
    server, _ = tls_db
    other_ca, _ = self_signed_certificate(tmp_path)
    db = database(server, MYSQL_SSL="1", MYSQL_SSL_CA=str(other_ca))
    with pytest.raises(pymysql.err.OperationalError, match="CERTIFICATE_VERIFY_FAILED"):
        db.ping()
