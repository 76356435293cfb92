# shellcheck shell=bash
# Whether a running container runs as a `docker run` command would start it, and if not,
# what differs: for make's --replace and --keep (scripts/run-step). Sourced after lib.sh.
#
# No flag of the command is interpreted here: the engine records both sides. bash reads the
# command's words as they will be when it runs (quotes, $(pwd) after its `cd db &&`, -e
# NAME taking NAME's value from the environment); the engine then creates, without
# starting, a probe container from the same words (`create` takes every flag of `run` but
# the few that only make sense for a start), and the two containers' records are compared
# field by field. The one table below is the one thing this needs to know of the flags:
# which take no value, so that the image, the first word that is no flag nor a flag's
# value, is found (docs.docker.com/reference/cli/docker/container/run/, and podman-run(1)).

# Flags that take no value (each may also be written --flag=true|false); every other
# flag takes one, as `--name NAME`, `--name=NAME`, `-p 3000:3000` or `-p3000:3000`.
SWITCHES=' -d --detach -i --interactive -t --tty -P --publish-all -q --quiet --rm --init
  --privileged --read-only --no-healthcheck --oom-kill-disable --disable-content-trust
  --sig-proxy --help --use-api-socket --env-host --http-proxy --no-hosts --read-only-tmpfs
  --replace --rmi --tls-verify --passwd '
# Short switches, which may be bundled (-it, -itd) with at most one short flag that takes a
# value, last (-itp 3000:3000, -dp3000:3000).
SHORT_SWITCHES='dtiPq'
# What `create` refuses, being for a start only: switches, then flags with a value.
START_SWITCHES=' -d --detach --sig-proxy '
START_FLAGS=' --detach-keys --preserve-fds '

# The words COMMAND passes to the engine after its `run`, as bash will pass them: COMMAND is
# run with the engine's command replaced by a function that prints its arguments.
run_words() {
    # shellcheck disable=SC2016 # $@ belongs to the function, inside the command's bash
    bash -c "$DOCKER() { shift; printf '%s\0' \"\$@\"; }; $1"
}

# The words of a `create` of a probe container NAME from a `run`'s words (stdin, NUL after
# each): the start-only flags dropped, --name replaced, nothing pulled; the image and what
# follows it as they are.
probe_words() {
    local probe=$1 word flag value rest
    local -a words=() out=()
    while IFS= read -r -d '' word; do words+=("$word"); done
    set -- ${words[@]+"${words[@]}"}
    while [ $# -gt 0 ]; do
        word=$1
        case $word in
            --) shift; break ;;
            --*=*)
                flag=${word%%=*}
                [[ $flag == --name || $START_SWITCHES$START_FLAGS == *" $flag "* ]] || out+=("$word")
                shift ;;
            --*)
                if [[ $SWITCHES == *" $word "* ]]; then
                    [[ $START_SWITCHES == *" $word "* ]] || out+=("$word")
                    shift
                else
                    [[ $word == --name || $START_FLAGS == *" $word "* ]] || out+=("$word" "${2-}")
                    shift 2
                fi ;;
            -?*)
                # A bundle of short flags: switches, then perhaps one flag whose value is the
                # rest of the word, or else the next word.
                rest=${word#-} flag=''
                while [ -n "$rest" ] && [[ $SHORT_SWITCHES == *"${rest:0:1}"* ]]; do
                    [ "${rest:0:1}" = d ] || flag+=${rest:0:1}
                    rest=${rest:1}
                done
                [ -z "$flag" ] || out+=("-$flag")
                shift
                if [ -n "$rest" ]; then
                    value=${rest:1}
                    if [ -z "$value" ]; then value=${1-}; shift; fi
                    out+=("-${rest:0:1}" "$value")
                fi ;;
            *) break ;;
        esac
    done
    printf '%s\0' create --name "$probe" ${out[@]+"${out[@]}"} --pull=never "$@"
}

# What the engine records of container $1 that a `run` decides, one field a line, named as
# its difference is said. Published ports are those bound to the host (Podman lists the
# image's EXPOSEd ports too, unbound). Bind mounts are the command's -v (Binds); the volumes an image
# declares get a new name in every container (Podman lists them in Binds too, by their
# 64-digit name), and are no difference.
# shellcheck disable=SC2016 # Go templates for the engine, not shell
FIELDS='image={{.Image}}
network={{range $net, $_ := .NetworkSettings.Networks}}{{$net}} {{end}}
published port={{range $port, $to := .HostConfig.PortBindings}}{{if $to}}{{$port}}={{json $to}} {{end}}{{end}}
set of bind mounts={{json .HostConfig.Binds}}
capability set={{json .HostConfig.CapAdd}} {{json .HostConfig.CapDrop}}
command={{json .Config.Entrypoint}} {{json .Config.Cmd}}
user={{.Config.User}} in {{.Config.WorkingDir}}
set of labels={{json .Config.Labels}}
set of resource limits={{.HostConfig.Memory}} {{.HostConfig.NanoCpus}} {{.HostConfig.CpuShares}}
restart policy={{.HostConfig.RestartPolicy.Name}} {{.HostConfig.AutoRemove}}
terminal or privileges={{.Config.Tty}} {{.Config.OpenStdin}} {{.HostConfig.Privileged}} {{.HostConfig.ReadonlyRootfs}}'
record_of() { "$DOCKER" container inspect -f "$FIELDS" "$1" 2>/dev/null | sed -E 's/"[0-9a-f]{64}:[^"]*",?//g'; }

# What of the running container $1 differs from what the `run` COMMAND $2 would start, as a
# list ("network, environment"); empty when nothing does. Where the engine cannot create
# the probe (a missing image or network), its own words say why.
differences() {
    local name=$1 probe="$1-probe-$$" created field ours theirs env_diff list=''
    local -a words=()
    while IFS= read -r -d '' field; do words+=("$field"); done < <(run_words "$2" | probe_words "$probe")
    if ! created=$("$DOCKER" "${words[@]}" 2>&1); then
        printf 'configuration (%s cannot compare: %s)' "$DOCKER" "$(printf '%s\n' "$created" | sed '/^$/d' | tail -1)"
        return
    fi
    ours=$(record_of "$name") theirs=$(record_of "$probe")
    # The environments, line by line; Podman sets HOME and HOSTNAME when a container starts,
    # so the probe (never started) lacks them: they count only where the probe has them.
    env_diff=$(env_of "$name" | grep -vxF -f <(env_of "$probe") | grep -vE '^(HOME|HOSTNAME)=')
    env_diff+=$(env_of "$probe" | grep -vxF -f <(env_of "$name"))
    # -v: the probe's anonymous volumes (the database image declares one) go with it.
    "$DOCKER" rm -f -v "$probe" >/dev/null 2>&1
    while IFS='=' read -r field _; do
        [ "$(grep "^$field=" <<<"$ours")" = "$(grep "^$field=" <<<"$theirs")" ] || list+="${list:+, }$field"
    done <<<"$FIELDS"
    [ -z "$env_diff" ] || list+="${list:+, }environment"
    # Another image brings its own command, user, labels and environment: the image says it.
    case $list in image*) list=$(printf '%s' "$list" | sed -E 's/, (command|user|set of labels|environment)//g') ;; esac
    printf '%s' "$list"
}
