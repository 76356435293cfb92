"""Backups: make backup dumps the database's rows to a file, make restore loads them back,
every row; a dump that is empty or cut short is refused before the database is touched.
On Docker and on Podman (the docker run stack), and with the Compose stack on Docker."""

import pytest
from real_engines import REPO, Engine

pytestmark = pytest.mark.e2e

# 25 rows, in one statement that MySQL 5.7 takes too (it has no WITH RECURSIVE).
WRITE_25_ROWS = (
    "INSERT INTO images (caption, filename) "
    "SELECT CONCAT('backed up ', a.n * 5 + b.n, ', café'), 'a.gif' FROM "
    "(SELECT 0 n UNION SELECT 1 UNION SELECT 2 UNION SELECT 3 UNION SELECT 4) a, "
    "(SELECT 0 n UNION SELECT 1 UNION SELECT 2 UNION SELECT 3 UNION SELECT 4) b"
)


def sql(engine, container, statement, user="user", password="mysql"):
    """One statement in the images database, as the app's user (or root); its rows."""
    result = engine.cli(
        "exec",
        "-e",
        f"MYSQL_PWD={password}",
        container,
        "mysql",
        f"-u{user}",
        "-N",
        "-B",
        "images",
        "-e",
        statement,
    )
    assert result.returncode == 0, result.output
    return result.stdout.splitlines()


def rows(engine, container):
    return sql(engine, container, "SELECT id, caption, filename FROM images ORDER BY id")


def backed_up(result):
    """The dump make backup wrote (its last line names it)."""
    assert result.returncode == 0, result.output
    [line] = [line for line in result.stdout.splitlines() if "make restore BACKUP=" in line]
    return REPO / line.split("make restore BACKUP=")[1].split()[0]


@pytest.fixture
def database(engine):
    engine.make("down")
    up = engine.make("network", "db", "wait-db", timeout=600)
    assert up.returncode == 0, up.output
    yield engine
    engine.make("down")


def test_rows_backed_up_dropped_and_restored_come_back_every_one(database):
    engine = database
    sql(engine, "k8scourse-db", WRITE_25_ROWS)
    before = rows(engine, "k8scourse-db")
    assert len(before) == 25 + 1  # and init.sql's first row

    dump = backed_up(engine.make("backup"))
    try:
        assert dump.read_text().rstrip().splitlines()[-1].startswith("-- Dump completed")
        sql(engine, "k8scourse-db", "DROP TABLE images", user="root", password="root")

        restored = engine.make("restore", f"BACKUP={dump.relative_to(REPO)}")

        assert restored.returncode == 0, restored.output
        assert rows(engine, "k8scourse-db") == before
    finally:
        dump.unlink(missing_ok=True)


@pytest.mark.parametrize(
    ("damage", "said"),
    [
        ("empty", "is empty: not a dump, nothing restored."),
        (
            "cut",
            "is not a whole dump (it does not end with mysqldump's '-- Dump completed' "
            "line): nothing restored.",
        ),
    ],
)
def test_a_damaged_dump_is_refused_and_nothing_is_lost(database, damage, said):
    engine = database
    sql(engine, "k8scourse-db", "INSERT INTO images (caption, filename) VALUES ('kept', 'k.gif')")
    before = rows(engine, "k8scourse-db")
    dump = backed_up(engine.make("backup"))
    damaged = dump.with_name(f"damaged-{damage}.sql")
    try:
        lines = dump.read_text().splitlines(keepends=True)
        damaged.write_text("" if damage == "empty" else "".join(lines[: len(lines) // 2]))

        refused = engine.make("restore", f"BACKUP={damaged.relative_to(REPO)}")

        assert refused.returncode != 0
        assert refused.stderr.splitlines()[0] == f"make: {damaged.relative_to(REPO)} {said}"
        assert rows(engine, "k8scourse-db") == before
    finally:
        dump.unlink(missing_ok=True)
        damaged.unlink(missing_ok=True)


def test_the_compose_stacks_database_is_backed_up_and_restored_too():
    """make backup finds the Compose stack's db service when no docker run database runs
    (Compose reads the root password from its secret file, in the container)."""
    engine = Engine("docker")
    engine.make("down")
    up = engine.make("compose-up", timeout=900)
    try:
        assert up.returncode == 0, up.output
        db = engine.cli(
            "ps", "--filter", "label=com.docker.compose.service=db", "--format", "{{.Names}}"
        ).stdout.split()[0]
        sql(engine, db, "INSERT INTO images (caption, filename) VALUES ('compose', 'c.gif')")
        before = rows(engine, db)
        dump = backed_up(engine.make("backup"))
        try:
            sql(engine, db, "DELETE FROM images", user="root", password="root")
            assert rows(engine, db) == []
            restored = engine.make("restore", f"BACKUP={dump.relative_to(REPO)}")
            assert restored.returncode == 0, restored.output
            assert rows(engine, db) == before
        finally:
            dump.unlink(missing_ok=True)
    finally:
        engine.make("compose-down")
