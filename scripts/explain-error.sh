# shellcheck shell=bash
# The engine's classic refusals, each turned into one line that names the fix: for
# scripts/run-step, when a command of the lesson fails. Sourced after lib.sh and
# port-holders.sh. The README's Troubleshooting lists what each line answers.

# The containers of network $1 (Podman 4's `network inspect` does not list them), one line.
members_of() { "$DOCKER" ps -a --filter "network=$1" --format '{{.Names}}' 2>/dev/null | sort | paste -sd ' ' -; }

# Print one line naming the fix for the error $1 of the command $2; or the error as it is.
# $3: make's variable of the port the command publishes (run-step's --port-var), if any.
explain() {
    local err=$1 cmd=$2 port_var=${3-} port who stop name image network holders project where built_by
    case $err in
        *"Cannot connect to the Docker daemon"* | *"docker daemon running"* | *"error during connect"*)
            fail "Docker is not running: start Docker Desktop, or 'sudo systemctl start docker' on Linux, then retry." ;;
        *"Cannot connect to Podman"*) # Podman has no daemon on Linux; elsewhere it runs in a VM
            fail "Podman is not running: 'podman machine start' on macOS and Windows; on Linux, check CONTAINER_HOST and 'podman system connection list', then retry." ;;
        *"permission denied while trying to connect to the Docker daemon"*)
            fail "you may not use Docker: add yourself to the docker group ('sudo usermod -aG docker \$USER', then log in again)." ;;
        *"port is already allocated"* | *"address already in use"*)
            # Docker: "Bind for 0.0.0.0:3000 failed"; Podman: "listen tcp4 :3000: bind: address already in use".
            port=$(grep -oE '(0\.0\.0\.0|\[::\]|127\.0\.0\.1)?:[0-9]+' <<<"$err" | head -1 | grep -oE '[0-9]+$')
            IFS=$'\t' read -r who stop < <(holder '' "$port")
            # The engine says the port is taken: where no holder shows, a program has it still.
            [ -n "$who" ] || who="another program on this machine$(program_on "$port")"
            fail "port $port is already used by $who: stop it${stop:+ ($stop)}, or $(other_port "$port_var" "$port")." ;;
        *"is already in use by"*) # Docker: name "/back" ... by container; Podman: name "back" ... by ID
            name=$(grep -oE 'container name "/?[^"]+"' <<<"$err" | head -1 | sed 's/container name "\/\{0,1\}//; s/"$//')
            running "$name" &&
                fail "the name '$name' is taken by a running container: '$DOCKER rm -f $name' removes it (and what it holds), then retry."
            fail "the name '$name' is taken by a container that is not running: remove it with '$DOCKER rm $name', then retry." ;;
        *"has active endpoints"* | *"network is being used"*)
            network=${cmd##* }
            holders=$(members_of "$network")
            project=$(label_of "${holders%% *}" com.docker.compose.project)
            [ -z "$project" ] || fail "network $network is still used by the Compose stack $project ($holders): stop it with 'make compose-down'."
            fail "network $network is still used by ${holders:-a container}: stop it ('$DOCKER stop ${holders%% *}') or disconnect it ('$DOCKER network disconnect $network ${holders%% *}'), then retry." ;;
        *"no matching manifest for linux/arm64"*)
            fail "this image has no build for your ARM machine (mysql:5.7 is amd64-only): use a multi-arch image, e.g. make db DB_IMAGE=mysql:8.4." ;;
        *"Unable to find image"* | *"pull access denied"* | *"repository does not exist"* | *"manifest unknown"* | *"No such image"* | \
            *"did not resolve to an alias"* | *"requested access to the resource is denied"*)
            # Docker: image 'NAME:TAG'; Podman: short-name "NAME", or docker://NAME:TAG: when a pull failed.
            image=$(grep -oE "image '[^']+'|short-name \"[^\"]+\"|docker://[^ ]+" <<<"$err" | head -1 |
                sed -E "s/^(image '|short-name \"|docker:\/\/)//; s/['\":]+$//")
            # The images make builds: the Makefile passes their names (none is written here).
            built_by=''
            [ -n "${BACK_IMAGE:-}" ] && [[ $image == "$BACK_IMAGE" || $image == "$BACK_IMAGE:latest" ]] && built_by=build
            [ -n "${FRONT_IMAGE:-}" ] && [[ $image == "$FRONT_IMAGE" || $image == "$FRONT_IMAGE:latest" ]] && built_by=build-front
            [ -z "$built_by" ] || fail "image '$image' is missing: build it first with 'make $built_by'."
            where="check the name, and that '$DOCKER pull ${image:-?}' reaches a registry"
            [ ! -x standins/pull-or-build ] || where="check the name, or run 'make pull-images' to build local stand-ins"
            if [[ $err == *"did not resolve to an alias"* ]]; then # Podman asks only the registries it lists
                where="Podman has no registry to look short names up in: add unqualified-search-registries = [\"docker.io\"] to /etc/containers/registries.conf"
                [ ! -x standins/pull-or-build ] || where+=", or run 'make pull-images' to build local stand-ins"
            fi
            fail "image '${image:-?}' is missing and cannot be pulled: $where." ;;
        *"server gave HTTP response to HTTPS client"*)
            # A registry of your own, on plain HTTP (lesson 9's, on this machine).
            where=$(grep -oE '(Get|Head|Put|Post) "https://[^/]+' <<<"$err" | head -1 | sed 's|.*https://||')
            fail "the registry ${where:-?} speaks plain HTTP, which $DOCKER uses only once told: list it as insecure (Podman: [[registry]] location = \"${where:-HOST}\" insecure = true in /etc/containers/registries.conf; Docker: \"insecure-registries\" in daemon.json, not needed on 127.0.0.1), then retry." ;;
        *"bad address"*)
            printf '%s\n' "$err" >&2
            fail "the containers cannot find each other by name: put both on one user-defined network (make alpine-network)." ;;
        *"permission denied (are you root?)"*) # busybox's ping cannot open its raw socket
            printf '%s\n' "$err" >&2
            name=$(sed -nE 's/.* exec (-[a-z]+ )*([^ ]+) .*/\2/p' <<<"$cmd")
            [ "$ENGINE" = podman ] &&
                fail "ping needs the NET_RAW capability, which Podman drops by default: 'make alpine-network' starts one and two with --cap-add=NET_RAW (and replaces those without it)."
            fail "ping needs the NET_RAW capability, which '${name:-?}' was started without: remove it ('$DOCKER rm -f ${name:-?}') and start it again (make alpine-network)." ;;
        *"the input device is not a TTY"*)
            fail "'$cmd' needs an interactive terminal: run it from a shell, not from a script or CI." ;;
        *"No such container"* | *"no such container"* | *"is not running"*) # Podman: no container with name or ID "NAME"
            name=$(grep -oE '(No such container: |Container )[^ ]+|name or ID "[^"]+"' <<<"$err" | head -1 | awk '{print $NF}' | tr -d '"')
            fail "container '${name:-?}' is not running: start it first (see 'make help')." ;;
    esac
    printf '%s\n' "$err" >&2
    exit 1
}
