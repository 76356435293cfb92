"""A tiny connection pool around PyMySQL.

Opening a connection costs a TCP and auth handshake, so connections are kept and reused.
Nothing connects at start-up: the app starts even when the database is down, and every
request that needs the database tries again.

The locks below are threading's: gunicorn's gevent worker turns them into cooperative
ones, and they work as they are under threads.
"""

import queue
import threading

import pymysql

# Errors that mean "no usable connection": the server is down, unreachable, refused us,
# or went away. The connection is thrown away and the request gets a 503.
UNAVAILABLE = (pymysql.err.OperationalError, pymysql.err.InterfaceError)

# How long a request waits for a free connection before it gets a 503. With the 2 s
# timeouts of a connection, a request still has its answer within 3 s.
WAIT_FOR_CONNECTION = 1.0


class PoolBusy(pymysql.err.OperationalError):
    """Every connection of this process is in use, and none came free in time."""


class Database:
    def __init__(self, config):
        self.config = config
        self.size = config.mysql_pool_size
        # At most `size` connections per process, whatever the number of requests in
        # flight: the server's max_connections (151 by default) is shared by every replica.
        self._slots = threading.BoundedSemaphore(self.size)
        # LIFO: the most recently used connection is the one most likely still alive.
        self._idle = queue.LifoQueue()
        self._shared_ping = SharedCall(lambda: self._run(_ping, repeatable=True))

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
            # Short timeouts: a dead or hung database must turn into a 503 within 3 s.
            connect_timeout=2,
            read_timeout=2,
            write_timeout=2,
            # Explicit TLS: left alone, PyMySQL builds a TLS context on every connect.
            ssl=c.mysql_tls,
            ssl_disabled=c.mysql_tls is None,
        )

    def query(self, sql, args=()):
        """Run a read and return all rows as dicts.

        A pooled connection can be stale (the server restarted since it was last used);
        it then fails at once, and a read is safe to repeat on a fresh connection.
        """
        return self._run(lambda conn: _cursor_run(conn, sql, args, fetch=True), repeatable=True)

    def execute(self, sql, args=()):
        """Run a write once (it might have been applied, so never repeat it).

        Returns (rowcount, lastrowid).
        """
        return self._run(lambda conn: _cursor_run(conn, sql, args, fetch=False), repeatable=False)

    def ping(self):
        """One round trip to the server (MySQL's COM_PING), for /health.

        As real a check as SELECT 1 (the server must answer on an open, logged-in connection)
        and cheaper on both sides: no statement to parse, no result set to build and read.
        Calls that arrive while a ping is on its way share its answer (SharedCall): a burst
        of probes costs the database one round trip, not one each.
        """
        self._shared_ping()

    def _run(self, operation, repeatable):
        if not self._slots.acquire(timeout=WAIT_FOR_CONNECTION):
            raise PoolBusy(f"all {self.size} database connections of this process are busy")
        try:
            return self._run_on_a_connection(operation, repeatable)
        finally:
            self._slots.release()

    def _run_on_a_connection(self, operation, repeatable):
        conn, reused = self._take()
        if reused and not repeatable and not _alive(conn):
            self._discard(conn)
            conn, reused = self.connect(), False
        try:
            result = operation(conn)
        except UNAVAILABLE as exc:
            self._discard(conn)
            # A timeout means the server is slow, not that the connection was stale:
            # waiting a second time would break the "503 within 3 s" promise.
            if not (reused and repeatable) or isinstance(exc.__context__, TimeoutError):
                raise
            conn = self.connect()
            try:
                result = operation(conn)
            except UNAVAILABLE:
                _close(conn)
                raise
        except pymysql.MySQLError:
            self._give_back(conn)  # a bad statement, the connection itself is fine
            raise
        self._give_back(conn)
        return result

    def _take(self):
        try:
            return self._idle.get_nowait(), True
        except queue.Empty:
            return self.connect(), False

    def _give_back(self, conn):
        self._idle.put_nowait(conn)  # never more than `size`: the slots see to it

    def _discard(self, conn):
        """Close a broken connection and every idle one: they most likely broke too."""
        _close(conn)
        while True:
            try:
                _close(self._idle.get_nowait())
            except queue.Empty:
                return


class SharedCall:
    """Calls that overlap share one run of `function` ("single flight").

    The first caller runs it; callers that arrive before it returns wait for the same result
    (or exception) instead of starting their own. Every answer was finished after its caller
    arrived, so nothing is served from a cache.
    """

    def __init__(self, function):
        self._function = function
        self._lock = threading.Lock()
        self._flight = None  # the run in progress, if any

    def __call__(self):
        while True:
            with self._lock:
                flight = self._flight
                leader = flight is None
                if leader:
                    flight = self._flight = _Flight()
            if leader:
                try:
                    flight.result = self._function()
                except Exception as exc:
                    flight.error = exc
                else:
                    flight.answered = True
                finally:
                    with self._lock:
                        self._flight = None
                    flight.done.set()
            else:
                flight.done.wait()
            if flight.error is not None:
                raise flight.error
            if flight.answered:
                return flight.result
            # The first caller was interrupted (its worker is stopping): try again.


class _Flight:
    def __init__(self):
        self.done = threading.Event()
        self.result = None
        self.error = None
        self.answered = False


def _alive(conn):
    """One round trip; used before writes, which must not be repeated after a failure."""
    try:
        conn.ping()
    except UNAVAILABLE:
        return False
    return True


def _close(conn):
    if conn.open:  # PyMySQL already dropped the socket when the connection broke
        conn.close()


def _ping(conn):
    conn.ping(reconnect=False)  # a failure must reach _run, which replaces the connection


def _cursor_run(conn, sql, args, fetch):
    with conn.cursor(pymysql.cursors.DictCursor) as cursor:
        cursor.execute(sql, args)
        return cursor.fetchall() if fetch else (cursor.rowcount, cursor.lastrowid)
