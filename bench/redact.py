#!/usr/bin/env python3
"""Redaction benchmark (issue 20): pages redacted and verified per second, against bare rasterisation.

    python bench/redact.py                       # x-ray's fixtures from ../shared/corpora
    python bench/redact.py --corpus DIR          # every PDF under DIR (copied first)
    python bench/redact.py --no-rasterise        # boxes burned into the PDF content, no OCR layer

What is timed, per page, on copies of real PDFs:

- faisceau: three words of each page (the first three of six letters or more: a rule that does not
  depend on the file) proposed wherever they occur in the document (`propose_pdf`, pages with images
  read by Tesseract too), then `burn` (PyMuPDF redaction, the redacted page rasterised at
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
from faisceau.redact.propose import OcrOptions, Rules, propose_pdf  # noqa: E402
from faisceau.redact.verify import verify  # noqa: E402

DPI = 200
_WORD = re.compile(r"[^\W\d_]{6,}")


def _words(pdf: Path) -> list[str]:
    """The first three words of six letters or more of each page not chosen already."""
    import fitz

    words: list[str] = []
    with fitz.open(pdf) as doc:
        for page in doc:
            words += [w for w in dict.fromkeys(_WORD.findall(page.get_text())) if w not in words][:3]
    return words


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


def faisceau(pdfs: list[Path], work: Path, rasterise: bool) -> tuple[int, float, list[str]]:
    pages = 0
    failed: list[str] = []
    t0 = time.perf_counter()
    for p in pdfs:
        words = _words(p)
        # every occurrence on every page, pictures of pages with images read by OCR, as `redact propose`
        proposals = propose_pdf(p, "bench", None, Rules(terms=words), OcrOptions())
        boxes = [Box(x.page, (b[0], b[1], b[2], b[3])) for x in proposals for b in x.boxes]
        out = work / p.name
        burned = burn(p, boxes, out, rasterise=rasterise, dpi=DPI)
        report = verify(out, words)
        pages += burned.pages
        if not report.ok:
            failed.append(f"{p.name}: " + "; ".join(report.problems))
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
          f"   ({len(failed)} documents failed verification)")
    for line in failed:
        print(f"  not proved: {line}")
    print(f"ratio faisceau / baseline: {rate / base_rate:.4f}  ({base_rate / rate:.0f}× slower)")


if __name__ == "__main__":
    main()
