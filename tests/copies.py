"""A learner's copy of this repository, and the machines it lands on.

`learner_copy()` takes the tracked files out with `git archive` into a git repository of its
own outside this one: what a learner who copies the sample gets (no .venv, no .secrets/,
nothing untracked), with the working tree's uncommitted edits, staged into a copy of the git
index, never the repository's own (a `cp -r` checkout's index has stale stamps). `rename()`
is the README's "copy it all and rename": .env's PROJECT line, and k8s/base's two name lines.

The learners' machines CI cannot be: `mac_path()`, a PATH that behaves as a stock Mac's for
the Makefile and the scripts (bash 3.2 and make 3.81 built in ../shared/tools/old-gnu,
original-awk, the BSD tools' refusals, no GNU-only commands; not Docker Desktop's VM, Apple
Silicon or a case-insensitive file system: the README's "Your machine"); `windows_clone()`,
a clone by Git for Windows (core.autocrlf=true: CRLF unless .gitattributes says otherwise).
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


# ---- The machines a copy lands on: a Mac, a Windows clone ----
OLD_GNU = REPO.parent / "shared" / "tools" / "old-gnu"

# Commands a stock Mac does not have (GNU coreutils/util-linux/glibc, Debian's tools).
NOT_ON_A_MAC = (
    "timeout", "nproc", "getent", "flock", "setsid", "tac", "stdbuf", "mmdebstrap",
    "busybox", "ldd", "ss", "ip", "apt-get", "dpkg", "sha256sum", "md5sum", "xdg-open",
    "gawk", "mawk", "original-awk",
)  # fmt: skip

# BSD behaviour for GNU options the Mac's tools lack: each wrapper refuses what the BSD
# tool refuses, with the BSD tool's message, and otherwise runs the GNU tool.
BSD_WRAPPERS = {
    # paste reads standard input only when given `-` (GNU assumes it).
    "paste": r"""
delimiters_next=
for arg; do
  if [ -n "$delimiters_next" ]; then delimiters_next= arg=; continue; fi
  case $arg in -d | -sd | -ds) delimiters_next=1 ;; -) break ;; -*) ;; *) break ;; esac
  arg=
done
[ -n "$arg" ] && exec /usr/bin/paste "$@"
echo 'usage: paste [-s] [-d delimiters] file ...' >&2; exit 1
""",
    # sed -i takes a suffix argument (`sed -i '' -e ...`): the word after -i is the suffix.
    "sed": r"""
suffix_next=
for arg; do
  shift
  if [ -n "$suffix_next" ]; then set -- "$@" "--in-place=$arg"; suffix_next=; continue; fi
  case $arg in -i) suffix_next=1; continue ;; esac
  set -- "$@" "$arg"
done
[ -z "$suffix_next" ] || { echo 'sed: option requires an argument -- i' >&2; exit 1; }
gnu_regex sed "$@"
exec /usr/bin/sed "$@"
""",
    "date": r"""
for arg; do case $arg in
  -d | -d* | --date*)
    echo 'date: illegal option -- d' >&2
    echo 'usage: date [-jnRu] [-r seconds|file] [-v[+|-]val[ymwdHMS]] [+output_fmt]' >&2; exit 1 ;;
  +*%N*) echo 'date: %N is not a conversion here' >&2; exit 1 ;;
esac; done
exec /usr/bin/date "$@"
""",
    "stat": r"""
for arg; do case $arg in -c | -c* | --format* | --printf*)
  echo 'stat: illegal option -- c' >&2
  echo 'usage: stat [-FLnq] [-f format | -l | -r | -s | -x] [-t timefmt] [file ...]' >&2; exit 1 ;;
esac; done
exec /usr/bin/stat "$@"
""",
    "xargs": r"""
for arg; do case $arg in -r | --no-run-if-empty)
  echo 'xargs: illegal option -- r' >&2
  echo 'usage: xargs [-0opt] [-E eofstr] [-I replstr] [-L number] [-n number [-x]] ...' >&2
  exit 1 ;;
esac; done
exec /usr/bin/xargs "$@"
""",
    "grep": r"""
for arg; do case $arg in
  --) break ;;
  --perl-regexp) ;;
  --*) continue ;;
  -*P*) ;;
  *) continue ;;
  esac
  echo 'grep: invalid option -- P' >&2
  echo 'usage: grep [-abcdDEFGHhIiJLlMmnOopqRSsUVvwXxZz] [-e pattern] [pattern] [file ...]' >&2
  exit 2
done
gnu_regex grep "$@"
exec /usr/bin/grep "$@"
""",
    "find": r"""
for arg; do case $arg in -printf | -fprintf)
  echo "find: $arg: unknown primary or operator" >&2; exit 1 ;;
esac; done
exec /usr/bin/find "$@"
""",
    "base64": r"""
for arg; do case $arg in -w | -w* | --wrap*)
  echo 'base64: invalid option -- w' >&2
  echo 'Usage:	base64 [-Ddh] [-b num] [-i in_file] [-o out_file]' >&2; exit 64 ;;
esac; done
exec /usr/bin/base64 "$@"
""",
    "head": r"""
prev=
for arg; do
  case "$prev $arg" in "-n -"* | "-c -"* | *" -n-"* | *" -c-"*)
    echo "head: illegal line count -- $arg" >&2; exit 1 ;; esac
  prev=$arg
done
exec /usr/bin/head "$@"
""",
    # A Mac's uname: Darwin (scripts/open-page opens the page with `open` there).
    "uname": r"""
case "$*" in "" | -s) echo Darwin ;; -m) echo arm64 ;; *) exec /usr/bin/uname "$@" ;; esac
""",
    # macOS has lsof and no ss: lsof answers the one question the scripts ask it (who
    # listens on a port, `-Fpc`: a "p<pid>" line, then "c<command>"), from this machine's ss.
    "lsof": r"""
port=
for arg; do case $arg in
  -iTCP:*) port=${arg#-iTCP:} ;;
  -n | -P | -nP | -sTCP:LISTEN | -Fpc) ;;
  *) echo "lsof (tests/copies.py): $arg is not imitated" >&2; exit 1 ;;
esac; done
[ -n "$port" ] || exit 1
/usr/bin/ss -ltnpH "sport = :$port" | /usr/bin/grep -oE 'users:\(\("[^"]+",pid=[0-9]+' |
  /usr/bin/head -1 | /usr/bin/sed -E 's/users:\(\("([^"]+)",pid=([0-9]+)/p\2\nc\1/' |
  /usr/bin/grep .
""",
}

# BSD sed and grep read GNU's regex extensions otherwise, silently: in a basic regex \+, \?
# and \| are GNU's (BSD's BRE has no +, ? or alternation), and \s, \S, \w, \W are GNU's in
# either kind. The wrappers refuse them, so that a script using one fails here as it
# would misbehave on a Mac. (Shared by the sed and grep wrappers: `gnu_regex TOOL ARGS`.)
GNU_REGEX = r"""
gnu_regex() {
  tool=$1; shift; extended=
  for arg; do
    case $arg in -E | -r | -*E* | --regexp-extended | --extended-regexp) extended=1 ;; esac
  done
  for arg; do
    case $arg in *'\s'* | *'\S'* | *'\w'* | *'\W'*) bad=$arg ;;
      *'\+'* | *'\?'* | *'\|'*) [ -n "$extended" ] && continue; bad=$arg ;;
      *) continue ;; esac
    echo "$tool (BSD, tests/copies.py): GNU regex in '$bad': BSD $tool reads it otherwise" >&2
    exit 2
  done
}
"""


def mac_path(folder):
    """A folder to be the whole PATH of a Mac-like run; returns its path. Every program of
    this machine's PATH is linked there except those a Mac lacks, the BSD wrappers stand
    in for GNU's tools, and bash and make are the old ones."""
    folder = Path(path_without(NOT_ON_A_MAC, folder))
    for name, body in BSD_WRAPPERS.items():
        (folder / name).unlink(missing_ok=True)
        shared = GNU_REGEX if name in ("sed", "grep") else ""
        (folder / name).write_text("#!/bin/sh\n# BSD behaviour (tests/copies.py)" + shared + body)
        (folder / name).chmod(0o755)
    for name, target in (
        ("bash", OLD_GNU / "bash-3.2"),
        ("sh", OLD_GNU / "bash-3.2"),  # macOS's /bin/sh is bash 3.2 in POSIX mode
        ("make", OLD_GNU / "make-3.81"),
        ("awk", shutil.which("original-awk")),
    ):
        (folder / name).unlink(missing_ok=True)
        (folder / name).symlink_to(target)
    return str(folder)


def mac_env(folder, **extra):
    """The environment of a Mac-like run: PATH is only the Mac-like folder."""
    return {**os.environ, "PATH": mac_path(folder), **extra}


def mac_make_args(folder):
    """What make must be told on a Mac-like run: its SHELL is the old bash (the Makefile
    says /bin/bash, which on a Mac is bash 3.2; here it is a newer one)."""
    return (f"SHELL={Path(folder) / 'bash'}",)


def windows_clone(source, dest):
    """`git clone` as Git for Windows makes it (core.autocrlf=true), of repository source."""
    subprocess.run(
        ["git", "clone", "-q", "--config", "core.autocrlf=true", str(source), str(dest)],
        check=True,
        capture_output=True,
        timeout=120,
    )
    return Path(dest)


def files_with_crlf(root):
    """The tracked text files of the checkout root that hold a carriage return (a GIF's
    bytes may hold one: git sees it as binary, "i/-text", and never converts it)."""
    tracked = subprocess.run(
        ["git", "ls-files", "-z", "--eol"], cwd=root, capture_output=True, check=True, timeout=60
    ).stdout.split(b"\0")
    entries = [entry.decode().split("\t", 1) for entry in tracked if entry]
    names = [name for info, name in entries if not info.startswith("i/-text")]
    return [name for name in names if b"\r" in (Path(root) / name).read_bytes()]
