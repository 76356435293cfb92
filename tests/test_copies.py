"""tests/copies.py's learner copy of the repository, from checkouts as developers have them
(the k8s tests' fixtures and the end-to-end tests stand on it)."""

import subprocess
from pathlib import Path

import pytest
from copies import REPO, git, learner_copy


def tracked(root):
    return sorted(git("ls-files", cwd=root).splitlines())


@pytest.fixture(scope="module")
def cp_copy(tmp_path_factory):
    """A clone of this repository with uncommitted work, copied with `cp -r`: a new file
    staged, a tracked file edited and another deleted, an untracked file; the copy's index
    has the original's file stamps, all stale."""
    root = tmp_path_factory.mktemp("checkouts")
    clone = root / "clone"
    subprocess.run(["git", "clone", "-q", str(REPO), str(clone)], check=True, timeout=120)
    (clone / "NOTES.md").write_text("staged, never committed\n")
    git("add", "NOTES.md", cwd=clone)
    with (clone / "README.md").open("a") as readme:
        readme.write("an edit not committed\n")
    (clone / "LICENSE").unlink()
    (clone / "scratch.txt").write_text("untracked\n")
    copy = root / "copy"
    subprocess.run(["cp", "-r", str(clone), str(copy)], check=True, timeout=120)
    return copy


def test_a_cp_r_copy_of_a_checkout_gives_its_working_tree(cp_copy, tmp_path):
    copy = learner_copy(tmp_path / "learner", source=cp_copy)

    files = tracked(copy)
    assert files == sorted({*tracked(cp_copy), "NOTES.md"} - {"LICENSE"})
    assert (copy / "NOTES.md").read_text() == "staged, never committed\n"
    assert (copy / "README.md").read_text() == (cp_copy / "README.md").read_text()
    assert (copy / "README.md").read_text().endswith("an edit not committed\n")
    assert not (copy / "scratch.txt").exists()
    assert git("status", "--porcelain", cwd=copy) == ""  # one commit, nothing left over


def test_the_checkouts_own_index_is_left_alone(cp_copy, tmp_path):
    index = Path(cp_copy, git("rev-parse", "--git-path", "index", cwd=cp_copy))
    before = index.read_bytes()
    learner_copy(tmp_path / "learner", "back", source=cp_copy)
    assert index.read_bytes() == before
    assert git("diff", "--cached", "--name-only", cwd=cp_copy) == "NOTES.md"
