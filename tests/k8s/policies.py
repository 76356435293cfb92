"""NetworkPolicies read as a network plugin reads them, offline: which pod may reach which,
on which port. Only what these manifests use: pod and namespace selectors (no ipBlock),
TCP and UDP ports by number or by the receiving pod's port name. A pod here is a dict:
{"namespace", "labels", "containers"}."""

from manifests import by_kind, workloads

NAME = "app.kubernetes.io/name"
NAMESPACE_NAME = "kubernetes.io/metadata.name"  # set on every namespace by the API server


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


def template_labels(doc):
    """The labels of the pods a workload starts (a CronJob's through its Job)."""
    if doc["kind"] == "CronJob":
        return doc["spec"]["jobTemplate"]["spec"]["template"]["metadata"]["labels"]
    if doc["kind"] == "Pod":
        return doc["metadata"].get("labels", {})
    return doc["spec"]["template"]["metadata"]["labels"]


def spec_of(doc):
    if doc["kind"] == "CronJob":
        return doc["spec"]["jobTemplate"]["spec"]["template"]["spec"]
    return doc["spec"] if doc["kind"] == "Pod" else doc["spec"]["template"]["spec"]


def pod(docs, project, part):
    """A pod of `part` (its app.kubernetes.io/name): {namespace, labels, containers}. The
    restore's pods carry the backup's name: the labels they share, their containers."""
    labels, containers = [], []
    for doc in workloads(docs):
        if template_labels(doc).get(NAME) == part:
            labels.append(template_labels(doc))
            containers += spec_of(doc)["containers"]
    assert labels, f"no workload starts pods named {part}"
    shared = {k: v for k, v in labels[0].items() if all(other.get(k) == v for other in labels)}
    return {"namespace": project, "labels": shared, "containers": containers}


def named_port(containers, port):
    """A policy's port (a number or a port name of the selected pod) as numbers."""
    if isinstance(port, int):
        return {port}
    return {
        p["containerPort"] for c in containers for p in c.get("ports", []) if p.get("name") == port
    }


def peer_matches(entry, policy_namespace, other):
    """Whether a `from`/`to` entry of a policy in `policy_namespace` names the pod `other`."""
    assert set(entry) <= {"podSelector", "namespaceSelector"}, entry
    if "namespaceSelector" in entry:
        namespace_labels = {NAMESPACE_NAME: other["namespace"]}
        if not selects(entry["namespaceSelector"], namespace_labels):
            return False
    elif other["namespace"] != policy_namespace:  # a podSelector alone: own namespace
        return False
    return selects(entry.get("podSelector", {}), other["labels"])


def port_matches(rule, port, protocol, containers):
    if "ports" not in rule:
        return True
    return any(
        p.get("protocol", "TCP") == protocol and port in named_port(containers, p["port"])
        for p in rule["ports"]
    )


def admits(docs, selected, other, port, protocol, direction):
    """Whether the policies that select the pod `selected` let `other` in (direction
    "ingress") or let `selected` out to `other` ("egress") on this port. A pod that no
    policy of that direction selects is open that way."""
    policy_type, peers = ("Ingress", "from") if direction == "ingress" else ("Egress", "to")
    # A named port is the port of the pod that receives: the selected one coming in.
    receiver = selected if direction == "ingress" else other
    isolated = False
    for policy in by_kind(docs, "NetworkPolicy"):
        spec, namespace = policy["spec"], policy["metadata"]["namespace"]
        if namespace != selected["namespace"] or policy_type not in spec["policyTypes"]:
            continue
        if not selects(spec["podSelector"], selected["labels"]):
            continue
        isolated = True
        for rule in spec.get(direction, []):
            # A rule without from/to names every peer.
            named = peers not in rule or any(peer_matches(e, namespace, other) for e in rule[peers])
            if named and port_matches(rule, port, protocol, receiver["containers"]):
                return True
    return not isolated


def reaches(docs, source, target, port, protocol="TCP"):
    """Both ends must agree: out of the source, into the target (each side's policies)."""
    return admits(docs, source, target, port, protocol, "egress") and admits(
        docs, target, source, port, protocol, "ingress"
    )
