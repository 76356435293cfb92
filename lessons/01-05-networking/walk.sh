# shellcheck shell=bash
# make lesson (or make lesson 5): the steps of lesson 5 ("Networking in Docker"), whose
# targets are the repository's Makefile, run by scripts/walk-lesson.
# How `make inspect` shows the containers of alpine-network, on every engine (run's grep
# ignores case): Docker's `network inspect` lists them ("Name": "one"), and so does
# Podman's from version 5 on ("name": "one"); Podman 4's lists none, so make inspect
# also runs `podman ps --filter network=...`, a table whose last column is the name.
members='"name": "(one|two)"|  (one|two)$'

chapter "Containers are isolated"
run pass "" "two alpine containers, one and two, run in the background" -- "${MAKE_CMD[@]}" alpine
run pass "bin" "inside one: a file system of its own (what ls shows in docker exec -it one /bin/sh)" -- "${MAKE_CMD[@]}" ls
run fail "not found" "inside one: docker is not found" -- scripts/run-step "$DOCKER exec one sh -c 'docker ps'"
printf '   (ping redhat.com needs the internet: '
if "$DOCKER" exec one ping -c 1 -W 2 redhat.com >/dev/null 2>&1; then echo 'it answered)'; else echo 'not reachable from here, not counted)'; fi
# The lesson's point: make ping says so and succeeds; the outcome checked is ping's own.
run pass "bad address 'two'" "ping two fails on the default bridge: two does not exist for one" -- "${MAKE_CMD[@]}" ping
run pass "" "$DOCKER stop one and two" -- "${MAKE_CMD[@]}" alpine-stop

chapter "A network lets containers find each other by name"
run pass "" "alpine-network is created and one and two run on it" -- "${MAKE_CMD[@]}" alpine-network
run pass "$members" "make inspect lists one and two, the containers of alpine-network" -- "${MAKE_CMD[@]}" inspect
run pass "1 packets received" "ping two now works: $DOCKER resolves container names on the network" -- "${MAKE_CMD[@]}" ping
run pass "" "$DOCKER stop one and two" -- "${MAKE_CMD[@]}" alpine-stop

chapter "The database and the backend on the k8scourse network"
run pass "" "the k8scourse network is created" -- "${MAKE_CMD[@]}" network
run pass "" "MySQL runs as k8scourse-db with db/init.sql" -- "${MAKE_CMD[@]}" db
run pass "" "the backend image k8scourse-back is built" -- "${MAKE_CMD[@]}" build
run pass "" "the backend runs on the network, without MYSQL_HOST" -- "${MAKE_CMD[@]}" back-broken
run pass "failure the lesson shows.*localhost" "/health: the backend cannot reach the database on localhost" -- "${MAKE_CMD[@]}" health
run pass "\\$ $DOCKER rm -f .*back" "the fix: back removed, then run again with -e MYSQL_HOST=k8scourse-db" -- "${MAKE_CMD[@]}" back
run pass '"db": ?true' "/health answers 200 once the database has initialised" -- "${MAKE_CMD[@]}" health
run pass "k8scourse-db" "$DOCKER ps shows back and k8scourse-db running" -- "${MAKE_CMD[@]}" ps
run pass "running" "$DOCKER logs back shows that the server is running" -- "${MAKE_CMD[@]}" logs
