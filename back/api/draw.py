"""A caption drawn into every frame of a GIF, with Pillow, imported here only (api/captions.py
loads this module at its first caption): the course's capitals at the bottom, white with a
black outline to read on light and dark frames. Each frame keeps its duration, the GIF its
loop count and transparency.
"""

import unicodedata
from functools import lru_cache
from io import BytesIO
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont, ImageSequence, UnidentifiedImageError

from .storage import MAX_GIF_BYTES

# Every frame is kept (1 byte a pixel) until the GIF is written: 20 million pixels are
# 20 MB, and Pillow's copies as it writes.
MAX_FRAMES = 300
MAX_FRAME_PIXELS = 1024 * 1024
MAX_TOTAL_PIXELS = 20_000_000
# Pillow's guard against decompression bombs: a frame over twice this is an error as it is
# read (over it, a warning; _draw refuses it).
Image.MAX_IMAGE_PIXELS = MAX_FRAME_PIXELS

MAX_LINES = 3


class CaptionError(Exception):
    """The GIF or the caption cannot be drawn; the message says why."""


def caption_gif(data, caption, font_path):
    """The GIF `data` with `caption` in capitals at the bottom of every frame, as bytes."""
    text = caption.upper()
    missing = undrawable(text, font_path)
    if missing:
        raise CaptionError(f"The font cannot draw {', '.join(missing)} of the caption.")
    if len(data) > MAX_GIF_BYTES:
        raise CaptionError(f"The GIF is over {MAX_GIF_BYTES // 2**20} MiB.")
    try:
        with Image.open(BytesIO(data), formats=["GIF"]) as gif:
            return _draw(gif, text, font_path)
    except UnidentifiedImageError:
        raise CaptionError("The file is not a GIF.") from None
    except Image.DecompressionBombError:
        raise CaptionError(f"A frame of the GIF is over {MAX_FRAME_PIXELS:,} pixels.") from None
    except (OSError, EOFError, SyntaxError) as exc:  # what Pillow raises on a broken file
        raise CaptionError(f"The GIF cannot be read: {exc}") from None


def _draw(gif, text, font_path):
    width, height = gif.size
    if width * height > MAX_FRAME_PIXELS:
        raise CaptionError(f"A frame of the GIF is over {MAX_FRAME_PIXELS:,} pixels.")
    frames = gif.n_frames
    if frames > MAX_FRAMES:
        raise CaptionError(f"The GIF has {frames} frames, over the limit of {MAX_FRAMES}.")
    if frames * width * height > MAX_TOTAL_PIXELS:
        raise CaptionError(
            f"The GIF is {frames} frames of {width}x{height}: over {MAX_TOTAL_PIXELS:,} pixels."
        )
    caption = _caption_layer(text, gif.size, font_path)
    top = height - caption.height
    out, durations = [], []
    for frame in ImageSequence.Iterator(gif):
        if frame.size != (width, height):  # a frame that overflows the GIF grows it
            raise CaptionError("A frame of the GIF is larger than the GIF.")
        rgba = frame.convert("RGBA")
        rgba.alpha_composite(caption, (0, top))
        out.append(_palette_frame(rgba))
        durations.append(frame.info.get("duration", 0))
    options = {"duration": durations}
    if "loop" in gif.info:  # no loop count: the GIF plays once, and stays so
        options["loop"] = gif.info["loop"]
    if any("transparency" in frame.info for frame in out):
        # Each frame is whole: clear it before the next, or what moved leaves a trail.
        options["disposal"] = 2
    result = BytesIO()
    out[0].save(result, "GIF", save_all=True, append_images=out[1:], **options)
    return result.getvalue()


def _palette_frame(rgba):
    """The frame in 255 colours of its own, by Pillow's median cut (which keeps the colours
    many pixels have: the picture's, above the caption), and colour 255 for its transparent
    pixels: a GIF's pixel is seen or not."""
    frame = rgba.convert("RGB").quantize(255, dither=Image.Dither.NONE)
    alpha = rgba.getchannel("A")
    if alpha.getextrema()[0] < 128:
        frame.paste(255, mask=alpha.point(lambda a: 255 if a < 128 else 0))
        frame.info["transparency"] = 255
    return frame


def _caption_layer(text, size, font_path):
    """A transparent band as wide as the GIF, with the caption at its bottom, centred: the
    largest size from a seventh of the height down that fits in MAX_LINES lines."""
    width, height = size
    font_size = max(height // 7, 10)
    while True:
        font = _font(font_path, font_size)
        outline = max(font_size // 12, 1)
        margin = outline + max(width // 40, 2)
        lines = _wrap(text, font, width - 2 * (margin + outline))
        if lines and len(lines) <= MAX_LINES:
            break
        if font_size == 10:
            raise CaptionError(f"The caption does not fit in {MAX_LINES} lines of a {size} GIF.")
        font_size = max(font_size * 9 // 10, 10)
    ascent, descent = font.getmetrics()
    line_height = ascent + descent + 2 * outline
    layer = Image.new("RGBA", (width, line_height * len(lines) + margin), (0, 0, 0, 0))
    pen = ImageDraw.Draw(layer)
    for row, line in enumerate(lines, start=1):
        # anchor "ms": the point given is the middle of the line's baseline.
        pen.text(
            (width // 2, row * line_height - outline - descent),
            line,
            font=font,
            anchor="ms",
            fill="white",
            stroke_width=outline,
            stroke_fill="black",
        )
    return layer


def _wrap(text, font, width):
    """The words in lines no wider than `width`, or None when a word alone is wider."""
    lines = []
    for word in text.split():
        if font.getlength(word) > width:
            return None
        if lines and font.getlength(f"{lines[-1]} {word}") <= width:
            lines[-1] += f" {word}"
        else:
            lines.append(word)
    return lines


def undrawable(text, font_path):
    """The characters of `text` that the font would draw as its "missing glyph" box, and the
    invisible ones but spaces (controls, format marks), each as U+XXXX."""
    font = _font(font_path, 24)
    missing_glyph = _ink(font, "\uffff")  # a noncharacter: no font has it
    missing = []
    for ch in dict.fromkeys(text):
        if unicodedata.category(ch).startswith("C"):
            missing.append(f"U+{ord(ch):04X}")
        elif not ch.isspace() and _ink(font, ch) == missing_glyph:
            missing.append(f"{ch} (U+{ord(ch):04X})")
    return missing


def _ink(font, ch):
    image = Image.new("L", (64, 64))
    ImageDraw.Draw(image).text((8, 8), ch, font=font, fill=255)
    return image.tobytes()


@lru_cache(maxsize=64)
def _font(path, size):
    # Without the file, Pillow's own font, which has basic Latin letters only.
    if Path(path).is_file():
        return ImageFont.truetype(path, size)
    return ImageFont.load_default(size)
