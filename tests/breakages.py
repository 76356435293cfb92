#!/usr/bin/env python3
"""Planted breakages: does the offline suite fail when the product breaks, and only then?

Each breakage below is one line of one file of the product changed (or dropped) as a
learner or a maintainer could: a flag more, a --network lost, a wrong port, a health check
gone, a hint reworded. For each, one at a time, this script writes it into a copy of the
repository (copies.learner_copy: its tracked files as they are in this working tree, in a
git repository of their own), runs the offline tests listed for it there, and puts the
file back. A breakage is caught when pytest reports a failure (exit status 1); missed when
the tests pass. Beside them, the same tests run on the unbroken copy: all of them must
pass, none skipped, or "caught" would mean nothing.

    .venv/bin/python tests/breakages.py                  # all: a table, exit 1 if one is missed
    .venv/bin/python tests/breakages.py ps-a db-no-network   # some, by name

An edit whose old text is not found exactly once in its file, or that changes more than
one line, is an error: the table cannot rot silently. A test is named as
`file::test[parameters]`, from tests/ (`back/test_back_db::...`), or by the start of its
name and "…" (`test_makefile::test_every_target…[ps]`); the Mac's turn of
tests/test_scripts_offline.py is left out (`-k "not mac-tools"`): one turn is enough to
catch. Standard library and tests/copies.py only; pytest is the interpreter's.
"""

import argparse
import json
import os
import queue
import re
import shutil
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from copies import git, learner_copy


@dataclass(frozen=True)
class Breakage:
    name: str
    path: str  # the file, from the repository's root
    old: str  # found exactly once; may hold a line around the changed one, to be unique
    new: str  # the same, with one line changed or dropped
    tests: tuple  # the tests expected to catch it, as file::test (from tests/)
    why: str  # what it breaks, for a learner


def B(name, path, old, new, *tests_then_why):
    *tests, why = tests_then_why
    return Breakage(name, path, old, new, tuple(map(whole_name, tests)), why)


def whole_name(test):
    """file::test_prefix…[id] -> file::test_prefix_and_the_rest[id]: the one test of the file
    whose name begins so (an error otherwise)."""
    file, _, rest = test.partition("::")
    prefix, dots, params = rest.partition("…")
    if not dots:
        return test
    source = (Path(__file__).parent / f"{file}.py").read_text(encoding="utf-8")
    [name] = {n for n in re.findall(r"^def (test_\w+)", source, re.M) if n.startswith(prefix)}
    return f"{file}::{name}{params}"


# fmt: off
BREAKAGES = (
    # ---- Makefile: the lesson's commands, names and defaults
    B("ps-a", "Makefile", "@$(RUN) '$(DOCKER) ps'", "@$(RUN) '$(DOCKER) ps -a'",
      "test_makefile::test_every_target_prints…[ps]",
      "`docker ps -a` is not the lesson's `docker ps` (a substring match let it through)"),
    B("db-no-network", "Makefile", "init.sql$(MOUNT_OPTIONS) --network $(NETWORK) $(DB_IMAGE)'",
      "init.sql$(MOUNT_OPTIONS) $(DB_IMAGE)'", "test_makefile::test_every_target_prints…[db]",
      "the database on the default bridge: the backend cannot resolve its name"),
    B("back-no-network", "Makefile",
      "'$(DOCKER) run -p $(BACK_PORT):3000 --name $(BACK_NAME) --rm --network $(NETWORK) ",
      "'$(DOCKER) run -p $(BACK_PORT):3000 --name $(BACK_NAME) --rm ",
      "test_makefile::test_every_target_prints…[back]",
      "the lesson's fix without its network: MYSQL_HOST does not resolve"),
    B("network-default", "Makefile", "NETWORK          ?= $(PROJECT)\n",
      "NETWORK          ?= $(PROJECT)-net\n", "test_makefile::test_every_target_prints…[network]",
      "the network is no longer the lesson's, nor Compose's, nor the k8s namespace"),
    B("help-comment", "Makefile", "logs: ## Show the backend's logs",
      "logs: # Show the backend's logs", "test_makefile::test_help_lists_every…",
      "make help no longer lists make logs"),
    B("help-crlf", "Makefile", "@awk 'BEGIN {FS = \":+.*## \"} {sub(/\\r$$/, \"\")} \\",
      "@awk 'BEGIN {FS = \":+.*## \"} \\", "test_learners_machines::test_help_prints_no…",
      "make help prints ^M from a clone made with CRLF"),
    B("front-port", "Makefile", "'$(DOCKER) run -p $(FRONT_PORT):8080 --name $(FRONT_NAME) ",
      "'$(DOCKER) run -p $(FRONT_PORT):80 --name $(FRONT_NAME) ",
      "test_makefile::test_a_renamed_stack…",
      "the front published on port 80 inside, which the non-root nginx takes only where the "
      "kernel or a capability lets it (8080 always)"),
    B("down-stops-shells", "Makefile", "'$(DOCKER) kill one'", "'$(DOCKER) stop one'",
      "test_makefile::test_down_of_another…",
      "make down waits 10 s for a shell as PID 1, which ignores docker stop's SIGTERM"),
    B("arm-default-image", "Makefile",
      "DB_IMAGE         ?= $(if $(ARM_ENGINE),mysql:8.4,mysql:5.7)",
      "DB_IMAGE         ?= mysql:5.7", "test_makefile::test_an_arm64_engine…",
      "on Apple Silicon make db pulls mysql:5.7, which exists for amd64 only"),
    B("space-unquoted", "Makefile", "SHELL_PWD  := $(if $(word 2,$(CURDIR)),\"$$(pwd)\",$$(pwd))",
      "SHELL_PWD  := $$(pwd)", "test_dev_loop_offline::test_make_dev_quotes…",
      "a folder whose path has a space splits -v's argument in two"),
    # ---- mk/: what the lesson leaves out, a file per concern
    B("selinux-z", "mk/machine.mk", "  RELABEL := z\n", "  RELABEL :=\n",
      "test_learners_machines::test_selinux_gets_z…",
      "on Fedora/RHEL the database cannot read the mounted init.sql"),
    B("mk-machine-arm-silent", "mk/machine.mk", "  db: arm-note\n", "",
      "test_engine_forms::test_the_engines_architecture…[podman-5.4]",
      "on an ARM machine make db runs mysql:8.4 without saying why it is not the lesson's"),
    B("mk-engine-net-raw", "mk/engine.mk", "  ALPINE_FLAGS := --cap-add=NET_RAW\n",
      "  ALPINE_FLAGS := --cap-add=NET_ADMIN\n", "test_makefile::test_podman_gives_alpine…",
      "on Podman ping two says 'permission denied (are you root?)'"),
    B("mk-engine-no-docker-goes-on", "mk/engine.mk",
      "    $(error docker is not installed, podman is:",
      "    $(warning docker is not installed, podman is:", "test_makefile::test_without_docker…",
      "without docker, make goes on and every step fails on a command not found"),
    B("mk-backup-container", "mk/backup.mk",
      "@scripts/backup-db $(PROJECT) $(DB_NAME) $(BACKUP_DIR)",
      "@scripts/backup-db $(PROJECT) $(BACK_NAME) $(BACKUP_DIR)",
      "test_makefile_parts::test_make_backup_dumps…",
      "make backup looks for mysqldump in the backend's container"),
    B("mk-secrets-readable", "mk/compose.mk", "\t@mkdir -p -m 700 .secrets $(SECRETS_DIR)\n",
      "\t@mkdir -p .secrets $(SECRETS_DIR)\n", "test_makefile_parts::test_compose_down_removes…",
      "every user of the machine may read your database passwords"),
    B("mk-course-lesson-number", "mk/course.mk",
      "  LESSON := $(filter-out lesson,$(MAKECMDGOALS))\n", "  LESSON := $(MAKECMDGOALS)\n",
      "test_course_commands::test_make_lesson_takes…",
      "make lesson 6 walks a lesson called 'lesson 6': the course has none"),
    B("mk-dev-no-reload", "mk/dev.mk", " -e GUNICORN_CMD_ARGS=--reload -v $(SHELL_PWD):/app",
      " -v $(SHELL_PWD):/app", "test_dev_loop_offline::test_make_dev_runs…",
      "make dev: an edit of back/api/*.py changes nothing until the backend restarts"),
    B("mk-images-db-unpulled", "mk/images.mk", "db: pull-db\n", "",
      "test_makefile_parts::test_each_step_gets…[db]",
      "make db without a registry fails on its pull instead of building the stand-in"),
    B("mk-k8s-lax", "mk/k8s.mk",
      "\t$(VENV)/bin/kubectl kustomize k8s | $(VENV)/bin/kubernetes-validate --strict --quiet -\n",
      "\t$(VENV)/bin/kubectl kustomize k8s | $(VENV)/bin/kubernetes-validate --quiet -\n",
      "test_makefile_parts::test_k8s_validate_checks…",
      "unknown fields (a typo in a probe) pass validation and are ignored by the cluster"),
    B("mk-project-long-name", "mk/project.mk", "NAME_PATTERN := [a-z0-9]([a-z0-9-]{0,38}[a-z0-9])?",
      "NAME_PATTERN := [a-z0-9]([a-z0-9-]*[a-z0-9])?", "test_makefile_parts::test_a_project_name…",
      "a long PROJECT passes make and fails later in Kubernetes (63) or with its prefixes"),
    B("mk-swarm-resolves", "mk/swarm.mk",
      "stack deploy --resolve-image never $(or $(STACK_FILES),-c swarm/stack.yaml)",
      "stack deploy $(or $(STACK_FILES),-c swarm/stack.yaml)",
      "test_makefile_parts::test_swarm_deploys…",
      "Swarm asks a registry for images built here: 'could not be accessed on a registry'"),
    B("mk-tests-offline-engines", "mk/tests.mk",
      "-m pytest --ignore=tests/e2e --ignore=tests/images --ignore=tests/cluster $(PYTEST_ARGS)",
      "-m pytest --ignore=tests/e2e --ignore=tests/cluster $(PYTEST_ARGS)",
      "test_makefile_parts::test_make_test_offline…",
      "make test-offline builds images on the engines, or fails where there is none"),
    B("lesson-4-keeps-back", "lessons/01-04-containerize-back/lesson.mk",
      "--name $(BACK_NAME) -d --rm $(BACK_IMAGE)'", "--name $(BACK_NAME) -d $(BACK_IMAGE)'",
      "test_course_commands::test_every_pinned_command…[01-04]",
      "lesson 4's back is left behind when it stops, and its name stays taken"),
    # ---- scripts/: each refusal one line that names the fix
    B("step-if-running-inverted", "scripts/run-step",
      "--if-running) running \"$2\" || { say \"# $2 is not running\"; exit 0; }",
      "--if-running) running \"$2\" && { say \"# $2 is not running\"; exit 0; }",
      "test_scripts_offline::test_a_guard_skips…",
      "make stop and make down run `docker stop` on containers that are not there, and skip the "
      "ones that run"),
    B("step-tty-unchecked", "scripts/run-step",
      "            [ -t 0 ] || fail \"this step opens an interactive shell",
      "            : || fail \"this step opens an interactive shell",
      "test_scripts_offline::test_a_shell_without…",
      "make shell from a script or CI fails with the engine's 'the input device is not a TTY'"),
    B("step-lesson-failure-anywhere", "scripts/run-step",
      "running \"$lesson_name\" && on_default_network \"$lesson_name\" || return 1",
      "running \"$lesson_name\" || return 1",
      "test_scripts_offline::test_the_lessons_own…[user-network]",
      "a ping that fails on alpine-network is called the lesson's failure and succeeds"),
    B("step-replace-waits-on-podman", "scripts/run-step",
      "    [ \"$ENGINE\" != podman ] || rm=\"$DOCKER rm -f -t 0 $1\"\n", "",
      "test_scripts_offline::test_replace_removes…[there-podman]",
      "make alpine on Podman waits 10 s for each shell it replaces"),
    B("step-keep-runs-again", "scripts/run-step", "then make db)\"\n    exit 0\n",
      "then make db)\"\n", "test_scripts_offline::test_keep_leaves_a…[running]",
      "make db run twice runs a second database, refused on its name"),
    B("explain-daemon-fix", "scripts/explain-error.sh", "or 'sudo systemctl start docker' on Linux",
      "or 'sudo systemctl restart containerd' on Linux",
      "test_scripts_offline::test_a_refused_command…[docker-not-running-gnu-tools]",
      "a stopped Docker is answered with a command that does not start it"),
    B("explain-rm-without-f", "scripts/explain-error.sh", "remove it with '$DOCKER rm $name'",
      "remove it with '$DOCKER rm -f $name'",
      "test_scripts_offline::test_a_refused_command…[name-taken-gnu-tools]",
      "the advice for a stopped container's name is rm -f, which would kill a running one"),
    B("explain-compose-network", "scripts/explain-error.sh",
      "project=$(label_of \"${holders%% *}\" com.docker.compose.project)",
      "project=$(label_of \"${holders%% *}\" com.docker.compose.service)",
      "test_scripts_offline::test_a_network_of_a…",
      "a network held by a Compose stack is called Compose's service name, not its project"),
    B("step-clash-hint", "scripts/port-holders.sh", "make back BACK_PORT=%s (make health",
      "make back PORT=%s (make health", "test_engine_forms::test_a_taken_port_names…",
      "a taken port's advice names a variable the Makefile does not read"),
    B("holders-port-substring", "scripts/port-holders.sh", "grep -E \":$2->\" | head -1",
      "grep -E \"$2->\" | head -1", "test_scripts_offline::test_free_ports_pass…",
      "a container on port 13000 is said to hold port 3000: make up refuses a free port"),
    B("holders-compose-stop", "scripts/port-holders.sh",
      "printf \"'make compose-down PROJECT=%s'\" \"$project\"; return",
      "printf \"'make down PROJECT=%s'\" \"$project\"; return",
      "test_scripts_offline::test_a_taken_port_names…[database-of-a-compose-stack-gnu-tools]",
      "a port held by a Compose stack is to be freed with make down, which leaves Compose's "
      "containers running"),
    B("ports-next-taken", "scripts/check-ports",
      "while [[ $taken == *\" $next \"* ]] || [ -n \"$(holder '' \"$next\")\" ]; do",
      "while [[ $taken == *\" $next \"* ]]; do",
      "test_scripts_offline::test_ports_held_by…[gnu-tools]",
      "the port advised instead is itself taken: the learner's second make up fails too"),
    B("ports-own-folder", "scripts/check-ports", "[ \"$source\" != \"$PWD/db/init.sql\" ]",
      "[ \"$source\" != \"$PWD/init.sql\" ]", "test_scripts_offline::test_a_copy_named_as…[this]",
      "make up refuses this folder's own running database as another folder's"),
    B("stacks-compose-running-only", "scripts/check-stacks",
      "ps -aq --filter \"label=com.docker.compose.project=$2\"",
      "ps -q --filter \"label=com.docker.compose.project=$2\"",
      "test_scripts_offline::test_the_docker_run…[compose]",
      "a Compose stack whose containers stopped is missed: make up clashes with its names"),
    B("stacks-network-label-inverted", "scripts/check-stacks",
      "&& [ -z \"$(\"$DOCKER\" network inspect -f", "&& [ -n \"$(\"$DOCKER\" network inspect -f",
      "test_scripts_offline::test_compose_and_swarm…[its-network-is-left]",
      "make compose-up refuses Compose's own network, and takes over the lesson's"),
    B("health-127", "scripts/check-health", "        localhost | 127.0.0.1 | ::1)\n",
      "        localhost | ::1)\n",
      "test_scripts_offline::test_a_database_looked…[127.0.0.1-gnu-tools]",
      "MYSQL_HOST=127.0.0.1 waits out the timeout instead of naming the fix"),
    B("health-access-denied-waits", "scripts/check-health", "[[ $body != *\"Access denied\"* ]] ||",
      "[[ $body == *\"Access denied\"* ]] ||",
      "test_scripts_offline::test_an_answer_waiting…[refused-password]",
      "a wrong password is waited on until the timeout, then not named"),
    B("health-first-try-fails", "scripts/check-health",
      "which passes -e MYSQL_HOST=$DB_NAME\"\n                exit 0\n",
      "which passes -e MYSQL_HOST=$DB_NAME\"\n                exit 1\n",
      "test_scripts_offline::test_the_lessons_first…",
      "the lesson's deliberate first failure stops make: the learner thinks the step broke"),
    B("health-port-asked-anyway", "scripts/check-health", "    [ \"$published\" = \"$port\" ] ||",
      "    [ -n \"$published\" ] ||", "test_engine_forms::test_health_names_the…[docker-28]",
      "after make back BACK_PORT=3001, make health waits out its timeout on 3000"),
    B("wait-db-socket", "scripts/wait-for-db", "mysql --protocol=TCP -h127.0.0.1",
      "mysql -h127.0.0.1", "test_scripts_offline::test_the_database_is…[ready]",
      "ready over the socket while init.sql still runs: the backend's first queries fail"),
    B("wait-db-password-argument", "scripts/wait-for-db",
      "\"$DOCKER\" exec -e MYSQL_PWD \"$name\" \\",
      "\"$DOCKER\" exec -e MYSQL_PWD=\"${MYSQL_PASSWORD:-}\" \"$name\" \\",
      "test_scripts_offline::test_the_database_is…[ready]",
      "the password is on the command line, where ps shows it to every user"),
    B("wait-http-ok-lost", "scripts/wait-for-http", "curl -sS $fail_on_error --max-time 5 \"$url\"",
      "curl -sS --max-time 5 \"$url\"", "test_scripts_offline::test_wait_for_http…",
      "a walk's --ok step passes on a 503: the lesson's check says ok on an error"),
    B("walk-exit-zero", "scripts/walk-lesson", "exit \"$bad\"; }", "exit 0; }",
      "test_scripts_offline::test_steps_that_are…",
      "make lesson succeeds with steps that did not behave: CI and the learner see green"),
    B("walk-own-project", "scripts/walk-lesson",
      "MAKE_CMD=(make --no-print-directory -s PROJECT=k8scourse)",
      "MAKE_CMD=(make --no-print-directory -s)",
      "test_scripts_offline::test_the_walk_checks…[gnu-tools]",
      "a renamed copy's make lesson runs under its names and stops its own stack"),
    B("open-mac", "scripts/open-page", "    open \"$page\"\n", "    xdg-open \"$page\"\n",
      "test_scripts_offline::test_make_open_prints…[mac-open]",
      "make open on a Mac runs a command macOS does not have"),
    B("open-no-display", "scripts/open-page",
      "elif [ -n \"${DISPLAY:-}${WAYLAND_DISPLAY:-}\" ] && command -v xdg-open",
      "elif command -v xdg-open", "test_scripts_offline::test_make_open_prints…[linux-ssh-None]",
      "over ssh, make open starts a text browser or fails instead of printing the address"),
    B("backup-partial-left", "scripts/backup-db", "trap 'rm -f \"$file\"' EXIT # until it is whole",
      ": # until it is whole", "test_scripts_offline::test_a_dump_cut_short…",
      "a cut dump is left in backups/, where a later make restore may pick it"),
    B("backup-end-check", "scripts/backup-db", "tail -1 | cut -c1-17)\" = \"-- Dump completed\" ]",
      "tail -1 | cut -c1-16)\" = \"-- Dump completed\" ]",
      "test_scripts_offline::test_a_backup_prints…[lesson-password-gnu-tools]",
      "every dump is refused as cut: make backup never keeps one"),
    B("restore-empty-unchecked", "scripts/restore-db", "[ -s \"$file\" ] || fail", "true || fail",
      "test_scripts_offline::test_a_dump_that_is…[empty-gnu-tools]",
      "an empty file is said to be a cut dump, not what it is"),
    B("lib-fail-stdout", "scripts/lib.sh", "fail() { printf 'make: %s\\n' \"$*\" >&2; exit 1; }",
      "fail() { printf 'make: %s\\n' \"$*\"; exit 1; }",
      "test_scripts_offline::test_a_dump_cut_short…",
      "the one line that names the fix goes to stdout, mixed with the commands' output"),
    B("lib-db-as-user", "scripts/lib.sh", "form='%s -uroot -proot %s'", "form='%s -proot %s'",
      "test_scripts_offline::test_a_backup_prints…[lesson-password-gnu-tools]",
      "backups run as the container's default user with root's password: access denied"),
    B("health-schema-waits", "scripts/check-health", "    [[ $hint != *init.sql* ]] ||",
      "    [[ $hint != *init.db* ]] ||",
      "test_scripts_offline::test_an_answer_waiting…[older-table]",
      "a table kept from an older init.sql is waited on, then named as a network mistake"),
    B("backup-counts-statements", "scripts/backup-db",
      "--single-transaction --skip-extended-insert --no-autocommit",
      "--single-transaction --no-autocommit",
      "test_scripts_offline::test_a_backup_prints…[lesson-password-gnu-tools]",
      "make backup says 1 row for a table of 7: one INSERT holds them all"),
    B("restore-use-unchecked", "scripts/restore-db", "! grep -q '^USE ' \"$file\" ||", "true ||",
      "test_scripts_offline::test_a_dump_that_is…[databases-gnu-tools]",
      "a dump made with --databases switches to the live database: a bad one empties the table"),
    B("restore-into-live", "scripts/restore-db", "run_shown \"$(as_root images_restore) <",
      "run_shown \"$(as_root images) <",
      "test_scripts_offline::test_a_restore_replaces…[damaged-in-its-middle-gnu-tools]",
      "a dump damaged in its middle drops the live table, then fails: every row is lost"),
    B("lib-any-root-password", "scripts/lib.sh", "grep -qx MYSQL_ROOT_PASSWORD=root",
      "grep -q MYSQL_ROOT_PASSWORD",
      "test_scripts_offline::test_a_backup_prints…[own-password-gnu-tools]",
      "make backup types the lesson's -proot for a database with its own password: denied"),
    # ---- back/: the API, its database module and its image
    B("config-default-port", "back/api/config.py", "mysql_port=_int(env, \"MYSQL_PORT\", 3306),",
      "mysql_port=_int(env, \"MYSQL_PORT\", 3307),", "back/test_back_config::test_defaults_match…",
      "the backend looks for MySQL on 3307: the lesson's database (3306) is never reached"),
    B("config-secret-strip", "back/api/config.py",
      "return Path(path).read_text(encoding=\"utf-8\").rstrip(\"\\r\\n\")",
      "return Path(path).read_text(encoding=\"utf-8\").strip()",
      "back/test_back_config::test_password_file…",
      "a password that starts or ends with a space is cut: access denied"),
    B("app-body-limit", "back/api/__init__.py", "app.config[\"MAX_CONTENT_LENGTH\"] = 16 * 1024",
      "app.config[\"MAX_CONTENT_LENGTH\"] = 16 * 1024 * 1024",
      "back/test_back_http::test_16_kib_is_the…",
      "a 16 MiB body is read into memory by every thread: a cheap way to exhaust the backend"),
    B("app-cors-any-origin", "back/api/__init__.py", "        if origin in config.cors_origins:\n",
      "        if origin:\n",
      "back/test_back_http::test_cors_default_allows…[http://localhost:8081-False]",
      "any web site may read the API's answers from a visitor's browser"),
    B("db-no-autocommit", "back/api/db.py", "            autocommit=True,\n", "",
      "back/test_back_db::test_writes_are_committed…",
      "added images vanish: the writes are never committed"),
    B("db-slow-read-retried", "back/api/db.py",
      "            if time.monotonic() - started > 1:\n                raise\n",
      "            if time.monotonic() - started > 1:\n                pass\n",
      "back/test_back_db::test_a_read_that_failed…",
      "a hung database doubles every wait: 503s come after 4 s, not 2"),
    B("db-broken-connection-kept", "back/api/db.py", "                self.local.conn = None\n",
      "                pass\n", "back/test_back_db::test_a_read_or_write…",
      "after a database restart every thread keeps its dead connection: 503 for ever"),
    B("api-host-field", "back/api/health.py", "            \"mysql_host\": config.mysql_host,\n",
      "            \"host\": config.mysql_host,\n", "back/test_back_http::test_health_is_503…",
      "scripts/check-health reads mysql_host from /health: the localhost mistake goes unnamed"),
    B("health-200-when-down", "back/api/health.py", "        return body, 503\n",
      "        return body, 200\n", "back/test_back_http::test_health_is_503…",
      "make health and the readiness probe pass with the database down"),
    B("health-password-shown", "back/api/health.py", "    if password:\n", "    if not password:\n",
      "back/test_back_http::test_health_error_is…",
      "/health may show the database password to anyone who asks"),
    B("images-filename-path", "back/api/storage.py",
      "NAME = re.compile(r\"[A-Za-z0-9][A-Za-z0-9._-]{0,254}\")",
      "NAME = re.compile(r\"[A-Za-z0-9][A-Za-z0-9._/-]{0,254}\")",
      "back/test_back_http::test_invalid_images…",
      "file names with paths (a/../../etc) are stored"),
    B("images-no-next-page", "back/api/images.py",
      "rows = db().query(PAGE_SQL, (cursor, limit + 1))",
      "rows = db().query(PAGE_SQL, (cursor, limit))",
      "back/test_back_integration::test_paging_newest…",
      "next_cursor is always null: the page's Older button never lights"),
    B("errors-no-allow", "back/api/errors.py",
      "return body, exc.code, {\"Allow\": \", \".join(exc.valid_methods)}", "return body, exc.code",
      "back/test_back_http::test_wrong_method_is…",
      "a 405 no longer says which methods the path has (HTTP requires Allow)"),
    B("gunicorn-long-grace", "back/gunicorn.conf.py", "graceful_timeout = 5",
      "graceful_timeout = 30", "test_stack_files::test_swarm_lets_a_stopping…",
      "Swarm kills a stopping backend before it has answered what it began"),
    B("back-dockerfile-root", "back/Dockerfile", "USER 10001:10001\n", "",
      "test_front_offline::test_each_image_runs…[back/Dockerfile-10001:10001]",
      "gunicorn runs as root: Kubernetes' runAsNonRoot refuses the pod"),
    B("back-dockerfile-shell-cmd", "back/Dockerfile",
      "CMD [\"gunicorn\", \"--config\", \"gunicorn.conf.py\"]",
      "CMD gunicorn --config gunicorn.conf.py", "test_front_offline::test_the_backend_image…",
      "sh is PID 1 and keeps SIGTERM from gunicorn: docker stop waits 10 s, then kills requests "
      "in progress"),
    B("back-healthcheck-endpoint", "back/Dockerfile", "127.0.0.1:%s/livez'", "127.0.0.1:%s/health'",
      "test_stack_files::test_the_backends_health…",
      "the liveness check asks the database: on Swarm an outage gets every backend replaced"),
    B("storage-part-left", "back/api/storage.py",
      "            Path(temporary).unlink(missing_ok=True)\n", "            pass\n",
      "back/test_back_gifs::test_a_write_that_fails…",
      "a caption that fails halfway leaves its half-written file in IMAGE_PATH"),
    B("gifs-missing-200", "back/api/gifs.py", "conditional=False), 404", "conditional=False)",
      "back/test_back_gifs::test_a_name_with_no…",
      "a gone file looks like a picture that exists: the page cannot tell, nor can a cache"),
    B("draw-frame-pixels", "back/api/draw.py", "    if width * height > MAX_FRAME_PIXELS:\n",
      "    if width * height > 2 * MAX_FRAME_PIXELS:\n",
      "back/test_back_gifs::test_bad_input_is_refused…",
      "a frame over the pixel limit (under twice it: Pillow's) is drawn, memory and all"),
    B("draw-loop-forever", "back/api/draw.py", "    options = {\"duration\": durations}\n",
      "    options = {\"duration\": durations, \"loop\": 0}\n",
      "back/test_back_gifs::test_the_loop_count…",
      "a GIF that played once loops for ever once captioned"),
    B("draw-trail", "back/api/draw.py", "        options[\"disposal\"] = 2\n", "        pass\n",
      "back/test_back_gifs::test_the_caption_is…",
      "what moves on a transparent GIF leaves a trail once captioned"),
    B("giphy-host-search", "back/api/giphy.py", "MEDIA_HOSTS.fullmatch(parts.hostname or \"\")",
      "MEDIA_HOSTS.search(parts.hostname or \"\")", "back/test_back_giphy::test_only_giphys_media…",
      "media.giphy.com.evil.example is fetched: any host that names Giphy's"),
    B("giphy-no-byte-limit", "back/api/giphy.py", "                if len(body) > limit:\n",
      "                if len(body) > 100 * limit:\n", "back/test_back_giphy::test_a_slow_huge_or…",
      "an answer without Content-Length is read whole: a gigabyte fills the worker's memory"),
    B("giphy-redirect-anywhere", "back/api/giphy.py",
      "        if not allowed(newurl, self.config):\n", "        if False:\n",
      "back/test_back_giphy::test_a_slow_huge_or…",
      "a redirect takes the fetch to any host: the allow-list is only for the first URL"),
    B("captions-no-hint", "back/api/captions.py",
      "\"message\": message, \"hint\": SERVICE_HINT}, 503", "\"message\": message}, 503",
      "back/test_back_gifs::test_a_service_down…",
      "with the captioning service down, a 503 that does not say how to start it"),
    B("config-service-port", "back/api/config.py",
      "port = int(match[\"port\"] or 80) if match else 0",
      "port = int(match[\"port\"] or 4000) if match else 0",
      "back/test_back_config::test_the_captioning…",
      "the course's GIF_CAPTION_SVC=microgifcap (a Service on port 80) is called on 4000"),
    # ---- db/init.sql
    B("init-grant-all", "db/init.sql",
      "GRANT SELECT, INSERT, UPDATE, DELETE ON images.* TO 'user'@'%';",
      "GRANT ALL PRIVILEGES ON images.* TO 'user'@'%';",
      "back/test_back_integration::test_app_user_may_change…",
      "the app's user may drop the table: an injection or a bug can destroy the schema"),
    B("init-seed-twice", "db/init.sql", "  WHERE NOT EXISTS (SELECT 1 FROM images);", "  WHERE 1;",
      "back/test_back_integration::test_init_sql_seeds…",
      "running init.sql again adds a second Hello row"),
    B("init-short-caption", "db/init.sql", "  caption  VARCHAR(100) NOT NULL,",
      "  caption  VARCHAR(50) NOT NULL,", "back/test_back_integration::test_captions_are_stored…",
      "captions the API accepts (up to 100 characters) fail in the database: 500"),
    # ---- front/: the page, its nginx and its image
    B("nginx-config-cached", "front/templates/default.conf.template",
      "add_header   Cache-Control \"no-store\" always;",
      "add_header   Cache-Control \"public, max-age=3600\" always;",
      "test_front_offline::test_each_answer_is…[/config.json-no-store-True]",
      "a new BASE_URL is not seen for an hour: the page keeps calling the old API"),
    B("nginx-page-without-csp", "front/templates/default.conf.template",
      "    include /etc/nginx/security-headers.conf;\n    # index.html, and",
      "    # index.html, and", "test_front_offline::test_everything_the…[/index.html]",
      "the page itself has no security header: no CSP, framable"),
    B("nginx-404-kept-a-year", "front/templates/default.conf.template",
      "add_header   Cache-Control \"public, max-age=31536000, immutable\";",
      "add_header   Cache-Control \"public, max-age=31536000, immutable\" always;",
      "test_front_offline::test_each_answer_is…[/app.3f2a9c0b1d4e.js-public, max-age=31536000, "
      "immutable-False]",
      "a 404 for a new app.js, asked of an old replica during a rolling update, is kept a year: "
      "the page stays broken in that browser"),
    B("build-hash-longer", "front/build.sh", "cut -c 1-12)", "cut -c 1-16)",
      "test_front_offline::test_what_build_sh…",
      "nginx no longer recognises the built names: every load asks for every file again"),
    B("build-page-not-rewritten", "front/build.sh",
      "sed \"$rules\" \"$source/index.html\" >\"$out/index.html\"",
      "cp \"$source/index.html\" \"$out/index.html\"", "test_front_page::test_a_keyword_a_caption…",
      "the image's index.html loads app.js, which the image does not have: a blank page"),
    B("front-dockerfile-unbuilt", "front/Dockerfile",
      "COPY --from=build /build/dist/ /usr/share/nginx/html/",
      "COPY public/ /usr/share/nginx/html/", "test_front_offline::test_the_front_image…",
      "the image serves the unhashed source, which nginx sends with no-cache: every load asks "
      "for every file again"),
    B("headers-img-self-only", "front/security-headers.conf", "img-src 'self' $api_origin;",
      "img-src 'self';",
      "test_front_offline::test_the_page_may_fetch…[http://localhost:3001-'self' "
      "http://localhost:3001]", "test_front_page::test_paging_walks_to…",
      "the browser refuses every GIF of the API: a page of broken pictures"),
    B("headers-connect-anywhere", "front/security-headers.conf", "connect-src 'self' $api_origin;",
      "connect-src *;",
      "test_front_offline::test_the_page_may_fetch…[http://localhost:3001-'self' "
      "http://localhost:3001]", "an injected script may send the page's data anywhere"),
    B("nginx-pid-on-root", "front/nginx.conf", "pid               /tmp/nginx.pid;",
      "pid               /run/nginx.pid;", "k8s/test_k8s_agreement::test_front_writable…",
      "nginx cannot write its pid file on Kubernetes' read-only root: the front never starts"),
    B("check-port-range", "front/05-check-base-url.sh", "[ \"$port\" -gt 65535 ]",
      "[ \"$port\" -gt 99999 ]",
      "test_front_offline::test_a_base_url_that…['http://localhost:65536']",
      "BASE_URL=http://localhost:65536 starts a page that can never reach its API"),
    B("check-dot-segments", "front/05-check-base-url.sh",
      "segment='[A-Za-z0-9_~-][A-Za-z0-9._~-]*'", "segment='[A-Za-z0-9._~-]+'",
      "test_front_offline::test_a_base_url_that…['../api']",
      "BASE_URL=../api is taken: the page resolves it to another path than the Ingress's"),
    B("listen-80-podman", "front/listen-on-80.sh", "if [ \"$port_start\" -gt 80 ]; then",
      "if [ \"$port_start\" -gt 1024 ]; then", "test_front_offline::test_port_80_is_added…[podman]",
      "on Podman the plain nginx is asked to bind 80, cannot, and the front never starts"),
    B("front-dockerfile-root", "front/Dockerfile", "USER 101\n", "",
      "test_front_offline::test_each_image_runs…[front/Dockerfile-101]",
      "nginx runs as root in the container: a flaw in it is root's"),
    B("front-dockerfile-no-check", "front/Dockerfile",
      "COPY 05-check-base-url.sh /docker-entrypoint.d/\n", "",
      "test_front_offline::test_the_front_image…",
      "a bad BASE_URL is no longer refused at start: the page silently cannot reach the API"),
    B("front-dockerfile-filter", "front/Dockerfile",
      "NGINX_ENVSUBST_FILTER=\"^(BASE_URL|APP_NAME)$\"", "NGINX_ENVSUBST_FILTER=\"^(BASE_URL)$\"",
      "test_front_offline::test_the_images_defaults…",
      "the page's title is the literal ${APP_NAME}"),
    B("front-healthcheck-port", "front/Dockerfile", "CMD curl -fsS http://127.0.0.1:8080/healthz",
      "CMD curl -fsS http://127.0.0.1:80/healthz", "test_stack_files::test_the_fronts_health…",
      "the front never turns healthy: Swarm replaces its tasks over and over"),
    B("page-caption-markup", "front/public/app.js", "caption.textContent = image.caption;",
      "caption.innerHTML = image.caption;", "test_front_page::test_a_keyword_a_caption…",
      "a caption runs as HTML in every visitor's page: stored cross-site scripting"),
    B("page-alt-not-caption", "front/public/app.js", "picture.alt = image.caption;",
      "picture.alt = image.filename;", "test_front_page::test_a_keyword_a_caption…",
      "a screen reader reads the gallery as file names, not as the memes' words"),
    B("page-no-working-state", "front/public/app.js",
      "  canvas.setAttribute(\"aria-busy\", String(Boolean(working)));\n", "",
      "test_front_page::test_a_keyword_a_caption…",
      "a screen reader is not told that the picture is being captioned"),
    B("page-list-not-redrawn", "front/public/app.js", "    loadGallery();\n  }\n}\n", "  }\n}\n",
      "test_front_page::test_the_badge_turns…",
      "after an outage the badge turns green and the list stays 'Could not load'"),
    # ---- compose.yaml and swarm/
    B("compose-depends-on", "compose.yaml", "      db:\n        condition: service_healthy\n",
      "      db:\n        condition: service_started\n", "test_stack_files::test_compose_starts…",
      "the backend starts before init.sql has run"),
    B("compose-back-no-secret", "compose.yaml",
      "      CORS_ORIGINS: http://localhost:${FRONT_PORT:-8080}\n    secrets: [db_password]\n",
      "      CORS_ORIGINS: http://localhost:${FRONT_PORT:-8080}\n",
      "test_stack_files::test_every_secret_file…[compose.yaml]",
      "the backend's MYSQL_PASSWORD_FILE does not exist: it refuses to start"),
    B("compose-base-url-container", "compose.yaml",
      "      BASE_URL: http://localhost:${BACK_PORT:-3000}\n", "      BASE_URL: http://back:3000\n",
      "test_stack_files::test_the_page_calls…[compose.yaml]",
      "the browser is told to call http://back:3000, a name only the stack's network knows"),
    B("compose-init-sql-unlabelled", "compose.yaml",
      "      - ./db/init.sql:/docker-entrypoint-initdb.d/init.sql:ro,z\n",
      "      - ./db/init.sql:/docker-entrypoint-initdb.d/init.sql:ro\n",
      "test_stack_files::test_the_database_runs…",
      "on Fedora/RHEL the database cannot read init.sql: no table, the API answers 500"),
    B("swarm-db-healthcheck", "swarm/stack.yaml",
      "    healthcheck:\n      # A real query over TCP (db/README.md",
      "    # healthcheck:\n      # A real query over TCP (db/README.md",
      "test_stack_files::test_swarm_keeps_the…",
      "Swarm's database has no health check: it is never replaced when it hangs"),
    B("swarm-db-outside", "swarm/stack.yaml", "  default:\n    internal: true\n",
      "  default:\n    internal: false\n", "test_stack_files::test_swarm_lets_a_stopping…",
      "while db is replaced, lookups of its name go to the host's DNS and stall up to 8 s"),
    B("swarm-init-sql-path", "swarm/stack.yaml", "    file: ../db/init.sql\n",
      "    file: ./db/init.sql\n", "test_stack_files::test_the_database_runs…",
      "docker stack deploy reads paths from swarm/: swarm/db/init.sql does not exist"),
    B("edge-upstream-port", "swarm/edge.conf", "set $back http://tasks.back:3000;",
      "set $back http://tasks.back:8080;", "test_stack_files::test_swarms_edge_passes…",
      "the edge passes API requests to a port the backend does not serve: 502"),
    B("edge-posts-repeated", "swarm/edge.conf", "    proxy_next_upstream error timeout;",
      "    proxy_next_upstream error timeout non_idempotent;",
      "test_stack_files::test_swarms_edge_follows…",
      "a POST that reached a stopping replica is sent again: an image added twice"),
    # ---- k8s/ and .gitattributes
    B("k8s-target-port", "k8s/base/back.yaml", "      port: 3000\n      targetPort: http\n",
      "      port: 3000\n      targetPort: 8080\n",
      "k8s/test_k8s_agreement::test_app_names_ports…[k8scourse-back-BACK_IMAGE-BACK_PORT-back/Dockerfile]",
      "the back Service sends requests to a port the pod does not serve"),
    B("k8s-policy-port", "k8s/base/network-policies.yaml",
      "              app.kubernetes.io/name: back\n      ports:\n        - protocol: "
      "TCP\n          port: 3306\n",
      "              app.kubernetes.io/name: back\n      ports:\n        - protocol: "
      "TCP\n          port: 3307\n", "k8s/test_k8s_network::test_the_database_accepts…[k8s]",
      "the database's NetworkPolicy lets the backend in on the wrong port: it cannot connect"),
    B("k8s-ready-without-db", "k8s/base/back.yaml", "              path: /readyz\n",
      "              path: /livez\n", "k8s/test_k8s_rollout::test_back_is_ready…",
      "pods whose database is unreachable stay in the Service: requests get 503s"),
    B("k8s-db-ready-on-socket", "k8s/base/db-statefulset.yaml",
      "          startupProbe:\n            exec:\n              command:\n                - "
      "sh\n                - -c\n                - >-\n                  MYSQL_PWD=\"$(cat "
      "\"$MYSQL_PASSWORD_FILE\")\"\n                  mysql --protocol=TCP -h127.0.0.1 "
      "-u\"$MYSQL_USER\"\n",
      "          startupProbe:\n            exec:\n              command:\n                - "
      "sh\n                - -c\n                - >-\n                  MYSQL_PWD=\"$(cat "
      "\"$MYSQL_PASSWORD_FILE\")\"\n                  mysql -hlocalhost -u\"$MYSQL_USER\"\n",
      "k8s/test_k8s_agreement::test_db_probes_query_over_tcp",
      "the database counts as started before init.sql has run: the backend's first queries find "
      "no table"),
    B("k8s-lesson-db-image", "k8s/lessons/02-11-database/mysql.yaml", "        - image: mysql:5.7",
      "        - image: mysql:8.0", "k8s/test_k8s_lessons::test_02_11_the_database",
      "lesson 02-11's database is not the one the Makefile and the course run"),
    B("gitattributes-eol", ".gitattributes", "* text=auto eol=lf\n", "* text=auto\n",
      "test_learners_machines::test_a_windows_clone…",
      "a clone made by Git for Windows gets CRLF: /usr/bin/env: 'bash\\r': No such file"),
)
# fmt: on


def one_line_edit(old, new):
    """Whether new is old with one line changed, or one line dropped."""
    a, b = old.split("\n"), new.split("\n")
    if len(a) == len(b):
        return sum(x != y for x, y in zip(a, b, strict=True)) == 1
    return len(b) == len(a) - 1 and any(a[:i] + a[i + 1 :] == b for i in range(len(a)))


def apply(copy, breakage):
    """Write the breakage into the copy; returns the file's original text."""
    path = copy / breakage.path
    text = path.read_text(encoding="utf-8")
    count = text.count(breakage.old)
    if count != 1:
        raise ValueError(f"{breakage.path}: the old text is found {count} times, not once")
    if not one_line_edit(breakage.old, breakage.new):
        raise ValueError("the edit changes more than one line")
    path.write_text(text.replace(breakage.old, breakage.new), encoding="utf-8")
    return text


def node_id(test):
    """back/test_back_db::test_x -> tests/back/test_back_db.py::test_x"""
    file, _, name = test.partition("::")
    return f"tests/{file}.py::{name}"


# A pytest worker per copy: a process that has imported pytest and the tests' libraries
# once, and forks a child for each run, where pytest imports the product and the tests
# from the copy as they are then. A run costs a fork, not an interpreter and its imports.
WORKER = """
import importlib, json, os, sys
for name in ("pytest", "_pytest.python", "_pytest.fixtures", "flask", "werkzeug.serving",
             "pymysql", "yaml", "jsonschema", "playwright.sync_api"):
    importlib.import_module(name)
import pytest
for line in sys.stdin:
    args, output = json.loads(line)
    child = os.fork()
    if child == 0:
        out = os.open(output, os.O_WRONLY | os.O_CREAT | os.O_TRUNC)
        os.dup2(out, 1)
        os.dup2(out, 2)
        status = pytest.main(args)
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(int(status))
    print(os.waitstatus_to_exitcode(os.waitpid(child, 0)[1]), flush=True)
"""
ARGS = ["-q", "-p", "no:cacheprovider", "-rfEs", "-k", "not mac-tools"]


class Worker:
    def __init__(self, copy):
        self.copy = copy
        # No plugin from the environment: the offline tests need none, and hypothesis' and
        # schemathesis' (tests/e2e's fuzzing) cost seconds of start-up.
        env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1", "PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1"}
        self.process = subprocess.Popen(
            [sys.executable, "-c", WORKER], cwd=copy, env=env, text=True,
            stdin=subprocess.PIPE, stdout=subprocess.PIPE,
        )  # fmt: skip

    def pytest(self, tests):
        """pytest on the tests in the copy: (exit status, failed or errored ids, output)."""
        output = self.copy.parent / "pytest.out"
        self.process.stdin.write(json.dumps([[*ARGS, *map(node_id, tests)], str(output)]) + "\n")
        self.process.stdin.flush()
        status = int(self.process.stdout.readline())
        said = output.read_text(errors="replace")
        return status, re.findall(r"^(?:FAILED|ERROR) (\S+)", said, re.M), said

    def close(self):
        self.process.stdin.close()
        self.process.wait(timeout=60)


def run_one(breakage, worker):
    """One breakage written into the worker's copy, its tests run, the file put back: a row
    of (breakage, result, caught by, seconds)."""
    started, copy = time.monotonic(), worker.copy
    try:
        original = apply(copy, breakage)
    except ValueError as error:
        return breakage, "error", str(error), 0.0
    try:
        status, failed, output = worker.pytest(breakage.tests)
    finally:
        (copy / breakage.path).write_text(original, encoding="utf-8")
    if status == 1 and failed:
        result, detail = "caught", ", ".join(f.removeprefix("tests/") for f in failed)
    elif status == 0:
        result, detail = "MISSED", "every listed test passed"
    else:
        result, detail = "error", f"pytest exited {status}"
        print(output[-3000:], file=sys.stderr)
    left = git("status", "--porcelain", cwd=copy)
    if left:
        raise SystemExit(f"{breakage.name}: the copy is not clean after its run:\n{left}")
    return breakage, result, detail, time.monotonic() - started


def run(breakages, workers):
    """Every breakage, each in one of the workers' copies (so that two breakages never share
    a working tree): rows in the list's order."""
    free = queue.Queue()
    for worker in workers:
        free.put(worker)

    def in_a_free_copy(breakage):
        worker = free.get()
        try:
            return run_one(breakage, worker)
        finally:
            free.put(worker)

    with ThreadPoolExecutor(max_workers=len(workers)) as pool:
        return list(pool.map(in_a_free_copy, breakages))


def control(breakages, worker):
    """The listed tests on the unbroken copy: all must pass, none may be skipped."""
    tests = sorted({test for breakage in breakages for test in breakage.tests})
    status, _, output = worker.pytest(tests)
    summary = output.strip().splitlines()[-1] if output.strip() else ""
    if status != 0 or re.search(r"skipped|xfail|xpass", summary):
        print(output[-5000:], file=sys.stderr)
        raise SystemExit(f"the unbroken copy does not pass the listed tests cleanly: {summary}")
    return summary


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("names", nargs="*", help="only these breakages (default: all)")
    parser.add_argument("--keep", action="store_true", help="keep the copies (said where)")
    jobs = "breakages run at once, each in a copy of its own (default: the cores, up to 4)"
    parser.add_argument("--jobs", type=int, default=min(os.cpu_count() or 1, 4), help=jobs)
    args = parser.parse_args()
    known = {breakage.name: breakage for breakage in BREAKAGES}
    unknown = [name for name in args.names if name not in known]
    if unknown:
        parser.error(f"no breakage named {', '.join(unknown)} (known: {', '.join(known)})")
    chosen = [known[name] for name in args.names] or list(BREAKAGES)

    started = time.monotonic()
    folder = Path(tempfile.mkdtemp(prefix="k8scourse-breakages-"))
    # One copy per job, and one more where the control runs beside them.
    copies = [folder / f"copy-{n}" / "k8scourse" for n in range(max(args.jobs, 1) + 1)]
    workers = []
    try:
        for copy in copies:
            workers.append(Worker(learner_copy(copy)))
        with ThreadPoolExecutor(max_workers=1) as beside:
            unbroken = beside.submit(control, chosen, workers[0])
            rows = run(chosen, workers[1:])
            summary = unbroken.result()
    finally:
        for worker in workers:
            worker.close()
        if args.keep:
            print(f"the copies: {', '.join(map(str, copies))}", file=sys.stderr)
        else:
            shutil.rmtree(folder, ignore_errors=True)
    for number, (breakage, result, detail, seconds) in enumerate(rows, 1):
        print(f"{number:>3} {breakage.name:<30} {breakage.path:<32} {result:<7} {seconds:5.1f} s"
              f"  {detail}")  # fmt: skip
    caught = sum(result == "caught" for _, result, _, _ in rows)
    print(
        f"\n{caught} of {len(rows)} breakages caught; control on the unbroken copy: {summary}; "
        f"{time.monotonic() - started:.0f} s in all"
    )
    return 0 if caught == len(rows) else 1


if __name__ == "__main__":
    sys.exit(main())
