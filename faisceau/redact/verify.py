"""The independent proof that a PDF hides what it should: `faisceau redact verify` and the last step of apply.

A document passes when none of these finds anything:

- text: every page's text read by two extractors that share no code (pdfium, through pypdfium2, and
  pypdf, pure Python), plus the text a PDF keeps beside its pages (metadata values, bookmark titles,
  attachment names, annotation contents), contains none of the strings, with case, accents and spacing
  folded (`fold.py`);
- OCR: Tesseract's reading of every page rendered by pdfium does not recover them (what a reader sees);
- x-ray (Free Law Project): no text lies under an opaque rectangle on any page;
- structure (`structure.py`): no metadata, attachments, annotations, scripts, forms, thumbnails or
  earlier revisions.

Reasons never quote the text x-ray found under a box: that text is what should have been hidden.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import pikepdf

from ..ocr import tesseract
from ..ocr.render import to_pnm
from .fold import found, needles
from .structure import problems as structure_problems

OCR_DPI = 200  # enough for Tesseract on body text; a name it cannot read at 200 dpi is not legible either


@dataclass
class Report:
    """What verify found in one PDF: `problems` empty means it passed."""

    name: str
    pages: int = 0
    problems: list[str] = field(default_factory=list)
    checks: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    def as_dict(self) -> dict[str, object]:
        """The JSON shape printed by `redact verify --json`."""
        return {"document": self.name, "ok": self.ok, "pages": self.pages, "problems": self.problems,
                "checks": self.checks}


def pdfium_pages(path: Path) -> list[str]:
    """Each page's text through pdfium."""
    import pypdfium2 as pdfium

    pdf = pdfium.PdfDocument(path)
    try:
        out = []
        for page in pdf:
            tp = page.get_textpage()
            out.append(tp.get_text_range())
            tp.close()
            page.close()
        return out
    finally:
        pdf.close()


def pypdf_pages(path: Path) -> list[str]:
    """Each page's text through pypdf (a second extractor that shares no code with pdfium)."""
    import logging

    from pypdf import PdfReader

    logging.getLogger("pypdf").setLevel(logging.ERROR)  # its warnings on odd fonts are not ours to print
    reader = PdfReader(path)
    return [page.extract_text() or "" for page in reader.pages]


def side_text(path: Path) -> str:
    """Text a PDF carries outside its pages: metadata values, bookmark titles, attachment and
    annotation texts, page labels (a table of contents in the outline names what pages hide)."""
    parts: list[str] = []
    with pikepdf.open(path) as pdf:
        info = pdf.trailer.get("/Info")
        if info is not None:
            parts += [str(v) for v in info.values()]
        if "/Metadata" in pdf.Root:
            parts.append(pdf.Root.Metadata.read_bytes().decode("utf-8", "replace"))
        with pdf.open_outline() as outline:
            stack = list(outline.root)
            while stack:
                item = stack.pop()
                parts.append(item.title or "")
                stack += list(item.children)
        parts += [f"{name} {spec.filename}" for name, spec in pdf.attachments.items()]
        for page in pdf.pages:
            for annot in page.obj.get("/Annots") or []:
                for key in ("/Contents", "/T", "/Subj", "/TU"):
                    if key in annot:
                        parts.append(str(annot[key]))
                fs = annot.get("/FS")
                if fs is not None and isinstance(fs, pikepdf.Dictionary):
                    parts += [str(fs.get(k, "")) for k in ("/F", "/UF")]
    return "\n".join(parts)


def ocr_pages(path: Path, tesseract_setting: str, lang: str, time_limit: float) -> list[str]:
    """Tesseract's reading of each page rendered by pdfium at OCR_DPI, pages read in parallel (one
    Tesseract process per core: pdfium renders in this thread, it is not thread-safe)."""
    import pypdfium2 as pdfium

    eng = tesseract.engine(tesseract_setting)
    pdf = pdfium.PdfDocument(path)
    with tempfile.TemporaryDirectory(prefix="faisceau-verify-") as tmp, \
            ThreadPoolExecutor(max_workers=os.cpu_count() or 1) as pool:
        futures = []
        try:
            for page in pdf:
                img = page.render(scale=OCR_DPI / 72, grayscale=True).to_pil().convert("L")
                page.close()
                futures.append(pool.submit(tesseract.read, eng, to_pnm(img), eng.lang_for(None, lang), time_limit,
                                           Path(tmp), dpi=OCR_DPI))
        finally:
            pdf.close()
        return [f.result().text for f in futures]


def xray_pages(path: Path) -> dict[int, int]:
    """Page number → characters of text x-ray finds under opaque rectangles (pages without any left out)."""
    import fitz

    # x-ray turns MuPDF's anti-aliasing off for the whole process when it is imported (its pixel
    # checks want it off); left so, every later rendering here (apply's rasterised pages, propose's
    # OCR) came out jagged and read worse: it is off only while x-ray looks
    before = fitz.TOOLS.show_aa_level()
    from xray.pdf_utils import get_bad_redactions
    from xray.text_utils import check_if_all_dates

    fitz.TOOLS.set_aa_level(0)
    try:
        with fitz.open(path) as doc:
            bad = {n: get_bad_redactions(page) for n, page in enumerate(doc, start=1)}
    finally:
        fitz.TOOLS.set_aa_level(before["graphics"])
        fitz.TOOLS.set_graphics_min_line_width(before["graphics_min_line_width"])
    # x-ray's own rule, as its `inspect` applies it: a document whose every hit is a date is not flagged
    kept = check_if_all_dates({n: r for n, r in bad.items() if r})
    return {n: sum(len(r["text"]) for r in redactions) for n, redactions in kept.items()}


def verify(path: Path, strings: Iterable[str] = (), *, name: str | None = None, ocr: bool = True,
           tesseract_setting: str = "tesseract", lang: str = "fra+eng", time_limit: float = 60.0,
           xray: bool = True) -> Report:
    """Every check on one PDF; the report names each problem (never the hidden text)."""
    report = Report(name or path.name)
    wanted = needles(list(strings))
    try:
        by_pdfium = pdfium_pages(path)
    except Exception as e:  # pdfium's own error type varies; any failure to read is a failure to prove
        report.problems.append(f"unreadable by pdfium: {type(e).__name__}")
        return report
    report.pages = len(by_pdfium)
    report.problems += structure_problems(path)
    report.checks.append("structure")
    if wanted:
        _look(report, "pdfium text", by_pdfium, wanted)
        try:
            _look(report, "pypdf text", pypdf_pages(path), wanted)
        except Exception as e:  # pypdf raises many kinds on damaged files: unproven is a failure
            report.problems.append(f"unreadable by pypdf: {type(e).__name__}")
        try:
            hits = found(wanted, side_text(path))
        except (pikepdf.PdfError, ValueError, KeyError, TypeError) as e:  # a damaged outline or name tree
            hits = []
            report.problems.append(f"metadata, bookmarks or attachments unreadable: {type(e).__name__}")
        if hits:
            report.problems.append("metadata, bookmarks, attachments or annotations contain " + _quote(hits))
        report.checks += ["pdfium text", "pypdf text", "side text"]
        if ocr:
            _look(report, "OCR", ocr_pages(path, tesseract_setting, lang, time_limit), wanted)
            report.checks.append("OCR")
    if xray:
        for page, chars in sorted(xray_pages(path).items()):
            report.problems.append(f"page {page}: x-ray finds {chars} characters of text under opaque boxes")
        report.checks.append("x-ray")
    return report


def _look(report: Report, how: str, pages: list[str], wanted: dict[str, str]) -> None:
    for number, text in enumerate(pages, start=1):
        hits = found(wanted, text)
        if hits:
            report.problems.append(f"page {number}: {how} contains {_quote(hits)}")


def _quote(hits: list[str]) -> str:
    return ", ".join(repr(h) for h in hits)


def verify_all(paths: Iterable[Path], strings: Iterable[str], progress: Callable[[Report], None] | None = None,
               **options: object) -> list[Report]:
    """`verify` on each PDF, in order."""
    wanted = list(strings)
    reports = []
    for p in paths:
        r = verify(p, wanted, **options)  # type: ignore[arg-type]
        reports.append(r)
        if progress:
            progress(r)
    return reports


