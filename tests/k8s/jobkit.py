"""A CronJob's container run here, offline: its command with the environment its pod gets
(the Secret's files copied out), its volume a folder here, and mysqldump and mysql replaced
by stand-ins that record what they were given. For the database's backup and restore
(k8s/base/backup.yaml, k8s/lessons/02-14-cronjob/)."""

import stat
import subprocess

from k8skit import resolved_env

COMPLETE = "-- MySQL dump 10.13\nCREATE TABLE images (id INT);\n-- Dump completed on 2026-12-04\n"
CUT = "-- MySQL dump 10.13\nCREATE TABLE images (id INT);\nINSERT INTO images VALUES (1"
# What the stand-ins write: their arguments, MYSQL_PWD, and for mysql its stdin.
STUB = """#!/bin/bash
printf '%s\\n' "$@" > "$STUB_LOG/$(basename "$0").args"
printf '%s' "${MYSQL_PWD-unset}" > "$STUB_LOG/$(basename "$0").pwd"
case "$(basename "$0")" in
  mysqldump) printf '%s' "$STUB_DUMP"; exit "${STUB_STATUS:-0}" ;;
  mysql) cat > "$STUB_LOG/mysql.stdin" ;;
esac
"""


def cronjob_pod(cronjob):
    return cronjob["spec"]["jobTemplate"]["spec"]["template"]["spec"]


def container_of(cronjob):
    [container] = cronjob_pod(cronjob)["containers"]
    return container


class Run:
    """A CronJob's container run here: its command and environment as the pod has them
    (the Secret's file copied out), BACKUP_DIR a folder here, mysqldump and mysql the
    stand-ins above."""

    def __init__(self, docs, cronjob, tmp_path):
        self.container = container_of(cronjob)
        self.env = resolved_env(docs, cronjob_pod(cronjob), self.container, tmp_path)
        self.backups = tmp_path / "backup"
        self.log = tmp_path / "log"
        stubs = tmp_path / "bin"
        for folder in (self.backups, self.log, stubs):
            folder.mkdir()
        for name in ("mysqldump", "mysql"):
            (stubs / name).write_text(STUB, encoding="utf-8")
            (stubs / name).chmod(stat.S_IRWXU)
        self.env.update(
            BACKUP_DIR=str(self.backups),
            STUB_LOG=str(self.log),
            PATH=f"{stubs}:/usr/bin:/bin",
        )

    def __call__(self, **env):
        return subprocess.run(
            self.container["command"],
            env={**self.env, **env},
            capture_output=True,
            text=True,
            check=False,
            timeout=30,
        )

    def dumps(self):
        return sorted(p.name for p in self.backups.glob("images-*.sql"))

    def recorded(self, program, what):
        path = self.log / f"{program}.{what}"
        return path.read_text(encoding="utf-8") if path.exists() else None
