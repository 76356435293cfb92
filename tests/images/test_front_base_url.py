"""front/05-check-base-url.sh, the front container's start-up check of BASE_URL: which values
start the container and which stop it with one line. It runs here as the image runs it,
with sh, before nginx renders BASE_URL into /config.json and the nginx config."""

import os
import subprocess
from pathlib import Path

import pytest

CHECK = Path(__file__).resolve().parents[2] / "front" / "05-check-base-url.sh"

ACCEPTED = [
    "http://localhost:3000",
    "http://localhost:3001/",
    "https://api.k8scourse.localhost",
    "http://10.0.0.5:8080/api/v1",
    # A path on the page's own origin: the course's 02-09 sets BASE_URL=api.
    "api",
    "/api",
    "api/",
    "/api/",
    "api/v1",
    "/api/v1/",
    "my_api-2",
    "~user",
]
REFUSED = [
    "",
    "/",
    "//evil.example",  # another host, for the browser
    "//evil.example/api",
    ".",
    "..",
    "./api",
    "../api",
    "/api/../admin",
    "api//v1",
    "%2e%2e",
    "api?x=1",
    "api#top",
    "api v1",
    "'api'",
    '"api"',
    "api;",
    "$api",
    "api\nv1",
    "javascript:alert(1)",
    "ftp://localhost",
    "http://",
    "http://localhost:99999",
    "http://localhost:0",
    "localhost:3000",  # a scheme, or it is a path named 'localhost:3000'
]


def check(base_url):
    return subprocess.run(
        ["sh", str(CHECK)],
        env={"PATH": os.environ["PATH"], "BASE_URL": base_url},
        capture_output=True,
        text=True,
        check=False,
    )


@pytest.mark.parametrize("base_url", ACCEPTED)
def test_accepted(base_url):
    result = check(base_url)
    assert (result.returncode, result.stderr) == (0, "")


@pytest.mark.parametrize("base_url", REFUSED)
def test_refused_with_one_line(base_url):
    result = check(base_url)
    assert result.returncode == 1
    [line] = result.stderr.splitlines()
    assert line.startswith("05-check-base-url.sh: BASE_URL ")


def test_the_refusal_says_what_is_accepted():
    assert check("../api").stderr == (
        "05-check-base-url.sh: BASE_URL must look like http(s)://host[:port][/path], or a path "
        "such as api or /api, without quotes or spaces, got '../api', "
        "e.g. -e BASE_URL=http://localhost:3000\n"
    )
