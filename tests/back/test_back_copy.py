"""back/ copied into another project (back/README.md, "Copy it"): the package renamed in one
line, and the parts the README says may go left out, run by real gunicorn against the real
database beside the full back/, and answering the same."""

import ast
import json
import shutil
import sys

import pytest
import requests

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


def delete_tls(config_py):
    """back/README.md's recipe: delete the function _tls_context and the line that calls it."""
    tree = ast.parse(config_py.read_text(encoding="utf-8"))
    [function] = [node for node in tree.body if getattr(node, "name", "") == "_tls_context"]
    [call] = [n for n in ast.walk(tree) if isinstance(n, ast.keyword) and n.arg == "mysql_tls"]
    assert call.lineno < function.lineno  # so the function's lines go first
    lines = config_py.read_text(encoding="utf-8").splitlines(keepends=True)
    del lines[function.lineno - 1 : function.end_lineno]
    del lines[call.lineno - 1 : call.end_lineno]
    config_py.write_text("".join(lines), encoding="utf-8")


def ask(base, method, path, body=None):
    """(status, the body's bytes), errors included."""
    answer = requests.request(method, base + path, json=body, timeout=5)
    return answer.status_code, answer.content


@pytest.mark.integration
def test_a_renamed_copy_without_openapi_tls_and_orjson_serves_the_same_json(tmp_path, live_db):
    copy = tmp_path / "project" / "back"
    shutil.copytree(BACK, copy, ignore=shutil.ignore_patterns("__pycache__", ".venv"))
    (copy / "api").rename(copy / "photos")
    conf = copy / "gunicorn.conf.py"
    before = conf.read_text(encoding="utf-8").splitlines(keepends=True)
    after = [line.replace('"api"', '"photos"') for line in before]
    assert [line for line in after if line not in before] == ['APP_PACKAGE = "photos"\n']
    conf.write_text("".join(after), encoding="utf-8")
    (copy / "photos" / "openapi.json").unlink()
    delete_tls(copy / "photos" / "config.py")
    requirements = copy / "requirements.txt"
    kept = [line for line in requirements.read_text().splitlines(True) if "orjson" not in line]
    requirements.write_text("".join(kept))

    database = {"MYSQL_HOST": "127.0.0.1", "MYSQL_PORT": str(live_db.port)}
    database["MYSQL_PASSWORD"] = APP_PASSWORD
    (tmp_path / "full").mkdir()
    full, full_base, _, _ = run_gunicorn(tmp_path / "full", **database)
    stripped, base, _, err = run_gunicorn(tmp_path, back=copy, command=WITHOUT_ORJSON, **database)
    try:
        status, created = ask(base, "POST", "/images", {"caption": "café", "filename": "c.gif"})
        assert status == 201
        asked = SAME_ANSWERS + [("GET", f"/images/{json.loads(created)['id']}", None)]
        answers = [(ask(full_base, *r), ask(base, *r)) for r in asked]
        health, openapi = ask(base, "GET", "/health"), ask(base, "GET", "/openapi.json")
    finally:
        stop(full)
        stop(stripped)

    assert health[0] == 200 and json.loads(health[1])["db"] is True
    reason = b'{"error":"Not Found","message":"This copy of the API has no openapi.json."}\n'
    assert openapi == (404, reason)
    for request, ((status, body), (copy_status, copy_body)) in zip(asked, answers, strict=True):
        assert (copy_status, json.loads(copy_body)) == (status, json.loads(body)), request
    # Flask's own JSON provider wrote the copy's answers, not orjson: the same JSON, spelt
    # its way (the last request: the new row).
    (_, with_orjson), (_, without) = answers[-1]
    assert "café".encode() in with_orjson and b"caf\\u00e9" in without
    assert "Traceback" not in err.read_text()
