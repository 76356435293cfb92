"""One PyMySQL connection per gunicorn thread (threading.local), kept between requests:
never used by two requests at once, and no handshake per request. Nothing connects at
start-up: the app starts with the database down, and each request tries again.
"""

import threading
import time

import pymysql

# No usable connection: the server is down, unreachable, refused us or went away. The
# connection is dropped and the request gets a 503 (errors.py).
UNAVAILABLE = (pymysql.err.OperationalError, pymysql.err.InterfaceError)


class SchemaMismatch(Exception):
    """MySQL's 1054 or 1146: the table lacks a column or is missing. No retry helps."""

    CODES = (1054, 1146)
    HINT = (
        "The images table differs from db/init.sql (run only on an empty data directory): "
        "ALTER it as root, or remove the database's volume. db/README.md: Changing the schema."
    )


class Database:
    def __init__(self, config):
        self.config = config
        self.local = threading.local()

    def connect(self):
        c = self.config
        return pymysql.connect(
            host=c.mysql_host,
            port=c.mysql_port,
            user=c.mysql_user,
            password=c.mysql_password,
            database=c.mysql_database,
            charset="utf8mb4",
            autocommit=True,
            cursorclass=pymysql.cursors.DictCursor,
            # Short timeouts: a dead or hung database must turn into a 503 within 3 s.
            connect_timeout=2,
            read_timeout=2,
            write_timeout=2,
            # Explicit TLS: left alone, PyMySQL builds a TLS context on every connect.
            ssl=c.mysql_tls,
            ssl_disabled=c.mysql_tls is None,
        )

    def query(self, sql, args=()):
        """All the rows of a read, as dicts."""

        def read(conn):
            with conn.cursor() as cursor:
                cursor.execute(sql, args)
                return cursor.fetchall()

        return self._read(read)

    def ping(self):
        """One round trip (MySQL's COM_PING)."""
        self._read(lambda conn: conn.ping())

    def execute(self, sql, args=()):
        """Run a write once and return (rowcount, lastrowid). A write that failed may have
        been applied, so it is never repeated: a ping first replaces a connection the server
        closed."""
        self.ping()

        def write(conn):
            with conn.cursor() as cursor:
                cursor.execute(sql, args)
                return cursor.rowcount, cursor.lastrowid

        return self._use(write)

    def _read(self, operation):
        """Run a read, and again if it failed at once, as a kept connection that the server
        closed (it restarted) does: a read is safe to repeat. A slow failure means a hung
        server: a second try would only double the wait."""
        started = time.monotonic()
        try:
            return self._use(operation)
        except UNAVAILABLE:
            if time.monotonic() - started > 1:
                raise
            return self._use(operation)

    def _use(self, operation):
        """operation(connection) on this thread's connection, dropped if it broke."""
        if getattr(self.local, "conn", None) is None:
            self.local.conn = self.connect()
        conn = self.local.conn
        try:
            return operation(conn)
        except pymysql.err.MySQLError as exc:
            if exc.args and exc.args[0] in SchemaMismatch.CODES:
                raise SchemaMismatch(exc.args[1]) from exc
            if isinstance(exc, UNAVAILABLE):
                self.local.conn = None
                if conn.open:  # PyMySQL closed it already if its socket broke
                    conn.close()
            raise
