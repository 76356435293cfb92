"""The GIF files: the ones this API ships (api/gifs/), and the ones it makes, stored under
IMAGE_PATH by a name made from their content."""

import hashlib
import os
import re
import tempfile
from pathlib import Path

from flask import abort
from werkzeug.exceptions import HTTPException

# The seed row's picture (hello-caption.gif), the one for a name with no file, and the
# scenes a keyword gets without GIPHY: drawn by tools/draw-gifs.py.
SHIPPED = Path(__file__).with_name("gifs")
MISSING = SHIPPED / "missing.gif"
SCENES = ("bounce.gif", "rain.gif", "sun.gif", "stars.gif")

MAX_GIF_BYTES = 10 * 2**20
# A file name and nothing else: no "/", no "..", no NUL, no hidden file (".x").
NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,254}")
# The names save() gives: never rewritten, so they may be cached for ever.
CONTENT_NAME = re.compile(r"[0-9a-f]{32}\.gif")


class InsufficientStorage(HTTPException):
    """507, which Werkzeug leaves out (it is WebDAV's): Flask's docs' way to raise it."""

    code = 507


def check_name(name):
    if not NAME.fullmatch(name):
        abort(
            400,
            "A GIF's name is 1 to 255 characters: letters, digits, '.', '_' or '-', "
            "starting with a letter or digit.",
        )


def find(folder, name):
    """The path of the GIF `name`, shipped or under `folder`; None if neither has it."""
    check_name(name)
    if name.endswith(".gif"):
        for path in (SHIPPED / name, Path(folder) / name):
            if path.is_file():
                return path
    return None


def read(folder, name):
    path = find(folder, name)
    if path is None:
        abort(404, f"No GIF named {name}.")
    return path.read_bytes()


def save(folder, data):
    """Store `data` under `folder` as <32 hex digits of its SHA-256>.gif, and return that
    name. The bytes go to a temporary file in the same folder, which then takes the name in
    one step (os.replace): a reader sees the whole GIF or none, two writers of the same GIF
    write the same bytes, and a write that fails halfway leaves nothing behind."""
    name = hashlib.sha256(data).hexdigest()[:32] + ".gif"
    folder = Path(folder)
    if (folder / name).is_file():
        return name
    temporary = None
    try:
        folder.mkdir(parents=True, exist_ok=True)
        # A hidden name (".") that no request can ask for.
        descriptor, temporary = tempfile.mkstemp(dir=folder, prefix=".", suffix=".part")
        with os.fdopen(descriptor, "wb") as file:
            file.write(data)
            file.flush()
            os.fsync(file.fileno())  # on disk before it has its name
        os.chmod(temporary, 0o644)  # mkstemp's 0600 would hide it from another user's reader
        os.replace(temporary, folder / name)
        temporary = None
    except OSError as exc:  # a full disk, a folder not ours (a volume of root's)
        raise InsufficientStorage(
            f"The GIF cannot be stored in IMAGE_PATH {folder}: {exc.strerror}."
        ) from None
    finally:
        if temporary:  # whatever stopped the write
            Path(temporary).unlink(missing_ok=True)
    return name
