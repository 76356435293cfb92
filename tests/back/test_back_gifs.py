"""The GIFs, with real Pillow on real GIFs: a shipped scene for a keyword without Giphy; a
caption at the bottom of every frame, keeping durations, loop and transparency, stored under
its content's name; cache headers; every bad input refused, the saved rows and files as they
were. Lesson 02-13's split: the captioning service (gunicorn serving create_captioner) stores
into the IMAGE_PATH both share; down, captions get a 503 with a hint and the rest works."""

import os
import shutil
import socket
import sys
import threading
from concurrent.futures import ThreadPoolExecutor
from io import BytesIO
from pathlib import Path

import pytest
import requests
from kit import free_port, run, serving
from PIL import Image, ImageChops, ImageSequence

from api import create_app, create_captioner
from api.captions import SERVICE_HINT
from api.config import DEFAULT_FONT, Config
from api.draw import CaptionError, caption_gif
from api.storage import SCENES, SHIPPED
from giphy_standin import Giphy, body
from mariadb_server import db_config
from test_back_gunicorn import GUNICORN, run_gunicorn, stop

BACK = Path(__file__).resolve().parents[2] / "back"
BOUNCE = (SHIPPED / "bounce.gif").read_bytes()


def frames_of(data):
    """([(frame as seen: RGBA, transparent pixels all (0, 0, 0, 0)), duration], loop)."""
    with Image.open(BytesIO(data)) as gif:
        frames = []
        for frame in ImageSequence.Iterator(gif):
            rgba = frame.convert("RGBA")
            seen = Image.composite(rgba, Image.new("RGBA", rgba.size), rgba)
            frames.append((seen, frame.info.get("duration")))
        return frames, gif.info.get("loop")


def gif_of(size, count=1, **options):
    """A GIF of `count` frames of that size, each another colour, saved with `options`."""
    frames = [Image.new("P", size, i % 3) for i in range(count)]
    for frame in frames:
        frame.putpalette([0, 0, 0, 200, 40, 40, 40, 40, 200])
    out = BytesIO()
    frames[0].save(out, "GIF", save_all=True, append_images=frames[1:], **options)
    return out.getvalue()


def caption(client, name, text):
    return client.post(f"/gifs/{name}/captions", json={"caption": text})


def test_a_keyword_without_giphy_gets_a_shipped_scene_served_with_its_etag(tmp_path):
    client = create_app(Config(image_path=tmp_path)).test_client()
    made = client.post("/gifs", json={"keyword": "cats"})
    assert made.status_code == 201 and made.json["source"] == "shipped"
    assert made.json["name"] in SCENES and made.location == f"/gifs/{made.json['name']}"
    served = client.get(made.location)
    assert (served.status_code, served.mimetype) == (200, "image/gif")
    assert served.data == (SHIPPED / made.json["name"]).read_bytes()
    assert served.headers["Cache-Control"] == "no-cache, max-age=0"
    again = client.get(made.location, headers={"If-None-Match": served.headers["ETag"]})
    assert again.status_code == 304
    assert client.get("/gifs/hello-caption.gif").status_code == 200  # db/init.sql's seed row
    assert list(tmp_path.iterdir()) == []  # nothing stored for a shipped GIF


def test_a_caption_is_stored_under_its_contents_name_and_cached_for_ever(tmp_path):
    folder = tmp_path / "new" / "gifs"  # made when the first GIF is stored
    client = create_app(Config(image_path=folder)).test_client()
    made = caption(client, "bounce.gif", "Hello")
    assert made.status_code == 201, made.json
    name = made.json["name"]
    assert made.location == f"/gifs/{name}"
    assert caption(client, "bounce.gif", "Hello").json == {"name": name}  # the same name
    served = client.get(made.location)
    assert served.data == (folder / name).read_bytes() and len(frames_of(served.data)[0]) == 48
    assert served.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    assert caption(client, name, "a caption of a caption").status_code == 201
    assert len(list(folder.iterdir())) == 2


def test_a_name_with_no_file_gets_the_missing_picture_and_a_404(tmp_path):
    response = create_app(Config(image_path=tmp_path)).test_client().get("/gifs/gone.gif")
    assert (response.status_code, response.mimetype) == (404, "image/gif")
    assert response.data == (SHIPPED / "missing.gif").read_bytes()
    assert response.headers["Cache-Control"] == "no-cache"


@pytest.mark.parametrize("name", [*SCENES, "hello-caption.gif"])
def test_the_caption_is_in_every_frame_at_the_bottom_and_nothing_else_changes(name):
    source = (SHIPPED / name).read_bytes()
    before, loop = frames_of(source)
    after, loop_after = frames_of(caption_gif(source, "Hello, world", DEFAULT_FONT))
    assert [d for _, d in after] == [d for _, d in before] and loop_after == loop == 0
    for (old, _), (new, _) in zip(before, after, strict=True):
        changed = ImageChops.difference(old, new).getbbox(alpha_only=False)
        assert changed is not None, "a frame without the caption"
        # Nothing above changed, transparent pixels included (stars.gif's: no trail).
        assert changed[1] >= old.height * 2 // 3, f"{changed}: more than the bottom third"


@pytest.mark.parametrize("loop", [None, 0, 2])
def test_the_loop_count_is_kept_and_no_loop_stays_none(loop):
    options = {"duration": [30, 70, 120]} | ({} if loop is None else {"loop": loop})
    after, loop_after = frames_of(caption_gif(gif_of((60, 40), 3, **options), "hi", DEFAULT_FONT))
    assert (loop_after, [d for _, d in after]) == (loop, [30, 70, 120])


@pytest.mark.parametrize(
    ("font", "text", "named"),
    [
        (DEFAULT_FONT, "hello 中文", "中 (U+4E2D), 文 (U+6587)"),
        (DEFAULT_FONT, "a\x00b", "U+0000"),
        (DEFAULT_FONT, "two\nlines\t", "U+000A, U+0009"),
        (DEFAULT_FONT, "zero\u200bwidth", "U+200B"),
        # No font file: Pillow's own, basic Latin letters only.
        ("/nonexistent/font.ttf", "Ça va, Привет", "Ç (U+00C7), П (U+041F), Р (U+0420)"),
    ],
)
def test_characters_the_font_cannot_draw_are_named(font, text, named):
    with pytest.raises(CaptionError) as refused:
        caption_gif(BOUNCE, text, font)
    assert str(refused.value).startswith(f"The font cannot draw {named}")


def test_unicode_is_drawn_where_the_font_has_it():
    latin = caption_gif(BOUNCE, "ca va", DEFAULT_FONT)
    assert caption_gif(BOUNCE, "Ça va? Привет, Γειά σου, straße", DEFAULT_FONT) != latin


def test_concurrent_captions_of_one_file_corrupt_neither(tmp_path):
    with serving(create_app(Config(image_path=tmp_path))) as port, ThreadPoolExecutor(4) as pool:
        url = f"http://127.0.0.1:{port}/gifs/bounce.gif/captions"
        answers = list(
            pool.map(lambda t: requests.post(url, json={"caption": t}, timeout=60), "ABAB")
        )
    assert [answer.status_code for answer in answers] == [201] * 4
    names = {text: answer.json()["name"] for text, answer in zip("ABAB", answers, strict=True)}
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(set(names.values()))
    assert len(names) == 2
    assert all(len(frames_of((tmp_path / n).read_bytes())[0]) == 48 for n in names.values())


def test_a_write_that_fails_halfway_leaves_no_file(tmp_path):
    # The captioned GIF is ~70 KB; the process may write 20 KB to a file, then gets EFBIG.
    script = (
        "import resource, signal, sys; from api import create_app; from api.config import Config\n"
        "signal.signal(signal.SIGXFSZ, signal.SIG_IGN)\n"
        "resource.setrlimit(resource.RLIMIT_FSIZE, (20000, 20000))\n"
        "client = create_app(Config(image_path=sys.argv[1])).test_client()\n"
        "r = client.post('/gifs/bounce.gif/captions', json={'caption': 'x'})\n"
        "print(r.status_code, r.json['message'])\n"
    )
    env = os.environ | {"PYTHONDONTWRITEBYTECODE": "1"}
    ran = run(sys.executable, "-c", script, str(tmp_path), cwd=BACK, env=env)
    assert ran.stdout == f"507 The GIF cannot be stored in IMAGE_PATH {tmp_path}: File too large.\n"
    assert list(tmp_path.iterdir()) == []


def test_an_image_path_that_cannot_be_written_is_a_507_naming_it(tmp_path):
    (tmp_path / "file").touch()  # root may write anywhere: a file where the folder should be
    response = caption(
        create_app(Config(image_path=tmp_path / "file")).test_client(), "bounce.gif", "x"
    )
    assert response.status_code == 507
    assert response.json["message"] == (
        f"The GIF cannot be stored in IMAGE_PATH {tmp_path / 'file'}: File exists."
    )


@pytest.fixture(scope="module")
def bad_files():
    """Files under IMAGE_PATH with a .gif name that cannot be captioned."""
    png = BytesIO()
    Image.new("RGB", (10, 10)).save(png, "PNG")
    return {
        "png.gif": png.getvalue(),
        "half.gif": BOUNCE[: len(BOUNCE) // 2],
        "bomb.gif": gif_of((5000, 5000)),  # 4 KB that are 25 million pixels
        "wide.gif": gif_of((1200, 1000)),  # over 1 megapixel, not twice: Pillow's warning
        "frames.gif": gif_of((2, 2), count=301),
        "pixels.gif": gif_of((500, 500), count=81),  # 81 frames: 20.25 million pixels
        "big.gif": b"GIF89a" + bytes(10 * 2**20),
    }


@pytest.fixture
def store(tmp_path, live_db, bad_files):
    """An app with the database, IMAGE_PATH with the bad files and a good one, saved in a
    row, and a way to read back the rows and the files."""
    folder = tmp_path / "gifs"
    folder.mkdir()
    good = "0123456789abcdef0123456789abcdef.gif"
    for name, data in bad_files.items() | {good: (SHIPPED / "sun.gif").read_bytes()}.items():
        (folder / name).write_bytes(data)
    client = create_app(db_config(live_db, image_path=folder)).test_client()
    assert client.post("/images", json={"caption": "kept", "filename": good}).status_code == 201

    def saved():
        with live_db.root("images") as conn, conn.cursor() as cur:
            cur.execute("SELECT id, caption, filename FROM images ORDER BY id")
            return cur.fetchall(), {p.name: p.read_bytes() for p in folder.iterdir()}

    return client, saved


NAME_REASON = "A GIF's name is 1 to 255 characters: letters, digits, '.', '_' or '-', starting"
CAPTION_REASON = "caption must be a string of 1 to 100 characters."
SUN = "/gifs/sun.gif/captions"


@pytest.mark.integration
@pytest.mark.parametrize(
    ("method", "path", "sent", "status", "reason"),
    [
        ("get", "/gifs/..", None, 400, NAME_REASON),
        ("get", "/gifs/.hidden.gif", None, 400, NAME_REASON),
        ("get", "/gifs/a%00b.gif", None, 400, NAME_REASON),
        ("get", "/gifs/%2Fetc%2Fpasswd", None, 404, "The requested URL was not found"),
        ("post", "/gifs/..%2F..%2Fetc%2Fpasswd/captions", {"caption": "x"}, 404, "The requested"),
        ("post", "/gifs/..x/captions", {"caption": "x"}, 400, NAME_REASON),
        ("post", "/gifs/nope.gif/captions", {"caption": "x"}, 404, "No GIF named nope.gif."),
        ("post", SUN, {"caption": "x" * 100 + " "}, 400, CAPTION_REASON),
        ("post", SUN, {"caption": " "}, 400, CAPTION_REASON),
        ("post", SUN, {"caption": 7}, 400, CAPTION_REASON),
        ("post", SUN, {"caption": "中"}, 422, "The font cannot draw 中"),
        ("post", SUN, b'{"caption": "\\ud800"}', 422, "The font cannot draw U+D8"),
        ("post", SUN, {"caption": "W" * 100}, 422, "The caption does not fit in 3 lines"),
        ("post", SUN, "caption", 415, "Send JSON"),
        ("post", SUN, {"caption": "x" * 20000}, 413, "The data value"),
        ("post", "/gifs/png.gif/captions", {"caption": "x"}, 422, "The file is not a GIF."),
        ("post", "/gifs/half.gif/captions", {"caption": "x"}, 422, "The GIF cannot be read"),
        ("post", "/gifs/bomb.gif/captions", {"caption": "x"}, 422, "A frame of the GIF is over"),
        ("post", "/gifs/wide.gif/captions", {"caption": "x"}, 422, "A frame of the GIF is over"),
        ("post", "/gifs/frames.gif/captions", {"caption": "x"}, 422, "The GIF has 301 frames"),
        ("post", "/gifs/pixels.gif/captions", {"caption": "x"}, 422, "The GIF is 81 frames of"),
        ("post", "/gifs/big.gif/captions", {"caption": "x"}, 422, "The GIF is over 10 MiB."),
        ("post", "/gifs", {"keyword": ""}, 400, "keyword must be a string of 1 to 50 printable"),
        ("post", "/gifs", {"keyword": " " + "x" * 50}, 400, "keyword must be a string of 1 to"),
        ("post", "/gifs", {"keyword": "a\nb"}, 400, "keyword must be a string of 1 to 50"),
        ("post", "/gifs", {"word": "cat"}, 400, "keyword must be a string of 1 to 50"),
        ("post", "/gifs", [], 400, "The body must be a JSON object with keyword."),
        ("post", "/images", {"caption": "x", "filename": "../x.gif"}, 400, "filename must be"),
    ],
)
def test_bad_input_is_refused_and_nothing_saved_changes(store, method, path, sent, status, reason):
    client, saved = store
    before = saved()
    if isinstance(sent, str | bytes):  # bytes: JSON as sent, a lone surrogate in it
        kind = "text/plain" if isinstance(sent, str) else "application/json"
        response = client.post(path, data=sent, content_type=kind)
    else:
        response = getattr(client, method)(path, json=sent)
    assert response.status_code == status
    assert response.json["message"].startswith(reason), response.json
    assert saved() == before


def test_the_shipped_gifs_are_what_draw_gifs_draws_and_stay_small(tmp_path):
    gifs = tmp_path / "back" / "api" / "gifs"
    ignore = shutil.ignore_patterns("__pycache__", "*.gif")
    shutil.copytree(BACK / "api", gifs.parent, ignore=ignore)
    shutil.copytree(BACK.parent / "tools", tmp_path / "tools")
    drew = run(sys.executable, "tools/draw-gifs.py", cwd=tmp_path)
    assert drew.returncode == 0, drew.stderr
    drawn = {p.name: p.read_bytes() for p in gifs.glob("*.gif")}
    assert drawn == {p.name: p.read_bytes() for p in SHIPPED.glob("*.gif")}
    assert set(drawn) == {*SCENES, "hello-caption.gif", "missing.gif"}
    assert all(len(data) < 64 * 1024 for data in drawn.values())
    assert 40 <= len(frames_of(drawn["bounce.gif"])[0]) <= 60  # the benchmark's: 40 to 60


def caption_by(config, text="x"):
    return caption(create_app(config).test_client(), "bounce.gif", text)


def test_the_service_draws_the_caption_into_the_shared_folder(tmp_path):
    shared = tmp_path / "shared"
    service, base, out, _ = run_gunicorn(
        tmp_path, command=[*GUNICORN, "api:create_captioner()"], IMAGE_PATH=str(shared)
    )
    try:
        config = Config(image_path=shared, caption_service=base.removeprefix("http://"))
        made, refused = caption_by(config, "split"), caption_by(config, "中")
        assert (made.status_code, made.location) == (201, f"/gifs/{made.json['name']}")
        served = create_app(config).test_client().get(made.location)
        assert served.data == (shared / made.json["name"]).read_bytes()
        assert (refused.status_code, refused.json["error"]) == (422, "Unprocessable Entity")
        assert "Location" not in refused.headers  # only a new GIF has one
        assert refused.json["message"].startswith("The font cannot draw 中")
    finally:
        stop(service)
    log = out.read_text()
    assert '"POST /gifs/bounce.gif/captions HTTP/1.1" 201' in log
    assert '"POST /gifs/bounce.gif/captions HTTP/1.1" 422' in log


@pytest.mark.integration
def test_a_service_down_late_or_not_one_is_a_503_with_a_hint_and_the_rest_works(tmp_path, live_db):
    down = f"127.0.0.1:{free_port()}"
    with Giphy() as wrong, socket.create_server(("127.0.0.1", 0)) as silent:
        # Any HTTP server answering a page, not JSON; and one that connects, never answers.
        wrong.answers["/gifs/bounce.gif/captions"] = body(b"<html>nginx</html>")
        late = f"127.0.0.1:{silent.getsockname()[1]}"
        reset = threading.Timer(5, silent.close)  # a request that would wait for ever fails
        reset.start()
        answers = [
            caption_by(db_config(live_db, caption_service=service, caption_timeout=0.5))
            for service in (down, wrong.origin.removeprefix("http://"), late)
        ]
        reset.cancel()
    assert [(a.status_code, a.json["hint"]) for a in answers] == [(503, SERVICE_HINT)] * 3
    assert answers[0].json == {
        "error": "Service Unavailable",
        "message": f"The captioning service (GIF_CAPTION_SVC={down}) cannot be reached: "
        "[Errno 111] Connection refused.",
        "hint": SERVICE_HINT,
    }
    assert answers[1].json["message"].endswith("answered, but not as the captioning service.")
    assert answers[2].json["message"].endswith("cannot be reached: timed out.")
    client = create_app(db_config(live_db, image_path=tmp_path, caption_service=down))
    client = client.test_client()
    assert client.get("/health").status_code == 200
    assert client.get("/images").status_code == 200
    assert client.post("/gifs", json={"keyword": "cat"}).status_code == 201
    assert client.get("/gifs/hello-caption.gif").status_code == 200


def test_the_service_serves_only_captions_and_liveness(tmp_path):
    client = create_captioner(Config(image_path=tmp_path, caption_service="x:1")).test_client()
    assert client.get("/livez").status_code == 200
    assert [client.get(p).status_code for p in ("/images", "/health", "/gifs/sun.gif")] == [404] * 3
    made = client.post("/gifs/sun.gif/captions", json={"caption": "here"})  # not sent to x:1
    assert made.status_code == 201 and (tmp_path / made.json["name"]).is_file()
