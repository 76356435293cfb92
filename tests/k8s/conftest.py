"""Fixtures for the Kubernetes manifest tests: no cluster and no Docker, only files."""

import pytest
import yaml
from k8skit import REPO, TARGETS, makefile_defaults, render


@pytest.fixture(scope="session")
def rendered():
    """Every kustomization, rendered once: {"k8s": [documents], "k8s/arm64": [...]}."""
    return {target: render(target) for target in TARGETS}


@pytest.fixture(scope="session")
def docs(rendered):
    """What `kubectl apply -k k8s/` applies."""
    return rendered["k8s"]


@pytest.fixture(scope="session")
def make_vars():
    return makefile_defaults()


@pytest.fixture(scope="session")
def compose():
    path = REPO / "compose.yaml"
    if not path.exists():
        pytest.skip("compose.yaml is not at the repository root (yet): nothing to compare")
    return yaml.safe_load(path.read_text(encoding="utf-8"))
