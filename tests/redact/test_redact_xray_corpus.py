"""`redact verify` on x-ray's own fixtures: text under boxes flagged, tricky drawings that hide nothing not."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from conftest import corpus_path

from faisceau.redact.verify import verify

BAD = ["rectangles_yes.pdf", "rectangles_yes_2.pdf"]


def _copy(tmp_path: Path) -> Path:
    src = corpus_path("redaction-xray-fixtures")
    dst = tmp_path / "fixtures"
    dst.mkdir()
    for f in src.glob("*.pdf"):  # copied before any tool opens them: the corpus is read-only
        shutil.copy(f, dst / f.name)
    return dst


@pytest.mark.slow
def test_text_under_boxes_is_flagged_and_harmless_drawings_are_not(tmp_path: Path) -> None:
    folder = _copy(tmp_path)
    under_box = {p.name: [x for x in verify(p, ocr=False).problems if "x-ray" in x] for p in sorted(folder.glob("*.pdf"))}
    assert len(under_box) == 27
    for name in BAD:
        assert under_box[name], name
    assert under_box["rectangles_yes.pdf"] == ["page 1: x-ray finds 64 characters of text under opaque boxes"]
    harmless = [n for n in under_box if n not in BAD and n != "hidden_text_on_visible_text.pdf"]
    assert len(harmless) == 24
    assert {n: under_box[n] for n in harmless if under_box[n]} == {}


@pytest.mark.slow
def test_verify_reports_structure_of_the_incremental_saves(tmp_path: Path) -> None:
    folder = _copy(tmp_path)
    problems = verify(folder / "no_bad_redactions.7.1.pdf", ocr=False).problems
    assert any("2 %%EOF markers" in p for p in problems)
    assert any(p.startswith("document metadata (Info: Author") for p in problems)
    assert "XMP metadata" in problems
