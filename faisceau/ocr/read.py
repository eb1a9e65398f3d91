"""Read one page image: Tesseract once, and a second look only when the page reads badly.

A second look costs more Tesseract runs, so it is taken only when the mean word confidence
is low (or nothing was read):

- orientation (OSD): a page on its side reads as a few low-confidence fragments; when OSD
  says the page is turned, the upright image is read again;
- size: Tesseract reads words best a few dozen pixels high; words over 100 px (a poster, big
  handwriting) break into pieces ("Ko dak"), so the page is read again scaled to words of
  about 40 px (the handwritten kcs.pdf of `docs-ocrmypdf-resources`: 2 of its 4 words read
  at 300 dpi, all 4 at a fifth of that size);
- else sparse text: a map or a form has its words scattered over the page, in small type,
  which the page layout analysis misses. The page is read again as sparse text (`--psm 11`),
  a small image enlarged twice first, keeping only the sure words (the roads and symbols of a
  map read as dozens of junk fragments). On the map of `docs-ocrmypdf-resources`
  (baiona.png, 640 px wide), 0.64 of its place names read as a page, all but one this way.

Another reading replaces the first only when it has at least two more sure words
(confidence ≥ 80, with a letter or digit): one word more or less is noise, and a sparse
reading loses the lines and paragraphs.
"""

from __future__ import annotations

import io
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from PIL import Image

from ..exc import ExtractionError, LimitExceeded
from .render import PageImage, to_pnm
from .slots import Slots
from .tesseract import PSM_AUTO, PSM_SPARSE, SURE, Engine, PageText, orientation, read

MIN_OSD_CONFIDENCE = 1.0  # Tesseract's orientation confidence below this is a guess
SMALL_SIDE = 1200  # pixels: an image whose smaller side is shorter is enlarged for the sparse reading
MARGIN = 2  # sure words another reading must add to replace the first: a word more or less is noise
LARGE_TEXT = 100  # pixels: words taller than this (a poster, big handwriting) are read again smaller…
TEXT_HEIGHT = 40  # …scaled to about this height, where Tesseract reads best


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
    rotated, layout, scale, image = 0, "page", 1.0, page.data  # `image`: the one `best` was read from
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
        if best.height > LARGE_TEXT:
            factor = TEXT_HEIGHT / best.height
            smaller = _again(eng, slots, _scaled(image, factor), lang, left, folder,
                             max(1, round(dpi * factor)) if dpi else None, PSM_AUTO, None)
            if smaller is not None and smaller.sure >= best.sure + MARGIN:
                best, scale = smaller, round(factor, 2)
        # a page where the layout analysis found no word at all (blank, a photograph) is not read again
        if best.words and scale == 1.0:
            enlarge = min(page.size) < SMALL_SIDE  # turning the page by OSD keeps its smaller side
            sparse = _again(eng, slots, _scaled(image, 2.0) if enlarge else image, lang, left, folder,
                            dpi * 2 if dpi and enlarge else dpi, PSM_SPARSE, SURE)
            if sparse is not None and sparse.sure >= best.sure + MARGIN:
                best, layout, scale = sparse, "sparse", 2.0 if enlarge else 1.0
    out: dict[str, Any] = {"text": best.text, "confidence": best.confidence, "words": best.words,
                           "lang": lang, "dpi": page.dpi or None}
    if rotated:
        out["rotated"] = rotated
    if layout != "page":
        out["layout"] = layout
    if scale != 1.0:
        out["scale"] = scale
    return out


def _scaled(image: bytes, factor: float) -> bytes:
    """The PNM image resized by `factor` (Lanczos)."""
    with Image.open(io.BytesIO(image)) as img:
        size = (max(1, round(img.width * factor)), max(1, round(img.height * factor)))
        return to_pnm(img.resize(size, Image.Resampling.LANCZOS))


def _again(eng: Engine, slots: Slots, image: bytes, lang: str, left: Callable[[], float], folder: Path,
           dpi: int | None, psm: str, sure: float | None) -> PageText | None:
    """Another reading of the page; None when Tesseract cannot make one."""
    try:
        with slots.hold():
            return read(eng, image, lang, left(), folder, dpi, psm=psm, sure=sure)
    except ExtractionError:
        return None
