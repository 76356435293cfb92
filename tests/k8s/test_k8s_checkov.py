"""checkov, the common policy scanner, finds nothing to fix in what we ship: the rendered
manifests (k8s/ and k8s/arm64), every lesson's files (k8s/lessons/), the Dockerfiles, and
compose.yaml and swarm/stack.yaml (checkov has no Compose framework: its secrets scan reads
them as text). A check that does not apply here is skipped in .checkov.yaml, with its
reason on its line; one that does not apply to one object, on that object, with its reason
(a checkov.io/skip annotation). Skips that nothing needs any more fail the test.

checkov runs from its own venv (checkovkit.py makes it on first use). Where it cannot be
installed the scan is skipped, except in CI (CI=true), where that is a failure."""

import re
import subprocess

import pytest
import yaml
from checkovkit import CheckovUnavailable, checkov
from kit import missing_part
from manifests import LESSONS, REPO, kustomize, manifest_files

CONFIG = REPO / ".checkov.yaml"
DOCKERFILES = ("back/Dockerfile", "front/Dockerfile")
SCANNED = (*DOCKERFILES, "compose.yaml", "swarm/stack.yaml")
RENDERED = ("k8s", "k8s/arm64")
CHECK_ID = r"CKV2?_[A-Z0-9]+_\d+"
SKIP_ANNOTATION = re.compile(r"checkov\.io/skip\d+")


def skipped_checks():
    """{check id: reason} from .checkov.yaml's skip-check, reasons read from the comments."""
    listed = yaml.safe_load(CONFIG.read_text(encoding="utf-8"))["skip-check"]
    reasons = dict(
        re.findall(rf"^\s*-\s*({CHECK_ID})\s*#\s*(\S.*)$", CONFIG.read_text(encoding="utf-8"), re.M)
    )
    assert set(listed) == set(reasons), "every skip in .checkov.yaml needs its reason on its line"
    return reasons


def resource(doc):
    """An object as checkov's report names it: Kind.namespace.name."""
    meta = doc["metadata"]
    return f"{doc['kind']}.{meta.get('namespace', 'default')}.{meta['name']}"


def stripped(docs, work, name, skips):
    """Write the objects to work/name without their checkov.io/skip annotations, each
    recorded in `skips` as {(file as checkov's report names it, resource, check id):
    reason}: two lessons may hold objects of one name (02-02's two pods hello)."""
    for doc in docs:
        annotations = doc["metadata"].get("annotations", {})
        for key in [k for k in annotations if SKIP_ANNOTATION.fullmatch(k)]:
            check, _, reason = annotations.pop(key).partition("=")
            skips[(f"/{name}", resource(doc), check)] = reason.strip()
        if "annotations" in doc["metadata"] and not annotations:
            del doc["metadata"]["annotations"]
    path = work / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump_all(docs), encoding="utf-8")
    return path


def to_scan(work):
    """Two sets of files to scan, written into `work` without their skip annotations, and
    the skips: {(file, resource, check id): reason}. The lessons are a set of their own: checkov
    matches pods to NetworkPolicies across all the files of a run, namespaces aside, and
    k8s/'s default-deny would cover the lessons' pods."""
    skips = {}
    shipped = [REPO / path for path in SCANNED]
    for target in RENDERED:
        docs = [d for d in yaml.safe_load_all(kustomize(REPO / target)) if d]
        shipped.append(stripped(docs, work, f"{target.replace('/', '-')}.yaml", skips))
    lessons = []
    for path in manifest_files(LESSONS, recursive=True):
        docs = [d for d in yaml.safe_load_all(path.read_text(encoding="utf-8")) if d]
        name = f"lessons/{path.relative_to(LESSONS).with_suffix('.yaml')}"
        lessons.append(stripped(docs, work, name, skips))
    return (shipped, lessons), skips


@pytest.fixture(scope="module")
def scan(tmp_path_factory):
    """checkov's JSON reports, one per framework and set, with every check run, and the
    objects' own skips: the skips of .checkov.yaml and of the annotations are left out
    here and applied below, so that a stale one shows."""
    try:
        binary = checkov()
    except CheckovUnavailable as exc:
        missing_part(
            f"checkov could not be installed ({exc}); try: python3 tests/k8s/checkovkit.py"
        )
    work = tmp_path_factory.mktemp("checkov")
    settings = yaml.safe_load(CONFIG.read_text(encoding="utf-8"))
    del settings["skip-check"]
    config = work / "checkov.yaml"
    config.write_text(yaml.safe_dump(settings), encoding="utf-8")
    sets, skips = to_scan(work)
    # Both sets at once: checkov takes seconds of CPU to start.
    runs = [
        subprocess.Popen(
            [binary, "--config-file", config, "--output", "json"]
            + [a for f in files for a in ("-f", f)],
            cwd=work,  # not REPO: checkov would read its .checkov.yaml too, skips and all
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for files in sets
    ]
    reports = []
    for run in runs:
        stdout, stderr = run.communicate(timeout=300)
        # 0: all passed, 1: some failed; anything else: checkov itself broke.
        assert run.returncode in (0, 1), stderr[-2000:]
        found = yaml.safe_load(stdout)  # JSON is YAML
        reports += found if isinstance(found, list) else [found]
    return reports, skips


def test_every_skip_has_its_reason(scan):
    reasons = skipped_checks()
    assert reasons, "no skip at all? then drop skip-check from .checkov.yaml and this test"
    for check, reason in reasons.items():
        assert len(reason.split()) >= 5, f"{check}: say why it does not apply here"
    _, skips = scan
    assert skips, "no object skips a check any more? then say so in .checkov.yaml"
    for (_, name, check), reason in skips.items():
        assert re.fullmatch(CHECK_ID, check), f"{name}: {check}"
        assert len(reason.split()) >= 5, f"{name}: {check}: say why it does not apply here"


def test_the_manifests_and_the_dockerfiles_are_scanned(scan):
    report, _ = scan
    summaries = {r["check_type"]: r["summary"] for r in report if "check_type" in r}
    for framework in ("kubernetes", "dockerfile"):
        assert summaries.get(framework, {}).get("passed", 0) > 0, f"no {framework} check ran"
    for summary in summaries.values():
        assert summary["parsing_errors"] == 0, summary


# Kinds that no Kubernetes check of checkov reads.
UNCHECKED_KINDS = {"Namespace", "PersistentVolumeClaim"}


def test_every_lesson_is_scanned(scan):
    """Every file of every lesson reached checkov's Kubernetes checks (but those that
    hold only objects no check reads)."""
    report, _ = scan
    scanned = {
        check["file_path"].split("/lessons/", 1)[1]
        for framework in report
        if framework.get("check_type") == "kubernetes"
        for check in framework["results"]["passed_checks"]
        if "/lessons/" in check["file_path"]
    }
    expected = {
        str(path.relative_to(LESSONS).with_suffix(".yaml"))
        for path in manifest_files(LESSONS, recursive=True)
        if {d["kind"] for d in yaml.safe_load_all(path.read_text(encoding="utf-8"))}
        - UNCHECKED_KINDS
    }
    assert len(expected) == 17
    assert scanned == expected


def test_no_policy_fails_but_the_skipped(scan):
    report, skips = scan
    reasons = skipped_checks()
    failures, needed = [], set()
    for framework in report:
        for check in framework.get("results", {}).get("failed_checks", []):
            if check["check_id"] in reasons:
                needed.add(check["check_id"])
            elif (key := (check["file_path"], check["resource"], check["check_id"])) in skips:
                needed.add(key)
            else:
                failures.append(
                    f"{check['check_id']} {check['check_name']}: {check['resource']}"
                    f" ({check['file_path']}) {check.get('guideline') or ''}"
                )
    fix = "fix these, or skip them in .checkov.yaml with a reason:\n"
    assert not failures, fix + "\n".join(failures)
    stale = set(reasons) - needed
    assert not stale, f"nothing fails these any more: remove them from .checkov.yaml: {stale}"
    stale = set(skips) - needed
    assert not stale, f"nothing fails these any more: remove their annotations: {stale}"


@pytest.mark.parametrize("dockerfile", DOCKERFILES)
def test_base_images_carry_a_version_tag(dockerfile):
    """What checkov cannot see (CKV_DOCKER_7, skipped): FROM ${ARG} takes the ARG's
    default, and that default names a version, never latest."""
    text = (REPO / dockerfile).read_text(encoding="utf-8")
    defaults = dict(re.findall(r"^ARG\s+(\w+)=(\S+)", text, re.M))
    images = re.findall(r"^FROM\s+(\S+)", text, re.M)
    assert images, dockerfile
    for image in images:
        match = re.fullmatch(r"\$\{?(\w+)\}?", image)
        image = defaults[match[1]] if match else image
        name, _, tag = image.rpartition(":")
        assert name and tag and "/" not in tag and tag != "latest", f"{dockerfile}: FROM {image}"
