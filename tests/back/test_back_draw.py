"""api/draw.py with real Pillow on real GIFs: the caption lands at the bottom of every frame
and nothing above it changes; durations, loop count and transparency are kept; a character
the font lacks is named; the shipped GIFs are what tools/draw-gifs.py draws."""

import shutil
import subprocess
import sys
from io import BytesIO
from pathlib import Path

import pytest
from PIL import Image, ImageChops, ImageSequence

from api.config import DEFAULT_FONT
from api.draw import CaptionError, caption_gif
from api.storage import SCENES, SHIPPED

BACK = Path(__file__).resolve().parents[2] / "back"


def frames_of(data):
    """([(frame as seen: RGBA, transparent pixels all (0, 0, 0, 0)), duration], loop)."""
    with Image.open(BytesIO(data)) as gif:
        frames = []
        for frame in ImageSequence.Iterator(gif):
            rgba = frame.convert("RGBA")
            seen = Image.composite(rgba, Image.new("RGBA", rgba.size), rgba)
            frames.append((seen, frame.info.get("duration")))
        return frames, gif.info.get("loop")


def made_gif(count=3, **options):
    """A small GIF of `count` different frames, saved with Pillow's `options`."""
    frames = [Image.new("P", (60, 40), i) for i in range(count)]
    for frame in frames:
        frame.putpalette([0, 0, 0, 200, 40, 40, 40, 40, 200] * 2)
    out = BytesIO()
    frames[0].save(out, "GIF", save_all=True, append_images=frames[1:], **options)
    return out.getvalue()


@pytest.mark.parametrize("name", [*SCENES, "hello-caption.gif"])
def test_the_caption_is_in_every_frame_at_the_bottom_and_nothing_else_changes(name):
    source = (SHIPPED / name).read_bytes()
    before, loop = frames_of(source)
    after, loop_after = frames_of(caption_gif(source, "Hello, world", DEFAULT_FONT))
    assert [d for _, d in after] == [d for _, d in before] and loop_after == loop == 0
    for (old, _), (new, _) in zip(before, after, strict=True):
        changed = ImageChops.difference(old, new).getbbox(alpha_only=False)
        assert changed is not None, "a frame without the caption"
        assert changed[1] >= old.height * 2 // 3, f"{changed}: more than the bottom third"


def test_transparency_is_kept_and_moving_parts_leave_no_trail():
    # stars.gif: twinkling stars on a transparent background. Above the caption every
    # frame is as before, transparent pixels included (the comparison above covers
    # alpha); here, the corner stays transparent in every frame.
    after, _ = frames_of(caption_gif((SHIPPED / "stars.gif").read_bytes(), "x", DEFAULT_FONT))
    assert all(frame.getpixel((0, 0))[3] == 0 for frame, _ in after)


@pytest.mark.parametrize("loop", [None, 0, 2])
def test_the_loop_count_is_kept_and_no_loop_stays_none(loop):
    options = {"duration": [30, 70, 120]} | ({} if loop is None else {"loop": loop})
    after, loop_after = frames_of(caption_gif(made_gif(**options), "hi", DEFAULT_FONT))
    assert (loop_after, [d for _, d in after]) == (loop, [30, 70, 120])


def test_unicode_is_drawn_where_the_font_has_it():
    bounce = (SHIPPED / "bounce.gif").read_bytes()
    latin = caption_gif(bounce, "ca va", DEFAULT_FONT)
    assert caption_gif(bounce, "Ça va? Привет, Γειά σου, straße", DEFAULT_FONT) != latin


@pytest.mark.parametrize(
    ("font", "caption", "named"),
    [
        (DEFAULT_FONT, "hello 中文", "中 (U+4E2D), 文 (U+6587)"),
        (DEFAULT_FONT, "a\x00b", "U+0000"),
        (DEFAULT_FONT, "two\nlines\t", "U+000A, U+0009"),
        (DEFAULT_FONT, "zero\u200bwidth", "U+200B"),
        # No font file: Pillow's own, basic Latin letters only.
        ("/nonexistent/font.ttf", "Ça va, Привет", "Ç (U+00C7), П (U+041F), Р (U+0420)"),
    ],
)
def test_characters_the_font_cannot_draw_are_named(font, caption, named):
    with pytest.raises(CaptionError) as refused:
        caption_gif((SHIPPED / "bounce.gif").read_bytes(), caption, font)
    assert str(refused.value).startswith(f"The font cannot draw {named}")


def test_a_caption_that_cannot_fit_is_refused():
    with pytest.raises(CaptionError, match="does not fit in 3 lines"):
        caption_gif((SHIPPED / "bounce.gif").read_bytes(), "W" * 100, DEFAULT_FONT)


def test_the_shipped_gifs_are_what_draw_gifs_draws_and_stay_small(tmp_path):
    shutil.copytree(
        BACK / "api",
        tmp_path / "back" / "api",
        ignore=shutil.ignore_patterns("__pycache__", "*.gif"),
    )
    shutil.copytree(BACK.parent / "tools", tmp_path / "tools")
    run = subprocess.run(
        [sys.executable, "tools/draw-gifs.py"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == 0, run.stderr
    drawn = {p.name: p.read_bytes() for p in (tmp_path / "back" / "api" / "gifs").glob("*.gif")}
    assert drawn == {p.name: p.read_bytes() for p in SHIPPED.glob("*.gif")}
    assert set(drawn) == {*SCENES, "hello-caption.gif", "missing.gif"}
    assert all(len(data) < 64 * 1024 for data in drawn.values())
    with Image.open(SHIPPED / "bounce.gif") as bounce:  # the benchmark's: 40 to 60 frames
        assert 40 <= bounce.n_frames <= 60
