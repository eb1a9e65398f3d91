"""Read one page image: Tesseract once, and orientation detection only when the page looks wrong.

OSD costs another Tesseract run, so it is asked only when the mean word confidence is low
(or nothing was read): a page on its side reads as a few low-confidence fragments. When OSD
says the page is turned, the upright image is read again and the better reading is kept.
"""

from __future__ import annotations

import io
import time
from pathlib import Path
from typing import Any

from PIL import Image

from ..exc import LimitExceeded
from .render import PageImage, to_pnm
from .slots import Slots
from .tesseract import Engine, PageText, orientation, read

MIN_OSD_CONFIDENCE = 1.0  # Tesseract's orientation confidence below this is a guess


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
    rotated = 0
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
                best, rotated = again, turn
    out: dict[str, Any] = {"text": best.text, "confidence": best.confidence, "words": best.words,
                           "lang": lang, "dpi": page.dpi or None}
    if rotated:
        out["rotated"] = rotated
    return out
