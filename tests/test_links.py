"""Every relative link of every Markdown file the repository tracks (the README, docs/,
tests/README.md, the tiers' and the lessons' READMEs) leads somewhere: a file or folder
that exists, and an #anchor that is a heading of the file it names, as GitHub makes one."""

import re

import pytest
from kit import REPO, run

LINK = re.compile(r"(?<!!)\[[^\]]*\]\(([^)\s]+)\)")
FENCE = re.compile(r"^(```|~~~).*?^\1", re.M | re.S)


def markdown_files():
    return [REPO / name for name in run("git", "ls-files", "*.md").stdout.split()]


def anchors(path):
    """The anchors GitHub gives the headings of path: lowercase, punctuation dropped, each
    space a dash, a repeated one numbered."""
    seen, found = {}, set()
    for heading in re.findall(r"^#{1,6} +(.+?) *#*$", FENCE.sub("", path.read_text()), re.M):
        slug = re.sub(r"[^\w\- ]", "", heading.lower()).replace(" ", "-")
        found.add(slug if slug not in seen else f"{slug}-{seen[slug]}")
        seen[slug] = seen.get(slug, 0) + 1
    return found


def relative_links(path):
    text = FENCE.sub("", path.read_text())
    return [t for t in LINK.findall(text) if not re.match(r"[a-z]+:", t)]


@pytest.mark.parametrize("path", markdown_files(), ids=lambda p: str(p.relative_to(REPO)))
def test_every_relative_link_leads_somewhere(path):
    broken = []
    for target in relative_links(path):
        name, _, anchor = target.partition("#")
        goal = (path.parent / name).resolve() if name else path
        if not goal.exists() or REPO not in (goal, *goal.parents):
            broken.append(f"{target}: no such file")
        elif anchor and goal.suffix == ".md" and anchor not in anchors(goal):
            broken.append(f"{target}: no heading #{anchor} in {goal.relative_to(REPO)}")
    assert broken == []


def test_the_anchors_are_githubs():
    """The rule, on headings this repository has."""
    readme = anchors(REPO / "README.md")
    assert {"lesson-5-networking-in-docker--step-by-step", "on-podman"} <= readme
    assert "beyond-docker-run-compose-swarm-and-kubernetes" in readme
