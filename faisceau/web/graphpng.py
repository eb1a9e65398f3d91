"""The laid-out communication graph as a PNG picture, for reports and slides.

`png(layout(g))` draws what `graphview.svg` draws (same positions, edge widths, node sizes,
colours and labels) with Pillow. Lines and circles are drawn at twice the size and scaled down,
since Pillow does not anti-alias shapes. Labels are pixels, so nothing in them can run, but a
display name in a leak is hostile text all the same: control and format characters are
stripped (a newline would make Pillow lay out several lines, a bidi override would make a name
read backwards) and labels are cut short, so a 10,000-character name costs no more than a short one.
"""

from __future__ import annotations

import io
import unicodedata
from functools import lru_cache
from pathlib import Path
from typing import Any, TypeAlias

from PIL import Image, ImageDraw, ImageFont

from ..exc import UsageError
from .graphview import EDGE_COLOUR, LABEL_COLOUR, NODE_COLOUR, SIZE, edge_width, radius

DEFAULT_SIZE = 1600
MIN_SIZE = 200
MAX_SIZE = 4000
MAX_LABEL = 60
FONT = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")
# the supersampled canvas stays under 6000 px a side (~100 MB of RGB), whatever the size asked
_CANVAS_MAX = 6000
_WHITE = (255, 255, 255)
# the categories that draw nothing a reader needs: controls, format (bidi overrides, zero widths),
# surrogates, private use, unassigned
_DROP = {"Cc", "Cf", "Cs", "Co", "Cn"}
_MAX_MARKS = 3

Font: TypeAlias = "ImageFont.FreeTypeFont | ImageFont.ImageFont"


def export_size(fmt: str, size: int | None) -> int | None:
    """The PNG side an export asks for (checked before any work), None for the other formats."""
    if fmt != "png":
        if size is not None:
            raise UsageError("a size only applies to the PNG export")
        return None
    return check_size(size)


def check_size(size: int | None) -> int:
    """The picture's side in pixels: the default when None, else within [MIN_SIZE, MAX_SIZE]."""
    if size is None:
        return DEFAULT_SIZE
    if not MIN_SIZE <= size <= MAX_SIZE:
        raise UsageError(f"size takes {MIN_SIZE} to {MAX_SIZE} pixels, not {size}")
    return size


def clean_label(text: object, limit: int = MAX_LABEL) -> str:
    """A label safe to lay out: one line, no invisible characters, at most `limit` characters."""
    # cut before the character scan too: a huge name should not cost a huge scan
    raw = str(text)[:limit * 4]
    kept: list[str] = []
    marks = 0
    for ch in raw:
        cat = unicodedata.category(ch)
        # a few combining marks make a letter; dozens stacked ("zalgo" text) cover the next labels
        marks = marks + 1 if cat in ("Mn", "Me") else 0
        if cat in ("Zl", "Zp") or ch in "\t\n\r\v\f":
            kept.append(" ")
        elif cat not in _DROP and marks <= _MAX_MARKS:
            kept.append(ch)
    one = " ".join("".join(kept).split())
    return one if len(one) <= limit else one[:limit - 1].rstrip() + "…"


@lru_cache(maxsize=8)
def _font(px: int) -> Font:
    """DejaVu Sans at `px` pixels, or Pillow's own font when Debian's fonts-dejavu-core is absent."""
    try:
        return ImageFont.truetype(str(FONT), px)
    except OSError:
        try:
            return ImageFont.load_default(px)
        except (OSError, TypeError):  # a Pillow built without FreeType: the fixed bitmap font
            return ImageFont.load_default()


def draw(drawn: dict[str, Any], size: int | None = None) -> Image.Image:
    """The laid-out graph (`graphview.layout`) as an RGB image `size` pixels square."""
    side = check_size(size)
    factor = min(2.0, _CANVAS_MAX / side)
    canvas = max(1, round(side * factor))
    k = canvas / SIZE
    img = Image.new("RGB", (canvas, canvas), _WHITE)
    pen = ImageDraw.Draw(img)
    at = {n["id"]: n for n in drawn["nodes"]}
    top = max((n["degree"] for n in drawn["nodes"]), default=1) or 1
    for ed in drawn["edges"]:
        a, b = at.get(ed["source"]), at.get(ed["target"])
        if a is None or b is None:
            continue
        pen.line([(a["x"] * k, a["y"] * k), (b["x"] * k, b["y"] * k)], fill=EDGE_COLOUR,
                 width=max(1, round(edge_width(ed["weight"]) * k)))
    font = _font(max(6, round(13 * k)))
    # circles first, labels after: as in the SVG a label may cross a later node, but here all
    # labels stay on top, which reads better in a still picture
    for n in drawn["nodes"]:
        r = radius(n["degree"], top) * k
        x, y = n["x"] * k, n["y"] * k
        pen.ellipse([x - r, y - r, x + r, y + r], fill=NODE_COLOUR, outline=_WHITE, width=max(1, round(1.5 * k)))
    for n in drawn["nodes"]:
        label = clean_label(n["label"])
        if not label:
            continue
        r = radius(n["degree"], top)
        xy = ((n["x"] + r + 3) * k, (n["y"] + 4) * k)
        try:
            pen.text(xy, label, fill=LABEL_COLOUR, font=font, anchor="ls")
        except (ValueError, OSError, UnicodeError):
            # a text layout failure on one name must not lose the picture: draw what ASCII is left
            pen.text(xy, label.encode("ascii", "replace").decode(), fill=LABEL_COLOUR, font=font, anchor="ls")
    if canvas != side:
        img = img.resize((side, side), Image.Resampling.LANCZOS)
    return img


def png(drawn: dict[str, Any], size: int | None = None) -> bytes:
    """The laid-out graph as PNG bytes (no text chunks: the names are only in the pixels)."""
    out = io.BytesIO()
    draw(drawn, size).save(out, format="PNG")
    return out.getvalue()
