# shellcheck shell=bash
# make lesson 2: the steps of lesson 2 ("Start the app"), run by scripts/walk-lesson. The
# servers the lesson runs in the foreground run in the background here, and are stopped
# after their steps, by their PIDs, as Ctrl+C would.
chapter "The backend on this machine"
backend_on_host "back's packages install, and gunicorn starts it on port 3000 (npm install; node .)" \
    '"db": ?false' "/health answers: the API runs, no database yet (a 503 that says so)"
chapter "What the page does, without a database"
run pass '"name": ?"[a-z]+\.gif"' "the generator: a GIF for a keyword, one the API ships (GIFs need no database)" -- \
    "${MAKE_CMD[@]}" gif
run pass '"Service Unavailable"' "the gallery: a 503, its rows are in the database lesson 3 starts" -- "${MAKE_CMD[@]}" gallery
stop_backend_on_host
chapter "The front end on this machine"
# make, its shell and Python's server, in a process group of their own (set -m): the
# walk stops that group by its leader's PID, and no other server on 8080.
set -m
"${MAKE_CMD[@]}" front-on-host >/dev/null 2>&1 &
front_pid=$!
set +m
run pass "<title>k8scourse · memes</title>" "the page is served on localhost:8080 (npm run serve)" -- \
    cut_to "<title>" scripts/wait-for-http localhost:8080/
kill -- -"$front_pid" 2>/dev/null
wait "$front_pid" 2>/dev/null
