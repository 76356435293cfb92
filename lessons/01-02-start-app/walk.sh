# shellcheck shell=bash
# make lesson 2: the steps of lesson 2 ("Start the app"), run by scripts/walk-lesson. The
# servers the lesson runs in the foreground run in the background here, and are stopped
# after their step, as Ctrl+C would.
chapter "The backend on this machine"
backend_on_host "back's packages install, and gunicorn starts it on port 3000 (npm install; node .)" \
    '"db": ?false' "/health answers: the API runs, no database yet (a 503 that says so)"
chapter "The front end on this machine"
"${MAKE_CMD[@]}" front-on-host >/dev/null 2>&1 &
front_pid=$!
run pass "<title>k8scourse · memes</title>" "the page is served on localhost:8080 (npm run serve)" -- scripts/wait-for-http localhost:8080/
# make, its shell and python: the server is the one listening on 8080.
pkill -f 'http.server 8080' 2>/dev/null
wait "$front_pid" 2>/dev/null
