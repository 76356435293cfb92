"""The course's Part 2 on the test cluster: the folders of k8s/lessons, 02-02 to 02-14, in
the course's order, with the commands their READMEs give (kubectl apply -f, get, logs,
scale, exec, delete, run), each step's outcome checked. kubectl's namespace is the
lessons', as k8s/README.md's set-up makes it, in a kubeconfig of the walk's own.

A command typed at a shell the README opens (`kubectl exec -it ... -- bash`, `kubectl run
-it`) runs through the same exec without a terminal. `curl localhost` reaches the cluster's
Ingress controller, Skipper (tools/cluster/README.md), which routes no /api/... as 02-08's
ingress-nginx rules do: those requests reach the Services from the toolbox instead."""

import json
import re
import shutil

import pytest
from clusterkit import CLUSTER_DIR, ENV, REPO, sh

pytestmark = pytest.mark.cluster

LESSONS = REPO / "k8s" / "lessons"
NAMESPACE = "k8scourse-lessons"


def readme_commands(lesson):
    text = (LESSONS / lesson / "README.md").read_text(encoding="utf-8")
    return "\n".join(re.findall(r"^```\w*\n(.*?)^```", text, re.M | re.S))


@pytest.fixture(scope="module")
def walk(cluster, tmp_path_factory):
    """walk(LESSON, COMMAND, EXPECT, TRIES): clusterkit.sh in the lessons' kubeconfig. A
    COMMAND starting with "$ " is typed as the lesson's README gives it, word for word (the
    test checks that it does)."""
    kubeconfig = tmp_path_factory.mktemp("lessons") / "kubeconfig"
    shutil.copy(CLUSTER_DIR / "admin.kubeconfig", kubeconfig)
    env = {**ENV, "KUBECONFIG": str(kubeconfig)}
    sh(f"kubectl delete namespace {NAMESPACE} --ignore-not-found --timeout=180s")

    def step(lesson, command, expect="", tries=1):
        if command.startswith("$ "):
            command = command[2:]
            assert command in readme_commands(lesson), f"{lesson}'s README: {command}"
        return sh(command, expect, tries, env=env, where=f"{lesson}: ")

    step("", f"kubectl config set-context --current --namespace={NAMESPACE}")
    yield step
    step("", f"kubectl delete namespace {NAMESPACE}", "deleted")


def pods(walk, lesson, selector):
    out = walk(
        lesson, f"kubectl get pods -l {selector} --field-selector=status.phase=Running -o name"
    )
    return out.split()


def ready(walk, lesson, what):
    walk(lesson, f"kubectl wait --for=condition=Ready {what} --timeout=300s")


def test_02_02_a_pod(walk):
    w = lambda *step: walk("02-02-pod", *step)  # noqa: E731
    w("$ kubectl apply -f k8s/lessons/02-02-pod/", "namespace/k8scourse-lessons created")
    w("kubectl wait --for=jsonpath='{.status.containerStatuses[0].started}'=true pod/hello")
    w("$ kubectl logs hello", "Hello World")
    w("$ kubectl get pods", "hello")
    w("$ kubectl describe pod hello", "alpine:3.22")
    w("$ kubectl delete pod hello", 'pod "hello" deleted')
    w("$ kubectl apply -f k8s/lessons/02-02-pod/nginx/", "pod/hello created")
    ready(walk, "02-02-pod", "pod/hello")
    w("kubectl exec hello -- /bin/bash -c 'curl -s localhost:8080 | head -n 4'", "Welcome to nginx")
    w("$ kubectl delete pod hello")
    w("$ kubectl get all", "No resources found")


def test_02_03_and_02_04_a_toolbox_and_deployments(walk):
    w = lambda *step: walk("02-04-front-deployment", *step)  # noqa: E731
    walk("02-03-toolbox", "$ kubectl apply -f k8s/lessons/02-03-toolbox/", "pod/toolbox created")
    ready(walk, "02-03-toolbox", "pod/toolbox")
    walk("02-03-toolbox", "kubectl exec toolbox -- bash -c 'id -u; echo $HOME'", "999\n/tmp")
    w("$ kubectl apply -f k8s/lessons/02-04-front-deployment/hello/", "deployment.apps/hello")
    w("kubectl rollout status deployment/hello")
    hello = pods(walk, "02-04-front-deployment", "app=hello-demo")
    assert len(hello) == 2
    w(f"kubectl exec {hello[0]} -- /bin/bash -c 'curl -s localhost:8080 | head -n 4'", "nginx")
    for replicas in (10, 4):
        w(f"$ kubectl scale deployment/hello --replicas={replicas}", "scaled")
        w("kubectl rollout status deployment/hello")
        count = "$(kubectl get pods -l app=hello-demo -o name | wc -l)"
        w(f"timeout 120 bash -c 'until [ \"{count}\" = {replicas} ]; do sleep 1; done'")
    gone = pods(walk, "02-04-front-deployment", "app=hello-demo")[0]
    w(f"kubectl delete {gone}", "deleted")
    w("kubectl rollout status deployment/hello")
    again = pods(walk, "02-04-front-deployment", "app=hello-demo")
    assert len(again) == 4 and gone not in again
    w("$ kubectl delete all --all", 'pod "toolbox" deleted')
    walk("02-03-toolbox", "$ kubectl apply -f k8s/lessons/02-03-toolbox/")
    w("$ kubectl apply -f k8s/lessons/02-04-front-deployment/", "k8scourse-front created")
    w("kubectl rollout status deployment/k8scourse-front")
    w("$ kubectl get all", "deployment.apps/k8scourse-front +2/2")


def test_02_05_to_02_09_services_ingress_and_back_end(walk):
    w = lambda *step: walk("02-05-front-service", *step)  # noqa: E731
    assert len(pods(walk, "02-05-front-service", "role=frontend")) == 2
    w("$ kubectl apply -f k8s/lessons/02-05-front-service/", "service/k8scourse-front created")
    w("$ kubectl get services", r"k8scourse-front +ClusterIP .* 80/TCP")
    w("$ kubectl delete pods -l role=frontend")
    w("kubectl rollout status deployment/k8scourse-front")
    front = pods(walk, "02-05-front-service", "role=frontend")[0]
    w(f"kubectl exec {front} -- printenv", "K8SCOURSE_FRONT_SERVICE_HOST=10.96.")
    w("$ kubectl delete pod toolbox")
    w("$ kubectl apply -f k8s/lessons/02-03-toolbox/")
    ready(walk, "02-05-front-service", "pod/toolbox")
    in_toolbox = "kubectl exec toolbox -- bash -c "
    page = "<title>k8scourse"
    w(
        in_toolbox + "'curl -s $K8SCOURSE_FRONT_SERVICE_HOST:$K8SCOURSE_FRONT_SERVICE_PORT'",
        page,
        10,
    )
    w(in_toolbox + "'curl -s k8scourse-front'", page)
    walk("02-06-ingress", "$ kubectl apply -f k8s/lessons/02-06-ingress/", "ingress.*/main created")
    walk("02-06-ingress", "$ kubectl get ingress", r"main +nginx")
    walk("02-06-ingress", "$ curl localhost", "This page needs JavaScript", 10)
    walk("02-07-back", "$ kubectl apply -f k8s/lessons/02-07-back/", "k8scourse-back created")
    walk("02-07-back", "kubectl rollout status deployment/k8scourse-back")
    walk("02-07-back", in_toolbox + "'curl -s k8scourse-back/health'", '"db": ?false', 10)
    walk("02-08-paths", "$ kubectl apply -f k8s/lessons/02-08-paths/", "ingress.*/main configured")
    walk("02-08-paths", "$ curl localhost", page, 10)
    walk("02-09-env-vars", "$ kubectl apply -f k8s/lessons/02-09-env-vars/", "front configured")
    walk("02-09-env-vars", "kubectl rollout status deployment/k8scourse-front")
    walk("02-09-env-vars", "$ kubectl get pods -l role=frontend", "Running")
    walk("02-09-env-vars", "$ curl localhost/config.json", '"baseUrl": ?"api"', 10)


def test_02_10_to_02_12_the_database_seeded_and_connected(walk):
    w = lambda *step: walk("02-12-seed-db", *step)  # noqa: E731
    walk("02-10-persist-data", "$ kubectl apply -f k8s/lessons/02-10-persist-data/", "created")
    walk("02-10-persist-data", "$ kubectl get pv,pvc", r"mysql-pvc +Pending")  # its first pod
    walk("02-11-database", "$ kubectl apply -f k8s/lessons/02-11-database/", "apps/mysql created")
    walk("02-11-database", "kubectl rollout status deployment/mysql --timeout=5m")
    walk("02-11-database", "$ kubectl get pods -l role=db", "mysql-.* Running")
    databases = walk(
        "02-11-database",
        "kubectl exec deploy/mysql -- mysql -uuser -pmysql -e 'SHOW DATABASES;'",
        "information_schema",
    )
    assert "images" not in databases
    w("$ kubectl apply -f k8s/lessons/02-12-seed-db/", "pod/mysql-client created")
    w("$ kubectl wait --for=condition=Ready pod/mysql-client")
    w("$ kubectl exec -i mysql-client -- mysql -hmysql -uroot -proot < db/init.sql")
    w("$ kubectl delete pod mysql-client")
    w("$ kubectl delete pods -l role=db")
    w("$ kubectl rollout status deployment/mysql --timeout=5m")
    client = "kubectl run -it --rm --image=mysql:5.7 --restart=Never mysql-client -- "
    assert client in readme_commands("02-12-seed-db")
    w(
        "echo 'use images; select * from images;' | "  # noqa: S608 (the course's query)
        + client.replace("-it", "-i")
        + "mysql -hmysql -uuser -pmysql",
        r"1\tHello\thello-caption\.gif",
    )
    w(
        "$ kubectl apply -f k8s/lessons/02-12-seed-db/backend/",
        "k8scourse-back configured\nservice/k8scourse-back unchanged",
    )
    w("kubectl rollout status deployment/k8scourse-back")
    w("$ kubectl get pods -l role=backend", "1/1 +Running")
    w("kubectl exec toolbox -- curl -s k8scourse-back/health", '"db": ?true', 10)


def test_02_13_the_captions_drawn_by_a_service_of_their_own(walk):
    w = lambda *step: walk("02-13-unmonolithize", *step)  # noqa: E731
    w("$ kubectl apply -f k8s/lessons/02-13-unmonolithize/", "deployment.apps/microgifcap created")
    w("$ kubectl delete deployment,service k8scourse-back", 'service "k8scourse-back" deleted')
    w("$ kubectl rollout status deployment/microgifcap", "successfully rolled out")
    w("kubectl rollout status deployment/microback")
    listed = w("$ kubectl get pods -l role=backend")
    assert [len(re.findall(rf"^{m}-\S+ +1/1 +Running", listed, re.M)) for m in
            ("microback", "microgifcap")] == [1, 4], listed  # fmt: skip
    curl = "kubectl exec toolbox -- curl -s -H 'Content-Type: application/json' microback/"
    w(curl + "health -w ' %{http_code}'", r'"db": ?true[\s\S]* 200$', 10)
    gif = json.loads(w(curl + 'gifs -d \'{"keyword": "cat"}\'', '"source": ?"shipped"'))
    made = w(curl + f'gifs/{gif["name"]}/captions -d \'{{"caption": "split"}}\'', r"\.gif", 10)
    # Drawn by microgifcap: its access log has the request, from microback's pod.
    back = w("kubectl get pods -l microservice=microback -o jsonpath={.items[0].status.podIP}")
    post = f'"POST /gifs/{gif["name"]}/captions HTTP/1.1" 201'
    w("kubectl logs -l microservice=microgifcap --tail=-1", rf"(?m)^{re.escape(back)} .*{post}")
    w(curl + f"gifs/{json.loads(made)['name']} | head -c 6", "^GIF89a$")  # off the claim


def test_02_14_a_backup_and_its_restore(walk):
    w = lambda *step: walk("02-14-cronjob", *step)  # noqa: E731
    w("$ kubectl apply -f k8s/lessons/02-14-cronjob/", "cronjob.batch/restore created")
    w("$ kubectl get cronjobs", r"restore +17 3 \* \* \* +Etc/UTC +True")
    # The claim of 02-13: its captioned GIF, and two copies two days old, one a row names.
    aged = 'cp *.gif old.gif; cp old.gif hello-caption.gif; touch -d "2 days ago" old.gif hello*'
    w(f"kubectl exec deploy/microback -- sh -c 'cd /tmp/gifcaptionizer && {aged}'")
    w("$ kubectl create job --from=cronjob/cleanup cleanup-now", "created")
    w("kubectl wait --for=condition=complete job/cleanup-now --timeout=180s")
    w("$ kubectl get pods", "cleanup-now-.* Completed")
    w("$ kubectl logs job/cleanup-now", "^removed old.gif: no row names it\nkept: 2 GIFs$")
    ls = "kubectl exec -it deploy/microback -- ls /tmp/gifcaptionizer"
    assert ls in readme_commands("02-14-cronjob")
    w(ls.replace("-it", ""), r"^[0-9a-f]{32}\.gif\nhello-caption\.gif$")
    w("$ kubectl create job --from=cronjob/backup backup-now", "created")
    w("kubectl wait --for=condition=complete job/backup-now --timeout=180s")
    w("$ kubectl get pods", "backup-now-.* Completed")
    dump = re.search(r"dumped (images-\S+\.sql)", w("$ kubectl logs job/backup-now"))[1]
    w(f"kubectl set env cronjob/restore DUMP={dump}")
    w("$ kubectl create job --from=cronjob/restore restore-1", "created")
    w("kubectl wait --for=condition=complete job/restore-1 --timeout=180s")
    w("$ kubectl logs job/restore-1", f"restored {dump}")
