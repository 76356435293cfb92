#!/bin/sh
# Render /etc/nginx/templates/**/*.template into /etc/nginx/conf.d/ with
# envsubst, replacing only variables that are defined in the environment, so
# nginx's own variables ($uri, $host, ...) stay as they are.
set -e

ME=$(basename "$0")
log() { [ -n "${NGINX_ENTRYPOINT_QUIET_LOGS:-}" ] || echo "$ME: $*"; }

template_dir="${NGINX_ENVSUBST_TEMPLATE_DIR:-/etc/nginx/templates}"
suffix="${NGINX_ENVSUBST_TEMPLATE_SUFFIX:-.template}"
output_dir="${NGINX_ENVSUBST_OUTPUT_DIR:-/etc/nginx/conf.d}"
filter="${NGINX_ENVSUBST_FILTER:-}"

[ -d "$template_dir" ] || exit 0
if [ ! -w "$output_dir" ]; then
    log "ERROR: $template_dir exists, but $output_dir is not writable"
    exit 0
fi

# "${NAME} " for every variable in the environment (matching the filter).
defined_envs=$(awk "END { for (name in ENVIRON) if (name ~ /${filter}/) printf \"\${%s} \", name }" </dev/null)

find "$template_dir" -follow -type f -name "*$suffix" -print | while read -r template; do
    relative_path="${template#"$template_dir/"}"
    output_path="$output_dir/${relative_path%"$suffix"}"
    subdir=$(dirname "$relative_path")
    mkdir -p "$output_dir/$subdir"
    log "Running envsubst on $template to $output_path"
    envsubst "$defined_envs" <"$template" >"$output_path"
done
