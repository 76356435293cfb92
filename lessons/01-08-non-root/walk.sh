# shellcheck shell=bash
# make lesson 8: the steps of lesson 8 ("Non-root images"), run by scripts/walk-lesson.
chapter "Both images, rebuilt: non-root already"
run pass "" "the front image" -- "${MAKE_CMD[@]}" build-front
run pass "" "the backend image" -- "${MAKE_CMD[@]}" build
chapter "The three containers again, the front on 8080"
run pass "" "the k8scourse network" -- "${MAKE_CMD[@]}" network
run pass "" "MySQL as k8scourse-db" -- "${MAKE_CMD[@]}" db
run pass "is ready" "the database answers over TCP" -- "${MAKE_CMD[@]}" wait-db
run pass "-p 8080:8080 --name front --rm -e BASE_URL=http://localhost:3001 " "the front on 8080, as its non-root nginx listens" -- \
    "${MAKE_CMD[@]}" front BACK_PORT=3001
run pass "-p 3001:3000" "the backend on port 3001" -- "${MAKE_CMD[@]}" back BACK_PORT=3001
run pass '"db": ?true' "/health on 3001: the page's BASE_URL" -- "${MAKE_CMD[@]}" health BACK_PORT=3001
run pass "<title>k8scourse · memes</title>" "http://localhost:8080 serves the page" -- cut_to "<title>" scripts/wait-for-http localhost:8080/
chapter "Who runs them"
run pass "^nginx$" "whoami in front: nginx (uid 101), not root" -- "${MAKE_CMD[@]}" front-whoami
run pass "^app$" "whoami in back: app (uid 10001), not root" -- "${MAKE_CMD[@]}" back-whoami
