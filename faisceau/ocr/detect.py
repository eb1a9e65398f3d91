"""Which pages need OCR: no text layer, a garbage one, or too little text for the page's ink.

A PDF whose font has a broken ToUnicode map gives `(cid:n)` placeholders, private-use glyphs
or U+FFFD instead of letters: more than 5% of such characters and the text layer is not
worth keeping. A page covered by a scanned image with a small text layer over it (a Bates
stamp, a header) reads too few characters for what it shows: its ink is in the image.
"""

from __future__ import annotations

import ctypes
import re
from collections.abc import Sequence
from typing import Any

GARBAGE_RATIO = 0.05
# (cid:n) from pdfminer-style extraction, private-use code points, U+FFFD, C0 controls
_GARBAGE = re.compile(r"\(cid:\d+\)|[\ue000-\uf8ff\ufffd\x00-\x08\x0b\x0c\x0e-\x1f]")
MAX_OBJECTS = 10_000  # page objects looked at for image coverage; beyond, the page is hostile
IMAGE_COVER = 0.3     # pages whose images cover less than this share are text pages with figures


def garbage_ratio(text: str) -> float:
    """Share of the non-space characters that are placeholders of unreadable glyphs."""
    nonspace = len("".join(text.split()))
    if not nonspace:
        return 0.0
    bad = sum(len(m.group()) for m in _GARBAGE.finditer(text))
    return min(1.0, bad / nonspace)


def text_problem(text: str, min_text: int) -> str | None:
    """Why a page's text layer is not enough on its own (`none`, `sparse`, `garbage`), or None."""
    nonspace = len("".join(text.split()))
    if nonspace == 0:
        return "none"
    if nonspace < min_text:
        return "sparse"
    if garbage_ratio(text) > GARBAGE_RATIO:
        return "garbage"
    return None


def short_for_ink(text: str, coverage: float, chars_per_page: int) -> bool:
    """Whether a page covered by images at `coverage` (0–1) reads too few characters."""
    return coverage >= IMAGE_COVER and len("".join(text.split())) < chars_per_page * coverage


def image_coverage(page: Any) -> float:
    """Share of a pdfium page's area covered by image objects (overlaps counted once at most)."""
    import pypdfium2.raw as pdfium_c

    width, height = page.get_size()
    area = max(1.0, float(width) * float(height))
    raw = page.raw
    covered = 0.0
    n = pdfium_c.FPDFPage_CountObjects(raw)
    for j in range(min(max(n, 0), MAX_OBJECTS)):
        obj = pdfium_c.FPDFPage_GetObject(raw, j)
        if pdfium_c.FPDFPageObj_GetType(obj) != pdfium_c.FPDF_PAGEOBJ_IMAGE:
            continue
        left, bottom, right, top = (ctypes.c_float() for _ in range(4))
        if not pdfium_c.FPDFPageObj_GetBounds(obj, left, bottom, right, top):
            continue
        w = min(right.value, width) - max(left.value, 0.0)
        h = min(top.value, height) - max(bottom.value, 0.0)
        if w > 0 and h > 0:
            covered += w * h
    return min(1.0, covered / area)


def select(content: dict[str, Any], mode: str, min_text: int, min_side: int) -> tuple[list[int], dict[int, str]]:
    """Indexes of the pages to read, and of the pages left out with why (`tiny image`…).

    Pages whose text layer looks fine are not in either list: `ink_candidates` checks them."""
    text = content.get("text") or ""
    read: list[int] = []
    left: dict[int, str] = {}
    image = content.get("kind") == "image"
    for i, p in enumerate(content.get("pages") or []):
        attrs = p.get("attrs") or {}
        if attrs.get("error") or attrs.get("text_dropped"):
            continue
        if image and min(int(attrs.get("width") or 0), int(attrs.get("height") or 0)) < min_side:
            left[i] = "tiny image"
            continue
        if mode == "force":
            read.append(i)
        elif attrs.get("blank"):
            continue
        elif p.get("needs_ocr") or text_problem(text[p["start"]:p["end"]], min_text):
            read.append(i)
    return read, left


def ink_candidates(content: dict[str, Any], chosen: Sequence[int], chars_per_page: int) -> list[int]:
    """PDF pages with a text layer short enough that image coverage could make them need OCR."""
    if content.get("kind") != "pdf":
        return []
    text = content.get("text") or ""
    out = []
    for i, p in enumerate(content.get("pages") or []):
        attrs = p.get("attrs") or {}
        if i in chosen or attrs.get("error") or attrs.get("blank") or attrs.get("text_dropped"):
            continue
        if len("".join(text[p["start"]:p["end"]].split())) < chars_per_page:
            out.append(i)
    return out
