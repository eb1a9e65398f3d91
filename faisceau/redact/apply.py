"""Burn redactions into a new PDF: nothing under a box survives, and nothing beside the pages either.

PyMuPDF's redaction annotations remove the text, the image pixels and the vector graphics under each
box (then the annotation itself is gone: the box is page content). By default each redacted page is
then rasterised at `dpi` and given an OCR text layer that Tesseract reads from the redacted image, so
the output stays searchable and nothing of the page's former objects (fonts with their ToUnicode maps,
hidden layers, invisible OCR text) reaches it. Pages without a box are copied as they are.

The output is a new document into which only the pages are copied: no Info or XMP metadata, outline,
page labels, embedded files, JavaScript, forms, annotations (a black highlight is an annotation over
live text) or thumbnails come with them, and it is written in full (garbage-collected, one `%%EOF`).
"""

from __future__ import annotations

import os
import subprocess
import tempfile
from collections import defaultdict
from collections.abc import Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from ..exc import ExtractionError, LimitExceeded
from ..ocr import tesseract

Rect = tuple[float, float, float, float]  # x0, y0, x1, y1 in PDF points, origin at the page's top left


@dataclass(frozen=True)
class Box:
    """One area to redact on a 1-based page, with the label printed in it (a ground's code, or none)."""

    page: int
    rect: Rect
    label: str = ""


@dataclass
class Burned:
    """What `burn` did: pages in the output, pages redacted, pages rasterised, boxes applied."""

    pages: int
    redacted: int
    rasterised: int
    boxes: int


def burn(src: Path, boxes: Sequence[Box], dst: Path, *, rasterise: bool = True, dpi: int = 200,
         tesseract_setting: str = "tesseract", lang: str = "fra+eng", time_limit: float = 60.0) -> Burned:
    """Write `src` with `boxes` burned in to `dst` (a new file; `src` is only read)."""
    import fitz

    by_page: dict[int, list[Box]] = defaultdict(list)
    for b in boxes:
        by_page[b.page].append(b)
    try:
        opened = fitz.open(src)
    except (RuntimeError, ValueError) as e:  # MuPDF's FileDataError is a RuntimeError
        raise ExtractionError(f"PDF cannot be opened: {type(e).__name__}") from None
    with opened as doc, fitz.open() as out, tempfile.TemporaryDirectory(prefix="faisceau-redact-") as tmp:
        if doc.needs_pass:
            raise ExtractionError("encrypted PDF: decrypt it before redacting")
        for number, page in enumerate(doc, start=1):
            # annotations and form fields go first: a redaction must not leave a note or a field
            # value behind, and a highlight over the words is no redaction at all
            for widget in list(page.widgets() or []):
                page.delete_widget(widget)
            for annot in list(page.annots() or []):
                page.delete_annot(annot)
            for b in by_page.get(number, []):
                page.add_redact_annot(fitz.Rect(*b.rect), text=b.label or None, fontsize=7, fill=(0, 0, 0),
                                      text_color=(1, 1, 1), cross_out=False)
            if number in by_page:
                page.apply_redactions(images=fitz.PDF_REDACT_IMAGE_PIXELS,
                                      graphics=fitz.PDF_REDACT_LINE_ART_REMOVE_IF_TOUCHED,
                                      text=fitz.PDF_REDACT_TEXT_REMOVE)
        # the redacted pages' images are read by Tesseract in parallel (one process per core), then the
        # output is assembled in page order
        layers: dict[int, Future[bytes]] = {}
        with ThreadPoolExecutor(max_workers=os.cpu_count() or 1) as pool:
            for number, page in enumerate(doc, start=1):
                if rasterise and number in by_page:
                    png = page.get_pixmap(dpi=dpi).tobytes("png")
                    layers[number] = pool.submit(_ocr_page, png, Path(tmp), number, dpi, tesseract_setting, lang,
                                                 time_limit)
            for number in range(1, len(doc) + 1):
                if number in layers:
                    with fitz.open("pdf", layers[number].result()) as one:
                        out.insert_pdf(one, links=False, annots=False)
                else:
                    out.insert_pdf(doc, from_page=number - 1, to_page=number - 1, links=False, annots=False)
        rasterised = len(layers)
        for page in out:
            for key in ("Thumb", "AA", "PieceInfo", "Metadata"):
                out.xref_set_key(page.xref, key, "null")
        out.set_metadata({})
        out.del_xml_metadata()
        out.set_toc([])
        out.save(dst, garbage=4, deflate=True, clean=True, no_new_id=True)
        return Burned(len(out), len(by_page), rasterised, len(boxes))


def _ocr_page(png: bytes, folder: Path, number: int, dpi: int, tesseract_setting: str, lang: str,
              time_limit: float) -> bytes:
    """One-page PDF of the image with Tesseract's invisible text layer (its `pdf` renderer)."""
    eng = tesseract.engine(tesseract_setting)
    image = folder / f"page-{number}.png"
    image.write_bytes(png)
    base = folder / f"page-{number}"
    try:
        done = subprocess.run([eng.path, str(image), str(base), "-l", eng.lang_for(None, lang), "--dpi", str(dpi),
                               "pdf"], capture_output=True, timeout=max(1.0, time_limit), stdin=subprocess.DEVNULL,
                              env=tesseract._ENV)
    except subprocess.TimeoutExpired:
        raise LimitExceeded(f"time limit {int(time_limit)} s exceeded in tesseract") from None
    pdf = base.with_suffix(".pdf")
    if done.returncode != 0 or not pdf.is_file():
        tail = done.stderr.decode("utf-8", "replace").strip().splitlines()[-1:] or [f"exit {done.returncode}"]
        raise ExtractionError(f"tesseract failed: {tail[0][:200]}")
    data = pdf.read_bytes()
    pdf.unlink()
    image.unlink()
    return data
