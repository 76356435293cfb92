# shellcheck shell=bash
# What the scripts share: the engine, how they fail, and the questions they ask of it.
# Sourced by each script by its own path, so it travels with them. DOCKER is the engine's
# command (docker or podman), ENGINE what it really is (podman-docker's `docker` is Podman):
# the Makefile decides both and exports them (mk/engine.mk); run by hand, the command is asked.
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
# The command that runs $2, a mysql client and its arguments (double quotes only), as root in
# the database container $1, to print and run (run_shown). Root's public default password is
# passed as the lesson passes them (-uuser -pmysql); any other is read in the container.
as_db_root() {
    # shellcheck disable=SC2016 # expanded in the container
    local form='sh -c '\''exec %s -uroot -p"${MYSQL_ROOT_PASSWORD:-$(cat "$MYSQL_ROOT_PASSWORD_FILE")}" %s'\'
    env_of "$1" | grep -qx MYSQL_ROOT_PASSWORD=root && form='%s -uroot -proot %s'
    # shellcheck disable=SC2059 # the format is one of the two above
    printf "%s exec -i %s $form" "$DOCKER" "$1" "${2%% *}" "${2#* }"
}
run_shown() { printf '$ %s\n' "$1"; eval "$1"; } # print command $1 as typed, then run it so
