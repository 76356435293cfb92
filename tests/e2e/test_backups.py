"""Backups on the real engines: make backup dumps the database's rows to a file, make restore
loads them back all or nothing, and every command they print works when typed. On Docker and
on Podman (the docker run stack, the lesson's root password), and with the Compose stack on
Docker (its secret file). What the offline tests cannot hold: the engine's exec, its
passwords, and a load cut off inside the container. The refusals before the database is
touched: tests/test_scripts_offline.py."""

import subprocess
import time

import pytest
from real_engines import REPO, Engine, run

pytestmark = pytest.mark.e2e


def rows_of(count):
    """count rows (up to 100,000) in one statement that MySQL 5.7 takes too (no WITH
    RECURSIVE): a cross join of five tables of ten digits."""
    digits = "(SELECT 0 n" + "".join(f" UNION SELECT {n}" for n in range(1, 10)) + ")"
    tables = ", ".join(f"{digits} t{i}" for i in range(5))
    rows = f"SELECT 'backed up, café', 'a.gif' FROM {tables} LIMIT {count}"  # noqa: S608
    return f"INSERT INTO images (caption, filename) {rows}"


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


def rows(engine, container="k8scourse-db"):
    return sql(engine, container, "SELECT id, caption, filename FROM images ORDER BY id")


def backed_up(result):
    """The dump make backup wrote (its last line names it)."""
    assert result.returncode == 0, result.output
    [line] = [line for line in result.stdout.splitlines() if "make restore BACKUP=" in line]
    return REPO / line.split("make restore BACKUP=")[1].split()[0]


def typed(result):
    """Each command a make target printed, run through bash as a learner types it."""
    commands = [line[2:] for line in result.stdout.splitlines() if line.startswith("$ ")]
    assert commands, result.output
    for command in commands:
        done = run("bash", "-c", command)
        assert done.returncode == 0, (command, done.output)


@pytest.fixture(scope="module")
def database(engine):
    engine.make("down")
    up = engine.make("network", "db", "wait-db", timeout=600)
    assert up.returncode == 0, up.output
    yield engine
    engine.make("down")


@pytest.fixture
def dump(database):
    """25 rows, dumped by make backup; then one row more."""
    sql(database, "k8scourse-db", "DELETE FROM images")
    sql(database, "k8scourse-db", rows_of(25))
    file = backed_up(database.make("backup"))
    sql(database, "k8scourse-db", "INSERT INTO images (caption, filename) VALUES ('new', 'n.gif')")
    yield file
    file.unlink(missing_ok=True)


# On Docker only, so first: the tests that take `engine` run on Podman after Docker's
# turn (conftest.py: docker_clean_slate).
def test_the_compose_stacks_database_is_backed_up_and_restored_too():
    """make backup finds the Compose stack's db service when no docker run database runs;
    its printed commands read root's password from the secret file, in the container."""
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
        backup = engine.make("backup")
        dump = backed_up(backup)
        try:
            assert "MYSQL_ROOT_PASSWORD_FILE" in backup.stdout
            sql(engine, db, "DELETE FROM images", user="root", password="root")
            restored = engine.make("restore", f"BACKUP={dump.relative_to(REPO)}")
            assert restored.returncode == 0, restored.output
            assert rows(engine, db) == before
            sql(engine, db, "DELETE FROM images", user="root", password="root")
            typed(restored)
            assert rows(engine, db) == before
        finally:
            dump.unlink(missing_ok=True)
    finally:
        engine.make("compose-down")


def test_the_printed_commands_typed_back_up_and_restore_every_row(database, dump):
    engine, dumped = database, rows(database)[:-1]
    time.sleep(1)  # a dump's name has the second: not the fixture's
    backup = engine.make("backup")
    again = backed_up(backup)
    made = again.read_text(encoding="utf-8").splitlines()
    again.unlink()
    typed(backup)
    assert again.read_text(encoding="utf-8").splitlines()[:-1] == made[:-1]  # all but its date
    again.unlink()

    restored = engine.make("restore", f"BACKUP={dump.relative_to(REPO)}")
    assert restored.returncode == 0, restored.output
    assert "# images: 26 rows now, 25 in the dump: replacing" in restored.stdout.splitlines()
    assert rows(engine) == dumped
    sql(engine, "k8scourse-db", "DELETE FROM images", user="root", password="root")
    typed(restored)
    assert rows(engine) == dumped


def test_a_dump_damaged_in_its_middle_leaves_every_row_as_it_was(database, dump):
    """One quote dropped in one row: the dump still ends as a whole one does."""
    engine, before = database, rows(database)
    text = dump.read_text(encoding="utf-8")
    dump.write_text(text.replace("'backed up", "backed up", 1), encoding="utf-8")
    refused = engine.make("restore", f"BACKUP={dump.relative_to(REPO)}")
    assert refused.returncode != 0
    assert (
        f"make: mysql could not load {dump.relative_to(REPO)} into k8scourse-db (its message is "
        "above): nothing restored, the images table is as it was."
    ) in refused.stderr.splitlines()
    assert rows(engine) == before


# Run in the database container: wait for the client that loads the dump (its last argument
# images_restore, no -e), let it load for 0.2 s, kill it, and say its PID. By /proc, as the
# image may have no pgrep.
KILL_THE_LOADING_CLIENT = """
for _ in $(seq 600); do
    for p in /proc/[0-9]*; do
        case $(tr '\\0' ' ' <$p/cmdline) in
            *' -e '*) ;;
            *' images_restore ') sleep 0.2; kill -9 ${p#/proc/} && echo ${p#/proc/}; exit ;;
        esac
    done 2>/dev/null
    sleep 0.05
done
"""


def test_a_load_whose_client_is_killed_leaves_every_row_as_it_was(database):
    """A dump of 100,000 rows, its mysql killed in the container while it loads; the next
    restore starts clean."""
    engine = database
    sql(engine, "k8scourse-db", "DELETE FROM images")
    sql(engine, "k8scourse-db", rows_of(100_000))
    dump = backed_up(engine.make("backup", timeout=600))
    try:
        sql(engine, "k8scourse-db", "DELETE FROM images WHERE id % 2 = 0")
        before = rows(engine)
        watch = [engine.name, "exec", "k8scourse-db", "sh", "-c", KILL_THE_LOADING_CLIENT]
        killer = subprocess.Popen(watch, stdout=subprocess.PIPE, text=True)
        restored = engine.make("restore", f"BACKUP={dump.relative_to(REPO)}", timeout=600)
        assert killer.communicate(timeout=60)[0].strip(), "no loading client was killed"
        assert restored.returncode != 0
        assert "mysql could not load" in restored.stderr, restored.output
        assert rows(engine) == before

        again = engine.make("restore", f"BACKUP={dump.relative_to(REPO)}", timeout=600)
        assert again.returncode == 0, again.output
        assert len(rows(engine)) == 2 * len(before) == 100_000  # every row of the dump
    finally:
        dump.unlink(missing_ok=True)
