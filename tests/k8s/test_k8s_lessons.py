"""The course's Part 2, lesson by lesson (k8s/lessons/): each folder as `kubectl apply -f`
reads it is valid for a current Kubernetes, lives in the lessons' namespace, and holds
what its lesson builds, with the course's names and labels, this repository's images and
ports, and the course's errata fixed. Expectations are written out here, as the lessons
and their READMEs state them."""

import copy
import json
import os
import re
import time

import pytest
from kubernetes_validate import utils as kv
from manifests import (
    COMPLETE,
    FOLDERS,
    LESSONS,
    LESSONS_NAMESPACE,
    Run,
    container_of,
    cronjob_pod,
    env_of,
    file_content,
    find,
    manifest_files,
    only_container,
    pod_spec,
    schema_failures,
)
from policies import reaches, spec_of, template_labels

from api import create_app
from api.config import Config


def kinds_and_names(docs):
    return [(d["kind"], d["metadata"]["name"]) for d in docs]


def code_blocks(folder):
    """The commands of a lesson's README: its fenced code blocks, as one text."""
    text = (LESSONS / folder.split("/")[0] / "README.md").read_text(encoding="utf-8")
    return "\n".join(re.findall(r"^```\w*\n(.*?)^```", text, re.M | re.S))


def routes_of_the_api():
    return {r.rule for r in create_app(Config()).url_map.iter_rules() if "GET" in r.methods}


# ---- Every folder ----


def test_the_folders_are_the_lessons():
    """Every folder that holds manifests is one a lesson applies, and the reverse."""
    found = {
        str(path.parent.relative_to(LESSONS)) for path in manifest_files(LESSONS, recursive=True)
    }
    assert found == set(FOLDERS)


def test_nothing_else_in_a_lesson_folder():
    """Manifests kubectl reads, and the lesson's README: no file a learner would take for
    part of the lesson and kubectl would skip (or the reverse)."""
    for path in LESSONS.rglob("*"):
        if path.is_file():
            assert path.suffix in (".json", ".yaml") or path.name == "README.md", path
    lessons = sorted(p.name for p in LESSONS.iterdir())
    assert lessons == sorted({folder.split("/")[0] for folder in FOLDERS})
    for lesson in lessons:
        assert (LESSONS / lesson / "README.md").is_file(), lesson


@pytest.mark.parametrize("folder", FOLDERS)
def test_each_lesson_says_how_to_apply_it(folder):
    assert re.search(rf"^kubectl apply -f k8s/lessons/{folder}/(\s|$)", code_blocks(folder), re.M)


@pytest.mark.parametrize("folder", FOLDERS)
def test_every_object_validates_strictly(lessons, folder):
    failures = schema_failures(lessons[folder], kv.latest_version())
    assert not failures, "\n".join(failures)


@pytest.mark.parametrize("folder", FOLDERS)
def test_everything_lands_in_the_lessons_namespace(lessons, folder):
    for doc in lessons[folder]:
        if doc["kind"] == "Namespace":
            assert (folder, doc["metadata"]["name"]) == ("02-02-pod", LESSONS_NAMESPACE)
        else:
            assert doc["metadata"].get("namespace") == LESSONS_NAMESPACE, doc["metadata"]["name"]


def test_the_namespace_is_made_before_anything_in_it(lessons):
    """kubectl applies a folder's files in the order of their names."""
    assert kinds_and_names(lessons["02-02-pod"]) == [
        ("Namespace", LESSONS_NAMESPACE),
        ("Pod", "hello"),
    ]


# ---- Lesson by lesson ----


def test_02_02_a_pod_is_core_v1(lessons):
    for folder in ("02-02-pod", "02-02-pod/nginx"):
        pod = find(lessons[folder], "Pod", "hello")
        assert pod["apiVersion"] == "v1", "the course's apps/v1 has no kind Pod"
    [hello] = find(lessons["02-02-pod"], "Pod", "hello")["spec"]["containers"]
    assert hello["command"] == ["sh", "-c", "echo Hello World && sleep 30"]
    [nginx] = find(lessons["02-02-pod/nginx"], "Pod", "hello")["spec"]["containers"]
    assert nginx["ports"] == [{"name": "http", "containerPort": 8080}]


def test_02_03_the_toolbox_is_json_with_the_databases_image(lessons):
    [path] = manifest_files(LESSONS / "02-03-toolbox")
    toolbox = json.loads(path.read_text(encoding="utf-8"))  # JSON, as the course shows
    assert kinds_and_names([toolbox]) == [("Pod", "toolbox")]
    assert toolbox["spec"]["enableServiceLinks"] is True, "02-05 prints the Service variables"
    mysql = find(lessons["02-11-database"], "Deployment", "mysql")
    assert only_container(toolbox)["image"] == only_container(mysql)["image"] == "mysql:5.7"


def test_02_04_the_front_deployment(lessons, make_vars):
    hello = find(lessons["02-04-front-deployment/hello"], "Deployment", "hello")
    assert hello["spec"]["selector"] == {"matchLabels": {"app": "hello-demo"}}
    assert hello["spec"]["replicas"] == 2
    front = find(lessons["02-04-front-deployment"], "Deployment", "k8scourse-front")
    labels = {"app": "k8scourse-demo", "role": "frontend"}
    assert front["metadata"]["labels"] == labels
    assert front["spec"]["template"]["metadata"]["labels"] == labels
    assert front["spec"]["selector"] == {"matchLabels": {"role": "frontend"}}
    assert front["spec"]["replicas"] == 2
    container = only_container(front)
    assert container["image"] == "k8scourse-front" == make_vars["FRONT_IMAGE"]
    assert container["imagePullPolicy"] == "IfNotPresent"
    assert container["ports"] == [{"name": "http", "containerPort": 8080}]
    for probe in ("readinessProbe", "livenessProbe"):
        assert container[probe]["httpGet"] == {"path": "/healthz", "port": "http"}
    assert pod_spec(front)["enableServiceLinks"] is True, "02-05 prints the Service variables"


def test_02_05_the_front_service_and_its_variables(lessons):
    service = find(lessons["02-05-front-service"], "Service", "k8scourse-front")
    assert service["spec"]["selector"] == {"role": "frontend"}
    assert service["spec"]["ports"] == [{"protocol": "TCP", "port": 80, "targetPort": 8080}]
    commands = code_blocks("02-05-front-service")
    # Kubernetes names them after the Service: k8scourse-front, not the course's k8scourse.
    assert "curl $K8SCOURSE_FRONT_SERVICE_HOST:$K8SCOURSE_FRONT_SERVICE_PORT" in commands
    assert "K8SCOURSE_SERVICE_" not in commands
    assert "curl k8scourse-front\n" in commands


def test_02_06_the_ingress_is_networking_v1(lessons):
    ingress = find(lessons["02-06-ingress"], "Ingress", "main")
    assert ingress["apiVersion"] == "networking.k8s.io/v1"
    assert ingress["spec"] == {
        "ingressClassName": "nginx",
        "defaultBackend": {"service": {"name": "k8scourse-front", "port": {"number": 80}}},
    }


def test_02_07_the_back_end(lessons, make_vars):
    back = find(lessons["02-07-back"], "Deployment", "k8scourse-back")
    labels = {"app": "k8scourse-demo", "role": "backend"}
    assert back["metadata"]["labels"] == back["spec"]["template"]["metadata"]["labels"] == labels
    assert back["spec"]["selector"] == {"matchLabels": {"role": "backend"}}
    assert back["spec"]["replicas"] == 1
    container = only_container(back)
    assert container["name"] == "api"
    assert container["image"] == "k8scourse-back" == make_vars["BACK_IMAGE"]
    assert container["ports"] == [{"name": "http", "containerPort": 3000}]
    # No database yet: ready when the process answers, or the Service would have no one.
    assert container["readinessProbe"]["httpGet"]["path"] == "/livez" in routes_of_the_api()
    assert container["livenessProbe"]["httpGet"]["path"] == "/livez"
    # The Service mysql of 02-11 would bring MYSQL_PORT=tcp://...: the API would refuse it.
    assert pod_spec(back)["enableServiceLinks"] is False
    service = find(lessons["02-07-back"], "Service", "k8scourse-back")
    assert service["spec"]["selector"] == {"role": "backend"}
    assert service["spec"]["ports"] == [{"protocol": "TCP", "port": 80, "targetPort": 3000}]


def ingress_nginx_route(ingress, uri):
    """Where ingress-nginx sends `uri` and what path it passes on, as its documentation
    says: with rewrite-target, paths are case-insensitive regular expressions matched from
    the start of the path, the longest first; $n in the target is the n-th group."""
    target = ingress["metadata"]["annotations"]["nginx.ingress.kubernetes.io/rewrite-target"]
    paths = [p for rule in ingress["spec"]["rules"] for p in rule["http"]["paths"]]
    for path in sorted(paths, key=lambda p: len(p["path"]), reverse=True):
        match = re.match(path["path"], uri, re.I)
        if match:
            groups = (match[0], *match.groups())
            rewritten = re.sub(r"\$(\d)", lambda ref, groups=groups: groups[int(ref[1])], target)
            return path["backend"]["service"]["name"], rewritten
    return None


def test_02_08_the_paths_are_regular_expressions(lessons):
    ingress = find(lessons["02-08-paths"], "Ingress", "main")
    assert ingress["spec"]["ingressClassName"] == "nginx"
    assert ingress["metadata"]["annotations"] == {
        "nginx.ingress.kubernetes.io/rewrite-target": "/$2"
    }
    paths = [
        (p["path"], p["pathType"], p["backend"]["service"]["name"], p["backend"]["service"]["port"])
        for rule in ingress["spec"]["rules"]
        for p in rule["http"]["paths"]
    ]
    assert paths == [
        ("/api(/|$)(.*)", "ImplementationSpecific", "k8scourse-back", {"number": 80}),
        ("/()(.*)", "ImplementationSpecific", "k8scourse-front", {"number": 80}),
    ]


@pytest.mark.parametrize(
    ("uri", "service", "path"),
    [
        ("/api/health", "k8scourse-back", "/health"),
        ("/api/images/3", "k8scourse-back", "/images/3"),
        ("/api", "k8scourse-back", "/"),
        ("/api/", "k8scourse-back", "/"),
        ("/apiary", "k8scourse-front", "/apiary"),
        ("/", "k8scourse-front", "/"),
        ("/config.json", "k8scourse-front", "/config.json"),
    ],
)
def test_02_08_routes(lessons, uri, service, path):
    ingress = find(lessons["02-08-paths"], "Ingress", "main")
    assert ingress_nginx_route(ingress, uri) == (service, path)


def test_02_08_the_apis_routes_are_reached(lessons):
    ingress = find(lessons["02-08-paths"], "Ingress", "main")
    for route in ("/health", "/images", "/readyz"):
        assert route in routes_of_the_api()
        assert ingress_nginx_route(ingress, f"/api{route}") == ("k8scourse-back", route)


def test_02_09_adds_base_url_and_nothing_else(lessons):
    before = copy.deepcopy(find(lessons["02-04-front-deployment"], "Deployment", "k8scourse-front"))
    after = find(lessons["02-09-env-vars"], "Deployment", "k8scourse-front")
    only_container(before)["env"] = [{"name": "BASE_URL", "value": "api"}]
    assert after == before


def test_02_10_a_claim_and_no_volume(lessons):
    [claim] = lessons["02-10-persist-data"]
    assert kinds_and_names([claim]) == [("PersistentVolumeClaim", "mysql-pvc")]
    storage = {"requests": {"storage": "1Gi"}}
    assert claim["spec"] == {"accessModes": ["ReadWriteOnce"], "resources": storage}


def test_02_11_the_database(lessons, make_vars):
    docs = lessons["02-11-database"]
    service = find(docs, "Service", "mysql")
    assert service["spec"] == {"ports": [{"port": 3306}], "selector": {"role": "db"}}
    mysql = find(docs, "Deployment", "mysql")
    assert mysql["spec"]["selector"] == {"matchLabels": {"role": "db"}}
    assert mysql["spec"]["template"]["metadata"]["labels"]["role"] == "db"
    assert mysql["spec"]["strategy"] == {"type": "Recreate"}, "never two servers on one folder"
    container = only_container(mysql)
    assert container["image"] == make_vars["DB_IMAGE"] == "mysql:5.7"
    env = {k: v["value"] for k, v in env_of(container).items()}
    assert env == {"MYSQL_USER": "user", "MYSQL_PASSWORD": "mysql", "MYSQL_ROOT_PASSWORD": "root"}
    volumes = {v["name"]: v for v in pod_spec(mysql)["volumes"]}
    [data] = [m for m in container["volumeMounts"] if m["mountPath"] == "/var/lib/mysql"]
    assert volumes[data["name"]]["persistentVolumeClaim"] == {"claimName": "mysql-pvc"}
    assert data["subPath"], "lost+found on a fresh volume's root"
    commands = code_blocks("02-11-database")
    assert "kubectl get pods -l role=db" in commands
    assert "section=db" not in commands


def test_02_12_connects_the_back_end_and_nothing_else(lessons):
    before = copy.deepcopy(find(lessons["02-07-back"], "Deployment", "k8scourse-back"))
    after = find(lessons["02-12-seed-db/backend"], "Deployment", "k8scourse-back")
    env = {"MYSQL_HOST": "mysql", "MYSQL_USER": "user", "MYSQL_PASS": "mysql"}
    only_container(before)["env"] = [{"name": k, "value": v} for k, v in env.items()]
    only_container(before)["readinessProbe"]["httpGet"]["path"] = "/readyz"
    assert after == before
    assert "/readyz" in routes_of_the_api()
    assert find(lessons["02-12-seed-db/backend"], "Service", "k8scourse-back") == find(
        lessons["02-07-back"], "Service", "k8scourse-back"
    )


def test_02_12_the_back_end_logs_in_as_the_databases_user(lessons):
    """The API's settings from the lesson's variables (MYSQL_PASS being the course's
    MYSQL_PASSWORD, or the same default): the database's address, user and password."""
    back = only_container(find(lessons["02-12-seed-db/backend"], "Deployment", "k8scourse-back"))
    config = Config.from_env({k: v["value"] for k, v in env_of(back).items()})
    mysql = env_of(only_container(find(lessons["02-11-database"], "Deployment", "mysql")))
    assert (
        config.mysql_host == find(lessons["02-11-database"], "Service", "mysql")["metadata"]["name"]
    )
    assert config.mysql_user == mysql["MYSQL_USER"]["value"]
    assert config.mysql_password == mysql["MYSQL_PASSWORD"]["value"]
    assert config.mysql_database == "images"


def test_02_12_seeds_with_the_databases_root_password(lessons):
    client = find(lessons["02-12-seed-db"], "Pod", "mysql-client")
    mysql = find(lessons["02-11-database"], "Deployment", "mysql")
    assert only_container(client)["image"] == only_container(mysql)["image"]
    root = env_of(only_container(mysql))["MYSQL_ROOT_PASSWORD"]["value"]
    commands = code_blocks("02-12-seed-db")
    assert f"kubectl exec -i mysql-client -- mysql -hmysql -uroot -p{root} < db/init.sql" in (
        commands
    )
    assert "kubectl cp" not in commands, "no tar in the mysql image"
    # The course's order: seeded and checked first, the back end connected last.
    seeded = commands.index("< db/init.sql")
    checked = commands.index("kubectl run -it --rm --image=mysql:5.7")
    assert seeded < checked < commands.index("kubectl apply -f k8s/lessons/02-12-seed-db/backend/")
    assert "--image=mysql:8.4" in (LESSONS / "02-12-seed-db" / "README.md").read_text()


def test_02_14_backup_and_restore_are_the_end_states(lessons, docs):
    """The same two scripts as k8s/base/backup.yaml, the same schedule, for the database
    of 02-11, with its root password."""
    lesson = lessons["02-14-cronjob"]
    for ours, theirs in (("backup", "db-backup"), ("restore", "db-restore")):
        cronjob = find(lesson, "CronJob", ours)
        assert cronjob["apiVersion"] == "batch/v1"
        end_state = find(docs, "CronJob", f"k8scourse-{theirs}")
        assert container_of(cronjob)["command"] == container_of(end_state)["command"]
        assert cronjob["spec"]["schedule"] == end_state["spec"]["schedule"] == "17 3 * * *"
        assert cronjob["spec"].get("suspend", False) is (ours == "restore")
        assert env_of(container_of(cronjob))["MYSQL_HOST"]["value"] == "mysql"
        spec, container = cronjob_pod(cronjob), container_of(cronjob)
        path = env_of(container)["MYSQL_ROOT_PASSWORD_FILE"]["value"]
        mysql = only_container(find(lessons["02-11-database"], "Deployment", "mysql"))
        root = env_of(mysql)["MYSQL_ROOT_PASSWORD"]["value"]
        assert file_content(lesson, spec, container, path) == root


def test_02_14_the_backup_dumps_the_lessons_database(lessons, tmp_path):
    run = Run(
        lessons["02-14-cronjob"], find(lessons["02-14-cronjob"], "CronJob", "backup"), tmp_path
    )
    result = run(STUB_DUMP=COMPLETE)
    assert result.returncode == 0, result.stderr
    assert run.recorded("mysqldump", "args").split()[:2] == ["--host=mysql", "--user=root"]
    assert run.recorded("mysqldump", "pwd") == "root"
    assert len(run.dumps()) == 1


def lesson_pod(doc):
    """A workload's pods as policies.reaches reads them."""
    return {
        "namespace": LESSONS_NAMESPACE,
        "labels": template_labels(doc),
        "containers": spec_of(doc)["containers"],
    }


def test_02_13_the_split_shares_one_claim_and_only_the_api_calls_the_service(lessons):
    docs = lessons["02-13-unmonolithize"]
    back, service = find(docs, "Deployment", "microback"), find(docs, "Deployment", "microgifcap")
    env = env_of(only_container(back))
    assert env["GIF_CAPTION_SVC"]["value"] == "microgifcap"
    assert find(docs, "Service", "microgifcap")["spec"]["selector"] == {
        "microservice": "microgifcap"
    }
    for doc in (back, service):  # the same claim, where IMAGE_PATH says
        container = only_container(doc)
        path = env_of(container)["IMAGE_PATH"]["value"]
        [volume] = [v for v in pod_spec(doc)["volumes"] if "persistentVolumeClaim" in v]
        assert volume["persistentVolumeClaim"]["claimName"] == "micro-pvc"
        mounts = {m["name"]: m["mountPath"] for m in container["volumeMounts"]}
        assert mounts[volume["name"]] == path == "/tmp/gifcaptionizer"
    caller, callee = lesson_pod(back), lesson_pod(service)
    front = lesson_pod(find(lessons["02-04-front-deployment"], "Deployment", "k8scourse-front"))
    assert reaches(docs, caller, callee, 4000)
    assert not reaches(docs, front, callee, 4000), "nothing else reaches the service"
    assert not reaches(docs, callee, caller, 3000), "the service calls nothing"


def test_02_14_the_cleanup_removes_only_old_gifs_no_row_names(lessons, tmp_path):
    lesson = lessons["02-14-cronjob"]
    run = Run(lesson, find(lesson, "CronJob", "cleanup"), tmp_path)
    gifs = tmp_path / "gifs"
    gifs.mkdir()
    day_old = time.time() - 2 * 86400
    for name, mtime in [("saved.gif", day_old), ("unsaved.gif", day_old), ("fresh.gif", None),
                        (".left.gif.part", day_old)]:  # fmt: skip
        (gifs / name).write_bytes(b"GIF89a")
        if mtime:
            os.utime(gifs / name, (mtime, mtime))
    failed = run(IMAGE_PATH=str(gifs), STUB_MYSQL_STATUS="1")
    assert failed.returncode != 0 and len(list(gifs.iterdir())) == 4, "no rows: nothing removed"
    result = run(IMAGE_PATH=str(gifs), STUB_ROWS="saved.gif\nother.gif\n")
    assert result.returncode == 0, result.stderr
    assert sorted(p.name for p in gifs.iterdir()) == ["fresh.gif", "saved.gif"]
    assert "removed unsaved.gif" in result.stdout
    assert run.recorded("mysql", "pwd") == "root"
