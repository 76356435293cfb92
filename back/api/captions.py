"""POST /gifs/<name>/captions: a new GIF, the caption drawn into every frame. Drawn here
(Part 1's monolith), or with GIF_CAPTION_SVC (lesson 02-13) by the captioning service: this
route in its own container (create_captioner), storing on the volume both mount at IMAGE_PATH.
"""

import http.client
import json
import urllib.error
import urllib.request

from flask import Blueprint, abort, current_app

from . import storage
from .images import caption_of, json_object

bp = Blueprint("captions", __name__)

# Calls to the service go straight to it, never through an HTTP_PROXY of the environment.
DIRECT = urllib.request.build_opener(urllib.request.ProxyHandler({}))
SERVICE_HINT = (
    "Start the captioning service, with the same IMAGE_PATH on a volume both share: "
    "the backend's image with the command gunicorn -c gunicorn.conf.py 'api:create_captioner()' "
    "and PORT=4000. Or unset GIF_CAPTION_SVC: the backend then draws captions itself."
)


@bp.post("/gifs/<name>/captions")
def caption_gif(name):
    caption = caption_of(json_object("caption"))
    storage.check_name(name)
    config = current_app.config["API"]
    if config.caption_service:
        return ask_service(config, name, caption)
    # Pillow loads at the first caption drawn, not at start: a backend with GIF_CAPTION_SVC
    # never loads it (4 MB less in each worker; docs/benchmarks.md).
    from . import draw

    data = storage.read(config.image_path, name)
    try:
        captioned = draw.caption_gif(data, caption, config.caption_font)
    except draw.CaptionError as exc:
        abort(422, str(exc))
    new = storage.save(config.image_path, captioned)
    return {"name": new}, 201, {"Location": f"/gifs/{new}"}


def ask_service(config, name, caption):
    """The service's answer, passed on as it is; a 503 with a hint when it cannot be reached
    or answers something else than JSON (another program at that port)."""
    where = f"The captioning service (GIF_CAPTION_SVC={config.caption_service})"
    request = urllib.request.Request(
        f"http://{config.caption_service}/gifs/{name}/captions",
        data=json.dumps({"caption": caption}).encode(),
        headers={"Content-Type": "application/json"},
    )
    try:
        with DIRECT.open(request, timeout=config.caption_timeout) as answer:
            status, headers, body = answer.status, answer.headers, answer.read(65536)
    except urllib.error.HTTPError as exc:  # its 4xx and 5xx, with their reasons
        status, headers, body = exc.code, exc.headers, exc.read(65536)
    except (OSError, http.client.HTTPException) as exc:  # refused, no such host, too slow
        return unavailable(f"{where} cannot be reached: {getattr(exc, 'reason', exc)}.")
    try:
        answer = json.loads(body)
    except ValueError:
        return unavailable(f"{where} answered, but not as the captioning service.")
    return answer, status, {"Location": headers["Location"]} if "Location" in headers else {}


def unavailable(message):
    return {"error": "Service Unavailable", "message": message, "hint": SERVICE_HINT}, 503
