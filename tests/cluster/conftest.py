"""The tests on a real Kubernetes: the project's own one-node cluster (tools/cluster), built
and started by `make cluster-up` once for these tests, stopped by `make cluster-down` after
them. Root only (a kubelet, containerd, iptables): elsewhere they skip, saying why; in CI,
where every part must be there, they fail instead."""

import os

import pytest
from clusterkit import k, sh
from kit import make, missing_part


@pytest.fixture(scope="package")
def cluster():
    """The cluster, up for tests/cluster and down after them (its data kept for the next
    run: `tools/cluster/cluster clean` removes it)."""
    if os.geteuid() != 0:
        missing_part("the test cluster runs as root (tools/cluster/README.md)")
    up = make("cluster-up", timeout=3600)
    if up.returncode != 0:
        make("cluster-down")
        pytest.fail(f"make cluster-up failed:\n{up.output[-4000:]}", pytrace=False)
    yield sh
    down = make("cluster-down", timeout=300)
    assert down.returncode == 0, down.output


@pytest.fixture(scope="package")
def stack(cluster):
    """k8s/ applied as the README says, on a cluster without it (its data, Jobs and
    claims of an earlier run gone with its namespace), every pod Ready."""
    sh("kubectl delete namespace k8scourse --ignore-not-found --timeout=180s")
    sh("kubectl apply -k k8s/")
    for workload in ("statefulset/k8scourse-db", "deployment/k8scourse-back",
                     "deployment/k8scourse-front"):  # fmt: skip
        k(f"rollout status {workload} --timeout=300s")
