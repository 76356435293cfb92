"""The /gifs routes: a GIF for a keyword (POST /gifs), and a GIF by its name (GET)."""

import secrets

from flask import Blueprint, abort, current_app, send_file

from . import giphy, storage
from .images import json_object

bp = Blueprint("gifs", __name__)

# A name save() made is never rewritten: a browser may keep it a year without asking again.
FOR_EVER = 365 * 24 * 3600


@bp.post("/gifs")
def gif_for_keyword():
    keyword = json_object("keyword").get("keyword")
    # 50 characters as sent (what openapi.json promises), and not only blanks.
    if (
        not (isinstance(keyword, str) and keyword.isprintable() and keyword.strip())
        or len(keyword) > 50
    ):
        abort(400, "keyword must be a string of 1 to 50 printable characters.")
    config = current_app.config["API"]
    if not config.giphy_key:
        # No account, no network: a scene this API ships, whatever the keyword.
        name, source = secrets.choice(storage.SCENES), "shipped"
    else:
        try:
            data = giphy.random_gif(keyword.strip(), config)
        except giphy.GiphyError as exc:
            abort(exc.status, str(exc))
        name, source = storage.save(config.image_path, data), "giphy"
    return {"name": name, "source": source}, 201, {"Location": f"/gifs/{name}"}


@bp.get("/gifs/<name>")
def get_gif(name):
    path = storage.find(current_app.config["API"].image_path, name)
    if path is None:
        # The page shows a picture where a row's file is gone, and the status says so.
        return send_file(storage.MISSING, conditional=False), 404
    if storage.CONTENT_NAME.fullmatch(name):
        response = send_file(path, max_age=FOR_EVER)
        response.cache_control.immutable = True
        return response
    # A shipped GIF may change with the next image: the browser asks again, with its ETag.
    return send_file(path, max_age=0)
