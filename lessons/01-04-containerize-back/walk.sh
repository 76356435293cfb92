# shellcheck shell=bash
# make lesson 4: the steps of lesson 4 ("Containerize the back end"), run by scripts/walk-lesson.
chapter "The backend's image"
run pass "" "the backend image k8scourse-back is built (docker build -t k8scourse-back .)" -- "${MAKE_CMD[@]}" build
chapter "The backend in a container, alone"
run pass "" "back runs from its image, published on 3000" -- "${MAKE_CMD[@]}" back-alone
# The course's Node backend crashes without its database; this one answers 503 and says why.
run pass '"db": ?false' "/health answers, and says the database is not there yet (503, with a hint)" -- \
    scripts/wait-for-http localhost:3000/health
run pass '"hint"' "the answer's hint: MySQL on localhost, the backend's own container" -- "${MAKE_CMD[@]}" curl-health
run pass "" "$DOCKER stop back" -- "${MAKE_CMD[@]}" stop
run pass "" "$DOCKER ps" -- "${MAKE_CMD[@]}" ps
run fail "back" "back is gone, not only stopped: it ran with --rm" -- "$DOCKER" container inspect back
chapter "In the foreground"
foreground_back() {
    # The lesson's run without -d, until /health answers; then docker stop, as the learner's
    # Ctrl+C would (the log shows gunicorn's start).
    "${MAKE_CMD[@]}" back-attached &
    scripts/wait-for-http localhost:3000/livez >/dev/null
    "$DOCKER" stop back >/dev/null
    wait
}
run pass "Server running on port 3000" "back in the foreground shows its log, until stopped" -- foreground_back
