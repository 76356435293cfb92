"""The manifests agree with the other tiers: the Makefile's names, ports and images, the
backend's settings and routes, the front's files, and compose.yaml. So they cannot drift."""

import ast
import os
import re
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from kit import run
from manifests import (
    PROJECT,
    REPO,
    compose_container_ports,
    compose_default,
    compose_env,
    container_port,
    dockerfile_exposed,
    env_of,
    file_content,
    find,
    ingress_hosts,
    makefile_arm64_db_image,
    makefile_container_port,
    only_container,
    pod_spec,
    resolved_env,
    secret_value,
)

from api import create_app
from api.config import Config

# The rendered names: the project's name and the part's (compose.yaml's service names).
PARTS = ("db", "back", "front")
DB, BACK, FRONT = (f"{PROJECT}-{part}" for part in PARTS)
INIT_SQL = (REPO / "db" / "init.sql").read_text(encoding="utf-8")


def service_port(docs, name):
    [port] = find(docs, "Service", name)["spec"]["ports"]
    return port


def env_names_read_by_back():
    """Every NAME-like string in the modules that read the environment."""
    names = set()
    for path in ("back/api/config.py", "back/gunicorn.conf.py"):
        tree = ast.parse((REPO / path).read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                if re.fullmatch(r"[A-Z][A-Z0-9_]+", node.value):
                    names.add(node.value)
    # Set by back/Dockerfile (ENV PORT=3000) and read by config.py: already in the set.
    return names


# ---- The Makefile ----


def test_namespace_is_the_docker_network(docs, make_vars):
    [namespace] = [d for d in docs if d["kind"] == "Namespace"]
    assert namespace["metadata"]["name"] == make_vars["NETWORK"]


def test_db_name_port_and_image_match_the_makefile(docs, make_vars):
    statefulset = find(docs, "StatefulSet", make_vars["DB_NAME"])
    container = only_container(statefulset)
    assert container["image"] == make_vars["DB_IMAGE"]
    port = service_port(docs, make_vars["DB_NAME"])
    assert port["port"] == int(make_vars["DB_PORT"])
    assert container_port(container, port["targetPort"]) == makefile_container_port("DB_PORT")
    assert statefulset["spec"]["serviceName"] in {
        s["metadata"]["name"] for s in docs if s["kind"] == "Service"
    }


@pytest.mark.parametrize(
    ("name", "image", "port", "dockerfile"),
    [
        (BACK, "BACK_IMAGE", "BACK_PORT", "back/Dockerfile"),
        (FRONT, "FRONT_IMAGE", "FRONT_PORT", "front/Dockerfile"),
    ],
)
def test_app_names_ports_and_images_match(docs, make_vars, name, image, port, dockerfile):
    deployment = find(docs, "Deployment", name)
    container = only_container(deployment)
    # The Makefile builds these images locally: they are named after the Deployment,
    # and must not be pulled (kind load / minikube image load put them on the node).
    assert container["image"] == make_vars[image] == name
    assert container["imagePullPolicy"] == "IfNotPresent"
    service = service_port(docs, name)
    assert service["port"] == int(make_vars[port])
    target = container_port(container, service["targetPort"])
    assert target == makefile_container_port(port)
    assert target in dockerfile_exposed(dockerfile)
    assert deployment["spec"]["replicas"] >= 2


def test_back_finds_the_db_by_the_makefiles_name(docs, make_vars):
    env = env_of(only_container(find(docs, "Deployment", BACK)))
    # The lesson's fix, `-e MYSQL_HOST=$(DB_NAME)`, and the Service of that name.
    assert "MYSQL_HOST=$(DB_NAME)" in (REPO / "Makefile").read_text(encoding="utf-8")
    assert env["MYSQL_HOST"]["value"] == make_vars["DB_NAME"]
    if "MYSQL_PORT" in env:
        assert int(env["MYSQL_PORT"]["value"]) == service_port(docs, DB)["port"]


# ---- The backend's code ----


def test_back_env_names_are_ones_the_backend_reads(docs):
    names = set(env_of(only_container(find(docs, "Deployment", BACK))))
    assert {"MYSQL_HOST", "MYSQL_PASSWORD_FILE"} <= names, names
    unknown = names - env_names_read_by_back()
    assert not unknown, f"back/api/config.py reads none of {sorted(unknown)}"


def test_back_config_from_the_manifests(docs, tmp_path):
    """Config.from_env on the environment the pod really gets (secrets resolved, files
    mounted): every setting lands where the other objects are. The user MySQL creates on
    first start is the one the API logs in as, and the one db/init.sql grants to."""
    deployment, statefulset = find(docs, "Deployment", BACK), find(docs, "StatefulSet", DB)
    spec, container = pod_spec(deployment), only_container(deployment)
    config = Config.from_env(resolved_env(docs, spec, container, tmp_path))
    db_env = resolved_env(docs, pod_spec(statefulset), only_container(statefulset), tmp_path)

    assert config.mysql_host == DB
    assert config.mysql_port == service_port(docs, DB)["port"]
    assert config.mysql_user == db_env["MYSQL_USER"]
    assert config.mysql_password == secret_value(docs, DB, "password")
    assert config.mysql_password == Path(db_env["MYSQL_PASSWORD_FILE"]).read_text()
    assert set(re.findall(r"\bTO\s+'([^']+)'@", INIT_SQL)) == {config.mysql_user}
    assert "MYSQL_ROOT_PASSWORD_FILE" in db_env
    # Without MYSQL_DATABASE the image grants nothing; init.sql grants DML only.
    assert "MYSQL_DATABASE" not in db_env
    assert config.port == container_port(container, "http")
    database = re.search(r"CREATE DATABASE IF NOT EXISTS (\w+)", INIT_SQL)[1]
    assert config.mysql_database == database
    front_host = ingress_hosts(docs)[FRONT]
    assert f"http://{front_host}" in config.cors_origins


def test_back_probe_paths_are_routes_of_the_api(docs):
    container = only_container(find(docs, "Deployment", BACK))
    routes = {r.rule for r in create_app(Config()).url_map.iter_rules() if "GET" in r.methods}
    readiness = container["readinessProbe"]["httpGet"]
    liveness = container["livenessProbe"]["httpGet"]
    assert readiness["path"] == "/readyz" and readiness["path"] in routes
    # Liveness must not depend on the database, or an outage restarts every pod.
    assert liveness["path"] == "/livez" and liveness["path"] in routes
    for probe in (readiness, liveness):
        assert container_port(container, probe["port"]) == Config().port


PROBES = ("startupProbe", "readinessProbe")


def test_db_probes_query_over_tcp(docs, compose):
    """The image's init server listens on the socket only: a probe over the socket
    would pass before db/init.sql has run. Compose's health check is the same query."""
    container = only_container(find(docs, "StatefulSet", DB))
    test = compose["services"]["db"]["healthcheck"]["test"]
    compose_check = " ".join(test[1:] if isinstance(test, list) else [test])
    for command in (*(container[p]["exec"]["command"] for p in PROBES), compose_check.split()):
        for needle in ("--protocol=TCP", "-h127.0.0.1", "SELECT 1", "MYSQL_PWD"):
            assert needle in " ".join(command), (needle, command)
    startup = container["startupProbe"]
    assert startup["periodSeconds"] * startup["failureThreshold"] >= 150


def test_db_init_and_data_mounts(docs):
    statefulset = find(docs, "StatefulSet", DB)
    spec, container = pod_spec(statefulset), only_container(statefulset)
    assert file_content(docs, spec, container, "/docker-entrypoint-initdb.d/init.sql") == INIT_SQL
    [data] = [m for m in container["volumeMounts"] if m["mountPath"] == "/var/lib/mysql"]
    assert data["subPath"], "lost+found on a fresh volume's root breaks mysqld --initialize"
    claims = {c["metadata"]["name"] for c in statefulset["spec"]["volumeClaimTemplates"]}
    assert data["name"] in claims


# ---- The front ----


def test_front_port_and_probe_match_its_nginx_config(docs):
    container = only_container(find(docs, "Deployment", FRONT))
    template = (REPO / "front/templates/default.conf.template").read_text(encoding="utf-8")
    listen = {int(p) for p in re.findall(r"^\s*listen\s+(\d+)\s*;", template, re.M)}
    assert listen == {container_port(container, "http")}
    for probe in ("readinessProbe", "livenessProbe"):
        path = container[probe]["httpGet"]["path"]
        assert re.search(rf"location\s+=\s+{re.escape(path)}\s*\{{", template), path


def test_front_writable_paths_are_volumes(docs):
    """Read-only root: nginx's pid file and temp paths, and the template's output."""
    container = only_container(find(docs, "Deployment", FRONT))
    assert container["securityContext"]["readOnlyRootFilesystem"] is True
    mounts = {m["mountPath"] for m in container["volumeMounts"]}
    nginx_conf = (REPO / "front/nginx.conf").read_text(encoding="utf-8")
    written = re.findall(r"^\s*(?:pid|\w+_temp_path)\s+(\S+?);", nginx_conf, re.M)
    assert written, "front/nginx.conf names no pid file or temp path any more"
    for path in written:
        assert any(path.startswith(m.rstrip("/") + "/") for m in mounts), path
    assert "/etc/nginx/conf.d" in mounts  # 20-envsubst-on-templates.sh writes there


def test_front_base_url_is_the_apis_ingress_host(docs):
    container = only_container(find(docs, "Deployment", FRONT))
    base_url = env_of(container)["BASE_URL"]["value"]
    assert urlsplit(base_url).hostname == ingress_hosts(docs)[BACK]
    assert urlsplit(base_url).path in ("", "/"), "the API's routes are at the root"
    # The image's own start-up check must accept it, or the pod never starts.
    env = {"PATH": os.environ["PATH"], "BASE_URL": base_url}
    check = run("sh", str(REPO / "front/05-check-base-url.sh"), env=env)
    assert check.returncode == 0, check.stderr


def test_ingress_routes_to_existing_service_ports(docs):
    services = {s["metadata"]["name"]: s for s in docs if s["kind"] == "Service"}
    for ingress in (d for d in docs if d["kind"] == "Ingress"):
        for rule in ingress["spec"]["rules"]:
            for path in rule["http"]["paths"]:
                backend = path["backend"]["service"]
                ports = services[backend["name"]]["spec"]["ports"]
                wanted = backend["port"]
                assert any(p.get("name") == wanted.get("name") for p in ports) or any(
                    p["port"] == wanted.get("number") for p in ports
                ), backend
    assert set(ingress_hosts(docs)) == {BACK, FRONT}


def test_every_service_selects_a_workload(docs):
    workloads = [d for d in docs if d["kind"] in ("Deployment", "StatefulSet")]
    templates = [d["spec"]["template"]["metadata"]["labels"] for d in workloads]
    for service in (d for d in docs if d["kind"] == "Service"):
        selector = service["spec"]["selector"]
        assert any(selector.items() <= labels.items() for labels in templates), service


# ---- compose.yaml: same names, images, ports and variables ----

# compose.yaml's services carry the parts' names; Kubernetes prefixes them (rendered).
RENDERED = dict(zip(PARTS, (DB, BACK, FRONT), strict=True))


def test_compose_uses_the_same_names(docs, compose, make_vars):
    workloads = {d["metadata"]["name"] for d in docs if d["kind"] in ("Deployment", "StatefulSet")}
    # The toolbox is Kubernetes' own (the course's debug pod), not a tier.
    workloads -= {f"{PROJECT}-toolbox"}
    assert set(compose["services"]) == set(PARTS)
    assert workloads == set(RENDERED.values()), "a tier is named differently in k8s"
    # One network named like the Makefile's, on which the database answers to the
    # Makefile's DB_NAME (the Kubernetes Service's name).
    assert compose_default(compose["networks"]["default"]["name"]) == make_vars["NETWORK"]
    aliases = compose["services"]["db"]["networks"]["default"]["aliases"]
    assert [compose_default(a) for a in aliases] == [make_vars["DB_NAME"]] == [DB]


@pytest.mark.parametrize("part", PARTS)
def test_compose_images_and_ports_match(docs, compose, part):
    service, name = compose["services"][part], RENDERED[part]
    kind = "StatefulSet" if name == DB else "Deployment"
    container = only_container(find(docs, kind, name))
    image = container["image"]
    if part == "db":
        # Compose and Swarm start mysql:8.4 on every machine (it exists for amd64 and
        # arm64): the image the Makefile and k8s/arm64 pick on arm64. k8s/ keeps the lesson's.
        image = makefile_arm64_db_image()
    assert compose_default(service["image"]) == image
    published = compose_container_ports(service)
    ours = {p["containerPort"] for p in container["ports"]}
    assert published <= ours, f"{name}: compose publishes {published}, pods listen on {ours}"


@pytest.mark.parametrize("part", PARTS)
def test_compose_env_names_match(docs, compose, part):
    name = RENDERED[part]
    kind = "StatefulSet" if name == DB else "Deployment"
    ours = env_of(only_container(find(docs, kind, name)))
    theirs = compose_env(compose["services"][part])
    # Kubernetes may spell out a default (MYSQL_PORT), and the db's HOME (it starts as
    # mysql, whose home is the data: kubectl exec's history files would land there);
    # otherwise the same variables, with the password in both as a mounted file.
    assert set(theirs) <= set(ours), f"{name}: only in compose: {set(theirs) - set(ours)}"
    assert set(ours) - set(theirs) <= {"MYSQL_PORT", "HOME"}, f"{name}: only in k8s"
    if "MYSQL_HOST" in theirs:
        assert theirs["MYSQL_HOST"] == ours["MYSQL_HOST"]["value"]


def test_the_ingress_class_is_the_controller_the_wall_lets_in(docs):
    """ingressClassName nginx is ingress-nginx's (minikube's addon, its kind manifests),
    and the wall lets in ingress-nginx's namespace: one controller, named twice."""
    ingress = find(docs, "Ingress", f"{PROJECT}-ingress")
    policy = find(docs, "NetworkPolicy", f"{PROJECT}-from-ingress-controller")
    [source] = policy["spec"]["ingress"][0]["from"]
    namespace = source["namespaceSelector"]["matchLabels"]["kubernetes.io/metadata.name"]
    assert (ingress["spec"]["ingressClassName"], namespace) == ("nginx", "ingress-nginx")
