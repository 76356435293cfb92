"""k8s/ on the test cluster, as k8s/README.md runs it: every pod Ready under its manifest's
user and read-only root, the API and the page through their Services, a row that outlives
the database's pod, a backup and its restore (a damaged dump refused, nothing lost), a
rolling update under load that fails no request, and the toolbox at the database."""

import json
import sys
import time
import urllib.request
import uuid
from pathlib import Path

import pytest
from clusterkit import CLUSTER_DIR, NS, jsonpath, kubectl, service_url, sql

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "e2e"))
from load import Load  # noqa: E402

pytestmark = pytest.mark.cluster


def get(url):
    with urllib.request.urlopen(url, timeout=10) as answer:  # noqa: S310 (a ClusterIP)
        return answer.status, answer.read().decode()


def post_image(caption):
    request = urllib.request.Request(
        f"{service_url('k8scourse-back')}/images",
        method="POST",
        data=json.dumps({"caption": caption, "filename": f"{caption}.gif"}).encode(),
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=10) as answer:  # noqa: S310
        assert answer.status == 201


def captions():
    return set(sql("SELECT caption FROM images", user="user").split("\n")) - {""}


def volume_of(claim):
    """The folder of a claim's volume on the node (local-path's hostPath)."""
    volume = jsonpath("pvc", claim, "{.spec.volumeName}")
    path = Path(jsonpath("pv", volume, "{.spec.hostPath.path}", ns=""))
    assert path.is_relative_to(CLUSTER_DIR), path
    return path


def toolbox(replicas):
    """The toolbox turned on (1) or off (0), as k8s/README.md does."""
    kubectl("-n", NS, "scale", "deployment/k8scourse-toolbox", f"--replicas={replicas}")
    kubectl("-n", NS, "rollout", "status", "deployment/k8scourse-toolbox", "--timeout=120s")


def run_job(cronjob, name, outcome="complete"):
    """A Job made from a CronJob, as the README does; waits for `outcome`; its log."""
    kubectl("-n", NS, "create", "job", f"--from=cronjob/{cronjob}", name)
    kubectl(
        "-n", NS, "wait", f"--for=condition={outcome}", f"job/{name}", "--timeout=180s", timeout=200
    )
    return kubectl("-n", NS, "logs", f"job/{name}").output


DUMP_VALUE = '{.spec.jobTemplate.spec.template.spec.containers[0].env[?(@.name=="DUMP")].value}'


def test_every_pod_is_ready_as_its_manifest_says_and_the_services_answer(stack):
    pods = json.loads(kubectl("-n", NS, "get", "pods", "-o", "json").stdout)["items"]
    ready = {
        p["metadata"]["name"]: all(c["ready"] for c in p["status"]["containerStatuses"])
        for p in pods
    }
    assert len(ready) == 5 and all(ready.values()), ready
    # mysql as the image's mysql user, HOME out of its data (k8s/README.md, "Non-root").
    db = kubectl(
        "-n",
        NS,
        "exec",
        "k8scourse-db-0",
        "--",
        "sh",
        "-c",
        'echo "$(id -u) $HOME"; touch /x',
        check=False,
    ).output
    assert db.startswith("999 /tmp\n") and "Read-only file system" in db, db
    # Its claim: a folder of mode 0777 that fsGroup left alone (hostPath), as the comment says.
    data = volume_of("data-k8scourse-db-0").stat()
    assert (data.st_mode & 0o7777, data.st_gid) == (0o777, 0)
    status, body = get(f"{service_url('k8scourse-back')}/health")
    assert status == 200 and json.loads(body)["db"] is True
    status, page = get(service_url("k8scourse-front"))
    assert status == 200 and "<title>k8scourse · images</title>" in page
    status, config = get(f"{service_url('k8scourse-front')}/config.json")
    assert json.loads(config)["baseUrl"] == "http://api.k8scourse.localhost"


def test_a_row_outlives_the_database_pod(stack):
    caption = f"kept-{uuid.uuid4().hex[:8]}"
    post_image(caption)
    uid = jsonpath("pod", "k8scourse-db-0", "{.metadata.uid}")
    kubectl("-n", NS, "delete", "pod", "k8scourse-db-0")
    kubectl("-n", NS, "wait", "--for=condition=Ready", "pod/k8scourse-db-0", "--timeout=180s")
    assert jsonpath("pod", "k8scourse-db-0", "{.metadata.uid}") != uid
    assert caption in captions()


def test_a_backup_restores_and_a_damaged_dump_is_refused_losing_nothing(stack):
    tag = uuid.uuid4().hex[:6]
    for n in range(5):
        post_image(f"dumped-{tag}-{n}")
    log = run_job("k8scourse-db-backup", f"backup-{tag}")
    dump = log.split("dumped ", 1)[1].split(";")[0]
    post_image(f"after-{tag}")
    before = captions()
    # A dump damaged in its middle, beside the good one on the claim's folder on the node.
    volume = volume_of("k8scourse-db-backup")
    lines = (volume / dump).read_text().splitlines(keepends=True)
    inserts = [n for n, line in enumerate(lines) if line.startswith("INSERT INTO")]
    lines[inserts[len(inserts) // 2]] = "INSERT INTO `images` VALUES (garbage\n"
    (volume / f"damaged-{dump}").write_text("".join(lines))

    kubectl("-n", NS, "set", "env", "cronjob/k8scourse-db-restore", f"DUMP=damaged-{dump}")
    log = run_job("k8scourse-db-restore", f"damaged-{tag}", outcome="failed")
    assert "did not load; the images table is as it was" in log
    assert captions() == before

    kubectl("-n", NS, "set", "env", "cronjob/k8scourse-db-restore", f"DUMP={dump}")
    log = run_job("k8scourse-db-restore", f"restore-{tag}")
    assert f"restored {dump}" in log
    assert captions() == before - {f"after-{tag}"}
    assert {f"dumped-{tag}-{n}" for n in range(5)} <= captions()
    # Off the cluster, as the README copies it: the toolbox mounts the backups read-only.
    toolbox(1)
    copy = kubectl("-n", NS, "exec", "deploy/k8scourse-toolbox", "--", "cat", f"/backup/{dump}")
    assert copy.stdout == (volume / dump).read_text()
    toolbox(0)
    kubectl("apply", "-k", "k8s/")  # DUMP emptied again, as the README says
    assert jsonpath("cronjob", "k8scourse-db-restore", DUMP_VALUE) == ""


def test_a_rolling_update_of_the_api_under_load_fails_no_request(stack):
    host = service_url("k8scourse-back").split("//")[1].split(":")[0]
    with Load(
        3000, f"rollout-{uuid.uuid4().hex[:8]}", connections=8, seconds=120, host=host
    ) as load:
        load.wait_answered(200)
        old = kubectl("-n", NS, "get", "pods", "-l", "app.kubernetes.io/name=back", "-o", "name")
        kubectl("-n", NS, "rollout", "restart", "deployment/k8scourse-back")
        kubectl(
            "-n",
            NS,
            "rollout",
            "status",
            "deployment/k8scourse-back",
            "--timeout=180s",
            timeout=200,
        )
        # Until the old pods are gone: their preStop sleep and gunicorn's graceful stop.
        kubectl("-n", NS, "wait", "--for=delete", *old.stdout.split(), "--timeout=60s")
        load.wait_answered(200, since=time.monotonic())
    assert load.failed() == [], load.summary()
    query = f"SELECT id FROM images WHERE caption LIKE '{load.tag}-%'"  # noqa: S608 (hex)
    stored = set(sql(query).split())
    assert {str(i) for i in load.acknowledged} <= stored, load.summary()


def test_the_toolbox_reaches_the_database_and_the_tiers(stack):
    toolbox(1)
    out = kubectl(
        "-n",
        NS,
        "exec",
        "deploy/k8scourse-toolbox",
        "--",
        "sh",
        "-c",
        "MYSQL_PWD=mysql mysql -hk8scourse-db -uuser -N images -e 'SELECT 42'"
        " && curl -s k8scourse-back:3000/health && curl -s k8scourse-front:8080/healthz",
    )
    assert out.stdout.startswith("42\n") and '"db":true' in out.stdout, out.output
    toolbox(0)


def test_a_drain_evicts_the_api_while_the_database_is_down(stack):
    """The PodDisruptionBudgets let unready pods go (unhealthyPodEvictionPolicy)."""
    node = kubectl("get", "nodes", "-o", "name").stdout.strip()
    kubectl("-n", NS, "scale", "statefulset/k8scourse-db", "--replicas=0")
    try:
        kubectl(
            "-n",
            NS,
            "wait",
            "--for=condition=Ready=false",
            "pod",
            "-l",
            "app.kubernetes.io/name=back",
            "--timeout=90s",
        )
        kubectl(
            "drain",
            node,
            "--pod-selector=app.kubernetes.io/name=back",
            "--delete-emptydir-data",
            "--timeout=60s",
            timeout=90,
        )
    finally:
        kubectl("uncordon", node)
        kubectl("-n", NS, "scale", "statefulset/k8scourse-db", "--replicas=1")
    for workload in ("statefulset/k8scourse-db", "deployment/k8scourse-back"):
        kubectl("-n", NS, "rollout", "status", workload, "--timeout=180s", timeout=200)
