"""OCR through the real `faisceau ingest` and `faisceau export-ocr` commands."""

from __future__ import annotations

import json
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pypdfium2 as pdfium
import pytest
from ocr_pages import ENGLISH, FRENCH, faisceau, image_pdf, jsonl, page_image, recall, save

pytestmark = pytest.mark.skipif(not shutil.which("tesseract"), reason="tesseract not installed")


def contents(project: Path) -> dict[str, dict[str, object]]:
    db = sqlite3.connect(project / "store.sqlite")
    db.row_factory = sqlite3.Row
    rows = db.execute("SELECT d.id, d.path, c.text, c.pages, c.flags, c.language, c.stages FROM documents d"
                      " JOIN contents c ON c.sha256 = d.sha256 WHERE d.parent_id IS NULL").fetchall()
    return {r["path"]: {"id": r["id"], "text": r["text"], "pages": json.loads(r["pages"]), "flags": json.loads(r["flags"]),
                        "language": r["language"], "ocr": json.loads(r["stages"])["ocr"]} for r in rows}


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Ingested first without Tesseract, then again once it is found (the re-run path)."""
    base = tmp_path_factory.mktemp("ocr-ingest")
    inputs = base / "in"
    inputs.mkdir()
    image_pdf([page_image(FRENCH), page_image(ENGLISH)], inputs / "scan.pdf")
    save(page_image(FRENCH), inputs / "note.png")
    (inputs / "notes.txt").write_text("Plain text, nothing to read.\n", "utf-8")
    project = base / "p"
    faisceau("ingest", inputs, "--project", project, env={"FAISCEAU_TESSERACT": "/nonexistent/tesseract"})
    return project


def test_missing_tesseract_skips_then_next_ingest_reads(project: Path) -> None:
    before = contents(project)
    assert before["scan.pdf"]["ocr"]["status"] == "skipped"
    assert before["scan.pdf"]["ocr"]["reason"] == "tesseract not installed"
    assert before["scan.pdf"]["text"] == "" and "needs_ocr" in before["scan.pdf"]["flags"]
    assert before["notes.txt"]["ocr"]["reason"] == "nothing to read"
    faisceau("ingest", "--retry-failed", "--project", project)
    after = contents(project)
    scan = after["scan.pdf"]
    assert scan["ocr"]["status"] == "ok" and "ocr" in scan["flags"]
    fr, en = (scan["text"][p["start"]:p["end"]] for p in scan["pages"])
    assert recall(FRENCH, fr) >= 0.95 and recall(ENGLISH, en) >= 0.95
    assert all(p["ocr"]["engine"] == "tesseract" for p in scan["pages"])
    assert after["note.png"]["language"] == "fr"  # the language stage ran again on the OCR text
    hits = jsonl(faisceau("search", "ocr:true trésorier", "--project", project, "--json").stdout)
    assert {h["path"] for h in hits[1:]} == {"scan.pdf", "note.png"}
    assert jsonl(faisceau("search", "ocr:false trésorier", "--project", project, "--json").stdout)[0]["total"] == 0


def test_export_searchable_pdf(project: Path, tmp_path: Path) -> None:
    scan = contents(project)["scan.pdf"]
    out = tmp_path / "scan-ocr.pdf"
    summary = jsonl(faisceau("export-ocr", scan["id"], "--project", project, "-o", out, "--json").stdout)[0]
    assert summary["pages"] == 2 and summary["ocr_pages"] == 2
    pdf = pdfium.PdfDocument(out)
    texts = [pdf[i].get_textpage().get_text_range() for i in range(len(pdf))]
    assert recall(FRENCH, texts[0]) >= 0.95 and recall(ENGLISH, texts[1]) >= 0.95
    images = [obj for obj in pdf[0].get_objects() if obj.type == pdfium.raw.FPDF_PAGEOBJ_IMAGE]
    assert images  # the page image is there, under the text
    db = sqlite3.connect(project / "store.sqlite")
    assert db.execute("SELECT count(*) FROM actions WHERE action = 'export-ocr'").fetchone()[0] >= 1


def test_export_refusals(project: Path, tmp_path: Path) -> None:
    def run(*args: object) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "faisceau", "export-ocr", *map(str, args)],
                              capture_output=True, text=True, timeout=120)

    unknown = run("nope", "--project", project, "-o", tmp_path / "x.pdf")
    assert unknown.returncode == 2 and unknown.stderr.count("\n") == 1 and "no document" in unknown.stderr
    plain = run(contents(project)["notes.txt"]["id"], "--project", project, "-o", tmp_path / "x.pdf")
    assert plain.returncode == 1 and "no OCR text" in plain.stderr
    assert not (tmp_path / "x.pdf").exists()


def test_ocr_off(tmp_path: Path) -> None:
    save(page_image(ENGLISH), tmp_path / "page.png")
    faisceau("ingest", tmp_path / "page.png", "--project", tmp_path / "p", "--ocr", "off")
    page = contents(tmp_path / "p")["page.png"]
    assert (page["ocr"]["status"], page["ocr"]["reason"]) == ("skipped", "ocr off")
    assert page["text"] == ""
