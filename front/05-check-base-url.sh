#!/bin/sh
# Runs from the official image's /docker-entrypoint.sh before the templates are
# rendered: a bad BASE_URL stops the container with one line that says why,
# instead of a page that silently cannot reach the API (or an nginx syntax error).
# The same rules keep the value safe inside config.json and the nginx config.
set -eu

value=${BASE_URL:-}

fail() {
    echo "05-check-base-url.sh: BASE_URL $1, e.g. -e BASE_URL=http://localhost:3000" >&2
    exit 1
}

[ -n "$value" ] || fail "is empty"
case "$value" in
    *"
"*) fail "must be one line" ;;
esac

# Either http(s)://host[:port][/path]: letters, digits, dots and dashes in the host, a
# port of 1 to 5 digits, a path of URL-safe characters; no quotes, spaces, $ or ;.
# Or a path on the page's own origin, such as api or /api (the course's 02-09, behind an
# Ingress that sends /api to the back end): segments of URL-safe characters, none
# starting with a dot (no . or ..) and no leading // (that would name another host).
host='[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?'
segment='[A-Za-z0-9_~-][A-Za-z0-9._~-]*'
if ! printf '%s\n' "$value" |
    grep -Eqx "(https?://${host}(:[0-9]{1,5})?(/[A-Za-z0-9._~%/-]*)?|/?${segment}(/${segment})*/?)"; then
    fail "must look like http(s)://host[:port][/path], or a path such as api or /api, without quotes or spaces, got '$value'"
fi
port=$(printf '%s\n' "$value" | sed -nE 's|^https?://[^/:]+:([0-9]+).*|\1|p')
if [ -n "$port" ] && { [ "$port" -lt 1 ] || [ "$port" -gt 65535 ]; }; then
    fail "has port $port, outside 1-65535"
fi

# APP_NAME, the page's title: a short name, safe inside config.json and nginx's quotes.
if ! printf '%s\n' "${APP_NAME:-k8scourse}" | grep -Eqx '[A-Za-z0-9][A-Za-z0-9 ._-]{0,39}'; then
    echo "05-check-base-url.sh: APP_NAME must be up to 40 letters, digits, spaces, dots, dashes or underscores, e.g. -e APP_NAME=photoshare" >&2
    exit 1
fi
exit 0
