# shellcheck shell=bash
# make lesson 3: the steps of lesson 3 ("Run a container"), run by scripts/walk-lesson.
chapter "Hello, containers"
run pass "Hello from Docker!" "hello-world runs, prints its greeting, and ends" -- "${MAKE_CMD[@]}" hello-world
run pass "^Hello from the container$" "alpine reads hello.txt from this folder, mounted in /app" -- "${MAKE_CMD[@]}" hello-file
run pass "^3\\.[0-9]+\\.[0-9]+$" "Python answers from its image, with its version (the course: node -e)" -- "${MAKE_CMD[@]}" python-version
run pass "^Hello World$" "-e NAME=World reaches the program" -- "${MAKE_CMD[@]}" hello-name
run pass "^Hello Joel$" "-e NAME=Joel: same image, another value" -- "${MAKE_CMD[@]}" hello-name HELLO_NAME=Joel
chapter "A database in a container"
run pass "" "MySQL runs as k8scourse-db, in the background" -- "${MAKE_CMD[@]}" db-alone
run pass "k8scourse-db" "$DOCKER ps lists it" -- "${MAKE_CMD[@]}" ps
run pass "" "$DOCKER stop k8scourse-db" -- "${MAKE_CMD[@]}" db-stop
run fail "the name 'k8scourse-db' is taken" "the same run again: the stopped container still holds its name" -- "${MAKE_CMD[@]}" db-alone
run pass "" "$DOCKER rm k8scourse-db frees the name" -- "${MAKE_CMD[@]}" db-rm
run pass "" "with --rm: the container goes when it stops" -- "${MAKE_CMD[@]}" db-with-rm
run pass "" "$DOCKER stop k8scourse-db" -- "${MAKE_CMD[@]}" db-stop
run fail "k8scourse-db" "it is gone: docker rm has nothing to remove" -- "$DOCKER" container inspect k8scourse-db
chapter "The database with init.sql, the backend on this machine"
run pass "" "MySQL starts with db/init.sql mounted" -- "${MAKE_CMD[@]}" db-with-init
run pass "is ready" "it answers a query over TCP once init.sql has run" -- "${MAKE_CMD[@]}" wait-db
backend_on_host "the backend runs on this machine, on port 3000 (node .)" \
    '"db": ?true' "/health: the backend on this machine reaches MySQL on localhost:3306"
