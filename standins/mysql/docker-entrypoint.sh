#!/bin/bash
# Entrypoint of the MariaDB stand-in for the official mysql image. Same
# contract: on the first start (empty datadir) it needs a root password option,
# creates MYSQL_DATABASE and MYSQL_USER, *then* runs
# /docker-entrypoint-initdb.d/*.sh|*.sql|*.sql.gz in order on a server that
# only listens on its socket, and finally execs the real server as PID 1.
set -eo pipefail

DATADIR=/var/lib/mysql
SOCKET=/run/mysqld/mysqld.sock

log() { printf '%s [Entrypoint]: %s\n' "$(date -u +'%Y-%m-%dT%H:%M:%SZ')" "$*"; }
fail() { log "ERROR: $*" >&2; exit 1; }

# VAR_FILE wins over VAR, as in the official image (Docker/Kubernetes secrets).
file_env() {
    local var=$1 file_var="${1}_FILE" default=${2:-}
    if [ -n "${!var:-}" ] && [ -n "${!file_var:-}" ]; then
        fail "both $var and $file_var are set (but are exclusive)"
    fi
    local value=$default
    if [ -n "${!var:-}" ]; then
        value=${!var}
    elif [ -n "${!file_var:-}" ]; then
        value=$(<"${!file_var}")
    fi
    export "$var"="$value"
    unset "$file_var"
}

sql_string() { # quote a value as a SQL string literal
    local s=${1//\\/\\\\}
    printf "'%s'" "${s//\'/\\\'}"
}

client() { MYSQL_PWD=$ROOT_PASSWORD mariadb --protocol=socket --socket="$SOCKET" -uroot "$@"; }

start_temp_server() {
    "$@" --skip-networking --socket="$SOCKET" &
    TEMP_PID=$!
    for _ in $(seq 1 60); do
        if mariadb-admin --socket="$SOCKET" -uroot ${ROOT_PASSWORD:+--password="$ROOT_PASSWORD"} ping >/dev/null 2>&1; then
            return 0
        fi
        kill -0 "$TEMP_PID" 2>/dev/null || fail "the temporary server died during init"
        sleep 0.2
    done
    fail "the temporary server did not start within 12 s"
}

stop_temp_server() {
    kill "$TEMP_PID"
    wait "$TEMP_PID" || true
}

run_init_files() {
    local f
    for f in /docker-entrypoint-initdb.d/*; do
        case $f in
            *.sh)
                if [ -x "$f" ]; then log "running $f"; "$f"
                else log "sourcing $f"; # shellcheck disable=SC1090
                    . "$f"; fi ;;
            *.sql) log "running $f"; client ${MYSQL_DATABASE:+"$MYSQL_DATABASE"} <"$f" ;;
            *.sql.gz) log "running $f"; gunzip -c "$f" | client ${MYSQL_DATABASE:+"$MYSQL_DATABASE"} ;;
            */\*) ;; # empty directory
            *) log "ignoring $f" ;;
        esac
    done
}

init_database() {
    file_env MYSQL_ROOT_PASSWORD
    file_env MYSQL_USER
    file_env MYSQL_PASSWORD
    file_env MYSQL_DATABASE
    file_env MYSQL_ROOT_HOST '%'
    if [ -z "$MYSQL_ROOT_PASSWORD" ] && [ -z "${MYSQL_ALLOW_EMPTY_PASSWORD:-}" ] && [ -z "${MYSQL_RANDOM_ROOT_PASSWORD:-}" ]; then
        fail "Database is uninitialized and password option is not specified
    You need to specify one of MYSQL_ROOT_PASSWORD, MYSQL_ALLOW_EMPTY_PASSWORD and MYSQL_RANDOM_ROOT_PASSWORD"
    fi
    if [ "$MYSQL_USER" = root ]; then
        fail 'MYSQL_USER="root", MYSQL_USER and MYSQL_PASSWORD are for configuring a regular user and cannot be used for the root user'
    fi
    if [ -n "$MYSQL_USER" ] && [ -z "$MYSQL_PASSWORD" ]; then
        fail "MYSQL_USER is set but MYSQL_PASSWORD is empty"
    fi
    ROOT_PASSWORD=$MYSQL_ROOT_PASSWORD
    if [ -n "${MYSQL_RANDOM_ROOT_PASSWORD:-}" ]; then
        ROOT_PASSWORD=$(od -An -tx1 -N16 /dev/urandom | tr -d ' \n')
        log "GENERATED ROOT PASSWORD: $ROOT_PASSWORD"
    fi

    log "Initializing database files"
    mariadb-install-db --datadir="$DATADIR" --auth-root-authentication-method=normal \
        --skip-test-db --skip-name-resolve >/dev/null
    local root_pw=$ROOT_PASSWORD
    ROOT_PASSWORD= # the new root has no password until the statements below
    start_temp_server "$@"
    log "Temporary server started"

    local pw host
    pw=$(sql_string "$root_pw")
    host=$(sql_string "$MYSQL_ROOT_HOST")
    {
        # install-db also creates accounts named after the build host.
        echo "DROP USER IF EXISTS ''@'localhost', ''@'%', ''@'$HOSTNAME', 'root'@'$HOSTNAME', 'root'@'127.0.0.1', 'root'@'::1';"
        echo "ALTER USER 'root'@'localhost' IDENTIFIED BY $pw;"
        if [ "$MYSQL_ROOT_HOST" != localhost ]; then
            echo "CREATE USER IF NOT EXISTS 'root'@$host IDENTIFIED BY $pw;"
            echo "GRANT ALL ON *.* TO 'root'@$host WITH GRANT OPTION;"
        fi
        if [ -n "$MYSQL_DATABASE" ]; then
            echo "CREATE DATABASE IF NOT EXISTS \`${MYSQL_DATABASE//\`/\`\`}\`;"
        fi
        if [ -n "$MYSQL_USER" ]; then
            echo "CREATE USER $(sql_string "$MYSQL_USER")@'%' IDENTIFIED BY $(sql_string "$MYSQL_PASSWORD");"
            if [ -n "$MYSQL_DATABASE" ]; then
                echo "GRANT ALL ON \`${MYSQL_DATABASE//\`/\`\`}\`.* TO $(sql_string "$MYSQL_USER")@'%';"
            fi
        fi
        echo "FLUSH PRIVILEGES;"
    } | client
    ROOT_PASSWORD=$root_pw
    if [ -n "$MYSQL_USER" ]; then log "Creating user $MYSQL_USER"; fi

    run_init_files
    stop_temp_server
    log "Stand-in init process done. Ready for start up."
}

if [ "${1#-}" != "$1" ]; then set -- mariadbd "$@"; fi
case $1 in
    mariadbd | mysqld)
        set -- mariadbd "${@:2}"
        if [ "$(id -u)" = 0 ]; then
            # As the official image (with gosu): own the data directory, then step
            # down to mysql and start over as that user.
            find "$DATADIR" /run/mysqld \! -user mysql -exec chown mysql:mysql '{}' +
            exec setpriv --reuid=mysql --regid=mysql --init-groups "${BASH_SOURCE[0]}" "$@"
        fi
        log "Stand-in: $(cat /etc/k8scourse-standin)"
        if [ ! -d "$DATADIR/mysql" ]; then
            init_database "$@"
        fi
        unset MYSQL_ROOT_PASSWORD MYSQL_PASSWORD ROOT_PASSWORD
        ;;
esac
exec "$@"
