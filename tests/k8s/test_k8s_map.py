"""The map in k8s/README.md ("The course -> this repository") and the lessons' commands
name things that exist. Every name in backquotes in the map's last two columns is an
object, a label, a variable or a host of that lesson's files (k8s/lessons/) or of the
rendered k8s/; every object, label, Service port and host that a command names exists
where the command runs, and the wall lets the toolbox's commands through."""

import re

import pytest
from manifests import FOLDERS, REPO, by_kind, find, pod_specs, workloads
from policies import named_port, pod, reaches, selects, template_labels

README = REPO / "k8s" / "README.md"
MAP_SECTION = "## The course → this repository"
# The kinds a command may name as kind/name; job/... is made by the commands themselves.
KINDS = {
    "deploy": "Deployment", "deployment": "Deployment", "statefulset": "StatefulSet",
    "cronjob": "CronJob", "svc": "Service", "service": "Service", "pod": "Pod",
}  # fmt: skip
LESSON_IDS = {f"02-{n:02}" for n in range(2, 15)}  # 02-02 to 02-14


def tables():
    """The map's two tables: lists of rows, each a list of cells."""
    text = README.read_text(encoding="utf-8")
    section = text.split(MAP_SECTION, 1)[1].split("\n## ", 1)[0]
    found, rows = [], None
    for line in section.splitlines() + [""]:
        if line.startswith("|"):
            cells = [c.strip().replace("\\|", "|") for c in re.split(r"(?<!\\)\|", line)[1:-1]]
            if rows is None:
                rows = []
            elif not set("".join(cells)) <= set("-"):
                rows.append(cells)
        elif rows is not None:
            found.append(rows)
            rows = None
    assert len(found) == 2, "the map has a table of names and one of commands"
    return found


def backquoted(cell):
    return re.findall(r"`([^`]+)`", cell)


def lesson_docs(lessons, lesson):
    """The objects of a lesson ("02-04": its folders), or of all lessons ("all")."""
    folders = [f for f in FOLDERS if lesson == "all" or f.split("/")[0].startswith(lesson)]
    return [doc for folder in folders for doc in lessons[folder]]


def lessons_until(lessons, lesson):
    """Every object the lessons have made by the end of `lesson` (a folder's first part)."""
    order = list(dict.fromkeys(f.split("/")[0] for f in FOLDERS))
    made = order[: order.index(lesson) + 1]
    return [doc for folder in FOLDERS if folder.split("/")[0] in made for doc in lessons[folder]]


def named(docs, kind, name):
    return [d for d in docs if d["kind"] == kind and d["metadata"]["name"] == name]


def container_ports(doc):
    specs = dict(pod_specs([doc]))
    return {
        p["containerPort"]
        for spec in specs.values()
        for c in spec["containers"]
        for p in c.get("ports", [])
    }


def has_label(docs, key, value):
    return any(template_labels(w).get(key) == value for w in workloads(docs))


def has_env(docs, name, value):
    return any(
        e.get("value") == value
        for _, spec in pod_specs(docs)
        for c in spec["containers"]
        for e in c.get("env", [])
        if e["name"] == name
    )


def ingress_hosts(docs):
    return {rule.get("host") for i in by_kind(docs, "Ingress") for rule in i["spec"]["rules"]}


def check_name(docs, token):
    """A name of the map's last two columns: Kind/name[:port], LABEL=value, key=value (a
    label of a pod) or a *.localhost host. Returns what is wrong, or None."""
    if match := re.fullmatch(r"([A-Z]\w+)/([a-z0-9.-]+)(?::(\d+))?", token):
        kind, name, port = match.groups()
        found = named(docs, kind, name)
        if not found:
            return f"no {kind} {name}"
        if port and kind == "Service":
            if int(port) not in {p["port"] for p in found[0]["spec"]["ports"]}:
                return f"Service {name} has no port {port}"
        elif port and int(port) not in container_ports(found[0]):
            return f"{kind} {name} listens on no port {port}"
        return None
    if match := re.fullmatch(r"([A-Z][A-Z0-9_]*)=(\S+)", token):
        return None if has_env(docs, *match.groups()) else f"no container has {token}"
    if match := re.fullmatch(r"([a-z0-9./-]+)=([a-z0-9.-]+)", token):
        return None if has_label(docs, *match.groups()) else f"no pod is labelled {token}"
    if token.endswith(".localhost"):
        return None if token in ingress_hosts(docs) else f"no Ingress host {token}"
    return f"{token}: not a name this test can check; write it out of backquotes"


def pod_exists(docs, name):
    """A Pod of that name, or the pod a StatefulSet names name-<n>."""
    if named(docs, "Pod", name):
        return True
    match = re.fullmatch(r"(.+)-(\d+)", name)
    statefulsets = named(docs, "StatefulSet", match[1]) if match else []
    return bool(statefulsets) and int(match[2]) < statefulsets[0]["spec"]["replicas"]


def backing_pod(docs, service, namespace):
    """The pod (as policies.py's) behind a Service, and the port a Service port reaches on it."""
    selector = service["spec"]["selector"]
    parts = {
        template_labels(w).get("app.kubernetes.io/name")
        for w in workloads(docs)
        if selects({"matchLabels": selector}, template_labels(w))
    }
    [part] = parts
    return pod(docs, namespace, part)


def command_checks(command, docs, toolbox=None):
    """What a command names, each as (what, None if it exists, else what is wrong). With
    `toolbox` (a pod, as policies.py's), the command runs there: the wall must let it through
    to the Services it reaches."""
    checks = []

    def check(what, problem):
        checks.append((what, problem))

    for namespace in re.findall(r"\s-n ([a-z][a-z0-9-]*)", command):
        check(namespace, None if named(docs, "Namespace", namespace) else "no such namespace")
    for kind, name in re.findall(r"(?:(?<=\s)|(?<==))([a-z]+)/([a-z0-9-]+)", command):
        if kind in KINDS:
            check(f"{kind}/{name}", None if named(docs, KINDS[kind], name) else "missing")
    pods = re.findall(r"\bexec (?:-it? )?([a-z0-9][a-z0-9-]*) ", command)
    pods += re.findall(r"\b(?:logs|(?:delete|describe) pod) ([a-z][a-z0-9-]*)(?=\s|$)", command)
    for target in pods:
        check(target, None if pod_exists(docs, target) else "no such pod")
    for key, value in re.findall(r"-l ([\w./-]+)=([\w.-]+)", command):
        check(f"{key}={value}", None if has_label(docs, key, value) else "no pod has it")
    for service_name in re.findall(r"\$([A-Z0-9_]+)_SERVICE_HOST", command):
        name = service_name.lower().replace("_", "-")
        problem = None if named(docs, "Service", name) else "no such Service"
        if toolbox is not None and problem is None:
            problem = None if toolbox["links"] else "the toolbox gets no Service variables"
        check(f"${service_name}_SERVICE_HOST", problem)
    reached = [(host, 3306) for host in re.findall(r"\bmysql .*?-h([a-z0-9-]+)", command)]
    curled = r"\bcurl (?:-\S+ )*(?:http://)?([a-z0-9.-]+)(?::(\d+))?"
    for host, port in re.findall(curled, command):
        if host.endswith(".localhost"):
            check(host, None if host in ingress_hosts(docs) else "no Ingress host")
        elif host != "localhost":
            reached.append((host, int(port or 80)))
    for host, port in reached:
        services = named(docs, "Service", host)
        if not services:
            check(f"{host}:{port}", "no such Service")
            continue
        [service] = services
        ports = [p for p in service["spec"]["ports"] if p["port"] == port]
        if not ports:
            check(f"{host}:{port}", "the Service has no such port")
            continue
        problem = None
        if toolbox is not None:
            target = backing_pod(docs, service, toolbox["pod"]["namespace"])
            [number] = named_port(target["containers"], ports[0]["targetPort"])
            if not reaches(docs, toolbox["pod"], target, number):
                problem = "the wall keeps the toolbox out"
        check(f"{host}:{port}", problem)
    for folder in re.findall(r"kubectl apply -f k8s/lessons/(\S+?)/?(?=\s|$)", command):
        check(folder, None if folder in FOLDERS else "no such lesson folder")
    for path in re.findall(r"< (\S+)", command):
        check(path, None if (REPO / path).is_file() else "no such file")
    return checks


# ---- The map of names ----


def test_the_map_names_every_lesson(docs):
    names, commands = tables()
    assert [row[0] for row in names if row[0] != "all"] == sorted(LESSON_IDS)
    assert {row[0] for row in commands} <= LESSON_IDS
    # 02-13 splits the captions out in its folder; k8s/ keeps one back end, and says why.
    [row] = [row for row in names if row[0] == "02-13"]
    assert backquoted(row[2]) and len(row[3].split()) >= 12, "one line that says why"


def test_every_name_in_the_map_exists(lessons, docs):
    problems, checked = [], 0
    for lesson, _, in_lessons, in_k8s in tables()[0]:
        for where, cell, objects in (
            ("k8s/lessons", in_lessons, lesson_docs(lessons, lesson)),
            ("k8s", in_k8s, docs),
        ):
            for token in backquoted(cell):
                checked += 1
                problem = check_name(objects, token)
                if problem:
                    problems.append(f"{lesson}, {where}: {problem}")
    assert not problems, "\n".join(problems)
    assert checked >= 40


def test_the_map_says_nothing_for_only_these(docs):
    """The rows with no name to check, each with its reason in words."""
    names, _ = tables()
    assert {row[0] for row in names if not backquoted(row[2])} == set()
    assert {row[0] for row in names if not backquoted(row[3])} == {"02-02", "02-13"}


# ---- The commands, in the map and in the lessons ----


def test_the_maps_commands_name_what_exists_and_get_through(docs):
    [(_, spec)] = pod_specs([find(docs, "Deployment", "k8scourse-toolbox")])
    toolbox = {"pod": pod(docs, "k8scourse", "toolbox"), "links": spec["enableServiceLinks"]}
    problems = []
    _, commands = tables()
    for lesson, _, where, in_k8s in commands:
        assert where in ("your machine", "the toolbox"), where
        [command] = backquoted(in_k8s)
        # Run in the toolbox: typed there, or sent there with kubectl exec.
        inside = where == "the toolbox" or "exec -i" in command and "toolbox" in command
        checks = command_checks(command, docs, toolbox if inside else None)
        assert checks, f"{lesson}: {command}: nothing to check"
        problems += [f"{lesson}: {command}: {what}: {p}" for what, p in checks if p]
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("lesson", sorted({f.split("/")[0] for f in FOLDERS}))
def test_each_lessons_commands_name_what_the_lessons_made(lessons, lesson):
    readme = (REPO / "k8s" / "lessons" / lesson / "README.md").read_text(encoding="utf-8")
    blocks = "\n".join(re.findall(r"^```bash\n(.*?)^```", readme, re.M | re.S))
    docs = lessons_until(lessons, lesson)
    problems, checked = [], 0
    for line in blocks.splitlines():
        command = line.split("  #", 1)[0].strip()
        for what, problem in command_checks(command, docs):
            checked += 1
            if problem:
                problems.append(f"{command}: {what}: {problem}")
    assert not problems, "\n".join(problems)
    assert checked, "no command names anything"
