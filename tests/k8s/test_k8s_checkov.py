"""checkov, the common policy scanner, finds nothing to fix in what we ship: the rendered
manifests (k8s/ and k8s/arm64), the Dockerfiles, and compose.yaml and swarm/stack.yaml
(checkov has no Compose framework: its secrets scan reads them as text). A check that does
not apply here is skipped in one place, .checkov.yaml, with its reason on its line.

checkov runs from its own venv (checkovkit.py makes it on first use). Where it cannot be
installed the scan is skipped, except in CI (CI=true), where that is a failure."""

import re
import subprocess

import pytest
import yaml
from checkovkit import CheckovUnavailable, checkov
from k8skit import REPO, kustomize
from kit import missing_part

CONFIG = REPO / ".checkov.yaml"
DOCKERFILES = ("back/Dockerfile", "front/Dockerfile")
SCANNED = (*DOCKERFILES, "compose.yaml", "swarm/stack.yaml")
RENDERED = ("k8s", "k8s/arm64")
CHECK_ID = r"CKV2?_[A-Z0-9]+_\d+"


def skipped_checks():
    """{check id: reason} from .checkov.yaml's skip-check, reasons read from the comments."""
    listed = yaml.safe_load(CONFIG.read_text(encoding="utf-8"))["skip-check"]
    reasons = dict(
        re.findall(rf"^\s*-\s*({CHECK_ID})\s*#\s*(\S.*)$", CONFIG.read_text(encoding="utf-8"), re.M)
    )
    assert set(listed) == set(reasons), "every skip in .checkov.yaml needs its reason on its line"
    return reasons


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    """checkov's JSON reports, one per framework, with every check run: the skips of
    .checkov.yaml are left out here and applied below, so that a stale one shows."""
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
    files = [REPO / path for path in SCANNED]
    for target in RENDERED:
        files.append(work / f"{target.replace('/', '-')}.yaml")
        files[-1].write_text(kustomize(REPO / target), encoding="utf-8")
    result = subprocess.run(
        [
            binary,
            "--config-file",
            config,
            "--output",
            "json",
            *(a for f in files for a in ("-f", f)),
        ],
        cwd=work,  # not REPO: checkov would read its .checkov.yaml too, skips and all
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )
    # 0: all passed, 1: some failed; anything else: checkov itself broke.
    assert result.returncode in (0, 1), result.stderr[-2000:]
    reports = yaml.safe_load(result.stdout)  # JSON is YAML
    return reports if isinstance(reports, list) else [reports]


def test_every_skip_has_its_reason():
    reasons = skipped_checks()
    assert reasons, "no skip at all? then drop skip-check from .checkov.yaml and this test"
    for check, reason in reasons.items():
        assert len(reason.split()) >= 5, f"{check}: say why it does not apply here"


def test_the_manifests_and_the_dockerfiles_are_scanned(report):
    summaries = {r["check_type"]: r["summary"] for r in report if "check_type" in r}
    for framework in ("kubernetes", "dockerfile"):
        assert summaries.get(framework, {}).get("passed", 0) > 0, f"no {framework} check ran"
    for summary in summaries.values():
        assert summary["parsing_errors"] == 0, summary


def test_no_policy_fails_but_the_skipped(report):
    reasons = skipped_checks()
    failures, needed = [], set()
    for framework in report:
        for check in framework.get("results", {}).get("failed_checks", []):
            if check["check_id"] in reasons:
                needed.add(check["check_id"])
            else:
                failures.append(
                    f"{check['check_id']} {check['check_name']}: {check['resource']}"
                    f" ({check['file_path']}) {check.get('guideline') or ''}"
                )
    assert not failures, "fix these, or skip them in .checkov.yaml with a reason:\n" + "\n".join(
        failures
    )
    stale = set(reasons) - needed
    assert not stale, f"nothing fails these any more: remove them from .checkov.yaml: {stale}"


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
