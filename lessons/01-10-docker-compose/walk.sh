# shellcheck shell=bash
# make lesson 10 REGISTRY=...: the steps of lesson 10 ("Docker Compose"), run by
# scripts/walk-lesson, with the images lesson 9 pushed (make lesson 9 REGISTRY=... first).
[ -n "${REGISTRY:-}" ] ||
    fail "make lesson 10 runs the images lesson 9 pushed: say where, e.g. make lesson 10 REGISTRY=127.0.0.1:5000/you."
chapter "The lesson's docker-compose.yaml"
run pass "" "up -d: the three services start from the lesson's file" -- "${MAKE_CMD[@]}" lesson10-up
run pass '"db": ?true' "the backend, pulled from $REGISTRY, answers /health once the database is up" -- \
    scripts/wait-for-http --ok localhost:3000/health 180
run pass '"baseUrl": "http://localhost:3000"' "the page on 8080 calls it there" -- scripts/wait-for-http localhost:8080/config.json
run pass "" "down: the services and their network go" -- "${MAKE_CMD[@]}" lesson10-down
