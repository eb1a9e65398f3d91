#!/usr/bin/env python3
"""Redaction benchmark (issue 20): pages redacted and verified per second, against bare rasterisation.

    python bench/redact.py                       # x-ray's fixtures from ../shared/corpora
    python bench/redact.py --corpus DIR          # every PDF under DIR (copied first)
    python bench/redact.py --no-rasterise        # boxes burned into the PDF content, no OCR layer

What is timed, per page, on copies of real PDFs:

- faisceau: boxes found for three words of each page (the first three of six letters or more: a rule
  that does not depend on the file) wherever they occur in the document, then `burn` (PyMuPDF redaction, the redacted page rasterised at
  200 dpi, Tesseract's text layer, a full rewrite) and `verify` (pdfium and pypdf text, Tesseract on every
  page, x-ray, structure) — what `faisceau redact apply` does for each document;
- baseline: pypdfium2 rendering the same pages at the same 200 dpi, nothing else (the least any
  redaction that rasterises must do).

The ratio printed is faisceau's pages/s over the baseline's: how many times slower the proof and the
OCR layer make redaction than rasterising alone. Both run in this process, one after the other.
"""

from __future__ import annotations

import argparse
import re
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from faisceau.redact.apply import Box, burn  # noqa: E402
from faisceau.redact.locate import occurrences, page_chars  # noqa: E402
from faisceau.redact.verify import verify  # noqa: E402

DPI = 200
_WORD = re.compile(r"[^\W\d_]{6,}")


def _boxes(pdf: Path) -> tuple[list[Box], list[str]]:
    import fitz

    boxes: list[Box] = []
    words: list[str] = []
    with fitz.open(pdf) as doc:
        for page in doc:
            words += [w for w in dict.fromkeys(_WORD.findall(page.get_text())) if w not in words][:3]
        # every occurrence on every page, as `redact propose` finds them
        for number, page in enumerate(doc, start=1):
            chars = page_chars(page)
            for w in words:
                for rects in occurrences(chars, w):
                    boxes += [Box(number, r) for r in rects]
    return boxes, words


def baseline(pdfs: list[Path]) -> tuple[int, float]:
    import pypdfium2 as pdfium

    pages = 0
    t0 = time.perf_counter()
    for p in pdfs:
        doc = pdfium.PdfDocument(p)
        for page in doc:
            page.render(scale=DPI / 72).to_pil()
            page.close()
            pages += 1
        doc.close()
    return pages, time.perf_counter() - t0


def faisceau(pdfs: list[Path], work: Path, rasterise: bool) -> tuple[int, float, int]:
    pages = failed = 0
    t0 = time.perf_counter()
    for p in pdfs:
        boxes, words = _boxes(p)
        out = work / p.name
        burned = burn(p, boxes, out, rasterise=rasterise, dpi=DPI)
        report = verify(out, words)
        pages += burned.pages
        failed += not report.ok
    return pages, time.perf_counter() - t0, failed


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--corpus", type=Path, default=ROOT.parent / "shared" / "corpora" / "redaction-xray-fixtures")
    ap.add_argument("--no-rasterise", action="store_true")
    args = ap.parse_args()
    if not args.corpus.is_dir():
        sys.exit(f"corpus not found: {args.corpus}")
    with tempfile.TemporaryDirectory(prefix="bench-redact-") as tmp:
        src = Path(tmp) / "in"
        src.mkdir()
        for f in sorted(args.corpus.rglob("*.pdf")):  # copies: the corpus is read-only
            shutil.copy(f, src / f.name)
        pdfs = sorted(src.glob("*.pdf"))
        out = Path(tmp) / "out"
        out.mkdir()
        base_pages, base_s = baseline(pdfs)
        pages, secs, failed = faisceau(pdfs, out, not args.no_rasterise)
    base_rate, rate = base_pages / base_s, pages / secs
    print(f"{len(pdfs)} PDFs, {pages} pages")
    print(f"baseline  pypdfium2 render at {DPI} dpi      {base_rate:8.2f} pages/s")
    print(f"faisceau  redact + verify{' (no raster)' if args.no_rasterise else ''}      {rate:8.2f} pages/s"
          f"   ({failed} documents failed verification)")
    print(f"ratio faisceau / baseline: {rate / base_rate:.4f}  ({base_rate / rate:.0f}× slower)")


if __name__ == "__main__":
    main()
