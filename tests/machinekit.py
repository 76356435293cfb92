"""Learners' machines that CI cannot be, imitated as closely as is honest.

`mac_path()` builds a PATH that behaves like a stock Mac's for the Makefile and the host
scripts: Apple's bash 3.2 line and GNU make 3.81 (built from source in
../shared/tools/old-gnu, with their README), original-awk (the BWK awk macOS ships), the
BSD behaviour of the tools the scripts use, and none of the GNU-only commands. What it
is not: Docker Desktop's VM, Apple Silicon, a case-insensitive file system; the README
("Your machine") says how those are covered.

`windows_clone()` is a clone made by Git for Windows, whose installer sets
core.autocrlf=true: text files come out with CRLF unless .gitattributes says otherwise.
"""

import os
import shutil
import subprocess
from pathlib import Path

from learnerkit import path_without

REPO = Path(__file__).resolve().parents[1]
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
}


def mac_path(folder):
    """A folder to be the whole PATH of a Mac-like run; returns its path. Every program of
    this machine's PATH is linked there except those a Mac lacks, the BSD wrappers stand
    in for GNU's tools, and bash and make are the old ones."""
    folder = Path(path_without(NOT_ON_A_MAC, folder))
    for name, body in BSD_WRAPPERS.items():
        (folder / name).unlink(missing_ok=True)
        (folder / name).write_text("#!/bin/sh\n# BSD behaviour (tests/machinekit.py)" + body)
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
    """The tracked files of the checkout root that hold a carriage return."""
    tracked = subprocess.run(
        ["git", "ls-files", "-z"], cwd=root, capture_output=True, check=True, timeout=60
    ).stdout.split(b"\0")
    names = [name.decode() for name in tracked if name]
    return [name for name in names if b"\r" in (Path(root) / name).read_bytes()]
