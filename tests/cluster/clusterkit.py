"""The tests' way into the test cluster (tools/cluster): its kubectl and kubeconfig, a
Service's address from the node, a query in the database's pod."""

import json
import os
import subprocess
from pathlib import Path

from kit import REPO

CLUSTER_DIR = Path(os.environ.get("CLUSTER_DIR", "/var/lib/k8scourse-cluster"))
# What a learner types after `make cluster-up`: the cluster's own kubectl, its kubeconfig.
ENV = {
    **os.environ,
    "KUBECONFIG": str(CLUSTER_DIR / "admin.kubeconfig"),
    "PATH": f"{CLUSTER_DIR / 'bin'}:{os.environ['PATH']}",
}
NS = "k8scourse"


def kubectl(*args, input=None, check=True, timeout=180):
    """kubectl ARGS... on the test cluster, from the repository's root; asserts success
    unless check=False. The result, with .output = stdout + stderr."""
    result = subprocess.run(
        ["kubectl", *args],
        input=input,
        capture_output=True,
        text=True,
        env=ENV,
        cwd=REPO,
        timeout=timeout,
        check=False,
    )
    result.output = result.stdout + result.stderr
    assert not check or result.returncode == 0, f"kubectl {' '.join(args)}: {result.output}"
    return result


def jsonpath(kind, name, path, ns=NS):
    return kubectl("-n", ns, "get", kind, name, "-o", f"jsonpath={path}").stdout


def service_url(name, ns=NS):
    """http://CLUSTER-IP:PORT of a Service: the node reaches it as a pod does (kube-proxy)."""
    spec = json.loads(kubectl("-n", ns, "get", "service", name, "-o", "json").stdout)["spec"]
    return f"http://{spec['clusterIP']}:{spec['ports'][0]['port']}"


def sql(query, user="root"):
    """A query in the db pod, as root (or the app's user), its password read from the
    Secret's file as the probes do: the rows, tab-separated."""
    secret = "root-password" if user == "root" else "password"
    return kubectl(
        "-n",
        NS,
        "exec",
        "k8scourse-db-0",
        "--",
        "sh",
        "-c",
        f'MYSQL_PWD="$(cat /run/secrets/db/{secret})" exec mysql -u{user} -N -B images -e "$0"',
        query,
    ).stdout
