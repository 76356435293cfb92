"""The /images routes. Parameterised SQL only: values travel apart from the statement, so a
caption like `'); DROP TABLE images; --` is stored as plain text.
"""

import re

from flask import Blueprint, abort, current_app, request, url_for

from .storage import NAME

bp = Blueprint("images", __name__)

MAX_ID = 2**31 - 1  # the column is a signed INT
# JSON lets "\ud800" through, a lone surrogate: no UTF-8 for it, so no database can store it.
SURROGATE = re.compile("[\ud800-\udfff]")
# Keyset paging: the primary key finds the page directly, whatever the table's size (OFFSET
# would read and skip every earlier row). One row more than asked tells if a next page exists.
PAGE_SQL = "SELECT id, caption, filename FROM images WHERE id <= %s ORDER BY id DESC LIMIT %s"


def db():
    return current_app.extensions["db"]


@bp.get("/images")
def list_images():
    limit = _int_arg("limit", default=50, high=200)
    cursor = _int_arg("cursor", default=MAX_ID, high=MAX_ID)
    rows = db().query(PAGE_SQL, (cursor, limit + 1))
    items = rows[:limit]
    next_cursor = rows[limit]["id"] if len(rows) > limit else None
    return {"items": items, "next_cursor": next_cursor}


@bp.get("/images/<int:image_id>")
def get_image(image_id):
    rows = db().query("SELECT id, caption, filename FROM images WHERE id = %s", (image_id,))
    if not rows:
        abort(404, f"No image with id {image_id}.")
    return rows[0]


@bp.post("/images")
def create_image():
    body = json_object("caption and filename")
    caption, filename = caption_of(body), body.get("filename")
    if SURROGATE.search(caption):
        abort(400, "caption must be Unicode text: it holds an unpaired surrogate.")
    if not isinstance(filename, str) or not NAME.fullmatch(filename):  # 255 at most
        abort(
            400,
            "filename must be 1 to 255 characters: letters, digits, '.', '_' or '-', "
            "starting with a letter or digit.",
        )
    _, image_id = db().execute(
        "INSERT INTO images (caption, filename) VALUES (%s, %s)", (caption, filename)
    )
    location = url_for("images.get_image", image_id=image_id)
    return {"id": image_id, "caption": caption, "filename": filename}, 201, {"Location": location}


@bp.delete("/images/<int:image_id>")
def delete_image(image_id):
    deleted, _ = db().execute("DELETE FROM images WHERE id = %s", (image_id,))
    if not deleted:
        abort(404, f"No image with id {image_id}.")
    return "", 204


def _int_arg(name, default, high):
    raw = request.args.get(name)
    if raw is None:
        return default
    # isascii: str.isdigit() also accepts digits such as "²" that int() refuses.
    if not (raw.isascii() and raw.isdigit() and len(raw) <= 10 and 1 <= int(raw) <= high):
        abort(400, f"{name} must be a whole number from 1 to {high}.")
    return int(raw)


def json_object(fields):
    """The request's JSON object, or a 4xx saying what to send: JSON with `fields`."""
    if not request.is_json:
        abort(415, "Send JSON with Content-Type: application/json.")
    # A chunked body has no length: Werkzeug stops reading it at MAX_CONTENT_LENGTH, so one
    # that fills the limit is refused here, never cut.
    if request.content_length is None and len(request.get_data()) >= request.max_content_length:
        abort(413)
    try:
        body = request.get_json(silent=True)  # None when the body is not JSON or not UTF-8
    except RecursionError:  # nested thousands deep: Python's parser gives up
        body = None
    if not isinstance(body, dict):
        abort(400, f"The body must be a JSON object with {fields}.")
    return body


def caption_of(body):
    caption = body.get("caption")
    # 100 characters as sent (what openapi.json promises), and not only blanks.
    if not isinstance(caption, str) or len(caption) > 100 or not caption.strip():
        abort(400, "caption must be a string of 1 to 100 characters.")
    return caption.strip()
