# shellcheck shell=bash
# make lesson 3: the steps of lesson 3 ("Run a container"), run by scripts/walk-lesson.
# What the walk starts beyond the course's end (the stopped containers of the first runs,
# volumes, the database) it removes by name at its end.

# The course's first runs have no --name and no --rm: each leaves a stopped container, which
# the engine names. Those of their images that are new after the first chapter are the walk's.
first_runs() {
    local image id
    for image in hello-world alpine python:3.13-slim; do
        id=$("$DOCKER" image inspect -f '{{.Id}}' "$image" 2>/dev/null) &&
            "$DOCKER" ps -a --filter "ancestor=$id" --format '{{.Names}}'
    done | sort
}
# The "name" of an answer of the API, in the output of the step that just ran (walk-lesson's $log).
# shellcheck disable=SC2154
answered_name() { sed -nE 's/.*"name": ?"([^"]+)".*/\1/p' "$log" | head -1; }
before=$(first_runs)
chapter "Hello, containers"
run pass "Hello from Docker!" "hello-world runs, prints its greeting, and ends" -- "${MAKE_CMD[@]}" hello-world
run pass "^Hello from the container$" "alpine reads hello.txt from this folder, mounted in /app" -- "${MAKE_CMD[@]}" hello-file
run pass "^3\\.[0-9]+\\.[0-9]+$" "Python answers from its image, with its version (the course: node -e)" -- "${MAKE_CMD[@]}" python-version
run pass "^Hello World$" "-e NAME=World reaches the program" -- "${MAKE_CMD[@]}" hello-name
run pass "^Hello Joel$" "-e NAME=Joel: same image, another value" -- "${MAKE_CMD[@]}" hello-name HELLO_NAME=Joel
stopped=$(comm -13 <(printf '%s\n' "$before") <(first_runs) | paste -sd ' ' -)

chapter "A database in a container"
run pass "" "MySQL runs as k8scourse-db, in the background" -- "${MAKE_CMD[@]}" db-alone
# The real mysql image declares a volume for its data: docker rm leaves it behind.
volumes=$("$DOCKER" container inspect -f '{{range .Mounts}}{{if eq .Type "volume"}}{{.Name}} {{end}}{{end}}' k8scourse-db 2>/dev/null)
run pass "k8scourse-db" "$DOCKER ps lists it" -- "${MAKE_CMD[@]}" ps
run pass "" "$DOCKER stop k8scourse-db" -- "${MAKE_CMD[@]}" db-stop
run fail "remove it with '$DOCKER rm k8scourse-db'" "the same run again: the stopped container still holds its name" -- \
    "${MAKE_CMD[@]}" db-alone
run pass "" "$DOCKER rm k8scourse-db frees the name" -- "${MAKE_CMD[@]}" db-rm

chapter "The backend, and a database without init.sql"
run pass "" "MySQL again, with --rm" -- "${MAKE_CMD[@]}" db-with-rm
run pass "is ready" "it answers a query over TCP" -- "${MAKE_CMD[@]}" wait-db
backend_on_host "the backend on this machine, on port 3000 (node .)" '"hint": ?"[^"]*db/init\.sql' \
    "/health: no database images for the backend's user (MySQL's 1044, Access denied): the hint names db/init.sql"
stop_backend_on_host
run pass "k8scourse-db" "$DOCKER ps" -- "${MAKE_CMD[@]}" ps
run pass "" "$DOCKER stop k8scourse-db" -- "${MAKE_CMD[@]}" db-stop
run pass "" "it is gone: it ran with --rm" -- gone k8scourse-db

chapter "The database with init.sql, the backend on this machine"
run pass "" "MySQL starts with db/init.sql mounted" -- "${MAKE_CMD[@]}" db-with-init
run pass "is ready" "it answers a query over TCP once init.sql has run" -- "${MAKE_CMD[@]}" wait-db
backend_on_host "the backend again (node .)" '"db": ?true' "/health: the backend on this machine reaches MySQL on localhost:3306"

chapter "The page's generator and gallery, by hand"
run pass '"name": ?"[a-z]+\.gif"' "Generate Meme: a GIF for a keyword (without GIPHY, one the API ships)" -- "${MAKE_CMD[@]}" gif
gif=$(answered_name)
run pass '"name": ?"[0-9a-f]{32}\.gif"' "Captionize: the caption drawn into every frame, a new GIF" -- \
    "${MAKE_CMD[@]}" caption GIF="$gif"
gif=$(answered_name)
run pass "\"filename\": ?\"$gif\"" "Save To Gallery: a row of the database" -- "${MAKE_CMD[@]}" save GIF="$gif"
run pass "^\\{\"items\": ?\\[\\{[^}]*\"filename\": ?\"$gif\"" "the gallery lists it first, then init.sql's Hello" -- "${MAKE_CMD[@]}" gallery

chapter "Containers are ephemeral"
run pass "" "$DOCKER stop k8scourse-db: with --rm, it goes, and its rows with it" -- "${MAKE_CMD[@]}" db-stop
run pass "" "the same database again, a new container" -- "${MAKE_CMD[@]}" db-with-init
run pass "is ready" "it answers once init.sql has run" -- "${MAKE_CMD[@]}" wait-db
run pass '"db": ?true' "the backend still runs and reconnects (the course's may crash: start it again)" -- \
    scripts/wait-for-http --ok localhost:3000/health
run pass '"items": ?\[\{[^{}]*"id": ?1\}\]' "the gallery holds only init.sql's Hello: the saved image is gone" -- "${MAKE_CMD[@]}" gallery

chapter "What keeps them: volumes"
run pass "" "$DOCKER stop k8scourse-db" -- "${MAKE_CMD[@]}" db-stop
run pass "-v k8scourse-db-data:/var/lib/mysql " "the database again, its files in the named volume k8scourse-db-data" -- \
    "${MAKE_CMD[@]}" db-with-volume
run pass "is ready" "it answers once init.sql has run" -- "${MAKE_CMD[@]}" wait-db
run pass "\"filename\": ?\"$gif\"" "the image saved again" -- "${MAKE_CMD[@]}" save GIF="$gif"
run pass "" "$DOCKER stop k8scourse-db: the container goes, its volume stays" -- "${MAKE_CMD[@]}" db-stop
run pass "" "a new container on the same volume: init.sql does not run on its files again" -- \
    "${MAKE_CMD[@]}" db-with-volume
run pass "is ready" "it answers" -- "${MAKE_CMD[@]}" wait-db
run pass "\"filename\": ?\"$gif\"" "the saved image is still in the gallery" -- "${MAKE_CMD[@]}" gallery
run pass "^200$" "its GIF too: IMAGE_PATH is a folder of this machine (in a container, a volume keeps it)" -- \
    run_shown "curl -sS -o /dev/null -w '%{http_code}\\n' localhost:3000/gifs/$gif"

chapter "What the walk started, removed by name"
stop_backend_on_host
run pass "" "$DOCKER stop k8scourse-db" -- "${MAKE_CMD[@]}" db-stop
run pass "" "the volume k8scourse-db-data${volumes:+, and the one $DOCKER rm k8scourse-db left}" -- \
    run_shown "$DOCKER volume rm k8scourse-db-data ${volumes% }"
removed+="k8scourse-db"$'\n'"the volume k8scourse-db-data"$'\n'"${volumes:+the volume the first k8scourse-db left$'\n'}"
if [ -n "$stopped" ]; then
    run pass "" "the containers the first runs left, stopped (docker ps -a lists them)" -- run_shown "$DOCKER rm $stopped"
    removed+="the $(wc -w <<<"$stopped" | tr -d ' ') stopped containers of the first runs"$'\n'
fi
