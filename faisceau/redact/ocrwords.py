"""Words a page shows only in pictures (a scan, a logo, a stamped heading), read by Tesseract with their
boxes, so that a name written in an image is proposed like one in the text.

Only pages that hold an image are read: a page of text is located from its characters. The boxes come
from Tesseract's TSV (pixels at OCR_DPI) and are turned into PDF points; each OCR line is a line of the
page, each word's edges are word bounds (`locate.PageText`).
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

from ..ocr import tesseract
from ..ocr.render import to_pnm
from .fold import fold_char
from .locate import PageText

OCR_DPI = 200


def has_images(page: Any) -> bool:
    """Whether a PyMuPDF page draws any image."""
    return bool(page.get_images(full=False))


def ocr_page_text(page: Any, tesseract_setting: str, lang: str, time_limit: float) -> PageText:
    """The words Tesseract reads on the rendered page, as a `PageText` in PDF points."""
    from PIL import Image

    pix = page.get_pixmap(dpi=OCR_DPI, colorspace="gray")
    img = Image.frombytes("L", (pix.width, pix.height), pix.samples)
    eng = tesseract.engine(tesseract_setting)
    with tempfile.TemporaryDirectory(prefix="faisceau-propose-") as tmp:
        tsv = tesseract._run(eng, ["-l", eng.lang_for(None, lang), "--psm", tesseract.PSM_AUTO, "--dpi",
                                   str(OCR_DPI), "tsv"], to_pnm(img), time_limit, Path(tmp))
    scale = 72.0 / OCR_DPI
    folded: list[str] = []
    where: list[tuple[tuple[float, float, float, float], int]] = []
    bounds = {0}
    size = 0
    lines: dict[tuple[str, str, str], int] = {}
    for row in tsv.decode("utf-8", "replace").splitlines()[1:]:
        cols = row.split("\t")
        if len(cols) < 12 or cols[0] != "5" or not cols[11].strip():
            continue
        line = lines.setdefault((cols[2], cols[3], cols[4]), len(lines) + 1)
        left, top, width, height = (int(c) for c in cols[6:10])
        word = cols[11].strip()
        # each character gets a slice of the word's box, in proportion: Tesseract gives words, not glyphs
        step = width / max(1, len(word))
        bounds.add(size)
        for i, ch in enumerate(word):
            f = fold_char(ch)
            if not f or not ch.isalnum():
                bounds.add(size)
            box = ((left + i * step) * scale, top * scale, (left + (i + 1) * step) * scale, (top + height) * scale)
            folded.append(f)
            where += [(box, line)] * len(f)
            size += len(f)
            if not f or not ch.isalnum():
                bounds.add(size)
        bounds.add(size)
    return PageText("".join(folded), where, bounds)
