"""The course's Part 2, lesson by lesson (k8s/lessons/): what `kubectl apply -f <folder>`
reads from each folder, offline.

kubectl, given a folder, reads the files in it whose names end in .json, .yaml or .yml,
in the order of their names, and not the folders inside it (that takes -R). A lesson
with two steps keeps the first in a folder of its own (02-02-pod/nginx/,
02-04-front-deployment/hello/), applied by its own command.
"""

from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[2]
LESSONS = REPO / "k8s" / "lessons"
NAMESPACE = "k8scourse-lessons"
EXTENSIONS = (".json", ".yaml", ".yml")  # kubectl's, for the files of a folder
# Every folder a lesson's README applies, literally: a lesson that creates or changes
# objects, and the second step of two of them. 02-01, 02-13 and 02-15 create none here.
FOLDERS = (
    "02-02-pod",
    "02-02-pod/nginx",
    "02-03-toolbox",
    "02-04-front-deployment/hello",
    "02-04-front-deployment",
    "02-05-front-service",
    "02-06-ingress",
    "02-07-back",
    "02-08-paths",
    "02-09-env-vars",
    "02-10-persist-data",
    "02-11-database",
    "02-12-seed-db",
    "02-14-cronjob",
)


def manifest_files(folder, recursive=False):
    """The files `kubectl apply -f folder` reads (with -R when recursive), in its order."""
    pattern = "**/*" if recursive else "*"
    return sorted(p for p in Path(folder).glob(pattern) if p.is_file() and p.suffix in EXTENSIONS)


def load(folder):
    """The objects `kubectl apply -f k8s/lessons/<folder>` applies, in order (JSON is YAML)."""
    return [
        doc
        for path in manifest_files(LESSONS / folder)
        for doc in yaml.safe_load_all(path.read_text(encoding="utf-8"))
        if doc
    ]
