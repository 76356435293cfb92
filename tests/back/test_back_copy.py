"""back/ copied into another project (back/README.md, "Copy it"): the package renamed in one
line, and a copy without the parts the README says may go, each run by real gunicorn
against the real database."""

import ast
import json
import shutil
import sys
import urllib.error
import urllib.request

import pytest

from mariadb_server import APP_PASSWORD
from test_back_gunicorn import BACK, run_gunicorn, stop

# gunicorn as the image runs it, in a Python where `import orjson` fails as it does where
# the package is not installed (None in sys.modules: the import system's documented way).
WITHOUT_ORJSON = [
    sys.executable,
    "-c",
    "import sys; sys.modules['orjson'] = None; sys.argv = ['gunicorn', '-c', 'gunicorn.conf.py']; "
    "from gunicorn.app.wsgiapp import run; run()",
]


def copy_of_back(tmp_path):
    copy = tmp_path / "project" / "back"
    shutil.copytree(BACK, copy, ignore=shutil.ignore_patterns("__pycache__", ".venv"))
    return copy


def serve(tmp_path, live_db, name="back", **kwargs):
    logs = tmp_path / name  # a folder of logs per server
    logs.mkdir()
    return run_gunicorn(
        logs,
        MYSQL_HOST="127.0.0.1",
        MYSQL_PORT=str(live_db.port),
        MYSQL_PASSWORD=APP_PASSWORD,
        **kwargs,
    )


def ask(base, method, path, body=None):
    """(status, the body's bytes), errors included."""
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(base + path, data=data, method=method)
    if data is not None:
        request.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def delete_lines(path, first, last):
    """Delete lines first to last (from 1, inclusive), as an editor would."""
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    path.write_text("".join(lines[: first - 1] + lines[last:]), encoding="utf-8")


def delete_tls(config_py):
    """back/README.md's recipe: delete the function _tls_context and the line that calls it."""
    tree = ast.parse(config_py.read_text(encoding="utf-8"))
    [function] = [node for node in tree.body if getattr(node, "name", "") == "_tls_context"]
    [call] = [n for n in ast.walk(tree) if isinstance(n, ast.keyword) and n.arg == "mysql_tls"]
    assert call.lineno < function.lineno
    delete_lines(config_py, function.lineno, function.end_lineno)
    delete_lines(config_py, call.lineno, call.end_lineno)


@pytest.mark.integration
def test_the_package_is_renamed_in_one_line(tmp_path, live_db):
    copy = copy_of_back(tmp_path)
    (copy / "api").rename(copy / "photos")
    conf = copy / "gunicorn.conf.py"
    before = conf.read_text(encoding="utf-8").splitlines(keepends=True)
    after = [line.replace('"api"', '"photos"') for line in before]
    assert [line for line in after if line not in before] == ['APP_PACKAGE = "photos"\n']
    conf.write_text("".join(after), encoding="utf-8")

    process, base, _, _ = serve(tmp_path, live_db, back=copy)
    try:
        assert ask(base, "GET", "/health")[0] == 200
        assert ask(base, "GET", "/images?limit=1")[0] == 200
    finally:
        stop(process)


# Requests whose answers do not depend on the time or on a new row's id.
SAME_ANSWERS = [
    ("GET", "/images?limit=3", None),
    ("GET", "/images/2147483647", None),
    ("GET", "/images?limit=0", None),
    ("POST", "/images", {"caption": " ", "filename": "a.gif"}),
    ("POST", "/images", ["not", "an", "object"]),
    ("PUT", "/images", None),
    ("GET", "/nope", None),
]


@pytest.mark.integration
def test_a_copy_without_openapi_tls_and_orjson_serves_the_same_json(tmp_path, live_db):
    copy = copy_of_back(tmp_path)
    (copy / "api" / "openapi.json").unlink()
    delete_tls(copy / "api" / "config.py")
    requirements = copy / "requirements.txt"
    kept = [line for line in requirements.read_text().splitlines(True) if "orjson" not in line]
    requirements.write_text("".join(kept))

    full, full_base, _, _ = serve(tmp_path, live_db, name="full")
    stripped, base, _, err = serve(tmp_path, live_db, "copy", back=copy, command=WITHOUT_ORJSON)
    try:
        status, created = ask(base, "POST", "/images", {"caption": "café", "filename": "c.gif"})
        assert status == 201
        requests = SAME_ANSWERS + [("GET", f"/images/{json.loads(created)['id']}", None)]
        answers = [(ask(full_base, *r), ask(base, *r)) for r in requests]
        health, openapi = ask(base, "GET", "/health"), ask(base, "GET", "/openapi.json")
    finally:
        stop(full)
        stop(stripped)

    assert health[0] == 200 and json.loads(health[1])["db"] is True
    reason = b'{"error":"Not Found","message":"This copy of the API has no openapi.json."}\n'
    assert openapi == (404, reason)
    for request, ((status, body), (copy_status, copy_body)) in zip(requests, answers, strict=True):
        assert (copy_status, json.loads(copy_body)) == (status, json.loads(body)), request
    # Flask's own JSON provider wrote the copy's answers, not orjson: the same JSON, spelt
    # its way (the last request: the new row).
    (_, with_orjson), (_, without) = answers[-1]
    assert "café".encode() in with_orjson and b"caf\\u00e9" in without
    assert "Traceback" not in err.read_text()
