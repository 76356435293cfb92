"""What the image tests share: the front image's name and the engines' command lines.
(Not in conftest.py: `from conftest import` may find another folder's conftest.py.)"""

import subprocess
import time
import urllib.error
import urllib.request

IMAGE = "tiers-front"


def engine_cli(engine, *args, timeout=120):
    return subprocess.run(
        [engine, *args], capture_output=True, text=True, timeout=timeout, check=False
    )


def remove(engine, name):
    """Remove a container at once (`podman rm -f` would first wait 10 s for it to stop)."""
    engine_cli(engine, "rm", "-f", *(("-t", "0") if engine == "podman" else ()), name)


def fetch(url, headers=None):
    """(status, headers, body) of a GET, or (None, None, the error) without an answer."""
    request = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read()
    except OSError as error:  # refused, reset, or an empty reply
        return None, None, str(error)


def wait_for(url, timeout=30):
    deadline = time.monotonic() + timeout
    while fetch(url)[0] != 200:
        if time.monotonic() > deadline:
            return False
        time.sleep(0.2)
    return True
