#!/usr/bin/env python3
"""OCR benchmark: faisceau's OCR path against a bare `tesseract` call per page, in the same run.

    python bench/ocr.py              # a 12-page image-only PDF (French and English pages)
    python bench/ocr.py --pages 4    # a quicker run

The scan is drawn here (300 dpi, DejaVu Serif). faisceau ingests it with 1 worker, then with
one worker per core, each time into a fresh project (empty OCR cache); the rate is pages over
the `ocr` stage's own seconds (render + Tesseract + rebuild; extraction is not counted). The
bare figure runs `tesseract PAGE stdout -l LANG --psm 3 tsv` with `OMP_THREAD_LIMIT=1` on the
same page images, one after the other, with the language (and OSD) each page was read with.
Target (issue 7): faisceau with all cores ≥ 0.9 × cores × the bare single-page rate.
"""

from __future__ import annotations

import argparse
import json
import os
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests" / "ocr"))

from ocr_pages import ENGLISH, FRENCH, image_pdf, page_image  # noqa: E402


def ingest(pdf: Path, project: Path, workers: int) -> tuple[float, list[dict[str, object]]]:
    """Ingest with `workers`; the OCR stage's seconds and the pages' OCR records."""
    subprocess.run([sys.executable, "-m", "faisceau", "ingest", str(pdf), "--project", str(project),
                    "--workers", str(workers), "--set", "index=false"], check=True, capture_output=True)
    db = sqlite3.connect(project / "store.sqlite")
    stages, pages = db.execute("SELECT stages, pages FROM contents").fetchone()
    return float(json.loads(stages)["ocr"]["seconds"]), [p["ocr"] for p in json.loads(pages)]


def bare(pdf: Path, folder: Path, records: list[dict[str, object]]) -> float:
    """Seconds for one bare tesseract per page, one after the other, with the same settings."""
    import pypdfium2 as pdfium

    files = []
    doc = pdfium.PdfDocument(pdf)
    for i in range(len(doc)):
        path = folder / f"page-{i + 1}.pgm"
        doc[i].render(scale=300 / 72, grayscale=True).to_pil().convert("L").save(path)
        files.append(path)
    env = {**os.environ, "OMP_THREAD_LIMIT": "1"}
    t0 = time.monotonic()
    for path, rec in zip(files, records):
        subprocess.run(["tesseract", str(path), "stdout", "-l", str(rec["lang"]), "--psm", "3", "--dpi", "300",
                        "tsv"], check=True, capture_output=True, env=env)
        if rec.get("rotated"):  # faisceau asked OSD and read the page again: so does the bare run
            subprocess.run(["tesseract", str(path), "stdout", "--psm", "0"], capture_output=True, env=env)
    return time.monotonic() - t0


def _page_text(i: int) -> str:
    """A different text on every page (identical pages would be read once, from the cache)."""
    words = (FRENCH if i % 2 == 0 else ENGLISH).split()
    k = (7 * i) % len(words)
    return f"Page {i + 1}. " + " ".join(words[k:] + words[:k])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--pages", type=int, default=12)
    ap.add_argument("--repeat", type=int, default=2, help="rounds, interleaved; the best time of each is kept")
    args = ap.parse_args()
    cores = os.cpu_count() or 1
    base = one = many = float("inf")
    with tempfile.TemporaryDirectory(prefix="faisceau-bench-ocr-") as tmp:
        work = Path(tmp)
        texts = [_page_text(i) for i in range(args.pages)]
        pdf = image_pdf([page_image(t) for t in texts], work / "scan.pdf")
        for r in range(args.repeat):  # interleaved, so a busy moment of the machine hits all three
            seconds, records = ingest(pdf, work / f"p1-{r}", 1)
            one = min(one, seconds)
            base = min(base, bare(pdf, work, records))
            many = min(many, ingest(pdf, work / f"pn-{r}", cores)[0])
    n = args.pages
    bare_rate, one_rate, many_rate = n / base, n / one, n / many
    target = 0.9 * cores * bare_rate
    langs = sorted({str(r["lang"]) for r in records})
    print(f"OCR of a {n}-page image-only PDF at 300 dpi, languages used {', '.join(langs)}, {cores} cores")
    print(f"  bare tesseract, one page after the other: {bare_rate:6.2f} pages/s ({base / n:.2f} s/page)")
    print(f"  faisceau, 1 worker:                       {one_rate:6.2f} pages/s ({one_rate / bare_rate:.2f} × bare)")
    print(f"  faisceau, {cores} workers:                      {many_rate:6.2f} pages/s "
          f"({many_rate / bare_rate:.2f} × bare; target ≥ {target:.2f} pages/s = 0.9 × {cores} × bare): "
          f"{'met' if many_rate >= target else 'NOT met'}")


if __name__ == "__main__":
    main()
