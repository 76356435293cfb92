"""k8s/ on the test cluster, with k8s/README.md's commands: every pod Ready under its
manifest's user and read-only root, the API and the page through their Services and the
Ingress, a row that outlives the database's pod, a backup and its restore (a damaged dump
refused, nothing lost, a dump copied off), a rolling update under load that fails no
request, a drain with the database down, the toolbox at the database and the tiers, and
the wall."""

import json
import sys
import time
import urllib.request
import uuid
from pathlib import Path

import pytest
from clusterkit import CLUSTER_DIR, k, service_url, sh, sql

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "e2e"))
from load import Load  # noqa: E402

pytestmark = pytest.mark.cluster


def get(url):
    with urllib.request.urlopen(url, timeout=10) as answer:  # noqa: S310 (a ClusterIP)
        return answer.status, answer.read().decode()


def post_image(caption):
    body = json.dumps({"caption": caption, "filename": f"{caption}.gif"}).encode()
    headers = {"Content-Type": "application/json"}
    url = f"{service_url('k8scourse-back')}/images"
    request = urllib.request.Request(url, body, headers, method="POST")
    with urllib.request.urlopen(request, timeout=10) as answer:  # noqa: S310
        assert answer.status == 201


def captions():
    return set(sql("SELECT caption FROM images", user="user").split("\n")) - {""}


def volume_of(claim):
    """The folder of a claim's volume on the node (local-path's hostPath)."""
    volume = k(f"get pvc {claim} -o jsonpath={{.spec.volumeName}}")
    path = Path(sh(f"kubectl get pv {volume} -o jsonpath={{.spec.hostPath.path}}"))
    assert path.is_relative_to(CLUSTER_DIR), path
    return path


def toolbox(replicas):
    """The toolbox turned on (1) or off (0), as k8s/README.md does."""
    k(f"scale deployment/k8scourse-toolbox --replicas={replicas}")
    k("rollout status deployment/k8scourse-toolbox")


def run_job(cronjob, name, outcome="complete"):
    """A Job made from a CronJob, as the README does; waits for `outcome`; its log."""
    k(f"create job --from=cronjob/{cronjob} {name}")
    k(f"wait --for=condition={outcome} job/{name} --timeout=180s")
    return k(f"logs job/{name}")


def test_every_pod_is_ready_as_its_manifest_says_and_the_services_answer(stack):
    pods = json.loads(k("get pods -o json"))["items"]
    ready = {p["metadata"]["name"]: p["status"]["containerStatuses"][0]["ready"] for p in pods}
    assert len(ready) == 5 and all(ready.values()), ready
    # mysql as the image's mysql user, HOME out of its data (k8s/README.md, "Non-root").
    db = k("""exec k8scourse-db-0 -- sh -c 'echo "$(id -u) $HOME"; touch /x'""", check=False)
    assert db.startswith("999 /tmp\n") and "Read-only file system" in db, db
    # Its claim: a folder of mode 0777 that fsGroup left alone (hostPath), as the comment says.
    data = volume_of("data-k8scourse-db-0").stat()
    assert (data.st_mode & 0o7777, data.st_gid) == (0o777, 0)
    status, body = get(f"{service_url('k8scourse-back')}/health")
    assert status == 200 and json.loads(body)["db"] is True
    status, page = get(service_url("k8scourse-front"))
    assert status == 200 and "<title>k8scourse · memes</title>" in page
    # By the README's names through the Ingress (Skipper); curl resolves *.localhost itself.
    config = sh("curl -sf http://k8scourse.localhost/config.json", "baseUrl", tries=10)
    assert json.loads(config)["baseUrl"] == "http://api.k8scourse.localhost"
    sh("curl -sf http://api.k8scourse.localhost/health", '"db": ?true', tries=10)


def test_a_row_outlives_the_database_pod(stack):
    caption = f"kept-{uuid.uuid4().hex[:8]}"
    post_image(caption)
    uid = k("get pod k8scourse-db-0 -o jsonpath={.metadata.uid}")
    k("delete pod k8scourse-db-0")
    k("wait --for=condition=Ready pod/k8scourse-db-0 --timeout=180s")
    assert k("get pod k8scourse-db-0 -o jsonpath={.metadata.uid}") != uid
    assert caption in captions()


def test_a_backup_restores_and_a_damaged_dump_is_refused_losing_nothing(stack):
    tag = uuid.uuid4().hex[:6]
    for n in range(5):
        post_image(f"dumped-{tag}-{n}")
    dump = run_job("k8scourse-db-backup", f"backup-{tag}").split("dumped ", 1)[1].split(";")[0]
    post_image(f"after-{tag}")
    before = captions()
    # A dump damaged in its middle, beside the good one on the claim's folder on the node.
    volume = volume_of("k8scourse-db-backup")
    lines = (volume / dump).read_text().splitlines(keepends=True)
    inserts = [n for n, line in enumerate(lines) if line.startswith("INSERT INTO")]
    lines[inserts[len(inserts) // 2]] = "INSERT INTO `images` VALUES (garbage\n"
    (volume / f"damaged-{dump}").write_text("".join(lines))

    k(f"set env cronjob/k8scourse-db-restore DUMP=damaged-{dump}")
    log = run_job("k8scourse-db-restore", f"damaged-{tag}", outcome="failed")
    assert "did not load; the images table is as it was" in log
    assert captions() == before

    k(f"set env cronjob/k8scourse-db-restore DUMP={dump}")
    assert f"restored {dump}" in run_job("k8scourse-db-restore", f"restore-{tag}")
    assert captions() == before - {f"after-{tag}"}
    assert {f"dumped-{tag}-{n}" for n in range(5)} <= captions()
    # Off the cluster, as the README copies it: the toolbox mounts the backups read-only.
    toolbox(1)
    copied = k(f"exec deploy/k8scourse-toolbox -- cat /backup/{dump}")
    assert copied == (volume / dump).read_text()
    toolbox(0)
    sh("kubectl apply -k k8s/")  # DUMP emptied again, as the README says
    job = json.loads(k("get cronjob k8scourse-db-restore -o json"))["spec"]["jobTemplate"]
    env = job["spec"]["template"]["spec"]["containers"][0]["env"]
    assert [e.get("value", "") for e in env if e["name"] == "DUMP"] == [""]


def test_a_rolling_update_of_the_api_under_load_fails_no_request(stack):
    host = service_url("k8scourse-back").split("//")[1].split(":")[0]
    tag = f"rollout-{uuid.uuid4().hex[:8]}"
    with Load(3000, tag, connections=8, seconds=120, host=host) as load:
        load.wait_answered(200)
        old = k("get pods -l app.kubernetes.io/name=back -o name").split()
        k("rollout restart deployment/k8scourse-back")
        k("rollout status deployment/k8scourse-back --timeout=180s")
        # Until the old pods are gone: their preStop sleep and gunicorn's graceful stop.
        k(f"wait --for=delete {' '.join(old)} --timeout=60s")
        load.wait_answered(200, since=time.monotonic())
    assert load.failed() == [], load.summary()
    stored = sql(f"SELECT id FROM images WHERE caption LIKE '{tag}-%'").split()  # noqa: S608
    assert {str(i) for i in load.acknowledged} <= set(stored), load.summary()


def test_the_toolbox_reaches_the_database_and_the_tiers(stack):
    toolbox(1)
    out = k("exec deploy/k8scourse-toolbox -- sh -c \"MYSQL_PWD=mysql mysql -hk8scourse-db "
            "-uuser -N images -e 'SELECT 42' && curl -s k8scourse-back:3000/health\"")  # fmt: skip
    assert out.startswith("42\n") and '"db":true' in out, out
    k("exec deploy/k8scourse-toolbox -- curl -s k8scourse-front:8080/healthz", "^ok")
    toolbox(0)


def test_the_network_policies_are_enforced(stack):
    """kube-router's firewall on: the back reaches the db by name, not the page; a pod without
    the policies' labels is refused the db's port (firewall off: the server's "Access denied")."""
    sh("tools/cluster/cluster netpol-on")
    try:
        back = ("exec deploy/k8scourse-back -- python3 -c "
                "'import socket; socket.create_connection((\"{}\", {}), 5)' 2>&1")  # fmt: skip
        k(back.format("k8scourse-db", 3306))
        k(back.format("k8scourse-front", 8080) + " || true", "ConnectionRefusedError", tries=10)
        db = k("get pod k8scourse-db-0 -o jsonpath={.status.podIP}")
        for namespace in ("k8scourse", "default"):
            run = f"kubectl -n {namespace} run wall-probe --rm -i --restart=Never --image=mysql:5.7"
            out = sh(f"{run} --command -- mysql -h{db} --connect-timeout=5 --skip-ssl", check=False)
            assert "Can't connect" in out and "Access denied" not in out, out
    finally:
        sh("tools/cluster/cluster netpol-off")


def test_a_drain_evicts_the_api_while_the_database_is_down(stack):
    """The PodDisruptionBudgets let unready pods go (unhealthyPodEvictionPolicy)."""
    node = sh("kubectl get nodes -o name").strip()
    k("scale statefulset/k8scourse-db --replicas=0")
    try:
        k("wait --for=condition=Ready=false pod -l app.kubernetes.io/name=back --timeout=90s")
        sh(f"kubectl drain {node} --pod-selector=app.kubernetes.io/name=back "
           "--delete-emptydir-data --timeout=60s")  # fmt: skip
    finally:
        sh(f"kubectl uncordon {node}")
        k("scale statefulset/k8scourse-db --replicas=1")
    for workload in ("statefulset/k8scourse-db", "deployment/k8scourse-back"):
        k(f"rollout status {workload} --timeout=180s")
