"""A searchable PDF of an OCR'd document: each page image with Tesseract's invisible text layer.

Tesseract writes one PDF per page (the image it was given, with the words it reads placed
over it), in parallel, one process per core; pikepdf joins them. Pages that were not read by
OCR (a PDF's pages with a good text layer) are copied from the original as they are.
"""

from __future__ import annotations

import math
import os
import shutil
import tempfile
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pikepdf
from PIL import Image, ImageOps

from ..exc import FaisceauError
from . import tesseract
from .render import open_pdf


def export(original: Path, content: dict[str, Any], out: Path, settings: Any,
           passwords: Sequence[str] = ()) -> dict[str, int]:
    """Write the searchable PDF to `out`; counts of pages read by OCR and copied."""
    pages = content.get("pages") or []
    read = [p for p in pages if p.get("ocr")]
    if not read:
        raise FaisceauError("this document has no OCR text (nothing to export)")
    eng = tesseract.engine(settings.tesseract)
    work = Path(tempfile.mkdtemp(prefix="faisceau-export-"))
    try:
        images = _page_images(original, content, read, work, settings, passwords)
        limit = float(settings.ocr_time_limit)

        def one(item: tuple[int, Path, int, str]) -> tuple[int, Path]:
            number, image, dpi, lang = item
            return number, tesseract.pdf_page(eng, image, work / f"page-{number}", lang, limit, dpi)

        with ThreadPoolExecutor(max_workers=max(1, os.cpu_count() or 1)) as pool:
            made = dict(pool.map(one, images))
        tmp = out.with_name(f".{out.name}.part")
        opened: list[pikepdf.Pdf] = []  # pikepdf reads copied pages' streams when saving: kept open till then
        try:
            source = None
            if content.get("kind") == "pdf" and len(made) < len(pages):
                source = pikepdf.open(original)
                opened.append(source)
            with pikepdf.new() as pdf:
                for p in pages:
                    number = int(p["number"])
                    if number in made:
                        opened.append(pikepdf.open(made[number]))
                        pdf.pages.extend(opened[-1].pages)
                    elif source is not None and number <= len(source.pages):
                        pdf.pages.append(source.pages[number - 1])
                pdf.save(tmp)
                total = len(pdf.pages)
        finally:
            for o in opened:
                o.close()
        os.replace(tmp, out)
        return {"pages": total, "ocr_pages": len(made)}
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _page_images(original: Path, content: dict[str, Any], read: list[dict[str, Any]], work: Path,
                 settings: Any, passwords: Sequence[str]) -> list[tuple[int, Path, int, str]]:
    """Each OCR'd page as an image file upright: (number, path, dpi, language)."""
    out = []
    if content.get("kind") == "pdf":
        with open_pdf(original, passwords) as doc:
            for p in read:
                number = int(p["number"])
                page = doc[number - 1]  # type: ignore[index]
                try:
                    width, height = page.get_size()
                    dpi = int(p["ocr"].get("dpi") or settings.ocr_dpi)
                    scale = dpi / 72
                    if width * height * scale * scale > int(settings.ocr_max_pixels):
                        scale = math.sqrt(int(settings.ocr_max_pixels) / max(1.0, width * height))
                        dpi = max(1, round(scale * 72))
                    img = page.render(scale=scale).to_pil()
                finally:
                    page.close()
                out.append((number, _save(img, p, work), dpi, p["ocr"]["lang"]))
        return out
    Image.MAX_IMAGE_PIXELS = int(settings.max_pixels)
    with Image.open(original) as src:
        for p in read:
            number = int(p["number"])
            src.seek(number - 1)
            frame = ImageOps.exif_transpose(src) if number == 1 else src.copy()
            dpi = int(p["ocr"].get("dpi") or 0) or 300
            out.append((number, _save(frame, p, work), dpi, p["ocr"]["lang"]))
    return out


def _save(img: Image.Image, page: dict[str, Any], work: Path) -> Path:
    """The page image as a file Tesseract reads: turned upright, JPEG when in colour."""
    turn = int(page["ocr"].get("rotated") or 0)
    if turn:
        img = img.rotate(-turn, expand=True)
    if img.mode in ("RGBA", "LA", "P", "PA"):
        img = img.convert("RGBA")
        flat = Image.new("RGBA", img.size, (255, 255, 255, 255))
        flat.alpha_composite(img)
        img = flat.convert("RGB")
    elif img.mode not in ("1", "L", "RGB"):
        img = img.convert("RGB")
    if img.mode == "RGB":
        path = work / f"page-{page['number']}.jpg"
        img.save(path, "JPEG", quality=85)
    else:
        path = work / f"page-{page['number']}.png"
        img.convert("L" if img.mode != "1" else "1").save(path, "PNG")
    return path
