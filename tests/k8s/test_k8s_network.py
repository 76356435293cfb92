"""The network as a wall: the rendered NetworkPolicies, read as the network plugin reads
them, let through exactly what the three tiers need and nothing else. The database accepts
only the backend on MySQL's port; the backend and the page accept only the Ingress
controller; only the backend reaches out, to the database and to DNS."""

import pytest
from k8skit import (
    TARGET_PROJECT,
    TARGETS,
    by_kind,
    container_port,
    find,
    ingress_hosts,
    only_container,
)

PARTS = ("db", "back", "front")
NAME = "app.kubernetes.io/name"
NAMESPACE_NAME = "kubernetes.io/metadata.name"  # set on every namespace by the API server
KUBE_DNS = (("namespace", ((NAMESPACE_NAME, "kube-system"),)), ("pods", (("k8s-app", "kube-dns"),)))


def selects(selector, labels):
    """A label selector (matchLabels, matchExpressions) against a set of labels."""
    if any(labels.get(k) != v for k, v in selector.get("matchLabels", {}).items()):
        return False
    for expression in selector.get("matchExpressions", []):
        key, operator = expression["key"], expression["operator"]
        if operator == "In":
            ok = labels.get(key) in expression["values"]
        elif operator == "NotIn":
            ok = labels.get(key) not in expression["values"]
        elif operator == "Exists":
            ok = key in labels
        else:  # DoesNotExist
            ok = key not in labels
        if not ok:
            return False
    return True


def workload(docs, project, part):
    kind = "StatefulSet" if part == "db" else "Deployment"
    return find(docs, kind, f"{project}-{part}")


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
    template = workload(docs, project, part)["spec"]["template"]
    labels, container = (
        template["metadata"]["labels"],
        only_container(workload(docs, project, part)),
    )
    policy_type = direction.capitalize()
    isolated, rules = False, set()
    for policy in by_kind(docs, "NetworkPolicy"):
        spec = policy["spec"]
        if policy_type not in spec.get("policyTypes", []) or not selects(
            spec["podSelector"], labels
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
                        number = container_port(container, number)
                    rules.add((peer(entry), (port.get("protocol", "TCP"), number)))
    return rules if isolated else None


def ingress_port(docs, project, part):
    """The container port that the Ingress reaches through the part's Service."""
    service = find(docs, "Service", f"{project}-{part}")
    [port] = service["spec"]["ports"]
    return container_port(only_container(workload(docs, project, part)), port["targetPort"])


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
    labels = [w["spec"]["template"]["metadata"]["labels"] for w in by_kind(docs, "Deployment")]
    labels += [w["spec"]["template"]["metadata"]["labels"] for w in by_kind(docs, "StatefulSet")]
    for policy in by_kind(docs, "NetworkPolicy"):
        spec, name = policy["spec"], policy["metadata"]["name"]
        assert any(selects(spec["podSelector"], pod) for pod in labels), name
        for rule in [*spec.get("ingress", []), *spec.get("egress", [])]:
            for entry in [*rule.get("from", []), *rule.get("to", [])]:
                if "podSelector" in entry and "namespaceSelector" not in entry:
                    assert any(selects(entry["podSelector"], pod) for pod in labels), name


@pytest.mark.parametrize("target", TARGETS)
def test_the_database_accepts_only_the_backend_on_its_port(rendered, target):
    docs, project = rendered[target], TARGET_PROJECT[target]
    db_port = container_port(only_container(workload(docs, project, "db")), "mysql")
    assert db_port == 3306
    assert allowed(docs, project, "db", "ingress") == {(pods_named("back"), ("TCP", db_port))}


@pytest.mark.parametrize("target", TARGETS)
def test_the_api_and_the_page_accept_only_the_ingress_controller(rendered, target):
    docs, project = rendered[target], TARGET_PROJECT[target]
    assert set(ingress_hosts(docs)) == {f"{project}-back", f"{project}-front"}
    controllers = set()
    for part in ("back", "front"):
        rules = allowed(docs, project, part, "ingress")
        [(source, port)] = rules  # one source, one port
        # On the port the Ingress reaches through the Service, from one other namespace.
        assert port == ("TCP", ingress_port(docs, project, part)), part
        [(what, namespace)] = source
        assert what == "namespace" and dict(namespace)[NAMESPACE_NAME] != project, source
        controllers.add(source)
    assert len(controllers) == 1, "back and front name the same Ingress controller"


@pytest.mark.parametrize("target", TARGETS)
def test_only_the_backend_reaches_out_to_the_database_and_dns(rendered, target):
    docs, project = rendered[target], TARGET_PROJECT[target]
    db_port = container_port(only_container(workload(docs, project, "db")), "mysql")
    assert allowed(docs, project, "back", "egress") == {
        (pods_named("db"), ("TCP", db_port)),
        (KUBE_DNS, ("UDP", 53)),
        (KUBE_DNS, ("TCP", 53)),
    }
    # The page is static and MySQL calls no one: nothing goes out of them.
    assert allowed(docs, project, "db", "egress") == set()
    assert allowed(docs, project, "front", "egress") == set()


def test_every_pod_is_isolated_both_ways(rendered):
    for target in TARGETS:
        docs, project = rendered[target], TARGET_PROJECT[target]
        for part in PARTS:
            for direction in ("ingress", "egress"):
                assert allowed(docs, project, part, direction) is not None, (target, part)
