"""Read one page image: Tesseract once, and a second look only when the page reads badly.

A second look costs more Tesseract runs, so it is taken only when the mean word confidence
is low (or nothing was read). First orientation (OSD): a page on its side reads as a few
low-confidence fragments; when OSD says the page is turned, the upright image is read again.
Then sparse text: a map, a form or a poster has its words scattered over the page, in type
smaller than a letter's, which the page layout analysis misses. The page is read again as
sparse text (`--psm 11`), a small image enlarged twice first; of that reading only the words
read with confidence ≥ 80 and holding a letter or digit are kept (the roads and symbols of a
map read as dozens of junk fragments below that), and it replaces the first when it has at
least two more such sure words (one word more or less is noise; the sparse reading loses the
lines and paragraphs). Measured on the map of
`docs-ocrmypdf-resources` (baiona.png, 640 px wide): 0.64 of its place names read as a
page, all but one as sparse text at twice the size.
"""

from __future__ import annotations

import io
import time
from pathlib import Path
from typing import Any, Callable

from PIL import Image

from ..exc import ExtractionError, LimitExceeded
from .render import PageImage, to_pnm
from .slots import Slots
from .tesseract import PSM_SPARSE, SURE, Engine, PageText, orientation, read

MIN_OSD_CONFIDENCE = 1.0  # Tesseract's orientation confidence below this is a guess
SMALL_SIDE = 1200  # pixels: an image whose smaller side is shorter is enlarged for the sparse reading
SPARSE_MARGIN = 2  # sure words a sparse reading must add: a word more or less is noise, and it loses the layout


def _score(r: PageText) -> float:
    return r.words * (r.confidence or 0.0)


def read_page(eng: Engine, slots: Slots, page: PageImage, lang: str, settings: Any, folder: Path) -> dict[str, Any]:
    """OCR one page within the per-page time limit; a JSON-able result for the page and the cache."""
    deadline = time.monotonic() + float(settings.ocr_time_limit)

    def left() -> float:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise LimitExceeded(f"time limit {int(settings.ocr_time_limit)} s exceeded on this page")
        return remaining

    dpi = page.dpi or None
    with slots.hold():
        best = read(eng, page.data, lang, left(), folder, dpi)
    rotated, layout, image = 0, "page", page.data  # `image`: the one `best` was read from
    if best.confidence is None or best.confidence < float(settings.ocr_osd_confidence):
        with slots.hold():
            turn, conf = orientation(eng, page.data, left(), folder)
        if turn and conf >= MIN_OSD_CONFIDENCE:
            with Image.open(io.BytesIO(page.data)) as img:
                # Tesseract's "Rotate: N" is clockwise; PIL rotates counter-clockwise
                upright = to_pnm(img.rotate(-turn, expand=True))
            with slots.hold():
                again = read(eng, upright, lang, left(), folder, dpi)
            if _score(again) > _score(best):
                best, rotated, image = again, turn, upright
        # a page where the layout analysis found no word at all (blank, a photograph) is not read again
        sparse = _sparse(eng, slots, image, lang, left, folder, dpi) if best.words else None
        if sparse is not None and sparse.sure >= best.sure + SPARSE_MARGIN:
            best, layout = sparse, "sparse"
    out: dict[str, Any] = {"text": best.text, "confidence": best.confidence, "words": best.words,
                           "lang": lang, "dpi": page.dpi or None}
    if rotated:
        out["rotated"] = rotated
    if layout != "page":
        out["layout"] = layout
    return out


def _sparse(eng: Engine, slots: Slots, image: bytes, lang: str, left: Callable[[], float], folder: Path,
            dpi: int | None) -> PageText | None:
    """The page read as sparse text, enlarged twice when small; None when it cannot be read."""
    with Image.open(io.BytesIO(image)) as img:
        if min(img.size) < SMALL_SIDE:
            image = to_pnm(img.resize((img.width * 2, img.height * 2), Image.Resampling.LANCZOS))
            dpi = dpi * 2 if dpi else None
    try:
        with slots.hold():
            return read(eng, image, lang, left(), folder, dpi, psm=PSM_SPARSE, sure=SURE)
    except ExtractionError:
        return None
