"""Each way redaction fails in public, built here: the naive redaction is rejected by `verify`, and
faisceau's redaction of the same file (proposed, burned in) passes it and stays searchable."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import naive
import pytest

from faisceau.redact.apply import Box, burn
from faisceau.redact.propose import OcrOptions, Rules, propose_pdf
from faisceau.redact.verify import pdfium_pages, verify

Make = Callable[[Path], Path]
Naive = Callable[[Path, Path], Path]


def _scanned(path: Path) -> Path:
    return naive.scanned(path, path.parent)


# (source, naive redaction, a problem verify must name in the naive one)
CASES: dict[str, tuple[Make, Naive, str]] = {
    "text under a black rectangle": (naive.plain, naive.black_rectangle, "x-ray finds 10 characters"),
    "black highlight annotation": (naive.plain, naive.black_highlight, "annotations (1 Highlight)"),
    "incremental save": (naive.plain, naive.incremental, "2 %%EOF markers"),
    "XMP naming the author": (naive.with_xmp, naive.black_rectangle, "XMP metadata"),
    "scan with an invisible OCR layer": (_scanned, naive.image_box, "page 1: pdfium text contains 'Zoé Martin'"),
    "table of contents": (naive.with_toc, naive.body_only, "page 1: pypdf text contains 'Zoé Martin'"),
    "attachment named after the person": (naive.with_attachment, naive.black_rectangle, "embedded files"),
    "e-mail From header": (naive.email, naive.body_signature, "page 1: pdfium text contains 'Zoé Martin'"),
}


@pytest.mark.parametrize("case", list(CASES))
def test_naive_redaction_is_rejected(case: str, tmp_path: Path) -> None:
    make, redact_naively, expected = CASES[case]
    src = make(tmp_path / "source.pdf")
    bad = redact_naively(src, tmp_path / "naive.pdf")
    report = verify(bad, [naive.NAME], ocr=False)
    assert not report.ok
    assert any(expected in p for p in report.problems), report.problems


@pytest.mark.parametrize("case", list(CASES))
def test_faisceau_redaction_passes_and_stays_searchable(case: str, tmp_path: Path) -> None:
    make, _, _ = CASES[case]
    src = make(tmp_path / "source.pdf")
    before = src.read_bytes()
    proposals = propose_pdf(src, "sha", None, Rules(names=[naive.NAME], identifiers=["email"]))
    assert {p.text for p in proposals} >= {naive.NAME}
    boxes = [Box(p.page, tuple(b)) for p in proposals for b in p.boxes]  # type: ignore[arg-type]
    out = tmp_path / "redacted.pdf"
    burned = burn(src, boxes, out)
    assert src.read_bytes() == before  # the original is only read
    assert burned.rasterised == burned.redacted >= 1
    report = verify(out, [naive.NAME, "zoe.martin@example.org"])
    assert report.ok, report.problems
    assert report.checks == ["structure", "pdfium text", "pypdf text", "side text", "OCR", "x-ray"]
    # the text layer rebuilt by OCR keeps the rest of the page searchable
    words = " ".join(pdfium_pages(out)).lower()
    assert ("voici" if case == "e-mail From header" else "rapport") in words, words[:300]


def test_without_rasterising_the_text_under_boxes_is_gone_and_the_rest_is_kept(tmp_path: Path) -> None:
    src = naive.plain(tmp_path / "source.pdf")
    proposals = propose_pdf(src, "sha", None, Rules(names=[naive.NAME]))
    out = tmp_path / "redacted.pdf"
    burn(src, [Box(p.page, tuple(b), "GDPR") for p in proposals for b in p.boxes],  # type: ignore[arg-type]
         out, rasterise=False)
    text = pdfium_pages(out)[0]
    assert "Zoé" not in text and "Martin" not in text
    assert "agent comptable" in text and "Fin du rapport" in text  # the page's own text, not OCR
    assert verify(out, [naive.NAME]).ok


def test_a_name_only_in_a_picture_is_proposed_by_ocr_and_proved_gone(tmp_path: Path) -> None:
    src = naive.scanned(tmp_path / "scan.pdf", tmp_path, text_layer=False)
    assert propose_pdf(src, "sha", None, Rules(names=[naive.NAME])) == []  # no text layer to find it in
    found = propose_pdf(src, "sha", None, Rules(names=[naive.NAME]), OcrOptions())
    assert [(p.text, p.page) for p in found] == [(naive.NAME, 1)]
    out = tmp_path / "redacted.pdf"
    burn(src, [Box(p.page, tuple(b)) for p in found for b in p.boxes], out)  # type: ignore[arg-type]
    assert verify(out, [naive.NAME]).ok
    # a box missed (none given) is caught by the OCR check even though no text layer names the person
    missed = tmp_path / "missed.pdf"
    burn(src, [Box(1, (0, 0, 5, 5))], missed)
    assert "page 1: OCR contains 'Zoé Martin'" in verify(missed, [naive.NAME]).problems


def test_verify_leaves_mupdf_rendering_as_it_found_it(tmp_path: Path) -> None:
    import subprocess
    import sys

    src = naive.plain(tmp_path / "source.pdf")
    # a fresh process: x-ray sets MuPDF's anti-aliasing off when it is first imported
    code = ("import sys, fitz; from pathlib import Path; from faisceau.redact.verify import verify;"
            " before = fitz.TOOLS.show_aa_level(); verify(Path(sys.argv[1]), ocr=False);"
            " print(before == fitz.TOOLS.show_aa_level(), before['graphics'])")
    out = subprocess.run([sys.executable, "-c", code, str(src)], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["True", "8"]
