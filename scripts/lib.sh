# shellcheck shell=bash
# What scripts/step, scripts/health and scripts/wait-db share: the engine, how they
# fail, and the questions they ask of it. Not run by itself: each script sources it
# by its own path (`. "$(dirname "$0")/lib.sh"`), so it travels with them.

# The engine: DOCKER is the command (docker or podman), ENGINE what it really is
# (podman-docker's `docker` is Podman). The Makefile decides both once and exports them;
# a script run by hand takes docker, or what the command's name says.
DOCKER=${DOCKER:-docker}
if [ -z "${ENGINE:-}" ]; then
    case $DOCKER in *podman*) ENGINE=podman ;; *) ENGINE=docker ;; esac
fi

# One line that names the fix, on stderr, as make's own errors are; then stop.
fail() { printf 'make: %s\n' "$*" >&2; exit 1; }

running() { [ "$("$DOCKER" container inspect -f '{{.State.Running}}' "$1" 2>/dev/null)" = true ]; }
# The environment container $1 runs with, one NAME=VALUE a line (its image's included).
env_of() { "$DOCKER" container inspect -f '{{range .Config.Env}}{{println .}}{{end}}' "$1" 2>/dev/null; }
# shellcheck disable=SC2016 # a Go template for the engine, not shell
networks_of() { "$DOCKER" container inspect -f '{{range $net, $_ := .NetworkSettings.Networks}}{{$net}} {{end}}' "$1" 2>/dev/null; }
