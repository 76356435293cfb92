"""A learner's copy of this repository, made the way the README's recipes say.

`learner_copy()` takes the tracked files out of the checkout with `git archive`
(into a folder outside the repository, in a new git repository of its own), so a
test sees exactly what a learner who copies the sample gets: no .venv, no
.secrets/, nothing untracked. Uncommitted edits of tracked files are included, so a
developer's run tests the working tree: they are staged into a copy of the git index,
never the repository's own (on a `cp -r` copy of a checkout the index's file stamps are
stale, and `git stash create` failed there).

`rename()` is the README's "copy it all and rename": the PROJECT line of .env,
and for Kubernetes the two name lines of k8s/base/kustomization.yaml.
"""

import os
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
LESSON_PROJECT = "k8scourse"


def git(*args, cwd=REPO, env=None):
    return subprocess.run(
        ["git", *args], cwd=cwd, capture_output=True, text=True, check=True, timeout=60, env=env
    ).stdout.strip()


def working_tree(source=REPO):
    """The git tree of source's tracked files as they are in its working tree: what is
    staged, plus every uncommitted edit and deletion of a tracked file."""
    with tempfile.TemporaryDirectory(prefix="k8scourse-index-") as folder:
        index = Path(folder, "index")
        env = {**os.environ, "GIT_INDEX_FILE": str(index)}
        own_index = Path(source, git("rev-parse", "--git-path", "index", cwd=source))
        if own_index.exists():
            shutil.copyfile(own_index, index)
        else:
            git("read-tree", "HEAD", cwd=source, env=env)
        git("add", "--update", cwd=source, env=env)
        return git("write-tree", cwd=source, env=env)


def learner_copy(dest, *paths, source=REPO):
    """The tracked files of the repository (or of the checkout `source`), or only `paths`
    (e.g. "back"), in `dest`, as a new git repository with one commit. Returns `dest`."""
    dest = Path(dest)
    dest.mkdir(parents=True, exist_ok=True)
    identity = ("-c", "user.name=learner", "-c", "user.email=learner@example.invalid")
    archive = subprocess.run(
        ["git", "archive", "--format=tar", working_tree(source), *paths],
        cwd=source,
        capture_output=True,
        check=True,
        timeout=60,
    ).stdout
    subprocess.run(["tar", "-x", "-C", str(dest)], input=archive, check=True, timeout=60)
    git("init", "-q", cwd=dest)
    git("add", "-A", cwd=dest)
    git(*identity, "commit", "-q", "-m", "from the k8scourse sample", cwd=dest)
    return dest


def project_name(root=REPO):
    """The PROJECT line of .env: the one name the Makefile and Compose read."""
    [name] = re.findall(r"^PROJECT=(\S+)$", (Path(root) / ".env").read_text(), re.M)
    return name


def _replace_line(path, pattern, new):
    text = path.read_text()
    text, count = re.subn(pattern, new, text, flags=re.M)
    assert count == 1, f"{path}: expected one line matching {pattern!r}, found {count}"
    path.write_text(text)


def rename(root, name):
    """The README's rename: one line in .env; for Kubernetes, two lines in
    k8s/base/kustomization.yaml (kubectl does not read .env)."""
    root = Path(root)
    _replace_line(root / ".env", r"^PROJECT=.*$", f"PROJECT={name}")
    kustomization = root / "k8s" / "base" / "kustomization.yaml"
    if kustomization.exists():
        _replace_line(kustomization, r"^namespace: .*$", f"namespace: {name}")
        _replace_line(kustomization, r"^namePrefix: .*$", f"namePrefix: {name}-")
    return root


def path_without(commands, folder):
    """A PATH on which every program of this one is found except `commands` (a name or
    several: e.g. a learner's machine with podman and no docker): links to the others,
    in `folder`."""
    commands = {commands} if isinstance(commands, str) else set(commands)
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    for directory in os.environ["PATH"].split(os.pathsep):
        if not os.path.isdir(directory):
            continue
        for entry in os.scandir(directory):
            link = folder / entry.name
            if (
                entry.name not in commands
                and not link.is_symlink()
                and os.access(entry.path, os.X_OK)
            ):
                link.symlink_to(entry.path)
    return str(folder)
