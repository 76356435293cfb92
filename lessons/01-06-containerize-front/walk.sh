# shellcheck shell=bash
# make lesson 6: the steps of lesson 6 ("Containerize the front end"), run by scripts/walk-lesson.
chapter "The front end's image, built in two stages, on port 8888"
run pass "" "the front image k8scourse-front is built: its first stage names the files, the second serves them" -- \
    "${MAKE_CMD[@]}" build-front
run pass "" "front runs, published on 8888, nginx on port 80 inside" -- "${MAKE_CMD[@]}" front-on-8888
run pass 'src="app\.[0-9a-f]{12}\.js"' "http://localhost:8888 serves the page, whose script the first stage named by its content" -- \
    cut_to '<title>|src="app\.' scripts/wait-for-http localhost:8888/
chapter "The database and the backend, as in lesson 5"
run pass "" "the k8scourse network" -- "${MAKE_CMD[@]}" network
run pass "" "MySQL as k8scourse-db, with db/init.sql" -- "${MAKE_CMD[@]}" db
run pass "" "the backend image" -- "${MAKE_CMD[@]}" build
run pass "is ready" "the database answers over TCP" -- "${MAKE_CMD[@]}" wait-db
run pass "" "the backend, with -e MYSQL_HOST=k8scourse-db" -- "${MAKE_CMD[@]}" back
run pass '"db": ?true' "/health is 200: the page at localhost:8888 now lists the images" -- "${MAKE_CMD[@]}" health
run pass "^Access-Control-Allow-Origin: http://localhost:8888" "the backend lets the page's origin, http://localhost:8888, read its answers" -- \
    cut_to "^Access-Control-Allow-Origin" run_shown "curl -sSi -H 'Origin: http://localhost:8888' localhost:3000/images"
chapter "The backend on another port"
run pass "" "$DOCKER stop back" -- "${MAKE_CMD[@]}" stop
run pass "-p 3001:3000 --name back " "the backend on port 3001 (the course's --nameback is --name back)" -- "${MAKE_CMD[@]}" back BACK_PORT=3001
run pass '"baseUrl": "http://localhost:3000"' "the page still calls port 3000: no BASE_URL given, so the image's default (lesson 7 passes it)" -- \
    scripts/wait-for-http localhost:8888/config.json
