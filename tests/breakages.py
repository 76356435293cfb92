#!/usr/bin/env python3
"""Planted breakages: does the offline suite fail when the Makefile, scripts/ or the stack
files break, and only then?

Each breakage below is one line of one file changed (or dropped) as a learner or a
maintainer could: a flag more, a --network lost, a wrong port, a health check gone, a
hint reworded. For each, one at a time, this script writes it into a copy of the
repository (copies.learner_copy: its tracked files, as they are in this working tree,
in a new git repository of their own), runs the offline tests listed for it there, and
puts the file back. A breakage is caught when pytest reports a failure (exit status 1);
missed when the tests pass. First, the same tests run on the unbroken copy: all of them
must pass, none skipped, or "caught" would mean nothing.

    .venv/bin/python tests/breakages.py             # all: a table, exit 1 if one is missed
    .venv/bin/python tests/breakages.py ps-a back-port    # some, by name
    .venv/bin/python tests/breakages.py --markdown  # the table as docs/testing.md has it

An edit whose old text is not found exactly once in its file, or that changes more than
one line, is an error (exit 1): the table cannot rot silently. Standard library and
tests/copies.py only; pytest is the interpreter's (run it with the project's .venv).
No engine is used: the tests listed are offline (docs/testing.md).
"""

import argparse
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

MAKEFILE_TARGET = "tests/test_makefile.py::test_every_target_prints_the_lessons_commands_whole"
STACK = "tests/test_stack_files.py::"
HEALTH = "tests/test_health_offline.py::test_a_database_looked_for_on_localhost_stops_the_wait"
AGREEMENT = "tests/k8s/test_k8s_agreement.py::"
NETWORK = "tests/k8s/test_k8s_network.py::"
SCRIPTS = "tests/test_scripts_offline.py::"
REFUSAL = f"{SCRIPTS}test_a_refused_command_is_one_line_naming_the_fix"
TAKEN = f"{SCRIPTS}test_a_taken_port_names_who_holds_it_and_the_port_to_use"
PROBES = "tests/test_keep_or_replace_offline.py::"
WALK = f"{SCRIPTS}test_a_step_that_is_not_as_in_the_lesson_is_counted"
HTTP = "tests/back/test_back_http.py::"
CONFIG = "tests/back/test_back_config.py::"
LIVE = "tests/back/test_back_integration.py::"
DB = "tests/back/test_back_db.py::"
GIFS = "tests/back/test_back_gifs.py::"
DRAW = "tests/back/test_back_draw.py::"
GIPHY = "tests/back/test_back_giphy.py::"
SPLIT = "tests/back/test_back_split.py::"
BAD_GIF = f"{GIFS}test_bad_input_is_refused_and_nothing_saved_changes"
FRONT = "tests/test_front_offline.py::"
PARTS = "tests/test_makefile_parts.py::"
PAGE = "tests/test_front_page.py::"


@dataclass(frozen=True)
class Breakage:
    name: str
    path: str  # the file, from the repository's root
    old: str  # found exactly once; may hold a line before the changed one, to be unique
    new: str  # the same, with one line changed or dropped
    tests: tuple  # pytest node ids expected to catch it
    why: str  # what it breaks, for a learner


BREAKAGES = (
    Breakage(
        "logs-tail",
        "Makefile",
        "'$(DOCKER) logs $(BACK_NAME)'",
        "'$(DOCKER) logs --tail 5 $(BACK_NAME)'",
        (f"{MAKEFILE_TARGET}[logs]",),
        "make logs prints a command the lesson does not have (issue 20's example)",
    ),
    Breakage(
        "ps-a",
        "Makefile",
        "@$(RUN) '$(DOCKER) ps'",
        "@$(RUN) '$(DOCKER) ps -a'",
        (f"{MAKEFILE_TARGET}[ps]",),
        "`docker ps -a` is not the lesson's `docker ps` (a substring match let it through)",
    ),
    Breakage(
        "db-no-network",
        "Makefile",
        "init.sql$(MOUNT_OPTIONS) --network $(NETWORK) $(DB_IMAGE)'",
        "init.sql$(MOUNT_OPTIONS) $(DB_IMAGE)'",
        (f"{MAKEFILE_TARGET}[db]", "tests/test_makefile.py::test_defaults_reproduce_the_lesson"),
        "the database on the default bridge: the backend cannot resolve its name",
    ),
    Breakage(
        "back-no-network",
        "Makefile",
        "'$(DOCKER) run -p $(BACK_PORT):3000 --name $(BACK_NAME) --rm --network $(NETWORK) ",
        "'$(DOCKER) run -p $(BACK_PORT):3000 --name $(BACK_NAME) --rm ",
        (f"{MAKEFILE_TARGET}[back]", "tests/test_makefile.py::test_defaults_reproduce_the_lesson"),
        "the lesson's fix without its network: MYSQL_HOST does not resolve",
    ),
    Breakage(
        "back-port",
        "Makefile",
        "'$(DOCKER) run -p $(BACK_PORT):3000 --name $(BACK_NAME) ",
        "'$(DOCKER) run -p $(BACK_PORT):5000 --name $(BACK_NAME) ",
        (
            f"{MAKEFILE_TARGET}[back]",
            f"{AGREEMENT}test_app_names_ports_and_images_match"
            "[k8scourse-back-BACK_IMAGE-BACK_PORT-back/Dockerfile]",
        ),
        "published to Flask's usual 5000, where gunicorn does not listen (3000)",
    ),
    Breakage(
        "db-user-variable",
        "Makefile",
        "--name $(DB_NAME) -e MYSQL_USER=$(DB_USER)",
        "--name $(DB_NAME) -e MYSQL_USERNAME=$(DB_USER)",
        (f"{MAKEFILE_TARGET}[db]",),
        "the mysql image knows no MYSQL_USERNAME: no app user, the backend's login is refused",
    ),
    Breakage(
        "network-default",
        "Makefile",
        "NETWORK          ?= $(PROJECT)\n",
        "NETWORK          ?= $(PROJECT)-net\n",
        (
            f"{MAKEFILE_TARGET}[network]",
            "tests/test_makefile.py::test_every_name_follows_project_and_the_lesson_keeps_its_own",
            f"{AGREEMENT}test_namespace_is_the_docker_network",
            f"{AGREEMENT}test_compose_uses_the_same_names",
        ),
        "the network is no longer the lesson's, nor Compose's, nor the k8s namespace",
    ),
    Breakage(
        "help-comment",
        "Makefile",
        "logs: ## Show the backend's logs",
        "logs: # Show the backend's logs",
        ("tests/test_makefile.py::test_help_lists_every_target_with_a_description",),
        "make help no longer lists make logs",
    ),
    Breakage(
        "selinux-z",
        "mk/machine.mk",
        "  RELABEL := z\n",
        "  RELABEL :=\n",
        (
            "tests/test_learners_machines.py::"
            "test_selinux_gets_z_and_says_why_elsewhere_the_lessons_command",
            "tests/test_dev_loop_offline.py::test_make_dev_labels_the_mounts_where_selinux_enforces",
        ),
        "on Fedora/RHEL the database cannot read the mounted init.sql",
    ),
    Breakage(
        "help-crlf",
        "Makefile",
        """@awk 'BEGIN {FS = ":+.*## "} {sub(/\\r$$/, "")} \\""",
        """@awk 'BEGIN {FS = ":+.*## "} \\""",
        (
            "tests/test_learners_machines.py::test_help_prints_no_carriage_return_from_a_crlf_makefile",
        ),
        "make help prints ^M from a clone made with CRLF",
    ),
    Breakage(
        "front-port",
        "Makefile",
        "'$(DOCKER) run -p $(FRONT_PORT):8080 --name $(FRONT_NAME) ",
        "'$(DOCKER) run -p $(FRONT_PORT):80 --name $(FRONT_NAME) ",
        (
            "tests/test_makefile.py::test_a_renamed_stack_prints_its_own_names_and_ports",
            f"{AGREEMENT}test_app_names_ports_and_images_match"
            "[k8scourse-front-FRONT_IMAGE-FRONT_PORT-front/Dockerfile]",
        ),
        "the front published on port 80 inside, which the non-root nginx takes only where "
        "the kernel or a capability lets it (8080 always)",
    ),
    Breakage(
        "step-clash-hint",
        "scripts/port-holders.sh",
        "make back BACK_PORT=%s (make health",
        "make back PORT=%s (make health",
        ("tests/test_engine_forms.py::test_a_taken_port_names_the_container_that_holds_it",),
        "a taken port's advice names a variable the Makefile does not read",
    ),
    Breakage(
        "health-127",
        "scripts/check-health",
        "        localhost | 127.0.0.1 | ::1)\n",
        "        localhost | ::1)\n",
        (f"{HEALTH}_naming_the_fix[127.0.0.1]",),
        "MYSQL_HOST=127.0.0.1 waits out the timeout instead of naming the fix",
    ),
    Breakage(
        "health-schema-waits",
        "scripts/check-health",
        """    [[ $hint != *init.sql* ]] || {""",
        """    [[ $hint != *init.db* ]] || {""",
        (
            "tests/test_health_offline.py::test_a_table_unlike_init_sql_stops_the_wait_with_the_backends_hint",
        ),
        "a table kept from an older init.sql is waited on, then named as a network mistake",
    ),
    Breakage(
        "health-hint-name",
        "scripts/check-health",
        'which passes -e MYSQL_HOST=$DB_NAME."',
        'which passes -e MYSQL_HOST=k8scourse-db."',
        (f"{HEALTH}_naming_the_fix",),
        "a renamed project is told the lesson's database name",
    ),
    Breakage(
        "api-host-field",
        "back/api/health.py",
        '            "mysql_host": config.mysql_host,\n',
        '            "host": config.mysql_host,\n',
        (
            f"{HEALTH}_naming_the_fix",
            "tests/back/test_back_http.py::"
            "test_health_is_503_with_host_and_error_when_the_database_is_down",
        ),
        "scripts/check-health reads mysql_host from /health: the localhost mistake goes unnamed",
    ),
    Breakage(
        "api-hint-variable",
        "back/api/health.py",
        "name: -e MYSQL_HOST=<db container name>",
        "name: -e DB_HOST=<db container name>",
        (
            f"{HEALTH}_naming_the_fix",
            "tests/back/test_back_http.py::test_hint_for_localhost_inside_a_container",
        ),
        "the backend's hint names a variable it does not read",
    ),
    Breakage(
        "compose-depends-on",
        "compose.yaml",
        "      db:\n        condition: service_healthy\n",
        "      db:\n        condition: service_started\n",
        (f"{STACK}test_compose_starts_a_tier_once_the_one_it_needs_is_healthy",),
        "the backend starts before init.sql has run",
    ),
    Breakage(
        "compose-db-healthcheck",
        "compose.yaml",
        "    healthcheck:\n      # A real query over TCP as the app's user",
        "    # healthcheck:\n      # A real query over TCP as the app's user",
        (
            f"{AGREEMENT}test_compose_db_healthcheck_is_the_startup_probe",
            f"{STACK}test_compose_starts_a_tier_once_the_one_it_needs_is_healthy",
        ),
        "no health check: service_healthy never comes, the backend never starts",
    ),
    Breakage(
        "compose-back-port",
        "compose.yaml",
        'ports: ["${BACK_PORT:-3000}:3000"]',
        'ports: ["${BACK_PORT:-3000}:5000"]',
        (f"{AGREEMENT}test_compose_images_and_ports_match[back]",),
        "Compose publishes a port the backend does not listen on",
    ),
    Breakage(
        "back-healthcheck-endpoint",
        "back/Dockerfile",
        "127.0.0.1:%s/livez'",
        "127.0.0.1:%s/health'",
        (f"{STACK}test_the_backends_health_check_passes_with_the_database_down",),
        "the liveness check asks the database: on Swarm an outage gets every backend replaced",
    ),
    Breakage(
        "front-healthcheck-port",
        "front/Dockerfile",
        "CMD curl -fsS http://127.0.0.1:8080/healthz",
        "CMD curl -fsS http://127.0.0.1:80/healthz",
        (f"{STACK}test_the_fronts_health_check_asks_nginx_where_it_listens",),
        "the front never turns healthy: Swarm replaces its tasks over and over",
    ),
    Breakage(
        "swarm-db-healthcheck",
        "swarm/stack.yaml",
        "    healthcheck:\n      # A real query over TCP (db/README.md",
        "    # healthcheck:\n      # A real query over TCP (db/README.md",
        (f"{STACK}test_swarm_keeps_the_health_checks_of_compose",),
        "Swarm's database has no health check: it is never replaced when it hangs",
    ),
    Breakage(
        "swarm-edge-target",
        "swarm/stack.yaml",
        '{target: 3000, published: "${BACK_PORT:-3000}"',
        '{target: 3001, published: "${BACK_PORT:-3000}"',
        (f"{STACK}test_swarms_edge_passes_each_published_port_to_its_tier",),
        "the API's port lands where the edge does not listen",
    ),
    Breakage(
        "edge-upstream-port",
        "swarm/edge.conf",
        "set $back http://tasks.back:3000;",
        "set $back http://tasks.back:8080;",
        (f"{STACK}test_swarms_edge_passes_each_published_port_to_its_tier",),
        "the edge passes API requests to a port the backend does not serve: 502",
    ),
    Breakage(
        "k8s-target-port",
        "k8s/base/back.yaml",
        "      port: 3000\n      targetPort: http\n",
        "      port: 3000\n      targetPort: 8080\n",
        (
            f"{AGREEMENT}test_app_names_ports_and_images_match"
            "[k8scourse-back-BACK_IMAGE-BACK_PORT-back/Dockerfile]",
            f"{NETWORK}test_the_api_and_the_page_accept_only_the_ingress_controller[k8s]",
        ),
        "the back Service sends requests to a port the pod does not serve",
    ),
    Breakage(
        "k8s-policy-port",
        "k8s/base/network-policies.yaml",
        "              app.kubernetes.io/name: back\n      ports:\n        - protocol: TCP\n"
        "          port: 3306\n",
        "              app.kubernetes.io/name: back\n      ports:\n        - protocol: TCP\n"
        "          port: 3307\n",
        (f"{NETWORK}test_the_database_accepts_only_the_backend_on_its_port[k8s]",),
        "the database's NetworkPolicy lets the backend in on the wrong port: it cannot connect",
    ),
    Breakage(
        "gitattributes-eol",
        ".gitattributes",
        "* text=auto eol=lf\n",
        "* text=auto\n",
        ("tests/test_learners_machines.py::test_a_windows_clone_checks_every_file_out_with_lf",),
        "a clone made by Git for Windows gets CRLF: /usr/bin/env: 'bash\\r': No such file",
    ),
)

# ---- scripts/: each script, run offline as make runs it (tests/test_scripts_offline.py) ----
SCRIPT_BREAKAGES = (
    Breakage(
        "step-if-running-inverted",
        "scripts/run-step",
        """--if-running) running "$2" || { say "# $2 is not running"; exit 0; }""",
        """--if-running) running "$2" && { say "# $2 is not running"; exit 0; }""",
        (f"{SCRIPTS}test_a_guard_skips_the_command_and_says_why",),
        "make stop and make down run `docker stop` on containers that are not there, and "
        "skip the ones that run",
    ),
    Breakage(
        "step-tty-unchecked",
        "scripts/run-step",
        """            [ -t 0 ] || fail "this step opens an interactive shell""",
        """            : || fail "this step opens an interactive shell""",
        (f"{SCRIPTS}test_a_shell_without_a_terminal_is_refused_before_it_runs",),
        "make shell from a script or CI fails with the engine's 'the input device is not a TTY'",
    ),
    Breakage(
        "step-lesson-failure-anywhere",
        "scripts/run-step",
        """running "$lesson_name" && on_default_network "$lesson_name" || return 1""",
        """running "$lesson_name" || return 1""",
        (
            f"{SCRIPTS}test_the_lessons_own_failure_is_said_and_succeeds_only_on_the_default_"
            "bridge[user-network]",
        ),
        "a ping that fails on alpine-network is called the lesson's failure and succeeds",
    ),
    Breakage(
        "step-no-settle",
        "scripts/run-step",
        """    if [ -n "$acts_on" ]; then settle "$acts_on"; fi\n""",
        "",
        (f"{SCRIPTS}test_stopping_a_shell_says_it_takes_10_s_and_waits_until_it_is_gone",),
        "make stop returns before the container is gone: the next make back finds its name taken",
    ),
    Breakage(
        "differences-rm-takes-a-value",
        "scripts/run-differences.sh",
        "-q --quiet --rm --init\n",
        "-q --quiet --init\n",
        (f"{PROBES}test_the_probe_is_created_from_every_form_of_docker_run",),
        "--rm read as a flag with a value: the probe swallows --network, make back replaces a "
        "backend that runs as asked",
    ),
    Breakage(
        "differences-no-network-field",
        "scripts/run-differences.sh",
        "network={{range $net, $_ := .NetworkSettings.Networks}}{{$net}} {{end}}\n",
        "",
        (
            f"{PROBES}test_each_difference_is_seen_and_nothing_else[docker-28-network]",
            f"{PROBES}test_each_difference_is_seen_and_nothing_else[podman-4.3-network]",
        ),
        "a backend on the default bridge is kept by make back: the lesson's fix never lands",
    ),
    Breakage(
        "differences-probe-pulls",
        "scripts/run-differences.sh",
        """${out[@]+"${out[@]}"} --pull=never "$@\"""",
        """${out[@]+"${out[@]}"} "$@\"""",
        (f"{PROBES}test_the_probe_is_created_from_every_form_of_docker_run",),
        "comparing with a running container pulls the image: slow, and online only",
    ),
    Breakage(
        "explain-daemon-fix",
        "scripts/explain-error.sh",
        "or 'sudo systemctl start docker' on Linux",
        "or 'sudo systemctl restart containerd' on Linux",
        (f"{REFUSAL}[docker-not-running]",),
        "a stopped Docker is answered with a command that does not start it",
    ),
    Breakage(
        "explain-rm-without-f",
        "scripts/explain-error.sh",
        "remove it with '$DOCKER rm -f $name'",
        "remove it with '$DOCKER rm $name'",
        (f"{REFUSAL}[name-taken]", f"{REFUSAL}[name-taken-podman]"),
        "the advice for a taken name fails on a running container",
    ),
    Breakage(
        "explain-latest-unbuilt",
        "scripts/explain-error.sh",
        """[[ $image == "$BACK_IMAGE" || $image == "$BACK_IMAGE:latest" ]] && built_by=build""",
        """[[ $image == "$BACK_IMAGE" ]] && built_by=build""",
        (f"{REFUSAL}[back-image-not-built]",),
        "an unbuilt backend image is called a registry problem instead of 'make build'",
    ),
    Breakage(
        "explain-compose-network",
        "scripts/explain-error.sh",
        """project=$(label_of "${holders%% *}" com.docker.compose.project)""",
        """project=$(label_of "${holders%% *}" com.docker.compose.service)""",
        (f"{SCRIPTS}test_a_network_of_a_compose_stack_names_its_compose_down",),
        "a network held by a Compose stack is called Compose's service name, not its project",
    ),
    Breakage(
        "holders-front-advice",
        "scripts/port-holders.sh",
        "'publish the front on another port: make up FRONT_PORT=%s",
        "'publish the front on another port: make front FRONT_PORT=%s",
        (f"{TAKEN}[front-of-another-copy]",),
        "the front moves alone: the backend's CORS_ORIGINS still names the old port, the page "
        "cannot read the API",
    ),
    Breakage(
        "holders-port-substring",
        "scripts/port-holders.sh",
        """grep -E ":$2->" | head -1""",
        """grep -E "$2->" | head -1""",
        (
            f"{SCRIPTS}test_free_ports_pass_in_silence",
            f"{SCRIPTS}test_ports_held_by_others_are_named_with_free_ones_to_use",
        ),
        "a container on port 13000 is said to hold port 3000: make up refuses a free port",
    ),
    Breakage(
        "holders-compose-stop",
        "scripts/port-holders.sh",
        """printf "'make compose-down PROJECT=%s'" "$project"; return""",
        """printf "'make down PROJECT=%s'" "$project"; return""",
        (f"{TAKEN}[database-of-a-compose-stack]",),
        "a port held by a Compose stack is to be freed with make down, which leaves Compose's "
        "containers running",
    ),
    Breakage(
        "ports-next-taken",
        "scripts/check-ports",
        """while [[ $taken == *" $next "* ]] || [ -n "$(holder '' "$next")" ]; do""",
        """while [[ $taken == *" $next "* ]]; do""",
        (f"{SCRIPTS}test_ports_held_by_others_are_named_with_free_ones_to_use",),
        "the port advised instead is itself taken: the learner's second make up fails too",
    ),
    Breakage(
        "ports-own-folder",
        "scripts/check-ports",
        """[ "$source" != "$PWD/db/init.sql" ]""",
        """[ "$source" != "$PWD/init.sql" ]""",
        (f"{SCRIPTS}test_a_copy_named_as_another_folders_stack_is_refused[this]",),
        "make up refuses this folder's own running database as another folder's",
    ),
    Breakage(
        "ports-one-clash",
        "scripts/check-ports",
        """clashes+="${clashes:+, }$port ($var) by $who\"""",
        """clashes="$port ($var) by $who\"""",
        (f"{SCRIPTS}test_ports_held_by_others_are_named_with_free_ones_to_use",),
        "only the last clash is named: the learner frees one port, and make up fails again",
    ),
    Breakage(
        "stacks-compose-running-only",
        "scripts/check-stacks",
        """ps -aq --filter "label=com.docker.compose.project=$2\"""",
        """ps -q --filter "label=com.docker.compose.project=$2\"""",
        (f"{SCRIPTS}test_the_docker_run_stack_waits_for_compose_and_swarm_to_go[compose]",),
        "a Compose stack whose containers stopped is missed: make up clashes with its names",
    ),
    Breakage(
        "stacks-swarm-fix",
        "scripts/check-stacks",
        "remove it with 'make swarm-down' first.",
        "leave the swarm with 'docker swarm leave --force' first.",
        (f"{SCRIPTS}test_the_docker_run_stack_waits_for_compose_and_swarm_to_go[swarm]",),
        "the advice destroys the swarm instead of removing the stack",
    ),
    Breakage(
        "stacks-network-label-inverted",
        "scripts/check-stacks",
        """&& [ -z "$("$DOCKER" network inspect -f""",
        """&& [ -n "$("$DOCKER" network inspect -f""",
        (
            f"{SCRIPTS}test_compose_and_swarm_wait_for_the_docker_run_stack_to_go"
            "[its-network-is-left]",
            f"{SCRIPTS}test_compose_and_swarm_wait_for_the_docker_run_stack_to_go[compose-network]",
        ),
        "make compose-up refuses Compose's own network, and takes over the lesson's",
    ),
    Breakage(
        "health-access-denied-waits",
        "scripts/check-health",
        """        fail "the database refuses the backend's user or password""",
        """        : "the database refuses the backend's user or password""",
        (f"{SCRIPTS}test_a_refused_password_stops_the_wait_naming_the_fix",),
        "a wrong password is waited on until the timeout, then not named",
    ),
    Breakage(
        "health-other-program-advice",
        "scripts/check-health",
        "make up BACK_PORT=$((port + 1)).",
        "make up PORT=$((port + 1)).",
        (f"{SCRIPTS}test_another_program_on_the_port_is_named",),
        "the advice for a port another program holds names a variable make does not read",
    ),
    Breakage(
        "health-first-try-fails",
        "scripts/check-health",
        'which passes -e MYSQL_HOST=$DB_NAME"\n                exit 0\n',
        'which passes -e MYSQL_HOST=$DB_NAME"\n                exit 1\n',
        (f"{SCRIPTS}test_the_lessons_first_try_is_its_failure_and_succeeds",),
        "the lesson's deliberate first failure stops make: the learner thinks the step broke",
    ),
    Breakage(
        "wait-db-socket",
        "scripts/wait-for-db",
        "mysql --protocol=TCP -h127.0.0.1",
        "mysql -h127.0.0.1",
        (f"{SCRIPTS}test_the_database_is_ready_when_it_answers_a_query_over_tcp[ready]",),
        "ready over the socket while init.sql still runs: the backend's first queries fail",
    ),
    Breakage(
        "wait-db-password-argument",
        "scripts/wait-for-db",
        """"$DOCKER" exec -e MYSQL_PWD "$name" \\""",
        """"$DOCKER" exec -e MYSQL_PWD="${MYSQL_PASSWORD:-}" "$name" \\""",
        (f"{SCRIPTS}test_the_database_is_ready_when_it_answers_a_query_over_tcp[ready]",),
        "the password is on the command line, where ps shows it to every user",
    ),
    Breakage(
        "wait-db-stopped-inverted",
        "scripts/wait-for-db",
        """    running "$name" ||\n""",
        """    ! running "$name" ||\n""",
        (
            f"{SCRIPTS}test_the_database_is_ready_when_it_answers_a_query_over_tcp[stopped]",
            f"{SCRIPTS}test_the_database_is_ready_when_it_answers_a_query_over_tcp[initialising]",
        ),
        "a database that died in init.sql is waited for; a starting one is called stopped",
    ),
    Breakage(
        "wait-http-ok-lost",
        "scripts/wait-for-http",
        """curl -sS $fail_on_error --max-time 5 "$url\"""",
        """curl -sS --max-time 5 "$url\"""",
        (f"{SCRIPTS}test_wait_for_http_prints_the_answer_and_with_ok_wants_a_success",),
        "a walk's --ok step passes on a 503: the lesson's check says ok on an error",
    ),
    Breakage(
        "wait-http-no-answer-printed",
        "scripts/wait-for-http",
        """printf '%s\\n' "$answer"\n""",
        "",
        (f"{SCRIPTS}test_wait_for_http_prints_the_answer_and_with_ok_wants_a_success",),
        "the walks print no answer: their patterns have nothing to match",
    ),
    Breakage(
        "wait-http-message",
        "scripts/wait-for-http",
        """fail "$url did not answer${fail_on_error:+ with a success} within $wait s.\"""",
        """fail "$url did not answer within $wait s.\"""",
        (f"{SCRIPTS}test_wait_for_http_prints_the_answer_and_with_ok_wants_a_success",),
        "an address that answers with an error is said not to answer at all",
    ),
    Breakage(
        "walk-exit-zero",
        "scripts/walk-lesson",
        """exit "$bad"\n""",
        "exit 0\n",
        (f"{WALK}[health-not-200]",),
        "make lesson succeeds with steps that did not behave: CI and the learner see green",
    ),
    Breakage(
        "walk-own-project",
        "scripts/walk-lesson",
        "MAKE_CMD=(make --no-print-directory -s PROJECT=k8scourse)",
        "MAKE_CMD=(make --no-print-directory -s)",
        (f"{SCRIPTS}test_the_walk_checks_every_step_of_lesson_5",),
        "a renamed copy's make lesson runs under its names and stops its own stack",
    ),
    Breakage(
        "walk-expected-failure",
        "scripts/walk-lesson",
        """{ [ "$want" = fail ] && [ "$rc" -eq 0 ]; }""",
        """{ [ "$want" = fail ] && [ "$rc" -ne 0 ]; }""",
        (f"{SCRIPTS}test_the_walk_checks_every_step_of_lesson_5",),
        "the lesson's deliberate failures (docker inside a container) are counted as wrong",
    ),
    Breakage(
        "walk-case-sensitive",
        "scripts/walk-lesson",
        """! grep -qiE -- "$pattern" <<<"$out\"""",
        """! grep -qE -- "$pattern" <<<"$out\"""",
        (f"{SCRIPTS}test_the_walk_checks_every_step_of_lesson_5",),
        'Docker\'s "Name": "one" no longer matches: make lesson fails its inspect step',
    ),
    Breakage(
        "open-mac",
        "scripts/open-page",
        """    open "$page"\n""",
        """    xdg-open "$page"\n""",
        (f"{SCRIPTS}test_make_open_prints_the_address_and_opens_it_where_a_browser_is[mac-open]",),
        "make open on a Mac runs a command macOS does not have",
    ),
    Breakage(
        "open-no-display",
        "scripts/open-page",
        """elif [ -n "${DISPLAY:-}${WAYLAND_DISPLAY:-}" ] && command -v xdg-open""",
        """elif command -v xdg-open""",
        (
            f"{SCRIPTS}test_make_open_prints_the_address_and_opens_it_where_a_browser_is"
            "[linux-ssh-None]",
        ),
        "over ssh, make open starts a text browser or fails instead of printing the address",
    ),
    Breakage(
        "open-wsl-api",
        "scripts/open-page",
        """then wslview "$page\"""",
        """then wslview "$2\"""",
        (
            f"{SCRIPTS}test_make_open_prints_the_address_and_opens_it_where_a_browser_is"
            "[wsl-wslview]",
        ),
        "in WSL the browser opens the API's /health, not the page",
    ),
    Breakage(
        "backup-locks",
        "scripts/backup-db",
        """"mysqldump --single-transaction --skip-extended-insert""",
        """"mysqldump --skip-extended-insert""",
        (f"{SCRIPTS}test_a_backup_prints_what_it_runs_as_root_and_counts_rows[lesson-password]",),
        "the dump locks the tables: the app's writes wait (or the copy is inconsistent)",
    ),
    Breakage(
        "backup-partial-left",
        "scripts/backup-db",
        """trap 'rm -f "$file"' EXIT""",
        """trap '' EXIT""",
        (f"{SCRIPTS}test_a_dump_cut_short_is_not_kept",),
        "a cut dump is left in backups/, where a later make restore may pick it",
    ),
    Breakage(
        "backup-end-check",
        "scripts/backup-db",
        """[ "$(grep -v '^$' "$file" | tail -1 | cut -c1-17)\"""",
        """[ "$(grep -v '^$' "$file" | tail -1 | cut -c1-16)\"""",
        (f"{SCRIPTS}test_a_backup_prints_what_it_runs_as_root_and_counts_rows[lesson-password]",),
        "every dump is refused as cut: make backup never keeps one",
    ),
    Breakage(
        "backup-counts-statements",
        "scripts/backup-db",
        "--single-transaction --skip-extended-insert --no-autocommit",
        "--single-transaction --no-autocommit",
        (f"{SCRIPTS}test_a_backup_prints_what_it_runs_as_root_and_counts_rows[lesson-password]",),
        "make backup says 1 row for a table of 7: one INSERT holds them all",
    ),
    Breakage(
        "restore-empty",
        "scripts/restore-db",
        """[ -s "$file" ] || fail "$file is empty: not a dump, nothing restored."\n""",
        "",
        (
            f"{SCRIPTS}test_a_dump_that_is_not_whole_is_refused_before_the_database_is_touched"
            "[empty]",
        ),
        "an empty file is refused with the wrong reason (as cut, not empty)",
    ),
    Breakage(
        "restore-use-unchecked",
        "scripts/restore-db",
        """! grep -q '^USE ' "$file" ||""",
        """true ||""",
        (
            f"{SCRIPTS}test_a_dump_that_is_not_whole_is_refused_before_the_database_is_touched"
            "[databases]",
        ),
        "a dump made with --databases switches to the live database: a bad one empties the table",
    ),
    Breakage(
        "restore-no-stdin",
        "scripts/restore-db",
        """run_shown "$(as_root images_restore) < $(printf %q "$file")\"""",
        """run_shown "$(as_root images_restore) $(printf %q "$file")\"""",
        (f"{SCRIPTS}test_a_restore_replaces_every_row_or_none[whole]",),
        "the dump's name is taken for a database name: nothing is loaded",
    ),
    Breakage(
        "restore-into-live",
        "scripts/restore-db",
        """run_shown "$(as_root images_restore) <""",
        """run_shown "$(as_root images) <""",
        (f"{SCRIPTS}test_a_restore_replaces_every_row_or_none[damaged-in-its-middle]",),
        "a dump damaged in its middle drops the live table, then fails: every row is lost",
    ),
    Breakage(
        "lib-fail-stdout",
        "scripts/lib.sh",
        """fail() { printf 'make: %s\\n' "$*" >&2; exit 1; }""",
        """fail() { printf 'make: %s\\n' "$*"; exit 1; }""",
        (f"{REFUSAL}[docker-not-running]", f"{SCRIPTS}test_a_dump_cut_short_is_not_kept"),
        "the one line that names the fix goes to stdout, mixed with the commands' output",
    ),
    Breakage(
        "lib-db-as-user",
        "scripts/lib.sh",
        "form='%s -uroot -proot %s'",
        "form='%s -proot %s'",
        (f"{SCRIPTS}test_a_backup_prints_what_it_runs_as_root_and_counts_rows[lesson-password]",),
        "backups run as the container's default user with root's password: access denied",
    ),
    Breakage(
        "lib-any-root-password",
        "scripts/lib.sh",
        "grep -qx MYSQL_ROOT_PASSWORD=root",
        "grep -q MYSQL_ROOT_PASSWORD",
        (f"{SCRIPTS}test_a_backup_prints_what_it_runs_as_root_and_counts_rows[own-password]",),
        "make backup types the lesson's -proot for a database with its own password: denied",
    ),
    Breakage(
        "lib-compose-service",
        "scripts/lib.sh",
        "--filter label=com.docker.compose.service=db",
        "--filter label=com.docker.compose.service=back",
        (
            f"{SCRIPTS}test_a_backup_prints_what_it_runs_as_root_and_counts_rows"
            "[compose-secret-file]",
        ),
        "make backup of a Compose stack looks for mysqldump in the backend's container",
    ),
    Breakage(
        "lib-no-value-label",
        "scripts/lib.sh",
        """[ "$value" = "<no value>" ] || printf '%s' "$value\"""",
        """printf '%s' "$value\"""",
        (f"{TAKEN}[front-of-another-copy]",),
        "a container without a Compose label is told to run make compose-down PROJECT=<no value>",
    ),
)

# ---- back/api and db/init.sql: the app on Flask's test client, and a real MariaDB ----------
BACK_BREAKAGES = (
    Breakage(
        "config-default-port",
        "back/api/config.py",
        """mysql_port=_int(env, "MYSQL_PORT", 3306),""",
        """mysql_port=_int(env, "MYSQL_PORT", 3307),""",
        (f"{CONFIG}test_defaults_match_the_lessons_database_container",),
        "the backend looks for MySQL on 3307: the lesson's database (3306) is never reached",
    ),
    Breakage(
        "config-cors-8888",
        "back/api/config.py",
        """cors_origins: tuple[str, ...] = ("http://localhost:8080", "http://localhost:8888")""",
        """cors_origins: tuple[str, ...] = ("http://localhost:8080",)""",
        (f"{HTTP}test_cors_default_allows_the_courses_page_origins_only",),
        "the course's page of lesson 01-06 (port 8888) cannot read the API: CORS refusal",
    ),
    Breakage(
        "config-secret-strip",
        "back/api/config.py",
        """return Path(path).read_text(encoding="utf-8").rstrip("\\r\\n")""",
        """return Path(path).read_text(encoding="utf-8").strip()""",
        (f"{CONFIG}test_password_file_loses_only_its_line_ending",),
        "a password that starts or ends with a space is cut: access denied",
    ),
    Breakage(
        "config-kubernetes-pod",
        "back/api/config.py",
        """    if env.get("KUBERNETES_SERVICE_HOST"):\n        return True\n""",
        """    if env.get("KUBERNETES_SERVICE_HOST"):\n        return False\n""",
        (f"{CONFIG}test_a_kubernetes_pod_counts_as_a_container",),
        "on Kubernetes /health gives no hint for MYSQL_HOST=localhost",
    ),
    Breakage(
        "app-body-limit",
        "back/api/__init__.py",
        """app.config["MAX_CONTENT_LENGTH"] = 16 * 1024""",
        """app.config["MAX_CONTENT_LENGTH"] = 16 * 1024 * 1024""",
        (f"{HTTP}test_body_over_16_kib_is_413", f"{HTTP}test_16_kib_is_the_limit_to_the_byte"),
        "a 16 MiB body is read into memory by every thread: a cheap way to exhaust the backend",
    ),
    Breakage(
        "app-cors-any-origin",
        "back/api/__init__.py",
        "        if origin in config.cors_origins:\n",
        "        if origin:\n",
        (f"{HTTP}test_cors_allows_only_configured_origins",),
        "any web site may read the API's answers from a visitor's browser",
    ),
    Breakage(
        "app-no-vary",
        "back/api/__init__.py",
        """        response.vary.add("Origin")\n""",
        "",
        (f"{HTTP}test_cors_allows_only_configured_origins",),
        "a cache may serve one origin's answer (with its Allow-Origin) to another",
    ),
    Breakage(
        "app-preflight-methods",
        "back/api/__init__.py",
        """response.headers["Access-Control-Allow-Methods"] = "GET, POST, DELETE\"""",
        """response.headers["Access-Control-Allow-Methods"] = "GET, DELETE\"""",
        (f"{HTTP}test_cors_preflight",),
        "the browser refuses the page's POST /images: Add image fails with a CORS error",
    ),
    Breakage(
        "db-no-autocommit",
        "back/api/db.py",
        "            autocommit=True,\n",
        "",
        (f"{DB}test_writes_are_committed_on_a_server_whose_default_is_no_autocommit",),
        "added images vanish: the writes are never committed",
    ),
    Breakage(
        "db-connect-timeout",
        "back/api/db.py",
        "            connect_timeout=2,\n",
        "            connect_timeout=10,\n",
        (f"{HTTP}test_a_database_that_never_answers_the_connect_is_503_within_its_2_s",),
        "a database host that drops packets holds every request 10 s instead of a quick 503",
    ),
    Breakage(
        "db-slow-read-retried",
        "back/api/db.py",
        "            if time.monotonic() - started > 1:\n                raise\n",
        "            if time.monotonic() - started > 1:\n                pass\n",
        (f"{DB}test_a_read_that_failed_after_more_than_a_second_is_not_repeated",),
        "a hung database doubles every wait: 503s come after 4 s, not 2",
    ),
    Breakage(
        "db-broken-connection-kept",
        "back/api/db.py",
        "                self.local.conn = None\n",
        "",
        (f"{DB}test_a_read_on_a_connection_the_server_closed_gets_a_new_one",),
        "after a database restart every thread keeps its dead connection: 503 for ever",
    ),
    Breakage(
        "db-charset",
        "back/api/db.py",
        """charset="utf8mb4",""",
        """charset="utf8",""",
        (f"{LIVE}test_unicode_captions_round_trip",),
        "emoji captions fail (utf8 is MySQL's 3-byte subset)",
    ),
    Breakage(
        "health-local-hosts",
        "back/api/health.py",
        """LOCAL_HOSTS = ("localhost", "127.0.0.1", "::1")""",
        """LOCAL_HOSTS = ("localhost", "::1")""",
        (f"{HEALTH}_naming_the_fix[127.0.0.1]",),
        "MYSQL_HOST=127.0.0.1 gets no hint that it is the container itself",
    ),
    Breakage(
        "health-200-when-down",
        "back/api/health.py",
        "        return body, 503\n",
        "        return body, 200\n",
        (f"{HTTP}test_health_is_503_with_host_and_error_when_the_database_is_down",),
        "make health and the readiness probe pass with the database down",
    ),
    Breakage(
        "health-no-readyz",
        "back/api/health.py",
        """@bp.get("/readyz")\n""",
        "",
        (f"{AGREEMENT}test_back_probe_paths_are_routes_of_the_api",),
        "Kubernetes' readiness probe gets 404: the backend pods never become ready",
    ),
    Breakage(
        "health-password-shown",
        "back/api/health.py",
        "    if password:\n",
        "    if not password:\n",
        (f"{HTTP}test_health_error_is_short_and_masks_the_password",),
        "/health may show the database password to anyone who asks",
    ),
    Breakage(
        "images-oldest-first",
        "back/api/images.py",
        "WHERE id <= %s ORDER BY id DESC LIMIT %s",
        "WHERE id <= %s ORDER BY id LIMIT %s",
        (f"{LIVE}test_paging_newest_first_with_cursor",),
        "the page lists the oldest images first, and paging skips rows",
    ),
    Breakage(
        "images-limit-high",
        "back/api/images.py",
        """limit = _int_arg("limit", default=50, high=200)""",
        """limit = _int_arg("limit", default=50, high=100000)""",
        (f"{HTTP}test_bad_paging_is_400",),
        "one request may ask for the whole table",
    ),
    Breakage(
        "images-filename-path",
        "back/api/storage.py",
        """NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,254}")""",
        """NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._/-]{0,254}")""",
        (f"{HTTP}test_invalid_images_are_400_with_the_reason",),
        "file names with paths (a/../../etc) are stored, and GIF names may leave IMAGE_PATH",
    ),
    Breakage(
        "images-no-next-page",
        "back/api/images.py",
        "rows = db().query(PAGE_SQL, (cursor, limit + 1))",
        "rows = db().query(PAGE_SQL, (cursor, limit))",
        (f"{LIVE}test_paging_newest_first_with_cursor",),
        "next_cursor is always null: the page's Older button never lights",
    ),
    Breakage(
        "errors-no-allow",
        "back/api/errors.py",
        """return body, exc.code, {"Allow": ", ".join(exc.valid_methods)}""",
        "return body, exc.code",
        (f"{HTTP}test_wrong_method_is_a_json_405_with_allow",),
        "a 405 no longer says which methods the path has (HTTP requires Allow)",
    ),
    Breakage(
        "errors-database-500",
        "back/api/errors.py",
        "        app.register_error_handler(error_class, database_unavailable)\n",
        "        pass\n",
        (f"{HTTP}test_api_answers_503_json_when_the_database_is_down",),
        "a database outage is a 500 Internal Server Error: callers do not know to retry",
    ),
    Breakage(
        "errors-unlogged",
        "back/api/errors.py",
        """        app.logger.warning("database unavailable: %s", exc)\n""",
        "",
        (f"{HTTP}test_the_log_says_why_the_database_is_unavailable",),
        "make logs shows 503s with no reason",
    ),
    Breakage(
        "storage-part-left",
        "back/api/storage.py",
        "            Path(temporary).unlink(missing_ok=True)\n",
        "            pass\n",
        (f"{GIFS}test_a_write_that_fails_halfway_leaves_no_file",),
        "a caption that fails halfway leaves its half-written file in IMAGE_PATH",
    ),
    Breakage(
        "gifs-missing-200",
        "back/api/gifs.py",
        "        response.status_code = 404\n",
        "",
        (f"{GIFS}test_a_name_with_no_file_gets_the_missing_picture_and_a_404",),
        "a gone file looks like a picture that exists: the page cannot tell, nor can a cache",
    ),
    Breakage(
        "draw-frame-pixels",
        "back/api/draw.py",
        "    if width * height > MAX_FRAME_PIXELS:\n",
        "    if width * height > 2 * MAX_FRAME_PIXELS:\n",
        (BAD_GIF,),
        "a frame over the pixel limit (under twice it: Pillow's) is drawn, memory and all",
    ),
    Breakage(
        "draw-loop-forever",
        "back/api/draw.py",
        """    options = {"duration": durations}\n""",
        """    options = {"duration": durations, "loop": 0}\n""",
        (f"{DRAW}test_the_loop_count_is_kept_and_no_loop_stays_none",),
        "a GIF that played once loops for ever once captioned",
    ),
    Breakage(
        "draw-trail",
        "back/api/draw.py",
        '        options["disposal"] = 2\n',
        "        pass\n",
        (f"{DRAW}test_the_caption_is_in_every_frame_at_the_bottom_and_nothing_else_changes",),
        "what moves on a transparent GIF leaves a trail once captioned",
    ),
    Breakage(
        "giphy-host-search",
        "back/api/giphy.py",
        """MEDIA_HOSTS.fullmatch(parts.hostname or "")""",
        """MEDIA_HOSTS.search(parts.hostname or "")""",
        (f"{GIPHY}test_only_giphys_media_hosts_are_fetched",),
        "media.giphy.com.evil.example is fetched: any host that names Giphy's",
    ),
    Breakage(
        "giphy-no-byte-limit",
        "back/api/giphy.py",
        "                if len(body) > limit:\n",
        "                if len(body) > 100 * limit:\n",
        (f"{GIPHY}test_a_slow_huge_or_strange_answer_is_cut_off_and_said",),
        "an answer without Content-Length is read whole: a gigabyte fills the worker's memory",
    ),
    Breakage(
        "giphy-redirect-anywhere",
        "back/api/giphy.py",
        "        if not allowed(newurl, self.config):\n",
        "        if False:\n",
        (f"{GIPHY}test_a_slow_huge_or_strange_answer_is_cut_off_and_said",),
        "a redirect takes the fetch to any host: the allow-list is only for the first URL",
    ),
    Breakage(
        "captions-no-hint",
        "back/api/captions.py",
        '"message": message, "hint": SERVICE_HINT}, 503',
        '"message": message}, 503',
        (f"{SPLIT}test_a_service_that_answers_late_or_is_not_one_is_a_503_too",),
        "with the captioning service down, a 503 that does not say how to start it",
    ),
    Breakage(
        "config-service-port",
        "back/api/config.py",
        """port = int(match["port"] or 80) if match else 0""",
        """port = int(match["port"] or 4000) if match else 0""",
        (f"{CONFIG}test_the_captioning_service_is_host_and_port",),
        "the course's GIF_CAPTION_SVC=microgifcap (a Service on port 80) is called on 4000",
    ),
    Breakage(
        "init-grant-all",
        "db/init.sql",
        "GRANT SELECT, INSERT, UPDATE, DELETE ON images.* TO 'user'@'%';",
        "GRANT ALL PRIVILEGES ON images.* TO 'user'@'%';",
        (f"{LIVE}test_app_user_may_change_rows_but_not_the_schema",),
        "the app's user may drop the table: an injection or a bug can destroy the schema",
    ),
    Breakage(
        "init-no-delete",
        "db/init.sql",
        "GRANT SELECT, INSERT, UPDATE, DELETE ON images.* TO 'user'@'%';",
        "GRANT SELECT, INSERT, UPDATE ON images.* TO 'user'@'%';",
        (f"{LIVE}test_create_read_delete",),
        "the page's Delete button gets a 500: the app may not delete rows",
    ),
    Breakage(
        "init-latin1",
        "db/init.sql",
        ") ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;",
        ") ENGINE=InnoDB DEFAULT CHARSET=latin1;",
        (f"{LIVE}test_unicode_captions_round_trip",),
        "captions in most of the world's scripts cannot be stored",
    ),
    Breakage(
        "init-seed-twice",
        "db/init.sql",
        "  WHERE NOT EXISTS (SELECT 1 FROM images);",
        "  WHERE 1;",
        (f"{LIVE}test_init_sql_seeds_hello_once_and_can_run_again",),
        "running init.sql again adds a second Hello row",
    ),
    Breakage(
        "init-short-caption",
        "db/init.sql",
        "  caption  VARCHAR(100) NOT NULL,",
        "  caption  VARCHAR(50) NOT NULL,",
        (f"{LIVE}test_unicode_captions_round_trip",),
        "captions the API accepts (up to 100 characters) fail in the database: 500",
    ),
)

# ---- front/ and the Dockerfiles: nginx's configuration as nginx reads it, the start-up
# scripts run, the Dockerfiles read as the engine reads them (tests/test_front_offline.py) ----
FRONT_BREAKAGES = (
    Breakage(
        "nginx-config-cached",
        "front/templates/default.conf.template",
        """add_header   Cache-Control "no-store" always;""",
        """add_header   Cache-Control "public, max-age=3600" always;""",
        (f"{FRONT}test_each_answer_is_cached_as_long_as_it_may_be[/config.json-no-store]",),
        "a new BASE_URL is not seen for an hour: the page keeps calling the old API",
    ),
    Breakage(
        "nginx-page-without-csp",
        "front/templates/default.conf.template",
        "    location = /index.html {\n        include      /etc/nginx/security-headers.conf;\n",
        "    location = /index.html {\n",
        (
            f"{FRONT}test_everything_the_browser_loads_has_the_security_headers_on_every_answer"
            "[/index.html]",
        ),
        "the page itself loses every security header (its own add_header drops the "
        "inherited ones): no CSP, framable",
    ),
    Breakage(
        "nginx-origin-with-path",
        "front/templates/default.conf.template",
        """"~^(?<origin>https?://[^/]+)"  $origin;""",
        """"~^(?<origin>https?://.+)"  $origin;""",
        (
            f"{FRONT}test_the_page_may_fetch_only_its_origin_and_the_apis"
            "[https://api.example.com/v1-'self' https://api.example.com]",
        ),
        "a BASE_URL with a path puts the path in connect-src: the browser blocks every other "
        "route of the API",
    ),
    Breakage(
        "nginx-assets-immutable",
        "front/templates/default.conf.template",
        """add_header   Cache-Control "public, max-age=3600" always;""",
        """add_header   Cache-Control "public, max-age=31536000, immutable" always;""",
        (f"{FRONT}test_each_answer_is_cached_as_long_as_it_may_be[/app.js-public, max-age=3600]",),
        "browsers run an old app.js for a year after a release (the names carry no hash)",
    ),
    Breakage(
        "nginx-no-charset",
        "front/templates/default.conf.template",
        "    charset      utf-8;\n",
        "",
        (f"{FRONT}test_text_is_served_as_utf_8",),
        "the page's text is read in the browser's default charset: é shows as Ã©",
    ),
    Breakage(
        "headers-connect-anywhere",
        "front/security-headers.conf",
        "connect-src 'self' $api_origin;",
        "connect-src *;",
        (
            f"{FRONT}test_the_page_may_fetch_only_its_origin_and_the_apis"
            "[http://localhost:3001-'self' http://localhost:3001]",
        ),
        "an injected script may send the page's data anywhere",
    ),
    Breakage(
        "headers-framable",
        "front/security-headers.conf",
        """add_header X-Frame-Options "DENY" always;\n""",
        "",
        (
            f"{FRONT}test_everything_the_browser_loads_has_the_security_headers_on_every_answer"
            "[/index.html]",
        ),
        "old browsers (no frame-ancestors) let another site frame the page: clickjacking",
    ),
    Breakage(
        "headers-not-on-errors",
        "front/security-headers.conf",
        """add_header X-Content-Type-Options "nosniff" always;""",
        """add_header X-Content-Type-Options "nosniff";""",
        (
            f"{FRONT}test_everything_the_browser_loads_has_the_security_headers_on_every_answer"
            "[/app.js]",
        ),
        "error pages (404, 500) go out without nosniff: a browser may sniff them as HTML",
    ),
    Breakage(
        "check-port-range",
        "front/05-check-base-url.sh",
        """[ "$port" -gt 65535 ]""",
        """[ "$port" -gt 99999 ]""",
        (
            f"{FRONT}test_a_base_url_that_would_break_the_page_stops_the_container_in_one_line"
            "['http://localhost:65536']",
        ),
        "BASE_URL=http://localhost:65536 starts a page that can never reach its API",
    ),
    Breakage(
        "check-dot-segments",
        "front/05-check-base-url.sh",
        "segment='[A-Za-z0-9_~-][A-Za-z0-9._~-]*'",
        "segment='[A-Za-z0-9._~-]+'",
        (
            f"{FRONT}test_a_base_url_that_would_break_the_page_stops_the_container_in_one_line"
            "['../api']",
        ),
        "BASE_URL=../api is taken: the page resolves it to another path than the Ingress's",
    ),
    Breakage(
        "check-empty-allowed",
        "front/05-check-base-url.sh",
        """[ -n "$value" ] || fail "is empty"\n""",
        "",
        (f"{FRONT}test_a_base_url_that_would_break_the_page_stops_the_container_in_one_line['']",),
        "-e BASE_URL= is refused without saying it is empty",
    ),
    Breakage(
        "check-app-name-length",
        "front/05-check-base-url.sh",
        "grep -Eqx '[A-Za-z0-9][A-Za-z0-9 ._-]{0,39}'",
        "grep -Eqx '[A-Za-z0-9][A-Za-z0-9 ._-]*'",
        (f"{FRONT}test_app_name_is_a_short_plain_name",),
        "any length of APP_NAME reaches the page's title and heading",
    ),
    Breakage(
        "listen-80-podman",
        "front/listen-on-80.sh",
        """if [ "$port_start" -gt 80 ]; then""",
        """if [ "$port_start" -gt 1024 ]; then""",
        (f"{FRONT}test_port_80_is_added_where_a_non_root_nginx_may_bind_it[podman]",),
        "on Podman the plain nginx is asked to bind 80, cannot, and the front never starts",
    ),
    Breakage(
        "listen-80-capability-bit",
        "front/listen-on-80.sh",
        "[ $((0x$bounding >> 10 & 1)) = 1 ]",
        "[ $((0x$bounding >> 12 & 1)) = 1 ]",
        (f"{FRONT}test_port_80_is_added_where_a_non_root_nginx_may_bind_it[capability-dropped]",),
        "with CAP_NET_BIND_SERVICE dropped, nginx is still asked for port 80: exec fails",
    ),
    Breakage(
        "listen-80-file-kept",
        "front/listen-on-80.sh",
        """rm -f "$listen_80" 2>/dev/null || true\n""",
        "",
        (f"{FRONT}test_a_restarted_container_where_80_is_not_allowed_drops_the_old_listen_file",),
        "a restarted container keeps the old listen 80 where it may no longer bind it",
    ),
    Breakage(
        "front-dockerfile-root",
        "front/Dockerfile",
        "USER 101\n",
        "",
        (f"{FRONT}test_each_image_runs_as_its_non_root_user[front/Dockerfile-101]",),
        "nginx runs as root in the container: a flaw in it is root's",
    ),
    Breakage(
        "front-dockerfile-no-check",
        "front/Dockerfile",
        "COPY 05-check-base-url.sh /docker-entrypoint.d/\n",
        "",
        (f"{FRONT}test_the_front_image_starts_through_listen_on_80_then_nginxs_entrypoint",),
        "a bad BASE_URL is no longer refused at start: the page silently cannot reach the API",
    ),
    Breakage(
        "front-dockerfile-conf-d",
        "front/Dockerfile",
        " && chown 101:101 /etc/nginx/conf.d \\\n",
        "",
        (f"{FRONT}test_the_front_image_starts_through_listen_on_80_then_nginxs_entrypoint",),
        "uid 101 cannot render the template into conf.d: the front answers nothing",
    ),
    Breakage(
        "front-dockerfile-filter",
        "front/Dockerfile",
        'NGINX_ENVSUBST_FILTER="^(BASE_URL|APP_NAME)$"',
        'NGINX_ENVSUBST_FILTER="^(BASE_URL)$"',
        (f"{FRONT}test_the_images_defaults_pass_its_check_and_only_they_are_rendered",),
        "the page's title is the literal ${APP_NAME}",
    ),
    Breakage(
        "back-dockerfile-root",
        "back/Dockerfile",
        "USER 10001:10001\n",
        "",
        (f"{FRONT}test_each_image_runs_as_its_non_root_user[back/Dockerfile-10001:10001]",),
        "gunicorn runs as root: Kubernetes' runAsNonRoot refuses the pod",
    ),
    Breakage(
        "back-dockerfile-shell-cmd",
        "back/Dockerfile",
        """CMD ["gunicorn", "--config", "gunicorn.conf.py"]""",
        "CMD gunicorn --config gunicorn.conf.py",
        (f"{FRONT}test_the_backend_image_runs_gunicorn_as_pid_1_on_the_port_it_exposes",),
        "sh is PID 1 and keeps SIGTERM from gunicorn: docker stop waits 10 s, then kills "
        "requests in progress",
    ),
    Breakage(
        "back-dockerfile-port",
        "back/Dockerfile",
        "    PORT=3000 \\\n",
        "    PORT=8000 \\\n",
        (f"{FRONT}test_the_backend_image_runs_gunicorn_as_pid_1_on_the_port_it_exposes",),
        "gunicorn listens on 8000 while every stack publishes 3000: nothing answers",
    ),
    Breakage(
        "back-dockerfile-buffered",
        "back/Dockerfile",
        "    PYTHONUNBUFFERED=1 \\\n",
        "    PYTHONUNBUFFERED=0 \\\n",
        (f"{FRONT}test_the_backend_image_runs_gunicorn_as_pid_1_on_the_port_it_exposes",),
        "make logs shows the backend's lines late, or not before it stops",
    ),
)

# ---- compose.yaml, swarm/ and k8s/: the stacks as their engines read them --------------
STACK_BREAKAGES = (
    Breakage(
        "compose-back-no-secret",
        "compose.yaml",
        "      CORS_ORIGINS: http://localhost:${FRONT_PORT:-8080}\n    secrets: [db_password]\n",
        "      CORS_ORIGINS: http://localhost:${FRONT_PORT:-8080}\n",
        (f"{STACK}test_every_secret_file_a_service_reads_is_one_it_is_given[compose.yaml]",),
        "the backend's MYSQL_PASSWORD_FILE does not exist: it refuses to start",
    ),
    Breakage(
        "compose-base-url-container",
        "compose.yaml",
        "      BASE_URL: http://localhost:${BACK_PORT:-3000}\n",
        "      BASE_URL: http://back:3000\n",
        (
            f"{STACK}test_the_page_calls_the_api_where_it_is_published_and_the_api_lets_it"
            "[compose.yaml]",
        ),
        "the browser is told to call http://back:3000, a name only the stack's network knows",
    ),
    Breakage(
        "compose-cors-back-port",
        "compose.yaml",
        "      CORS_ORIGINS: http://localhost:${FRONT_PORT:-8080}\n    secrets: [db_password]\n",
        "      CORS_ORIGINS: http://localhost:${BACK_PORT:-3000}\n    secrets: [db_password]\n",
        (
            f"{STACK}test_the_page_calls_the_api_where_it_is_published_and_the_api_lets_it"
            "[compose.yaml]",
        ),
        "the API lets its own origin read it, not the page's: every call is a CORS error",
    ),
    Breakage(
        "compose-init-sql-unlabelled",
        "compose.yaml",
        "      - ./db/init.sql:/docker-entrypoint-initdb.d/init.sql:ro,z\n",
        "      - ./db/init.sql:/docker-entrypoint-initdb.d/init.sql:ro\n",
        (f"{STACK}test_the_database_runs_this_repositorys_init_sql",),
        "on Fedora/RHEL the database cannot read init.sql: no table, the API answers 500",
    ),
    Breakage(
        "swarm-db-outside",
        "swarm/stack.yaml",
        "  default:\n    internal: true\n",
        "  default:\n    internal: false\n",
        (f"{STACK}test_swarm_lets_a_stopping_backend_finish_and_only_its_edge_reach_out",),
        "while db is replaced, lookups of its name go to the host's DNS and stall up to 8 s",
    ),
    Breakage(
        "swarm-short-grace",
        "swarm/stack.yaml",
        "    stop_grace_period: 10s\n",
        "    stop_grace_period: 3s\n",
        (f"{STACK}test_swarm_lets_a_stopping_backend_finish_and_only_its_edge_reach_out",),
        "make swarm-update kills replicas before gunicorn has answered what it began",
    ),
    Breakage(
        "swarm-init-sql-path",
        "swarm/stack.yaml",
        "    file: ../db/init.sql\n",
        "    file: ./db/init.sql\n",
        (f"{STACK}test_the_database_runs_this_repositorys_init_sql",),
        "docker stack deploy reads paths from swarm/: swarm/db/init.sql does not exist",
    ),
    Breakage(
        "swarm-stop-first",
        "swarm/stack.yaml",
        "        order: start-first\n",
        "        order: stop-first\n",
        (f"{STACK}test_swarm_keeps_the_health_checks_of_compose",),
        "make swarm-update stops a replica before its successor is healthy: requests fail",
    ),
    Breakage(
        "swarm-back-no-secret",
        "swarm/stack.yaml",
        "      CORS_ORIGINS: http://localhost:${FRONT_PORT:-8080}\n    secrets: [db_password]\n",
        "      CORS_ORIGINS: http://localhost:${FRONT_PORT:-8080}\n",
        (f"{STACK}test_every_secret_file_a_service_reads_is_one_it_is_given[swarm/stack.yaml]",),
        "Swarm's backend has no password file: every replica exits at start",
    ),
    Breakage(
        "edge-dns-kept",
        "swarm/edge.conf",
        "resolver 127.0.0.11 valid=1s ipv6=off;",
        "resolver 127.0.0.11 valid=30s ipv6=off;",
        (f"{STACK}test_swarms_edge_follows_replicas_that_come_and_go_and_never_repeats_a_write",),
        "the edge keeps sending requests to replicas that have stopped: 502s during updates",
    ),
    Breakage(
        "edge-posts-repeated",
        "swarm/edge.conf",
        "    proxy_next_upstream error timeout;",
        "    proxy_next_upstream error timeout non_idempotent;",
        (f"{STACK}test_swarms_edge_follows_replicas_that_come_and_go_and_never_repeats_a_write",),
        "a POST that reached a stopping replica is sent again: an image added twice",
    ),
    Breakage(
        "k8s-ready-without-db",
        "k8s/base/back.yaml",
        "              path: /readyz\n",
        "              path: /livez\n",
        ("tests/k8s/test_k8s_rollout.py::test_back_is_ready_only_with_its_database",),
        "pods whose database is unreachable stay in the Service: requests get 503s",
    ),
    Breakage(
        "k8s-back-unavailable",
        "k8s/base/back.yaml",
        "      maxUnavailable: 0\n",
        "      maxUnavailable: 1\n",
        ("tests/k8s/test_k8s_rollout.py::test_one_new_pod_ready_before_an_old_one_goes",),
        "a rollout may take the only ready backend away before its successor is ready",
    ),
    Breakage(
        "k8s-back-short-grace",
        "k8s/base/back.yaml",
        "      terminationGracePeriodSeconds: 15\n",
        "      terminationGracePeriodSeconds: 5\n",
        ("tests/k8s/test_k8s_rollout.py::test_it_is_killed_only_after_it_has_finished",),
        "a stopping pod is killed during its preStop sleep: requests in progress are cut",
    ),
    Breakage(
        "k8s-db-ready-on-socket",
        "k8s/base/db-statefulset.yaml",
        "          startupProbe:\n            exec:\n              command:\n                - sh\n"
        "                - -c\n                - >-\n"
        '                  MYSQL_PWD="$(cat "$MYSQL_PASSWORD_FILE")"\n'
        '                  mysql --protocol=TCP -h127.0.0.1 -u"$MYSQL_USER"\n',
        "          startupProbe:\n            exec:\n              command:\n                - sh\n"
        "                - -c\n                - >-\n"
        '                  MYSQL_PWD="$(cat "$MYSQL_PASSWORD_FILE")"\n'
        '                  mysql -hlocalhost -u"$MYSQL_USER"\n',
        (f"{AGREEMENT}test_db_probes_query_over_tcp",),
        "the database counts as started before init.sql has run: the backend's first "
        "queries find no table",
    ),
    Breakage(
        "k8s-front-escalation",
        "k8s/base/front.yaml",
        "            allowPrivilegeEscalation: false\n",
        "            allowPrivilegeEscalation: true\n",
        ("tests/k8s/test_k8s_security.py::test_non_root_without_privileges",),
        "the front's nginx may gain privileges (its file capability among them)",
    ),
)

# ---- mk/*.mk: what each file adds to the lesson (tests/test_makefile_parts.py and the
# Makefile's other tests) ----
MK_BREAKAGES = (
    Breakage(
        "mk-backup-folder",
        "mk/backup.mk",
        "BACKUP_DIR ?= backups\n",
        "BACKUP_DIR ?= dumps\n",
        (f"{PARTS}test_make_backup_dumps_the_projects_database_into_a_folder_git_ignores",),
        "the dumps land in a folder git does not ignore: a git add . commits the data",
    ),
    Breakage(
        "mk-backup-container",
        "mk/backup.mk",
        "@scripts/backup-db $(PROJECT) $(DB_NAME) $(BACKUP_DIR)",
        "@scripts/backup-db $(PROJECT) $(BACK_NAME) $(BACKUP_DIR)",
        (f"{PARTS}test_make_backup_dumps_the_projects_database_into_a_folder_git_ignores",),
        "make backup looks for mysqldump in the backend's container",
    ),
    Breakage(
        "mk-restore-oldest",
        "mk/backup.mk",
        "$(or $(lastword $(sort $(wildcard",
        "$(or $(firstword $(sort $(wildcard",
        (f"{PARTS}test_make_restore_without_a_dump_named_offers_the_newest",),
        "make restore offers the oldest dump: the learner loses every change since",
    ),
    Breakage(
        "mk-compose-no-build",
        "mk/compose.mk",
        "up -d $(if $(REGISTRY),--no-build,--build)'",
        "up -d'",
        (
            "tests/test_makefile.py::test_compose_gets_the_project_and_a_chosen_password_only_as_a_file_path",
        ),
        "make compose-up after an edit runs the old images: the change never shows",
    ),
    Breakage(
        "mk-compose-orphans",
        "mk/compose.mk",
        "-p $(PROJECT) down --remove-orphans'",
        "-p $(PROJECT) down'",
        (f"{PARTS}test_compose_down_removes_what_an_older_file_left_and_secrets_stay_private",),
        "a service removed from compose.yaml keeps running, and its network stays",
    ),
    Breakage(
        "mk-secrets-readable",
        "mk/compose.mk",
        "	@mkdir -p -m 700 .secrets $(SECRETS_DIR)\n",
        "	@mkdir -p .secrets $(SECRETS_DIR)\n",
        (f"{PARTS}test_compose_down_removes_what_an_older_file_left_and_secrets_stay_private",),
        "every user of the machine may read your database passwords",
    ),
    Breakage(
        "mk-course-no-lessons",
        "mk/course.mk",
        "-include $(sort $(wildcard lessons/*/lesson.mk))\n",
        "",
        (
            "tests/test_course_commands.py::"
            "test_every_pinned_command_is_printed_whole_by_its_target",
        ),
        "the course's other lessons have no make targets",
    ),
    Breakage(
        "mk-course-lesson-number",
        "mk/course.mk",
        "  LESSON := $(filter-out lesson,$(MAKECMDGOALS))\n",
        "  LESSON := $(MAKECMDGOALS)\n",
        ("tests/test_course_commands.py::test_make_lesson_takes_the_lessons_number",),
        "make lesson 6 walks a lesson called 'lesson 6': the course has none",
    ),
    Breakage(
        "mk-course-number-target",
        "mk/course.mk",
        "  $(LESSON): ; @:\n",
        "",
        ("tests/test_course_commands.py::test_make_lesson_takes_the_lessons_number",),
        "make lesson 6: No rule to make target '6'",
    ),
    Breakage(
        "mk-dev-no-reload",
        "mk/dev.mk",
        " -e GUNICORN_CMD_ARGS=--reload -v $(SHELL_PWD):/app",
        " -v $(SHELL_PWD):/app",
        (
            "tests/test_dev_loop_offline.py::"
            "test_make_dev_runs_the_built_images_with_the_code_mounted_read_only",
        ),
        "make dev: an edit of back/api/*.py changes nothing until the backend restarts",
    ),
    Breakage(
        "mk-dev-writable",
        "mk/dev.mk",
        "DEV_MOUNT_OPTIONS := ro$(if",
        "DEV_MOUNT_OPTIONS := rw$(if",
        (
            "tests/test_dev_loop_offline.py::"
            "test_make_dev_runs_the_built_images_with_the_code_mounted_read_only",
        ),
        "the containers may write into the learner's working copy (as root's files)",
    ),
    Breakage(
        "mk-dev-watch-2-21",
        "mk/dev.mk",
        "2.[0-9].* | 2.1[0-9].* | 2.2[01].*)",
        "2.[0-9].* | 2.1[0-9].* | 2.20.*)",
        (f"{PARTS}test_compose_watch_needs_compose_v2_22[2.21.0-False]",),
        "Compose 2.21 is let through to a watch it does not have: Compose's own error",
    ),
    Breakage(
        "mk-engine-net-raw",
        "mk/engine.mk",
        "  ALPINE_FLAGS := --cap-add=NET_RAW\n",
        "  ALPINE_FLAGS := --cap-add=NET_ADMIN\n",
        (
            "tests/test_makefile.py::"
            "test_podman_gives_alpine_net_raw_and_lists_the_networks_containers",
        ),
        "on Podman ping two says 'permission denied (are you root?)'",
    ),
    Breakage(
        "mk-engine-rm-waits",
        "mk/engine.mk",
        "  RM_NOW := rm -f -t 0\n",
        "  RM_NOW := rm -f\n",
        (f"{PARTS}test_make_down_on_podman_removes_the_shells_at_once",),
        "make down on Podman waits 10 s for each alpine shell",
    ),
    Breakage(
        "mk-engine-podman-docker",
        "mk/engine.mk",
        "ENGINE := $(if $(findstring podman,$(ENGINE_VERSION)),podman,docker)",
        "ENGINE := $(if $(findstring podman,$(DOCKER)),podman,docker)",
        ("tests/test_makefile.py::test_podman_behind_the_docker_command_is_recognised",),
        "podman-docker's docker is taken for Docker: no NET_RAW, ping fails",
    ),
    Breakage(
        "mk-images-python",
        "mk/images.mk",
        "PYTHON_IMAGE ?= python:3.13-slim\n",
        "PYTHON_IMAGE ?= python:3.12-slim\n",
        (f"{PARTS}test_each_step_gets_its_image_before_it_runs[build]",),
        "make build pulls (or stands in for) an image the Dockerfile does not build FROM: "
        "offline, the build fails on its pull",
    ),
    Breakage(
        "mk-images-db-unpulled",
        "mk/images.mk",
        "db: pull-db\n",
        "",
        (f"{PARTS}test_each_step_gets_its_image_before_it_runs[db]",),
        "make db without a registry fails on its pull instead of building the stand-in",
    ),
    Breakage(
        "mk-images-nginx",
        "mk/images.mk",
        "pull-nginx: ; @$(PULL_OR_BUILD) $(NGINX_IMAGE)",
        "pull-nginx: ; @$(PULL_OR_BUILD) $(PYTHON_IMAGE)",
        (f"{PARTS}test_each_step_gets_its_image_before_it_runs[build-front]",),
        "make build-front gets python's image, not nginx's",
    ),
    Breakage(
        "mk-k8s-arm64-unchecked",
        "mk/k8s.mk",
        "\t$(VENV)/bin/kubectl kustomize k8s/arm64 | "
        "$(VENV)/bin/kubernetes-validate --strict --quiet -\n",
        "",
        (f"{PARTS}test_k8s_validate_checks_every_rendering_and_every_lesson_strictly",),
        "the ARM overlay is never validated: an error there reaches Apple Silicon learners",
    ),
    Breakage(
        "mk-k8s-lax",
        "mk/k8s.mk",
        "\t$(VENV)/bin/kubectl kustomize k8s | "
        "$(VENV)/bin/kubernetes-validate --strict --quiet -\n",
        "\t$(VENV)/bin/kubectl kustomize k8s | $(VENV)/bin/kubernetes-validate --quiet -\n",
        (f"{PARTS}test_k8s_validate_checks_every_rendering_and_every_lesson_strictly",),
        "unknown fields (a typo in a probe) pass validation and are ignored by the cluster",
    ),
    Breakage(
        "mk-k8s-no-lessons",
        "mk/k8s.mk",
        "$$(find k8s/lessons -name '*.yaml')",
        "$$(find k8s/lessons -name '*.yml')",
        (f"{PARTS}test_k8s_validate_checks_every_rendering_and_every_lesson_strictly",),
        "the lessons' manifests are never validated (validated: none)",
    ),
    Breakage(
        "mk-machine-space",
        "mk/machine.mk",
        '  SHELL_PWD := "$$(pwd)"\n',
        "  SHELL_PWD := $$(pwd)\n",
        ("tests/test_dev_loop_offline.py::test_make_dev_quotes_a_folder_with_a_space",),
        "in a folder whose path has a space, -v is split in two: docker run fails",
    ),
    Breakage(
        "mk-machine-arm-silent",
        "mk/machine.mk",
        "  db: arm-note\n",
        "",
        (
            "tests/test_engine_forms.py::"
            "test_the_engines_architecture_picks_the_database_image_once[podman-5.4]",
        ),
        "on an ARM machine make db runs mysql:8.4 without saying why it is not the lesson's",
    ),
    Breakage(
        "mk-ports-front-port",
        "mk/ports.mk",
        "$(call follow,$(FRONT_NAME),8080,FRONT_PORT)",
        "$(call follow,$(FRONT_NAME),80,FRONT_PORT)",
        (f"{PARTS}test_the_front_port_follows_the_running_front",),
        "make health and CORS_ORIGINS do not follow a front published on another port",
    ),
    Breakage(
        "mk-ports-back-pinned",
        "mk/ports.mk",
        "ifeq ($(origin BACK_PORT),file)\n",
        "ifeq ($(origin BACK_PORT),command line)\n",
        ("tests/test_engine_forms.py::test_ports_follow_the_running_backend",),
        "after make back BACK_PORT=3001, make health asks 3000: nothing answers",
    ),
    Breakage(
        "mk-ports-no-front-notice",
        "mk/ports.mk",
        "back: front-follows-back\n",
        "",
        (f"{PARTS}test_moving_the_backend_says_when_the_running_page_still_calls_the_old_port",),
        "the backend moves and the page silently keeps calling the old port",
    ),
    Breakage(
        "mk-project-long-name",
        "mk/project.mk",
        "NAME_PATTERN := [a-z0-9]([a-z0-9-]{0,38}[a-z0-9])?",
        "NAME_PATTERN := [a-z0-9]([a-z0-9-]*[a-z0-9])?",
        (f"{PARTS}test_a_project_name_must_suit_images_compose_and_kubernetes",),
        "a long PROJECT passes make and fails later in Kubernetes (63) or with its prefixes",
    ),
    Breakage(
        "mk-project-rename-prefix",
        "mk/project.mk",
        "-e 's/^namePrefix: .*/namePrefix: $(NAME)-/'",
        "-e 's/^namePrefix: .*/namePrefix: $(NAME)/'",
        ("tests/test_makefile.py::test_rename_names_the_copy_on_every_line_that_carries_the_name",),
        "kubectl apply names the objects photoshareback: the Makefile's names differ",
    ),
    Breakage(
        "mk-project-rename-running-db",
        "mk/project.mk",
        "@for name in $(DB_NAME) $(BACK_NAME) $(FRONT_NAME); do",
        "@for name in $(BACK_NAME) $(FRONT_NAME); do",
        (f"{PARTS}test_rename_is_refused_while_the_projects_containers_run",),
        "a running database keeps the old name: no make target knows it any more",
    ),
    Breakage(
        "mk-swarm-resolves",
        "mk/swarm.mk",
        "stack deploy --resolve-image never -c swarm/stack.yaml",
        "stack deploy -c swarm/stack.yaml",
        (f"{PARTS}test_swarm_deploys_the_local_images_and_waits_for_its_updates",),
        "Swarm asks a registry for images built here: 'could not be accessed on a registry'",
    ),
    Breakage(
        "mk-swarm-update-detached",
        "mk/swarm.mk",
        "service update --force --detach=false $(STACK)_back",
        "service update --force $(STACK)_back",
        (f"{PARTS}test_swarm_deploys_the_local_images_and_waits_for_its_updates",),
        "make swarm-update returns at once: a failed update (rolled back) goes unseen",
    ),
    Breakage(
        "mk-swarm-down-on-podman",
        "mk/swarm.mk",
        "ifneq ($(filter swarm-up swarm-update swarm-down,$(MAKECMDGOALS)),)",
        "ifneq ($(filter swarm-up swarm-update,$(MAKECMDGOALS)),)",
        ("tests/test_makefile.py::test_compose_and_swarm_refuse_on_podman",),
        "make swarm-down on Podman runs `podman info` questions and fails in the engine's words",
    ),
    Breakage(
        "mk-tests-front-unchecked",
        "mk/tests.mk",
        "\tfront/*.sh .ci/* tests/e2e/run-alone",
        "\t.ci/* tests/e2e/run-alone",
        (f"{PARTS}test_make_lint_checks_every_script_and_every_dockerfile_of_the_product",),
        "make lint no longer checks the front's start-up scripts",
    ),
    Breakage(
        "mk-tests-dockerfile-unchecked",
        "mk/tests.mk",
        "hadolint back/Dockerfile front/Dockerfile standins/*/Dockerfile",
        "hadolint back/Dockerfile standins/*/Dockerfile",
        (f"{PARTS}test_make_lint_checks_every_script_and_every_dockerfile_of_the_product",),
        "make lint no longer checks the front's Dockerfile",
    ),
    Breakage(
        "mk-tests-offline-engines",
        "mk/tests.mk",
        "-m pytest --ignore=tests/e2e --ignore=tests/images $(PYTEST_ARGS)",
        "-m pytest --ignore=tests/e2e $(PYTEST_ARGS)",
        (f"{PARTS}test_make_test_offline_leaves_out_only_the_tests_that_need_an_engine",),
        "make test-offline builds images on the engines, or fails where there is none",
    ),
)

# ---- front/public/app.js: the page's script, run by node (tests/test_front_page.py) ----
PAGE_BREAKAGES = (
    Breakage(
        "page-caption-markup",
        "front/public/app.js",
        "  caption.textContent = image.caption;\n",
        "  caption.innerHTML = image.caption;\n",
        (f"{PAGE}test_a_caption_is_shown_as_text_never_as_markup",),
        "a caption runs as HTML in every visitor's page: stored cross-site scripting",
    ),
    Breakage(
        "page-trailing-slash",
        "front/public/app.js",
        """return { baseUrl: baseUrl.href.replace(/\\/+$/, ""), name, note: "" };""",
        """return { baseUrl: baseUrl.href, name, note: "" };""",
        (
            f"{PAGE}test_the_apis_address_is_normalised_as_a_link_would_be"
            "[http://localhost:3001/-http://localhost:3001]",
        ),
        "BASE_URL=http://localhost:3001/ makes the page ask //images: 404",
    ),
    Breakage(
        "page-relative-base-url",
        "front/public/app.js",
        "    const baseUrl = new URL(config.baseUrl, location.href);\n",
        "    const baseUrl = new URL(config.baseUrl);\n",
        (
            f"{PAGE}test_the_apis_address_is_normalised_as_a_link_would_be"
            "[api-http://localhost:8080/api]",
        ),
        "BASE_URL=api (the course's 02-09, behind an Ingress) is refused: the page calls "
        "localhost:3000",
    ),
    Breakage(
        "page-cached-answers",
        "front/public/app.js",
        """const init = { method, cache: "no-store", signal: AbortSignal.timeout(timeout) };""",
        """const init = { method, signal: AbortSignal.timeout(timeout) };""",
        (f"{PAGE}test_the_page_reads_its_api_from_config_json_and_lists_the_newest_images",),
        "the browser may answer Refresh and /health from its cache: a stale list and badge",
    ),
    Breakage(
        "page-cursor-lost",
        "front/public/app.js",
        """`?limit=${PAGE_SIZE}` + (cursor === undefined ? "" : `&cursor=${cursor}`);""",
        """`?limit=${PAGE_SIZE}`;""",
        (f"{PAGE}test_older_and_newer_page_through_the_api_with_its_cursor",),
        "Older shows the newest page again: the learner never sees older images",
    ),
    Breakage(
        "page-health-once",
        "front/public/app.js",
        "    window.setTimeout(checkHealth, HEALTH_EVERY_MS);\n",
        "",
        (f"{PAGE}test_an_api_that_cannot_be_reached_is_named_with_what_to_check",),
        "the badge is checked once: it keeps saying the API is down after make back fixed it",
    ),
    Breakage(
        "page-hint-dropped",
        "front/public/app.js",
        """        hint: typeof body.hint === "string" ? `Hint: ${body.hint}` : "",\n""",
        """        hint: "",\n""",
        (f"{PAGE}test_the_badge_says_why_the_database_is_unavailable_with_the_backends_hint",),
        "the page hides the backend's hint for MYSQL_HOST=localhost, the lesson's mistake",
    ),
    Breakage(
        "page-list-not-redrawn",
        "front/public/app.js",
        "    loadList();\n  }\n}\n",
        "  }\n}\n",
        (f"{PAGE}test_the_badge_and_the_list_come_back_when_the_api_does",),
        "after an outage the badge turns green and the list stays 'Could not load'",
    ),
    Breakage(
        "page-filename-untrimmed",
        "front/public/app.js",
        """  const filename = $("filename").value.trim();""",
        """  const filename = $("filename").value;""",
        (f"{PAGE}test_adding_an_image_posts_json_and_shows_the_apis_words_by_the_field",),
        "a pasted ' cat.gif ' is refused by the API's file name rule",
    ),
)

BREAKAGES += (
    SCRIPT_BREAKAGES
    + BACK_BREAKAGES
    + FRONT_BREAKAGES
    + PAGE_BREAKAGES
    + STACK_BREAKAGES
    + MK_BREAKAGES
)


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


def on_this_machines_tools(test):
    """tests/test_scripts_offline.py runs each test on this machine's tools and on a Mac's
    (its `tools` fixture, the first of a test's parameters): one is enough to catch."""
    if test.startswith(SCRIPTS) and "[" in test:
        return test.replace("[", "[gnu-tools-", 1)
    return test


def pytest(copy, tests):
    """pytest on node ids in the copy: (exit status, failed or errored ids, output)."""
    tests = [on_this_machines_tools(test) for test in tests]
    # No plugin from the environment: the offline tests need none, and hypothesis' and
    # schemathesis' (tests/e2e's fuzzing) cost ~2.5 s of start-up in each of these runs.
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1", "PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1"}
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            "-rfEs",
            "-k",
            "not mac-tools",
            *tests,
        ],
        cwd=copy,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    output = result.stdout + result.stderr
    failed = re.findall(r"^(?:FAILED|ERROR) (\S+)", output, re.M)
    return result.returncode, failed, output


def short(node_id):
    return node_id.removeprefix("tests/").replace(".py::", "::")


def run_one(breakage, copy):
    """One breakage written into the copy, its tests run, the file put back: a row of
    (breakage, result, caught by, seconds)."""
    started = time.monotonic()
    try:
        original = apply(copy, breakage)
    except ValueError as error:
        return breakage, "error", str(error), 0.0
    try:
        status, failed, output = pytest(copy, breakage.tests)
    finally:
        (copy / breakage.path).write_text(original, encoding="utf-8")
    if status == 1 and failed:
        result, detail = "caught", ", ".join(short(f) for f in failed)
    elif status == 0:
        result, detail = "MISSED", "every listed test passed"
    else:
        result, detail = "error", f"pytest exited {status}"
        print(output[-3000:], file=sys.stderr)
    left = git("status", "--porcelain", cwd=copy)
    if left:
        raise SystemExit(f"{breakage.name}: the copy is not clean after its run:\n{left}")
    print(f"{breakage.name}: {result} ({time.monotonic() - started:.1f} s)", file=sys.stderr)
    return breakage, result, detail, time.monotonic() - started


def run(breakages, copies):
    """Every breakage, each in one of the copies (one copy per worker, so that two
    breakages never share a working tree): rows in the list's order."""
    free = queue.Queue()
    for copy in copies:
        free.put(copy)

    def in_a_free_copy(breakage):
        copy = free.get()
        try:
            return run_one(breakage, copy)
        finally:
            free.put(copy)

    with ThreadPoolExecutor(max_workers=len(copies)) as pool:
        return list(pool.map(in_a_free_copy, breakages))


def control(breakages, copy):
    """The listed tests on the unbroken copy: all must pass, none may be skipped (those
    deselected are the Mac-tools runs of test_scripts_offline.py: on_this_machines_tools)."""
    tests = sorted({test for breakage in breakages for test in breakage.tests})
    status, failed, output = pytest(copy, tests)
    summary = output.strip().splitlines()[-1] if output.strip() else ""
    if status != 0 or re.search(r"skipped|xfail|xpass", summary):
        print(output[-5000:], file=sys.stderr)
        raise SystemExit(f"the unbroken copy does not pass the listed tests cleanly: {summary}")
    print(f"control, unbroken: {summary}", file=sys.stderr)
    return summary


def changed_line(breakage):
    """The line the breakage changes, before and after ('' when it is dropped)."""
    a, b = breakage.old.split("\n"), breakage.new.split("\n")
    if len(a) == len(b):
        [(before, after)] = [(x, y) for x, y in zip(a, b, strict=True) if x != y]
        return before.strip(), after.strip()
    [before] = [x for i, x in enumerate(a) if a[:i] + a[i + 1 :] == b][:1]
    return before.strip(), ""


def code(text):
    """Markdown inline code of text, inside a table cell."""
    return f"`` {text} ``".replace("|", "\\|") if text else "(dropped)"


def table(rows, markdown):
    if markdown:
        lines = [
            "| # | Breakage | File: the line, before / after | What it breaks | Caught by |",
            "|---|---|---|---|---|",
        ]
        for number, (breakage, result, detail, _) in enumerate(rows, 1):
            caught = detail if result == "caught" else f"**{result}**: {detail}"
            before, after = changed_line(breakage)
            edit = f"`{breakage.path}`: {code(before)} / {code(after)}"
            lines.append(f"| {number} | {breakage.name} | {edit} | {breakage.why} | {caught} |")
        return "\n".join(lines)
    lines = []
    for number, (breakage, result, detail, seconds) in enumerate(rows, 1):
        lines.append(
            f"{number:>2} {breakage.name:<26} {breakage.path:<31} {result:<7}"
            f" {seconds:5.1f} s  {detail}"
        )
    return "\n".join(lines)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("names", nargs="*", help="only these breakages (default: all)")
    parser.add_argument("--markdown", action="store_true", help="print the table as Markdown")
    parser.add_argument("--keep", action="store_true", help="keep the copies (said where)")
    parser.add_argument(
        "--jobs",
        type=int,
        default=min(os.cpu_count() or 1, 4),
        help="breakages run at once, each in a copy of its own (default: the cores, up to 4)",
    )
    args = parser.parse_args()
    known = {breakage.name: breakage for breakage in BREAKAGES}
    unknown = [name for name in args.names if name not in known]
    if unknown:
        parser.error(f"no breakage named {', '.join(unknown)} (known: {', '.join(known)})")
    chosen = [known[name] for name in args.names] or list(BREAKAGES)

    started = time.monotonic()
    folder = Path(tempfile.mkdtemp(prefix="k8scourse-breakages-"))
    # One copy per job, and one more where the control runs beside them: it is one pytest
    # of every listed test, a minute on one core that the breakages' jobs leave idle.
    copies = [folder / f"copy-{n}" / "k8scourse" for n in range(max(args.jobs, 1) + 1)]
    try:
        for copy in copies:
            learner_copy(copy)
        with ThreadPoolExecutor(max_workers=1) as beside:
            unbroken = beside.submit(control, chosen, copies[0])
            rows = run(chosen, copies[1:])
            summary = unbroken.result()
    finally:
        if args.keep:
            print(f"the copies: {', '.join(map(str, copies))}", file=sys.stderr)
        else:
            shutil.rmtree(folder, ignore_errors=True)
    print(table(rows, args.markdown))
    caught = sum(result == "caught" for _, result, _, _ in rows)
    print(
        f"\n{caught} of {len(rows)} breakages caught; control on the unbroken copy: {summary}; "
        f"{time.monotonic() - started:.0f} s in all"
    )
    return 0 if caught == len(rows) else 1


if __name__ == "__main__":
    sys.exit(main())
