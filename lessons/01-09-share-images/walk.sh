# shellcheck shell=bash
# make lesson 9 REGISTRY=...: the steps of lesson 9 ("Share images"), run by
# scripts/walk-lesson. The lesson's docker login is left to you (make login): a registry of
# your own on this machine needs none (docker run -d -p 5000:5000 registry:2).
[ -n "${REGISTRY:-}" ] ||
    fail "make lesson 9 pushes the images: say where, e.g. make lesson 9 REGISTRY=127.0.0.1:5000/you (a registry on this machine) or REGISTRY=yourname (Docker Hub, after make login)."
chapter "Both images, named for $REGISTRY"
run pass "" "the front image" -- "${MAKE_CMD[@]}" build-front
run pass "" "the backend image" -- "${MAKE_CMD[@]}" build
run pass "" "docker tag: both images named $REGISTRY/..." -- "${MAKE_CMD[@]}" tag
chapter "Pushed, then pulled"
run pass "" "docker push: both images sent to $REGISTRY" -- "${MAKE_CMD[@]}" push
run pass "" "the local copies removed, to pull them back" -- \
    "$DOCKER" rmi "$REGISTRY/k8scourse-front" "$REGISTRY/k8scourse-back"
run pass "" "docker pull: both images back from $REGISTRY" -- "${MAKE_CMD[@]}" pull
run pass "" "version 1: tagged :1 and pushed (lesson 10 runs these)" -- "${MAKE_CMD[@]}" push-version
