"""Page images for OCR, in memory: PDF pages through pdfium, image frames through Pillow.

pdfium renders a page at 300 dpi in a few milliseconds (measured 164 pages/s here, against
1.5 for pdftoppm), in grayscale, which is all Tesseract looks at. pdfium is not thread-safe,
so pages are rendered one after the other by the calling thread; only Tesseract runs in
parallel. A page too large for the pixel budget is rendered at a lower resolution.
"""

from __future__ import annotations

import io
import math
import struct
import warnings
import zlib
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from PIL import Image, ImageOps

from ..exc import EncryptedDocument, ExtractionError
from ..extract.images import heif
from .scanned import ScannedPages


@dataclass
class PageImage:
    """One page image ready for Tesseract: PNM bytes and the resolution they were made at."""

    number: int
    data: bytes
    dpi: int
    size: tuple[int, int]


def to_pnm(img: Image.Image) -> bytes:
    """Grayscale PNM bytes (no compression: Tesseract reads them straight from a file)."""
    if img.mode == "L":  # the header and the raw rows: one copy fewer than Pillow's encoder
        return b"P5\n%d %d\n255\n" % img.size + img.tobytes()
    buf = io.BytesIO()
    img.save(buf, "PPM")
    return buf.getvalue()


def grayscale(img: Image.Image) -> Image.Image:
    """8-bit gray on white: transparency flattened, palette and CMYK converted."""
    if img.mode in ("RGBA", "LA", "PA") or (img.mode == "P" and "transparency" in img.info):
        rgba = img.convert("RGBA")
        flat = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        flat.alpha_composite(rgba)
        img = flat
    if img.mode in ("I;16", "I;16B", "I;16L", "I", "F"):
        img = img.point(lambda v: v / 256).convert("L") if img.mode != "F" else img.convert("L")
    return img.convert("L")


@contextmanager
def open_pdf(path: Path, passwords: Sequence[str]) -> Iterator[object]:
    """The PDF opened with pdfium (trying the known passwords), closed afterwards."""
    import pypdfium2 as pdfium
    import pypdfium2.raw as pdfium_c

    pdf = None
    for password in [None, *passwords]:
        try:
            pdf = pdfium.PdfDocument(path, password=password)
            break
        except pdfium.PdfiumError as e:
            if getattr(e, "err_code", None) != pdfium_c.FPDF_ERR_PASSWORD:
                raise ExtractionError("PDF cannot be opened for OCR") from None
    if pdf is None:
        raise EncryptedDocument()
    try:
        yield pdf
    finally:
        pdf.close()


Rendered = tuple[int, "PageImage | ExtractionError"]
# What Pillow raises on damaged data; anything else is a bug and propagates.
_DATA_ERRORS = (OSError, SyntaxError, EOFError, ValueError, struct.error, IndexError, KeyError, TypeError,
                ZeroDivisionError, zlib.error, MemoryError, Image.DecompressionBombError,
                Image.DecompressionBombWarning)


def pdf_pages(pdf: object, numbers: Sequence[int], dpi: int, max_pixels: int,
              scans: ScannedPages | None = None) -> Iterator[Rendered]:
    """Render the given 1-based pages: (number, image), or (number, error) for a page that cannot be.
    With `scans`, a page that is a bare scan at about `dpi` gives its own image (see `scanned`)."""
    import pypdfium2 as pdfium

    assert isinstance(pdf, pdfium.PdfDocument)
    for number in numbers:
        try:
            page = pdf[number - 1]
        except (pdfium.PdfiumError, IndexError):
            yield number, ExtractionError("page cannot be loaded")
            continue
        try:
            found = scans.image(page, number, dpi, max_pixels) if scans is not None else None
            if found is not None:
                gray, res = found
                yield number, PageImage(number, to_pnm(gray), res, gray.size)
                continue
            width, height = page.get_size()
            scale = dpi / 72
            if width * height * scale * scale > max_pixels > 0:
                scale = math.sqrt(max_pixels / max(1.0, width * height))
            img = page.render(scale=scale, grayscale=True, may_draw_forms=True).to_pil()
            gray = img if img.mode == "L" else img.convert("L")
            yield number, PageImage(number, to_pnm(gray), max(1, round(scale * 72)), gray.size)
        except (pdfium.PdfiumError, ValueError, MemoryError) as e:
            yield number, ExtractionError(f"page cannot be rendered: {type(e).__name__}")
        finally:
            page.close()


def image_frames(path: Path, numbers: Sequence[int], max_pixels: int, ocr_pixels: int) -> Iterator[Rendered]:
    """The given 1-based frames of an image file (TIFF pages), upright per EXIF, in gray; a frame
    over `ocr_pixels` is scaled down to it (its resolution with it)."""
    Image.MAX_IMAGE_PIXELS = max_pixels
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            if heif.is_heif(path):
                heif.register_opener()  # lets Pillow open HEIC/HEIF image pages
            src = Image.open(path)
        except _DATA_ERRORS as e:
            for number in numbers:
                yield number, ExtractionError(f"image cannot be opened: {type(e).__name__}")
            return
        with src:
            for number in numbers:
                try:
                    src.seek(number - 1)
                    frame = ImageOps.exif_transpose(src) if number == 1 else src.copy()
                    gray = grayscale(frame)
                    dpi = src.info.get("dpi")
                    res = round(float(dpi[0])) if isinstance(dpi, tuple) and dpi and float(dpi[0]) >= 50 else 0
                    w, h = gray.size
                    if w * h > ocr_pixels > 0:
                        f = math.sqrt(ocr_pixels / (w * h))
                        gray = gray.resize((max(1, int(w * f)), max(1, int(h * f))), Image.Resampling.LANCZOS)
                        res = round(res * f)
                    yield number, PageImage(number, to_pnm(gray), min(res, 2400), gray.size)
                except _DATA_ERRORS as e:  # a damaged frame is recorded on its page; the others are read
                    yield number, ExtractionError(f"image frame cannot be decoded: {type(e).__name__}")
