"""The PDF extractor over real PDFs from ../shared/corpora (slow; CI runs them)."""

from __future__ import annotations

import dataclasses
import json
import re
import time
from collections import Counter

import pytest
from conftest import child_bytes, corpus_path, run_extractor

from faisceau.exc import EncryptedDocument, ExtractionError, Skipped
from faisceau.extract.base import Context
from faisceau.extract.documents.pdf import PdfExtractor

pytestmark = pytest.mark.slow

SAMPLES = "docs-py-pdf-sample-files"
# Passwords published with the corpora: 005's README gives its open password; the Aleph
# fixture names its own.
PASSWORDS = ("openpassword", "hunter2")

# files.json entries we cannot match, and why; each is still checked to fail cleanly.
UNREADABLE = {
    "017-unreadable-meta-data/unreadablemetadata.pdf":
        "the last trailer has no /Root and objects 79-174, the page-tree root 172 among them, "
        "are absent; pdfium, qpdf and mutool all find no page tree (the manifest's 4 pages "
        "come from a reader that guesses)",
}
# Manifest values that disagree with the file's Info dictionary (the manifest was taken
# from XMP or by hand); page counts and encryption still match.
INFO_DIFFERS = {
    "005-libreoffice-writer-password/libreoffice-writer-password.pdf":
        "Info says Producer 'LibreOffice 6.4', CreationDate D:20220403203552+02'00'",
}


def test_py_pdf_sample_files_match_manifest(ctx: Context) -> None:
    root = corpus_path(SAMPLES)
    entries = json.loads((root / "files.json").read_text("utf-8"))["data"]
    missing = set((root / "_MISSING.txt").read_text("utf-8").split())
    ctx = dataclasses.replace(ctx, passwords=PASSWORDS)
    started = time.perf_counter()
    figures: Counter[str] = Counter()
    for entry in entries:
        rel = entry["path"]
        path = root / rel
        if not path.exists():
            assert rel in missing, f"{rel} absent but not listed in _MISSING.txt"
            figures["absent"] += 1
            continue
        if rel in UNREADABLE:
            with pytest.raises(ExtractionError, match="^damaged PDF"):
                run_extractor(PdfExtractor, path, ctx)
            figures["unreadable"] += 1
            continue
        doc, _ = run_extractor(PdfExtractor, path, ctx)
        md = doc.metadata
        assert md["page_count"] == entry["pages"] == len(doc.pages), rel
        assert md["encrypted"] is entry["encrypted"], rel
        assert ("encrypted" in doc.flags) is entry["encrypted"], rel
        if rel not in INFO_DIFFERS:
            if entry.get("producer"):
                assert md.get("producer") == entry["producer"], rel
            if entry.get("creation_date"):
                # the manifest sometimes drops or changes the offset: compare the wall time
                assert md["created"][:19] == entry["creation_date"][:19], rel
        figures["matched"] += 1
        figures["pages"] += len(doc.pages)
        figures["encrypted"] += entry["encrypted"]
    print(f"\npy-pdf samples: {dict(figures)} of {len(entries)} manifest entries "
          f"in {time.perf_counter() - started:.2f} s")
    assert figures["matched"] == len(entries) - figures["absent"] - len(UNREADABLE)


def test_py_pdf_password_and_attachment(ctx: Context) -> None:
    root = corpus_path(SAMPLES)
    locked = root / "005-libreoffice-writer-password/libreoffice-writer-password.pdf"
    with pytest.raises(EncryptedDocument):
        run_extractor(PdfExtractor, locked, ctx)
    doc, _ = run_extractor(PdfExtractor, locked, dataclasses.replace(ctx, passwords=("x", "openpassword")))
    assert doc.metadata["password_used"] is True and doc.text.strip()
    doc, children = run_extractor(PdfExtractor, root / "025-attachment/with-attachment.pdf", ctx)
    assert [c.name for c in children] == ["attachments/image.png"]
    assert child_bytes(children[0]) == (root / "025-attachment/image.png").read_bytes()


TIKA_PDFS = "tika-parser-pdf-module/src/test/resources/test-documents"


def test_tika_attachments_by_name_tree_annotation_and_platform(ctx: Context) -> None:
    root = corpus_path("docs-tika-test-documents") / TIKA_PDFS
    _, children = run_extractor(PdfExtractor, root / "testPDFFileEmbInAnnotation.pdf", ctx)
    assert [(c.name, c.metadata.get("page")) for c in children] == [("attachments/Excel.xlsx", 1)]
    assert child_bytes(children[0])[:2] == b"PK"  # a real xlsx came out
    _, children = run_extractor(PdfExtractor, root / "testPDFPackage.pdf", ctx)
    assert sorted(c.name for c in children) == ["attachments/PDF1.pdf", "attachments/PDF2.pdf"]
    assert all(child_bytes(c).startswith(b"%PDF") for c in children)
    _, children = run_extractor(PdfExtractor, root / "testPDF_multiFormatEmbFiles.pdf", ctx)
    variants = {c.metadata.get("variant") for c in children}
    assert len(children) == 4 and variants == {None, "Unix", "Mac", "DOS"}


# Described as scans or outlined text in the OCRmyPDF resources README: every page needs OCR.
SCANNED = ("linn.pdf", "ccitt.pdf", "jbig2.pdf", "cardinal.pdf", "poster.pdf", "skew.pdf",
           "rotated_skew.pdf", "c02-22.pdf", "francais.pdf", "hugemono.pdf", "vector.pdf")
# Already OCRed, or blank (nothing to read): no page needs OCR.
NOT_SCANNED = ("graph_ocred.pdf", "blank.pdf", "no_contents.pdf")


def test_ocrmypdf_scans_need_ocr(ctx: Context) -> None:
    root = corpus_path("docs-ocrmypdf-resources")
    for name in SCANNED + NOT_SCANNED:
        doc, _ = run_extractor(PdfExtractor, root / name, ctx)
        assert doc.pages, name
        assert all(p.needs_ocr for p in doc.pages) is (name in SCANNED), name
        assert any(p.needs_ocr for p in doc.pages) is (name in SCANNED), name


REASON = re.compile(r"^(encrypted|truncated|empty file|not a PDF: .+|damaged PDF: .+)$")
CORPORA = ("docs-aleph-ingest-file-fixtures", "docs-ocrmypdf-resources", SAMPLES,
           "docs-textract-tests", "docs-tika-test-documents")


def test_every_corpus_pdf_ends_with_pages_or_a_reason(ctx: Context) -> None:
    ctx = dataclasses.replace(ctx, passwords=PASSWORDS)
    outcomes: Counter[str] = Counter()
    pages = ocr = attachments = 0
    started = time.perf_counter()
    for corpus in CORPORA:
        for path in sorted(corpus_path(corpus).rglob("*")):
            if path.suffix.lower() != ".pdf" or not path.is_file():
                continue
            try:
                doc, children = run_extractor(PdfExtractor, path, ctx)
            except (ExtractionError, Skipped) as e:
                assert REASON.match(e.reason), f"{path}: unclear reason {e.reason!r}"
                outcomes[e.reason] += 1
                continue
            assert doc.pages and doc.metadata["page_count"] == len(doc.pages), path
            outcomes["ok"] += 1
            pages += len(doc.pages)
            ocr += sum(p.needs_ocr for p in doc.pages)
            attachments += len(children)
    elapsed = time.perf_counter() - started
    print(f"\ncorpus PDFs: {dict(outcomes)}; {pages} pages ({ocr} need OCR), "
          f"{attachments} attachments, {elapsed:.2f} s")
    assert outcomes["empty file"] >= 1 and outcomes["ok"] > 100
    # hostile files with a known outcome
    aleph = corpus_path("docs-aleph-ingest-file-fixtures")
    doc, _ = run_extractor(PdfExtractor, aleph / "password-hunter2.pdf", ctx)
    assert doc.metadata["password_used"] and "This document has a password" in doc.text
    with pytest.raises(ExtractionError, match="^damaged PDF"):
        run_extractor(PdfExtractor, corpus_path("docs-ocrmypdf-resources") / "invalid.pdf", ctx)
