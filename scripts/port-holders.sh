# shellcheck shell=bash
# Who holds a port of this machine, and the command that frees it: for scripts/check-ports
# (make ports, before make up) and scripts/explain-error.sh (a port the engine refused).
# Sourced after lib.sh.

# The other engine: Docker and Podman share the machine's ports.
# shellcheck disable=SC2153 # ENGINE comes from lib.sh
other_engine() { if [ "$ENGINE" = podman ]; then echo docker; else echo podman; fi; }

# The container of engine $1 that publishes host port $2 (Podman has no `ps --filter publish`).
publisher() { "$1" ps --format '{{.Names}} {{.Ports}}' 2>/dev/null | grep -E ":$2->" | head -1 | cut -d' ' -f1; }

# Whether something on this machine accepts connections on TCP port $1 (bash's /dev/tcp).
listening() { (: <"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# Who listens on TCP port $1: ", NAME (PID N)" where the machine can tell (ss on Linux,
# lsof on macOS), else " (to see which: COMMAND)".
program_on() {
    local found=''
    if command -v ss >/dev/null; then
        found=$(ss -ltnp "sport = :$1" 2>/dev/null | grep -oE 'users:\(\("[^"]+",pid=[0-9]+' | head -1 |
            sed -E 's/users:\(\("([^"]+)",pid=([0-9]+)/\1 (PID \2)/')
        [ -n "$found" ] || { printf " (to see which: sudo ss -ltnp 'sport = :%s')" "$1"; return; }
    elif command -v lsof >/dev/null; then
        found=$(lsof -nP -iTCP:"$1" -sTCP:LISTEN -Fpc 2>/dev/null |
            awk '/^p/ { pid = substr($0, 2) } /^c/ { print substr($0, 2) " (PID " pid ")"; exit }')
        [ -n "$found" ] || { printf ' (to see which: sudo lsof -iTCP:%s -sTCP:LISTEN)' "$1"; return; }
    else
        printf " (to see which: 'ss -ltnp' on Linux, 'lsof -iTCP:%s -sTCP:LISTEN' on macOS)" "$1"
        return
    fi
    printf ', %s' "$found"
}

# The command that stops container $2 of engine $1: its Compose project's compose-down,
# the make down of its project (back, front, one, two: the lesson's, LESSON_PROJECT;
# <project>-db, -back, -front: a renamed copy's), else a plain stop.
stop_command() {
    local engine=$1 name=$2 project on=''
    [ "$engine" = "$DOCKER" ] || on=" DOCKER=$engine"
    project=$(DOCKER=$engine label_of "$name" com.docker.compose.project)
    [ -z "$project" ] || { printf "'make compose-down PROJECT=%s'" "$project"; return; }
    case $name in
        back | front | one | two) project=${LESSON_PROJECT:-} ;;
        *-db | *-back | *-front) project=${name%-*} ;;
        *) project='' ;;
    esac
    [ -n "$project" ] || { printf "'%s stop %s'" "$engine" "$name"; return; }
    if [ "$project" = "${PROJECT:-}" ]; then printf "'make down%s'" "$on"; else printf "'make down PROJECT=%s%s'" "$project" "$on"; fi
}

# What holds host port $2, unless it is container $1 (which make keeps or replaces): one
# line, WHO and the command that frees it (empty for a program), tab-separated; nothing
# when the port is free.
holder() {
    local name=$1 port=$2 engine who whose
    for engine in "$DOCKER" "$(other_engine)"; do
        [ "$engine" = "$DOCKER" ] || command -v "$engine" >/dev/null || continue
        who=$(publisher "$engine" "$port")
        [ -n "$who" ] || continue
        [ "$who" = "$name" ] && [ "$engine" = "$DOCKER" ] && return
        [ "$engine" = "$DOCKER" ] && whose='' || whose="$engine's "
        printf "%scontainer '%s'\t%s\n" "$whose" "$who" "$(stop_command "$engine" "$who")"
        return
    done
    ! listening "$port" || printf 'another program on this machine%s\t\n' "$(program_on "$port")"
}

# How to publish on another port, and what follows that port (make's variable $1).
other_port() {
    local next=$(($2 + 1))
    case $1 in
        BACK_PORT) printf 'publish the backend on another port: make back BACK_PORT=%s (make health and the front'"'"'s BASE_URL follow BACK_PORT; make up BACK_PORT=%s starts all three on it)' "$next" "$next" ;;
        FRONT_PORT) printf 'publish the front on another port: make up FRONT_PORT=%s (the backend'"'"'s CORS_ORIGINS follows FRONT_PORT)' "$next" ;;
        DB_PORT) printf 'publish the database on another port: make db DB_PORT=%s (only your machine uses it: the backend reaches the database over the network)' "$next" ;;
        '') printf 'publish another port' ;;
        *) printf 'publish another port: %s=%s' "$1" "$next" ;;
    esac
}
