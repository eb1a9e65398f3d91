"""OCR on the OCRmyPDF test resources, ingested (a copy) with the real `faisceau ingest`.

Every file is accounted for, and each scan with text is read well enough: a word list written
by a person reading the page (tests/ocr/truth/*.txt, first line `# pages: FILE:PAGE …`) is
found in the page's text with recall ≥ 0.8 (or the floor a truth file states, with why).
"""

from __future__ import annotations

import json
import shutil
import sqlite3
import time
from pathlib import Path

import pytest
from conftest import corpus_path
from ocr_pages import faisceau, jsonl, recall

TRUTH = Path(__file__).parent / "truth"
RECALL = 0.8


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    src = corpus_path("docs-ocrmypdf-resources")
    base = tmp_path_factory.mktemp("ocrmypdf")
    shutil.copytree(src, base / "in")
    t0 = time.monotonic()
    faisceau("ingest", base / "in", "--project", base / "p", "--json", timeout=1800)
    print(f"\n[phase] ingest docs-ocrmypdf-resources with OCR: {time.monotonic() - t0:.1f} s")
    return base / "p"


def truths() -> list[tuple[str, str, int, list[str], float]]:
    out = []
    for f in sorted(TRUTH.glob("*.txt")):
        lines = f.read_text("utf-8").splitlines()
        refs = lines[0].split(":", 1)[1].split()
        floor = next((float(x.split()[2]) for x in lines if x.startswith("# floor:")), RECALL)
        words = " ".join(x for x in lines if not x.startswith("#")).split()
        for ref in refs:
            path, page = ref.rsplit(":", 1)
            out.append((f.stem, path, int(page), words, floor))
    return out


@pytest.mark.slow
def test_every_file_accounted_for(project: Path) -> None:
    src = corpus_path("docs-ocrmypdf-resources")
    db = sqlite3.connect(project / "store.sqlite")
    rows = dict(db.execute("SELECT path, status FROM documents WHERE parent_id IS NULL").fetchall())
    assert set(rows) == {p.name for p in src.iterdir()}
    assert all(status in ("ok", "failed", "skipped") for status in rows.values())
    ocr = dict(db.execute("SELECT d.path, s.status FROM documents d JOIN stages s ON s.document_id = d.id"
                          " WHERE s.stage = 'ocr' AND d.parent_id IS NULL").fetchall())
    assert set(ocr) == set(rows)  # the OCR stage has a status for every file, read or not
    assert all(status in ("ok", "skipped") for status in ocr.values()), ocr


@pytest.mark.slow
@pytest.mark.parametrize("truth, path, page, words, floor", truths(),
                         ids=[f"{t[1]}:{t[2]}" for t in truths()])
def test_scans_read(project: Path, truth: str, path: str, page: int, words: list[str], floor: float) -> None:
    db = sqlite3.connect(project / "store.sqlite")
    text, pages = db.execute("SELECT c.text, c.pages FROM documents d JOIN contents c ON c.sha256 = d.sha256"
                             " WHERE d.path = ?", (path,)).fetchone()
    p = json.loads(pages)[page - 1]
    assert p.get("ocr") and p["ocr"]["engine"] == "tesseract", p
    got = recall(words, text[p["start"]:p["end"]])
    print(f"recall {truth} {path}:{page} = {got:.2f}")
    assert got >= floor, (got, text[p["start"]:p["end"]][:500])


@pytest.mark.slow
def test_search_finds_machine_read_text(project: Path) -> None:
    hits = jsonl(faisceau("search", "ocr:true capharnaüm", "--project", project, "--json").stdout)
    assert hits[0]["total"] >= 1 and any(h.get("path") == "francais.pdf" for h in hits[1:])
