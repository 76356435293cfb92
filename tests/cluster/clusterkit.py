"""The tests' way into the test cluster (tools/cluster): command lines as a learner types
them after `make cluster-up` (the cluster's kubectl and kubeconfig, the repository's root),
a Service's address from the node, a query in the database's pod."""

import json
import os
import re
import subprocess
import time
from pathlib import Path

import pytest
from kit import REPO

CLUSTER_DIR = Path(os.environ.get("CLUSTER_DIR", "/var/lib/k8scourse-cluster"))
ENV = {
    **os.environ,
    "KUBECONFIG": str(CLUSTER_DIR / "admin.kubeconfig"),
    "PATH": f"{CLUSTER_DIR / 'bin'}:{os.environ['PATH']}",
}


def sh(command, expect="", tries=1, check=True, env=ENV, where=""):
    """COMMAND through bash; unless check=False it must succeed and print EXPECT (a regular
    expression, searched), within TRIES seconds (a Service's new endpoints may still be on
    their way to kube-proxy). Its stdout and stderr, as one text."""
    for _ in range(tries):
        done = subprocess.run(
            ["bash", "-c", command], capture_output=True, text=True, env=env, cwd=REPO,
            timeout=360, check=False,
        )  # fmt: skip
        out = done.stdout + done.stderr
        if not check or (done.returncode == 0 and re.search(expect, out)):
            return out
        time.sleep(1)
    pytest.fail(f"{where}$ {command}\n{out}", pytrace=False)


def k(args, *more, **options):
    """kubectl ARGS in the namespace of k8s/; the rest as sh's."""
    return sh(f"kubectl -n k8scourse {args}", *more, **options)


def service_url(name):
    """http://CLUSTER-IP:PORT of a Service of k8s/: the node reaches it as a pod does."""
    spec = json.loads(k(f"get service {name} -o json"))["spec"]
    return f"http://{spec['clusterIP']}:{spec['ports'][0]['port']}"


def sql(query, user="root"):
    """A query in the db pod, as root (or the app's user), its password read from the
    Secret's file as the probes do: the rows, tab-separated."""
    secret = "root-password" if user == "root" else "password"
    login = f'MYSQL_PWD="$(cat /run/secrets/db/{secret})" exec mysql -u{user} -N -B images'
    return k(f'exec k8scourse-db-0 -- sh -c \'{login} -e "$0"\' "{query}"')
