"""The database's backup (lesson 02-14's CronJob, made a backup) and its restore: the
schedule, the image, the password as a file, and what the two scripts do, run here with
stand-ins for mysqldump and mysql that record what they were given. A dump without
mysqldump's last line, "-- Dump completed", is never kept, and never restored."""

import re
from pathlib import Path

import pytest
import yaml
from kit import run
from manifests import (
    COMPLETE,
    CUT,
    PROJECT,
    TARGET_PROJECT,
    TARGETS,
    Run,
    container_of,
    cronjob_pod,
    env_of,
    file_content,
    find,
    kubectl,
    only_container,
    pod_spec,
    secret_value,
)

BACKUP, RESTORE = f"{PROJECT}-db-backup", f"{PROJECT}-db-restore"
SAMPLE_ROOT_PASSWORD = "root"  # k8s/base/db-secret.yaml, the lesson's public sample
DUMP_NAME = re.compile(r"images-\d{8}T\d{6}Z\.sql")


@pytest.fixture
def backup(docs, tmp_path):
    return Run(docs, find(docs, "CronJob", BACKUP), tmp_path)


@pytest.fixture
def restore(docs, tmp_path):
    return Run(docs, find(docs, "CronJob", RESTORE), tmp_path)


# ---- The objects ----


def test_the_backup_runs_daily_one_at_a_time_and_the_restore_never_by_itself(docs):
    spec = find(docs, "CronJob", BACKUP)["spec"]
    assert (spec["schedule"], spec["timeZone"]) == ("17 3 * * *", "Etc/UTC")
    assert spec["concurrencyPolicy"] == "Forbid"
    assert spec.get("suspend", False) is False
    assert cronjob_pod(find(docs, "CronJob", BACKUP))["restartPolicy"] == "Never"
    assert find(docs, "CronJob", RESTORE)["spec"]["suspend"] is True
    assert env_of(container_of(find(docs, "CronJob", RESTORE)))["DUMP"]["value"] == ""


@pytest.mark.parametrize("target", TARGETS)
def test_they_run_the_databases_image_against_its_service(rendered, target):
    """The mysqldump and mysql of the server's version, on every target (k8s/arm64's
    mysql:8.4 too), and the db Service's name, renamed with the project."""
    docs, project = rendered[target], TARGET_PROJECT[target]
    db = only_container(find(docs, "StatefulSet", f"{project}-db"))
    for name in (f"{project}-db-backup", f"{project}-db-restore"):
        container = container_of(find(docs, "CronJob", name))
        assert container["image"] == db["image"], name
        assert env_of(container)["MYSQL_HOST"]["value"] == f"{project}-db", name


def test_the_root_password_comes_from_the_databases_secret_as_a_file(docs):
    db = find(docs, "StatefulSet", f"{PROJECT}-db")
    db_root = file_content(docs, pod_spec(db), only_container(db), "/run/secrets/db/root-password")
    assert db_root == secret_value(docs, f"{PROJECT}-db", "root-password") == "root"
    for name in (BACKUP, RESTORE):
        cronjob = find(docs, "CronJob", name)
        container = container_of(cronjob)
        path = env_of(container)["MYSQL_ROOT_PASSWORD_FILE"]["value"]
        assert file_content(docs, cronjob_pod(cronjob), container, path) == db_root, name


def test_the_dumps_are_on_the_backup_volume(docs):
    claim = find(docs, "PersistentVolumeClaim", BACKUP)
    assert claim["spec"]["accessModes"] == ["ReadWriteOnce"]
    for name, read_only in ((BACKUP, False), (RESTORE, True)):
        cronjob = find(docs, "CronJob", name)
        container = container_of(cronjob)
        volumes = {v["name"]: v for v in cronjob_pod(cronjob)["volumes"]}
        folder = env_of(container)["BACKUP_DIR"]["value"]
        [mount] = [m for m in container["volumeMounts"] if m["mountPath"] == folder]
        assert volumes[mount["name"]]["persistentVolumeClaim"]["claimName"] == BACKUP, name
        assert mount.get("readOnly", False) is read_only, name


# ---- The backup, run ----


def test_a_complete_dump_is_kept_under_its_date(backup):
    result = backup(STUB_DUMP=COMPLETE)
    assert result.returncode == 0, result.stderr
    [dump] = backup.dumps()
    assert DUMP_NAME.fullmatch(dump)
    assert (backup.backups / dump).read_text(encoding="utf-8") == COMPLETE
    assert not (backup.backups / ".partial").exists()
    assert dump in result.stdout  # the log lists the dumps kept
    assert backup.recorded("mysqldump", "args").split() == [
        f"--host={PROJECT}-db", "--user=root", "--single-transaction", "--skip-extended-insert",
        "--no-autocommit", "--default-character-set=utf8mb4", "images",
    ]  # fmt: skip
    assert backup.recorded("mysqldump", "pwd") == SAMPLE_ROOT_PASSWORD


@pytest.mark.parametrize(
    ("output", "status"), [(CUT, 0), (CUT, 2), ("", 0)], ids=["cut", "failed", "empty"]
)
def test_a_dump_without_its_last_line_is_not_kept(backup, output, status):
    (backup.backups / "images-20261201T031700Z.sql").write_text(COMPLETE, encoding="utf-8")
    result = backup(STUB_DUMP=output, STUB_STATUS=str(status))
    assert result.returncode != 0
    assert backup.dumps() == ["images-20261201T031700Z.sql"]  # and the last good one stays


def test_the_newest_seven_are_kept(backup):
    older = [f"images-202611{day:02}T031700Z.sql" for day in range(1, 10)]
    for name in older:
        (backup.backups / name).write_text(COMPLETE, encoding="utf-8")
    assert backup(STUB_DUMP=COMPLETE).returncode == 0
    dumps = backup.dumps()
    assert len(dumps) == 7
    assert dumps[:6] == older[-6:]  # the new one sorts last: it is the newest
    assert DUMP_NAME.fullmatch(dumps[6]) and dumps[6] not in older


# ---- The restore, run ----


def real_clients(run, server):
    """The Job's mysql and mysqldump: the real clients, against server (the Job's --host
    traded for the server's socket)."""
    for name, real in (("mysql", "mariadb"), ("mysqldump", "mariadb-dump")):
        where = f"--no-defaults --host=localhost --socket={server.socket}"
        (run.stubs / name).write_text(f'#!/bin/sh\nshift\nexec {real} {where} "$@"\n')


@pytest.mark.parametrize("damaged", [False, True], ids=["whole", "damaged-in-its-middle"])
def test_a_dump_of_the_backup_replaces_every_row_or_none(
    docs, restore, root_mariadb, tmp_path, damaged
):
    """Both Jobs' scripts with the real clients, against a real server."""
    (tmp_path / "b").mkdir()
    backup = Run(docs, find(docs, "CronJob", BACKUP), tmp_path / "b")
    real_clients(backup, root_mariadb)
    real_clients(restore, root_mariadb)
    rows = ((1, "Hello", "hello-caption.gif"), (2, "café 🐳", "c.gif"))
    with root_mariadb.root("images") as conn, conn.cursor() as cur:
        cur.execute("DELETE FROM images")
        cur.executemany("INSERT INTO images VALUES (%s, %s, %s)", rows)
        assert backup().returncode == 0
        [name] = backup.dumps()
        dump = (backup.backups / name).read_text(encoding="utf-8")
        if damaged:  # one quote dropped in one row: the dump still ends as a whole one does
            dump = dump.replace("'café", "café", 1)
        (restore.backups / name).write_text(dump, encoding="utf-8")
        cur.execute("INSERT INTO images VALUES (3, 'since', 's.gif')")
        cur.execute("SELECT * FROM images ORDER BY id")
        before = cur.fetchall()

        result = restore(DUMP=name)

        cur.execute("SELECT * FROM images ORDER BY id")
        after = cur.fetchall()
    if damaged:
        assert result.returncode == 1
        assert f"not restored: {name} did not load" in result.stderr
        assert after == before
        return
    assert result.returncode == 0, result.stderr
    said = [f"images: 3 rows now, 2 in {name}: replacing", f"restored {name}"]
    assert result.stdout.splitlines() == said
    assert after == rows


@pytest.mark.parametrize(
    ("dump", "content", "why"),
    [
        ("", None, "no dump chosen"),
        ("images-20261201T031700Z.sql", None, "missing or empty"),
        ("images-20261201T031700Z.sql", "", "missing or empty"),
        ("images-20261201T031700Z.sql", CUT, "cut off"),
        ("images-20261201T031700Z.sql", "USE `images`;\n" + COMPLETE, "names its database"),
        (".partial", COMPLETE, "must name a file"),
        ("../images-20261201T031700Z.sql", COMPLETE, "must name a file"),
    ],
    ids=["unchosen", "missing", "empty", "cut", "databases", "partial", "elsewhere"],
)
def test_a_dump_that_is_not_whole_is_refused(restore, dump, content, why):
    if content is not None:
        (restore.backups / Path(dump).name).write_text(content, encoding="utf-8")
    result = restore(DUMP=dump)
    assert result.returncode == 1
    assert why in result.stderr
    assert restore.recorded("mysql", "args") is None, "mysql must not even start"


def test_kubectl_set_env_chooses_the_dump(docs, tmp_path):
    """The README's restore, offline: `kubectl set env` on the restore CronJob (here
    --local, on its rendered copy) gives the Job it makes the chosen dump."""
    source = tmp_path / "restore.yaml"
    source.write_text(yaml.safe_dump(find(docs, "CronJob", RESTORE)), encoding="utf-8")
    dump = "DUMP=images-20261201T031700Z.sql"
    result = run(kubectl(), "set", "env", "--local", "-f", str(source), "-o", "yaml", dump)
    assert result.returncode == 0, result.stderr
    chosen = yaml.safe_load(result.stdout)
    assert env_of(container_of(chosen))["DUMP"]["value"] == "images-20261201T031700Z.sql"
    runner = Run(docs, chosen, tmp_path)
    (runner.backups / "images-20261201T031700Z.sql").write_text(COMPLETE, encoding="utf-8")
    assert runner().returncode == 0
    assert runner.recorded("mysql", "stdin") == COMPLETE
