"""Fixtures for the backend tests: Flask's test client with no database (a port where
nothing listens), or on the session's real MariaDB (`integration`, tests/conftest.py's
`mariadb` and `live_db`); Giphy's stand-in."""

import pytest

from api import create_app
from api.config import Config
from giphy_standin import Giphy
from mariadb_server import db_config, free_port


@pytest.fixture
def client(live_db):
    """A test client of an app connected to the real server."""
    return create_app(db_config(live_db)).test_client()


@pytest.fixture
def empty_images(live_db):
    with live_db.root("images") as conn, conn.cursor() as cur:
        cur.execute("DELETE FROM images")


@pytest.fixture
def offline_client():
    """A test client of an app whose database port has nothing listening on it."""
    return create_app(Config(mysql_host="127.0.0.1", mysql_port=free_port())).test_client()


@pytest.fixture
def giphy():
    """A stand-in for Giphy on loopback (giphy_standin.py)."""
    with Giphy() as standin:
        yield standin
