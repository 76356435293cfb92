"""k8s/ renders with a current kustomize, and every object is valid for a current
Kubernetes: the rendered output is what is checked, not the source files."""

import copy

import pytest
import yaml
from kubernetes_validate import utils as kv
from manifests import (
    K8S,
    PROJECT,
    RENAMED_PROJECT,
    REPO,
    TARGET_PROJECT,
    TARGETS,
    by_kind,
    find,
    makefile_arm64_db_image,
    only_container,
    pod_specs,
    schema_failures,
)
from yamllint import linter
from yamllint.config import YamlLintConfig

# The newest schemas the pinned kubernetes-validate bundles (1.37 for 1.37.0).
K8S_VERSION = kv.latest_version()


def test_schemas_are_current():
    major, minor = (int(n) for n in K8S_VERSION.split(".")[:2])
    assert (major, minor) >= (1, 37), f"kubernetes-validate bundles only {K8S_VERSION}"


@pytest.mark.parametrize("target", TARGETS)
def test_every_object_validates_strictly(rendered, target):
    failures = schema_failures(rendered[target], K8S_VERSION)
    assert not failures, "\n".join(failures)


@pytest.mark.parametrize("target", TARGETS)
def test_everything_is_named_after_the_project(rendered, target):
    """The namespace, every object's name prefix and its part-of label: the project's
    name, which for k8s/ is .env's PROJECT (kubectl does not read .env: the two lines
    of k8s/base/kustomization.yaml must say the same)."""
    project = TARGET_PROJECT[target]
    for doc in rendered[target]:
        meta = doc["metadata"]
        assert meta["labels"]["app.kubernetes.io/part-of"] == project, meta["name"]
        if doc["kind"] == "Namespace":
            assert meta["name"] == project, "k8s/base/kustomization.yaml and .env differ"
        else:
            assert meta.get("namespace") == project, f"{doc['kind']}/{meta['name']}"
            assert meta["name"].startswith(f"{project}-"), f"{doc['kind']}/{meta['name']}"
        template = doc.get("spec", {}).get("template", {}).get("metadata", {})
        if template:
            assert template["labels"]["app.kubernetes.io/part-of"] == project, meta["name"]


def test_a_renamed_copy_renders_like_the_lesson(rendered):
    """Renamed as the README says, the copy renders the same objects with the other name
    everywhere: Services, the backend's MYSQL_HOST, images, hosts, CORS_ORIGINS, BASE_URL."""
    lesson = yaml.safe_dump_all(rendered["k8s"])
    assert PROJECT in lesson
    assert yaml.safe_dump_all(rendered["renamed"]) == lesson.replace(PROJECT, RENAMED_PROJECT)


def test_the_init_configmap_is_db_init_sql(docs):
    """kustomize cannot read ../db/init.sql, so k8s/base/db/init.sql is a copy: it must
    not drift. The rendered ConfigMap is compared too, which still holds if the copy is
    one day replaced by a kustomization next to db/init.sql."""
    lesson = (REPO / "db" / "init.sql").read_bytes()
    copy = K8S / "base" / "db" / "init.sql"
    if copy.exists():
        assert copy.read_bytes() == lesson, "cp db/init.sql k8s/base/db/init.sql"
    configmaps = by_kind(docs, "ConfigMap")
    [configmap] = [c for c in configmaps if c["metadata"]["name"].startswith(f"{PROJECT}-db-init")]
    assert configmap["data"]["init.sql"] == lesson.decode("utf-8")


def test_arm64_overlay_changes_only_the_mysql_image(rendered):
    """The database's image, and with it the toolbox's, the backup's and the restore's,
    which run the database's own (its mysql and mysqldump)."""
    base, arm = copy.deepcopy(rendered["k8s"]), rendered["k8s/arm64"]
    db = f"{PROJECT}-db"
    lesson_image = only_container(find(base, "StatefulSet", db))["image"]
    assert only_container(find(arm, "StatefulSet", db))["image"] == makefile_arm64_db_image()
    # The base with that one image swapped is the overlay, object for object.
    swapped = []
    for name, spec in pod_specs(base):
        for container in spec["containers"]:
            if container["image"] == lesson_image:
                container["image"] = makefile_arm64_db_image()
                swapped.append(name)
    assert sorted(swapped) == [db, f"{db}-backup", f"{db}-restore", f"{PROJECT}-toolbox"]
    assert base == arm


def test_yaml_is_lint_clean():
    # yamllint's default rules, warnings included: nothing to configure, nothing to forget.
    config = YamlLintConfig("extends: default")
    problems = []
    for path in sorted(K8S.rglob("*.yaml")):
        text = path.read_text(encoding="utf-8")
        for problem in linter.run(text, config, str(path)):
            problems.append(f"{path.relative_to(REPO)}:{problem.line}: {problem}")
    assert not problems, "\n".join(problems)
