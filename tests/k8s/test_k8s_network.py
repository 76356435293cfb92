"""The network as a wall: the rendered NetworkPolicies, read as the network plugin reads
them, let through exactly what the three tiers and their two helpers need. Every pod is
isolated both ways, and every rule names its peers exactly (pods of this namespace by their
name, or one other namespace). The commands that go through the wall: test_k8s_map.py."""

import pytest
from manifests import (
    TARGET_PROJECT,
    TARGETS,
    by_kind,
    container_port,
    find,
    ingress_hosts,
    workloads,
)
from policies import NAME, NAMESPACE_NAME, named_port, pod, selects, template_labels

PARTS = ("db", "back", "front")
# The pods that are not tiers, each with its own opening in the wall.
HELPERS = ("toolbox", "db-backup")
PORTS = {"db": 3306, "back": 3000, "front": 8080}
KUBE_DNS = (("namespace", ((NAMESPACE_NAME, "kube-system"),)), ("pods", (("k8s-app", "kube-dns"),)))


def peer(entry):
    """A `from`/`to` entry as a comparable tuple: which namespaces, which pods, which IPs."""
    assert set(entry) <= {"podSelector", "namespaceSelector", "ipBlock"}, entry
    if "ipBlock" in entry:
        return (("ipBlock", entry["ipBlock"]["cidr"]),)
    described = []
    for key, what in (("namespaceSelector", "namespace"), ("podSelector", "pods")):
        if key in entry:
            selector = entry[key]
            assert set(selector) <= {"matchLabels"}, f"compare {selector} by hand"
            described.append((what, tuple(sorted(selector.get("matchLabels", {}).items()))))
    return tuple(described)


def allowed(docs, project, part, direction):
    """{(peer, (protocol, port number))} that the policies selecting `part`'s pods allow
    in `direction` ("ingress" or "egress"); None where no policy isolates them (all open)."""
    selected = pod(docs, project, part)
    policy_type = direction.capitalize()
    isolated, rules = False, set()
    for policy in by_kind(docs, "NetworkPolicy"):
        spec = policy["spec"]
        if policy_type not in spec.get("policyTypes", []) or not selects(
            spec["podSelector"], selected["labels"]
        ):
            continue
        isolated = True
        for rule in spec.get(direction, []):
            peers = rule.get("from" if direction == "ingress" else "to")
            assert peers and rule.get("ports"), f"{policy['metadata']['name']}: a rule open to all"
            for entry in peers:
                for port in rule["ports"]:
                    number = port["port"]
                    if direction == "ingress":  # a named port is the selected pod's own
                        [number] = named_port(selected["containers"], number)
                    rules.add((peer(entry), (port.get("protocol", "TCP"), number)))
    return rules if isolated else None


def ingress_port(docs, project, part):
    """The container port that the Ingress reaches through the part's Service."""
    service = find(docs, "Service", f"{project}-{part}")
    [port] = service["spec"]["ports"]
    [container] = pod(docs, project, part)["containers"]
    return container_port(container, port["targetPort"])


def pods_named(part):
    return (("pods", ((NAME, part),)),)


@pytest.mark.parametrize("target", TARGETS)
def test_a_default_deny_for_the_namespace(rendered, target):
    denies = [
        p
        for p in by_kind(rendered[target], "NetworkPolicy")
        if p["spec"]["podSelector"] == {}
        and set(p["spec"]["policyTypes"]) == {"Ingress", "Egress"}
        and not p["spec"].get("ingress")
        and not p["spec"].get("egress")
    ]
    assert len(denies) == 1, "one policy that selects every pod and allows nothing"


@pytest.mark.parametrize("target", TARGETS)
def test_every_policy_selects_pods_that_exist(rendered, target):
    """A label typo would leave a policy that protects, or lets through, nothing."""
    docs = rendered[target]
    labels = [template_labels(w) for w in workloads(docs)]
    assert len(labels) == 6, "db, back, front, the toolbox, the backup and the restore"
    for policy in by_kind(docs, "NetworkPolicy"):
        spec, name = policy["spec"], policy["metadata"]["name"]
        assert any(selects(spec["podSelector"], pod) for pod in labels), name
        for rule in [*spec.get("ingress", []), *spec.get("egress", [])]:
            for entry in [*rule.get("from", []), *rule.get("to", [])]:
                if "podSelector" in entry and "namespaceSelector" not in entry:
                    assert any(selects(entry["podSelector"], pod) for pod in labels), name


@pytest.mark.parametrize("target", TARGETS)
def test_the_database_accepts_only_the_backend_on_its_port(rendered, target):
    """Of the tiers, only the backend; besides it, the toolbox and the backup, which are
    there to use the database. On MySQL's port only."""
    docs, project = rendered[target], TARGET_PROJECT[target]
    [db] = pod(docs, project, "db")["containers"]
    db_port = container_port(db, "mysql")
    assert db_port == 3306
    clients = ("back", *HELPERS)
    assert allowed(docs, project, "db", "ingress") == {
        (pods_named(client), ("TCP", db_port)) for client in clients
    }


@pytest.mark.parametrize("target", TARGETS)
def test_the_api_and_the_page_accept_only_the_ingress_controller(rendered, target):
    """From outside the namespace, only the Ingress controller; inside, the toolbox. Both
    on the port the Ingress reaches through the Service."""
    docs, project = rendered[target], TARGET_PROJECT[target]
    assert set(ingress_hosts(docs)) == {f"{project}-back", f"{project}-front"}
    controllers = set()
    for part in ("back", "front"):
        port = ("TCP", ingress_port(docs, project, part))
        rules = allowed(docs, project, part, "ingress")
        assert (pods_named("toolbox"), port) in rules, part
        [(source, its_port)] = rules - {(pods_named("toolbox"), port)}  # one source, one port
        assert its_port == port, part
        [(what, namespace)] = source  # from one other namespace
        assert what == "namespace" and dict(namespace)[NAMESPACE_NAME] != project, source
        controllers.add(source)
    assert len(controllers) == 1, "back and front name the same Ingress controller"


@pytest.mark.parametrize("target", TARGETS)
def test_each_pod_reaches_out_only_to_what_it_needs_and_dns(rendered, target):
    """Of the tiers, only the backend (the page is static, MySQL calls no one); the toolbox
    and the backup to what they are there for. Nothing comes into the helpers."""
    docs, project = rendered[target], TARGET_PROJECT[target]
    dns = {(KUBE_DNS, ("UDP", 53)), (KUBE_DNS, ("TCP", 53))}
    to = {part: (pods_named(part), ("TCP", port)) for part, port in PORTS.items()}
    wanted = {
        "back": {to["db"], *dns}, "db": set(), "front": set(),
        "toolbox": {to["db"], to["back"], to["front"], *dns}, "db-backup": {to["db"], *dns},
    }  # fmt: skip
    for part, reached in wanted.items():
        assert allowed(docs, project, part, "egress") == reached, part
    for helper in HELPERS:
        assert allowed(docs, project, helper, "ingress") == set(), helper


def test_every_pod_is_isolated_both_ways(rendered):
    for target in TARGETS:
        docs, project = rendered[target], TARGET_PROJECT[target]
        for part in (*PARTS, *HELPERS):
            for direction in ("ingress", "egress"):
                assert allowed(docs, project, part, direction) is not None, (target, part)
