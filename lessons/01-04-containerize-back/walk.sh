# shellcheck shell=bash
# make lesson 4: the steps of lesson 4 ("Containerize the back end"), run by scripts/walk-lesson.
chapter "The backend's image"
run pass "" "the backend image k8scourse-back is built (docker build -t k8scourse-back .)" -- "${MAKE_CMD[@]}" build
chapter "The backend in a container, alone"
run pass "" "back runs from its image, published on 3000" -- "${MAKE_CMD[@]}" back-alone
# The course's Node backend crashes without its database; this one answers 503 and says why.
run pass '"db": ?false.*"hint": ?"Inside a container, localhost is the container itself' \
    "/health answers 503: no database on localhost, which in a container is the container itself (the hint)" -- \
    scripts/wait-for-http localhost:3000/health
run pass "" "$DOCKER stop back" -- "${MAKE_CMD[@]}" stop
run pass "" "$DOCKER ps" -- "${MAKE_CMD[@]}" ps
run pass "" "back is gone, not only stopped: it ran with --rm" -- gone back
chapter "In the foreground"
foreground_back() {
    # The lesson's run without -d, until it answers; then docker stop, as the learner's
    # Ctrl+C would. Its log, printed as it comes, shows gunicorn's start and its first try
    # of the database.
    "${MAKE_CMD[@]}" back-attached &
    scripts/wait-for-http localhost:3000/livez >/dev/null
    "$DOCKER" stop back >/dev/null
    wait
}
run pass "Database localhost:3306/images unavailable, each request tries it again: .*Can't connect to MySQL server on 'localhost'" \
    "back in the foreground: its log shows the connection refused on localhost (the course's ECONNREFUSED), and runs on" -- \
    foreground_back
