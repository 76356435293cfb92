"""No password is written into a rendered workload: they come from the Secret, as mounted
files. The lessons keep the course's sample passwords as plain values, as the course writes
them (02-11, 02-12). No pod mounts a folder of its node. The containers' lock-down
(non-root, no privilege escalation, capabilities dropped, read-only root, seccomp, no
host namespaces, no service account token, bounded resources, secrets as files) is
checkov's: tests/k8s/test_k8s_checkov.py runs its checks on every rendering and lesson."""

import re

import pytest
from manifests import TARGETS, all_containers, by_kind, pod_specs, secret_data


def test_no_pod_mounts_a_folder_of_its_node(rendered, lessons):
    """hostPath, which checkov checks only for the Docker socket."""
    for docs in [*(rendered[target] for target in TARGETS), *lessons.values()]:
        for name, spec in pod_specs(docs):
            for volume in spec.get("volumes", []):
                assert "hostPath" not in volume, f"{name}: hostPath {volume['name']}"


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
