"""Draws the GIFs that back/api/gifs/ ships: simple animated scenes, made here rather than copied,
so that the app works with no Giphy account and no network. A maintainer's tool, not the app's:

    .venv/bin/python tools/draw-gifs.py      # rewrites back/api/gifs/*.gif

The output is the same bytes on every run with the same Pillow and font (a test checks the
committed files against a fresh run). Each scene is drawn on a palette image (a few flat
colours, no anti-aliasing), which keeps the files small. hello-caption.gif (db/init.sql's
seed row) and missing.gif get their captions from the API's own api/draw.py.
"""

import math
import sys
from io import BytesIO
from pathlib import Path

from PIL import Image, ImageDraw

BACK = Path(__file__).resolve().parents[1] / "back"
sys.path.insert(0, str(BACK))  # the API's package, api/, whose captions this uses
from api.config import DEFAULT_FONT  # noqa: E402
from api.draw import caption_gif  # noqa: E402

OUT = BACK / "api" / "gifs"
SIZE = (320, 240)


def frames(count, palette, scene, size=SIZE):
    """`count` palette images, each drawn by scene(pen, t) with t from 0 to just below 1."""
    images = []
    for i in range(count):
        image = Image.new("P", size, 0)
        image.putpalette([channel for colour in palette for channel in colour])
        scene(ImageDraw.Draw(image), i / count)
        images.append(image)
    return images


def gif(images, **options):
    out = BytesIO()
    images[0].save(out, "GIF", save_all=True, append_images=images[1:], **options)
    return out.getvalue()


def bounce(pen, t):
    """A ball bouncing from left to right, its shadow on the grass (48 frames, the one the
    benchmark captions)."""
    pen.rectangle((0, 180, 320, 240), fill=1)
    pen.rectangle((0, 180, 320, 184), fill=2)
    x = 30 + 260 * t
    height = abs(math.sin(3 * math.pi * t))  # three bounces across
    y = 170 - 120 * height
    shadow = 24 - 10 * height
    pen.ellipse((x - shadow, 178, x + shadow, 188), fill=3)
    pen.ellipse((x - 20, y - 20, x + 20, y + 20), fill=4)
    pen.ellipse((x - 10, y - 12, x - 2, y - 4), fill=5)


def rain(pen, t):
    """Rain falling from a cloud on a dark night (40 frames): a dark picture."""
    pen.rectangle((0, 200, 320, 240), fill=1)
    for k in range(24):
        x = (k * 53) % 320
        y = (k * 37 + t * 240) % 200
        pen.line((x, y, x - 3, y + 10), fill=2, width=2)
    for cx, r in ((90, 40), (150, 55), (215, 42)):
        pen.ellipse((cx - r, 10, cx + r, 10 + 2 * r * 0.7), fill=3)
    ripple = 4 + 16 * t
    pen.ellipse((160 - ripple, 215 - ripple / 3, 160 + ripple, 215 + ripple / 3), outline=2)


def sun(pen, t):
    """A sun turning its rays over a hill (36 frames, the first shown longer): a light
    picture."""
    pen.ellipse((-80, 170, 400, 400), fill=1)
    cx, cy = 160, 90
    for k in range(12):
        a = 2 * math.pi * (k / 12 + t / 12)
        inner, outer = (
            (cx + 45 * math.cos(a), cy + 45 * math.sin(a)),
            (
                cx + 75 * math.cos(a),
                cy + 75 * math.sin(a),
            ),
        )
        pen.line((inner, outer), fill=2, width=6)
    pen.ellipse((cx - 38, cy - 38, cx + 38, cy + 38), fill=2)


def stars(pen, t):
    """Five stars twinkling on a transparent background (30 frames)."""
    for k, (x, y) in enumerate(((50, 60), (140, 40), (250, 80), (90, 170), (220, 180))):
        r = 8 + 10 * abs(math.sin(math.pi * (t * 2 + k / 5)))
        points = []
        for p in range(10):
            a = math.pi * p / 5 - math.pi / 2
            radius = r if p % 2 == 0 else r / 2.5
            points.append((x + radius * math.cos(a), y + radius * math.sin(a)))
        pen.polygon(points, fill=1 + k % 2)


def face(pen, t):
    """A smiling face that blinks (24 frames)."""
    pen.ellipse((100, 40, 220, 160), fill=1)
    blink = 0.45 < t < 0.55
    for ex in (135, 185):
        if blink:
            pen.line((ex - 8, 85, ex + 8, 85), fill=2, width=3)
        else:
            pen.ellipse((ex - 7, 78, ex + 7, 92), fill=2)
    pen.arc((130, 90, 190, 140), 20, 160, fill=2, width=4)
    wave = 10 * math.sin(2 * math.pi * t)
    pen.ellipse((235, 70 + wave, 275, 110 + wave), fill=1)


def missing(pen, t):
    """A picture frame with nothing in it, crossed out."""
    pen.rectangle((110, 40, 210, 130), outline=1, width=6)
    pen.line((110, 40, 210, 130), fill=2, width=6)
    pen.line((110, 130, 210, 40), fill=2, width=6)


SKY, GRASS, NIGHT = (150, 205, 240), (90, 170, 70), (25, 30, 50)
SCENES = {
    "bounce.gif": (frames(48, [SKY, GRASS, (60, 130, 50), (70, 120, 60), (220, 60, 50),
                               (250, 170, 160)], bounce), {"duration": 40, "loop": 0}),
    "rain.gif": (frames(40, [NIGHT, (40, 45, 70), (140, 170, 220), (70, 75, 95)], rain),
                 {"duration": 50, "loop": 0}),
    "sun.gif": (frames(36, [(200, 230, 250), (120, 190, 90), (250, 200, 40)], sun),
                {"duration": [400] + [60] * 35, "loop": 0}),
    "stars.gif": (frames(30, [(0, 0, 0), (250, 220, 80), (255, 255, 255)], stars),
                  {"duration": [80, 120] * 15, "loop": 0, "transparency": 0, "disposal": 2}),
}  # fmt: skip


def main():
    OUT.mkdir(exist_ok=True)
    for name, (images, options) in SCENES.items():
        (OUT / name).write_bytes(gif(images, **options))
    hello = gif(frames(24, [(250, 240, 220), (250, 200, 60), (60, 40, 30)], face),
                duration=80, loop=0)  # fmt: skip
    (OUT / "hello-caption.gif").write_bytes(caption_gif(hello, "Hello", DEFAULT_FONT))
    nothing = gif(frames(1, [(220, 220, 220), (120, 120, 120), (200, 60, 60)], missing))
    (OUT / "missing.gif").write_bytes(caption_gif(nothing, "No GIF here", DEFAULT_FONT))
    for path in sorted(OUT.glob("*.gif")):
        print(f"{path.name}: {path.stat().st_size:,} bytes")


if __name__ == "__main__":
    main()
