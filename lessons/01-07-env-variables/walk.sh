# shellcheck shell=bash
# make lesson 7: the steps of lesson 7 ("Environment variables"), run by scripts/walk-lesson.
chapter "The front end, rebuilt"
run pass "" "the front image k8scourse-front is built (BASE_URL is read at start: no sed step)" -- "${MAKE_CMD[@]}" build-front
chapter "The three containers, the backend on 3001"
run pass "" "the k8scourse network" -- "${MAKE_CMD[@]}" network
run pass "" "MySQL as k8scourse-db" -- "${MAKE_CMD[@]}" db
run pass "" "the backend image" -- "${MAKE_CMD[@]}" build
run pass "is ready" "the database answers over TCP" -- "${MAKE_CMD[@]}" wait-db
run pass "-p 3001:3000" "the backend on port 3001" -- "${MAKE_CMD[@]}" back BACK_PORT=3001
run pass "-p 8080:80 --name front --rm -e BASE_URL=http://localhost:3001 " "the front on 8080, nginx's port 80 inside, BASE_URL=http://localhost:3001" -- \
    "${MAKE_CMD[@]}" front-port-80 BACK_PORT=3001
run pass '"baseUrl": "http://localhost:3001"' "the page calls the backend where BASE_URL says" -- scripts/wait-for-http localhost:8080/config.json
run pass '"db": ?true' "and the backend answers there" -- "${MAKE_CMD[@]}" health BACK_PORT=3001
chapter "Who runs nginx"
run pass "^nginx$" "whoami in front: nginx, not root: this image is non-root already (lesson 8)" -- "${MAKE_CMD[@]}" front-whoami
