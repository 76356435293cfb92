"""Every container of every rendered workload, and of every lesson (k8s/lessons/), is
locked down, and no password is written into a rendered workload: they come from the
Secret, by reference or as a mounted file. The lessons keep the course's sample passwords
as plain values, as the course writes them (02-11, 02-12): only their lock-down is held."""

import re

import pytest
from manifests import TARGETS, all_containers, by_kind, pod_specs, secret_data


def containers_of(rendered, lessons=None):
    """(where, pod spec, container) of every rendered target, and of every lesson."""
    sets = {target: rendered[target] for target in TARGETS}
    sets.update({f"k8s/lessons/{folder}": docs for folder, docs in (lessons or {}).items()})
    for where, docs in sets.items():
        for name, spec in pod_specs(docs):
            for container in all_containers(spec):
                yield f"{where}:{name}/{container['name']}", spec, container


def setting(spec, container, key):
    """A container's securityContext setting, or the pod's when the container has none."""
    own = container.get("securityContext", {})
    return own[key] if key in own else spec.get("securityContext", {}).get(key)


def test_there_are_containers_to_check(rendered, lessons):
    assert len(list(containers_of(rendered))) == 6 * len(TARGETS)
    # The lessons' pods: hello twice, toolbox, hello's and the front's Deployments (02-04,
    # 02-09), the back's (02-07, 02-12), mysql, mysql-client, backup and restore.
    assert len(list(containers_of(rendered, lessons))) == 6 * len(TARGETS) + 12


def test_non_root_without_privileges(rendered, lessons):
    failures = []
    for where, spec, container in containers_of(rendered, lessons):
        context = container.get("securityContext", {})
        if setting(spec, container, "runAsNonRoot") is not True:
            failures.append(f"{where}: runAsNonRoot is not true")
        if setting(spec, container, "runAsUser") == 0:
            failures.append(f"{where}: runAsUser 0")
        if context.get("allowPrivilegeEscalation") is not False:
            failures.append(f"{where}: allowPrivilegeEscalation is not false")
        if context.get("privileged"):
            failures.append(f"{where}: privileged")
        if "ALL" not in context.get("capabilities", {}).get("drop", []):
            failures.append(f"{where}: capabilities do not drop ALL")
        if context.get("capabilities", {}).get("add"):
            failures.append(f"{where}: adds capabilities")
        if context.get("readOnlyRootFilesystem") is not True:
            failures.append(f"{where}: root file system is writable")
        seccomp = setting(spec, container, "seccompProfile") or {}
        if seccomp.get("type") not in ("RuntimeDefault", "Localhost"):
            failures.append(f"{where}: no seccomp profile")
    assert not failures, "\n".join(failures)


def test_pods_keep_to_themselves(rendered, lessons):
    for docs in [*(rendered[target] for target in TARGETS), *lessons.values()]:
        for name, spec in pod_specs(docs):
            assert spec.get("automountServiceAccountToken") is False, f"{name}: API token"
            for key in ("hostNetwork", "hostPID", "hostIPC"):
                assert not spec.get(key), f"{name}: {key}"
            for volume in spec.get("volumes", []):
                assert "hostPath" not in volume, f"{name}: hostPath {volume['name']}"


def test_resources_are_bounded(rendered, lessons):
    failures = []
    for where, _, container in containers_of(rendered, lessons):
        resources = container.get("resources", {})
        for kind in ("requests", "limits"):
            for key in ("cpu", "memory"):
                if key not in resources.get(kind, {}):
                    failures.append(f"{where}: no {kind}.{key}")
    assert not failures, "\n".join(failures)


def secret_values(docs):
    """The values of every Secret that are passwords (a user name is no secret)."""
    values = set()
    for secret in by_kind(docs, "Secret"):
        for key, value in secret_data(secret).items():
            if re.search(r"pass|pwd|token|key", key, re.I):
                values.add(value)
    return values


PASSWORD_NAME = re.compile(r"PASSWORD|PASSWD|PWD|SECRET|TOKEN", re.I)


@pytest.mark.parametrize("target", TARGETS)
def test_no_password_in_plain_text(rendered, target):
    docs = rendered[target]
    secrets = secret_values(docs)
    assert secrets, "no password in any Secret: is the check still looking?"
    failures = []
    for name, spec in pod_specs(docs):
        for container in all_containers(spec):
            where = f"{name}/{container['name']}"
            for entry in container.get("env", []):
                if "value" not in entry:
                    continue  # valueFrom: secretKeyRef (or a field/configMap reference)
                if entry["value"] in secrets:
                    failures.append(f"{where}: {entry['name']} holds a password")
                if PASSWORD_NAME.search(entry["name"]) and not entry["name"].endswith("_FILE"):
                    failures.append(f"{where}: {entry['name']} set in plain text")
            for source in container.get("envFrom", []):
                if "secretRef" not in source:
                    failures.append(f"{where}: envFrom other than a Secret")
            # Commands and probes: no -pVALUE / --password=VALUE on a command line (the
            # words themselves are not compared: the sample password "mysql" is also
            # the client's name).
            commands = [container.get("command", []), container.get("args", [])]
            for probe in ("startupProbe", "readinessProbe", "livenessProbe"):
                commands.append(container.get(probe, {}).get("exec", {}).get("command", []))
            for word in " ".join(w for c in commands for w in c).split():
                if re.match(r"^(-p\S|--password=)", word):
                    failures.append(f"{where}: password on a command line: {word}")
    assert not failures, "\n".join(failures)


@pytest.mark.parametrize("target", TARGETS)
def test_secrets_come_as_files(rendered, target):
    """A Secret in an environment variable shows in `kubectl describe` and is inherited by
    every child process: the pods read theirs from mounted files (*_FILE)."""
    failures = []
    for name, spec in pod_specs(rendered[target]):
        for container in all_containers(spec):
            where = f"{name}/{container['name']}"
            for entry in container.get("env", []):
                if "secretKeyRef" in entry.get("valueFrom", {}):
                    failures.append(f"{where}: {entry['name']} from a Secret")
            for source in container.get("envFrom", []):
                if "secretRef" in source:
                    failures.append(f"{where}: envFrom a Secret")
    assert not failures, "\n".join(failures)
