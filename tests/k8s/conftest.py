"""Fixtures for the Kubernetes manifest tests: no cluster and no Docker, only files."""

import pytest
import yaml
from copies import learner_copy, rename
from manifests import FOLDERS, RENAMED_PROJECT, REPO, load_lesson, makefile_defaults, render


@pytest.fixture(scope="session")
def renamed_copy(tmp_path_factory):
    """The repository copied out as a learner would, renamed as the README says."""
    return rename(learner_copy(tmp_path_factory.mktemp("copy")), RENAMED_PROJECT)


def rendering(path):
    """`kubectl kustomize path`'s documents. The tests that check every object or container
    would pass on none: each rendering holds the three tiers' workloads."""
    docs = render(path)
    kinds = [doc["kind"] for doc in docs]
    assert kinds.count("Deployment") >= 2 and "StatefulSet" in kinds, (path, kinds)
    return docs


@pytest.fixture(scope="session")
def docs():
    """What `kubectl apply -k k8s/` applies."""
    return rendering(REPO / "k8s")


@pytest.fixture(scope="session")
def rendered(docs, renamed_copy):
    """Every kustomization, rendered once: {"k8s": [documents], "k8s/arm64": [...],
    "renamed": the renamed copy's k8s/}."""
    return {
        "k8s": docs,
        "k8s/arm64": rendering(REPO / "k8s/arm64"),
        "renamed": rendering(renamed_copy / "k8s"),
    }


@pytest.fixture(scope="session")
def make_vars():
    return makefile_defaults()


@pytest.fixture(scope="session")
def compose():
    return yaml.safe_load((REPO / "compose.yaml").read_text(encoding="utf-8"))


@pytest.fixture(scope="session")
def lessons():
    """{folder: [objects]}: what `kubectl apply -f k8s/lessons/<folder>` applies, for
    every folder a lesson's README applies."""
    found = {folder: load_lesson(folder) for folder in FOLDERS}
    assert all(found.values()), [folder for folder, docs in found.items() if not docs]
    return found
