#!/bin/sh
# The image's ENTRYPOINT, before the nginx image's own (/docker-entrypoint.sh, its
# argument), as uid 101: nginx always listens on 8080; this adds port 80, which the
# course publishes (`docker run -p 8888:80`), where a non-root process may bind it, and
# says so where it may not. It must run before, not from /docker-entrypoint.d: the
# nginx it picks is the one the entrypoint's `exec nginx` finds on PATH.
#
# A process that is not root may bind port 80
# - where the kernel lets any process do it (net.ipv4.ip_unprivileged_port_start at 80 or
#   below: Docker sets 0 in every container): the plain nginx;
# - holding CAP_NET_BIND_SERVICE (Podman leaves the sysctl at 1024): the copy of nginx in
#   /usr/local/lib/nginx-port-80 has it as a file capability, which exec grants only where
#   the container's bounding set still holds it (Podman's default) and no_new_privs is
#   off. Elsewhere (Kubernetes' `drop: [ALL]`, `allowPrivilegeEscalation: false`) that exec
#   would fail or grant nothing, so the plain nginx runs, on 8080 only.
set -eu

listen_80=/etc/nginx/conf.d/port-80.listen # included by the server block
port_start=$(cat /proc/sys/net/ipv4/ip_unprivileged_port_start)
# Hexadecimal masks of capabilities; CAP_NET_BIND_SERVICE is bit 10.
bounding=$(sed -n 's/^CapBnd:[[:space:]]*//p' /proc/self/status)
no_new_privs=$(sed -n 's/^NoNewPrivs:[[:space:]]*//p' /proc/self/status)

port_80=yes
if [ "$port_start" -gt 80 ]; then
    if [ $((0x$bounding >> 10 & 1)) = 1 ] && [ "$no_new_privs" = 0 ]; then
        PATH=/usr/local/lib/nginx-port-80:$PATH
    else
        port_80=no
    fi
fi
rm -f "$listen_80" 2>/dev/null || true
if [ "$port_80" = yes ] && ! echo "listen 80;" 2>/dev/null >"$listen_80"; then
    port_80=no
fi
if [ "$port_80" = no ] && [ -z "${NGINX_ENTRYPOINT_QUIET_LOGS:-}" ]; then
    echo "${0##*/}: port 80 cannot be bound by a non-root process in this container: nginx listens on 8080 only"
fi
exec "$@"
