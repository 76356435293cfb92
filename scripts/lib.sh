# shellcheck shell=bash
# What the scripts share: the engine, how they fail, and the questions they ask of it.
# Not run by itself: each script sources it by its own path (`. "$(dirname "$0")/lib.sh"`),
# so it travels with them.

# The engine: DOCKER is the command (docker or podman), ENGINE what it really is
# (podman-docker's `docker` is Podman). The Makefile decides both once and exports them
# (mk/engine.mk); a script run by hand asks the command itself.
DOCKER=${DOCKER:-docker}
if [ -z "${ENGINE:-}" ]; then
    case $("$DOCKER" --version 2>/dev/null) in *odman*) ENGINE=podman ;; *) ENGINE=docker ;; esac
fi

# One line that names the fix, on stderr, as make's own errors are; then stop.
fail() { printf 'make: %s\n' "$*" >&2; exit 1; }

running() { [ "$("$DOCKER" container inspect -f '{{.State.Running}}' "$1" 2>/dev/null)" = true ]; }
network_exists() { "$DOCKER" network inspect "$1" >/dev/null 2>&1; }
# The environment container $1 runs with, one NAME=VALUE a line (its image's included).
env_of() { "$DOCKER" container inspect -f '{{range .Config.Env}}{{println .}}{{end}}' "$1" 2>/dev/null; }
# shellcheck disable=SC2016 # a Go template for the engine, not shell
networks_of() { "$DOCKER" container inspect -f '{{range $net, $_ := .NetworkSettings.Networks}}{{$net}} {{end}}' "$1" 2>/dev/null; }
# The label $2 of container $1 (empty when it has none).
label_of() {
    local value
    value=$("$DOCKER" container inspect -f "{{index .Config.Labels \"$2\"}}" "$1" 2>/dev/null)
    [ "$value" = "<no value>" ] || printf '%s' "$value"
}
# The running database container of project $1 whose docker run container is $2: that one,
# else its Compose stack's db service (v2 names it PROJECT-db-1, 1.29 PROJECT_db_1).
db_container() {
    if running "$2"; then printf '%s' "$2"; return; fi
    "$DOCKER" ps --filter "label=com.docker.compose.project=$1" --filter label=com.docker.compose.service=db \
        --format '{{.Names}}' 2>/dev/null | head -1
}
# Run mysql's client program $2 (mysql, mysqldump) as root in the database container $1,
# with the rest of the arguments; the password is the container's own (-e
# MYSQL_ROOT_PASSWORD, or Compose's secret file): it never crosses this machine's
# command line.
as_db_root() {
    local name=$1 program=$2
    shift 2
    # shellcheck disable=SC2016 # expanded in the container
    "$DOCKER" exec -i "$name" sh -c 'MYSQL_PWD="${MYSQL_ROOT_PASSWORD:-$(cat "${MYSQL_ROOT_PASSWORD_FILE:-/dev/null}" 2>/dev/null)}" exec "$0" --user=root "$@"' "$program" "$@"
}
