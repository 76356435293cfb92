"""MYSQL_SSL=1 against a server that refuses the app's user without TLS: the database module
on config.py's settings, read from the environment as the app reads them."""

import datetime
import ipaddress

import pymysql
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from kit import missing_part

from api.config import Config
from api.db import Database
from mariadb_server import APP_PASSWORD, APP_USER, MariaDB, missing_binaries

pytestmark = pytest.mark.integration


def self_signed_certificate(directory):
    """A certificate for 127.0.0.1, which is also its own CA."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "k8scourse test db")])
    now = datetime.datetime.now(datetime.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .sign(key, hashes.SHA256())
    )
    cert, key_file = directory / "server-cert.pem", directory / "server-key.pem"
    cert.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.TraditionalOpenSSL,
            serialization.NoEncryption(),
        )
    )
    return cert, key_file


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
