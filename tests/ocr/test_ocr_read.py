"""OCR of images and image-only PDFs drawn here from known French and English text.

The stages run as a worker runs them (extract → ocr → language), on real files, with the
real Tesseract; recall is the share of the known words found in what OCR read.
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pikepdf
import pytest
from fpdf import FPDF
from ocr_pages import ENGLISH, FONT, FRENCH, image_pdf, page_image, recall, save
from PIL import Image

from faisceau import settings as settings_mod
from faisceau.extract.base import Context
from faisceau.ocr import detect
from faisceau.pipeline.worker import ItemTask, process
from faisceau.store.blobs import BlobStore

pytestmark = pytest.mark.skipif(not __import__("shutil").which("tesseract"), reason="tesseract not installed")


def run(path: Path, tmp_path: Path, **settings: Any) -> dict[str, Any]:
    """extract → ocr → language on one file, in this process, as a worker does."""
    cfg = settings_mod.load(environ={}, overrides={"workers": 2, **settings})
    scratch = tmp_path / "project" / "tmp" / "scratch"
    scratch.mkdir(parents=True, exist_ok=True)
    blobs = BlobStore(tmp_path / "project" / "blobs")
    task = ItemTask(doc_id="d", sha256="s", file=str(path), name=path.name, mime_hint=None, depth=0,
                    stages=["extract", "ocr", "language"], extra={"size": path.stat().st_size})
    beats: list[int] = []
    result = process(task, Context(settings=cfg, scratch=scratch, name=path.name), blobs,
                     emit=lambda chunk: beats.append(len(chunk)))
    result["beats"] = beats
    return result


def page_texts(result: dict[str, Any]) -> list[str]:
    c = result["state"]["content"]
    return [c["text"][p["start"]:p["end"]] for p in c["pages"]]


@pytest.mark.parametrize("text, lang", [(FRENCH, "fr"), (ENGLISH, "en")])
def test_png_300dpi(tmp_path: Path, text: str, lang: str) -> None:
    result = run(save(page_image(text), tmp_path / "page.png"), tmp_path)
    state = result["state"]
    assert result["stages"]["ocr"]["status"] == "ok", result["stages"]
    assert recall(text, state["text"]) >= 0.95, state["text"]
    assert state["text"] == state["content"]["text"]  # what the language stage and later ones read
    assert state["language"] == lang
    page = state["content"]["pages"][0]
    assert page["ocr"]["engine"] == "tesseract" and page["ocr"]["version"].startswith("5.")
    assert page["ocr"]["lang"] == "fra+eng"  # nothing told the language before OCR
    assert page["ocr"]["confidence"] > 80 and page["ocr"]["words"] > 50
    assert "ocr" in state["content"]["flags"] and "needs_ocr" not in state["content"]["flags"]
    assert result["beats"] and set(result["beats"]) == {0}  # the pool heard the worker was alive


def test_heic_photo_of_a_page_is_read_like_a_png(tmp_path: Path) -> None:
    """An iPhone photo (HEIC) of a page: extracted by the image path, then OCR as for a PNG."""
    import pillow_heif

    path = tmp_path / "IMG_0001.HEIC"
    pillow_heif.from_pillow(page_image(FRENCH).convert("RGB")).save(path, quality=85)
    result = run(path, tmp_path)
    state = result["state"]
    assert result["stages"]["extract"]["status"] == "ok", result["stages"]
    assert state["content"]["kind"] == "image" and state["content"]["mime"] == "image/heic"
    assert result["stages"]["ocr"]["status"] == "ok", result["stages"]
    assert recall(FRENCH, state["text"]) >= 0.95, state["text"]
    assert state["language"] == "fr" and "ocr" in state["content"]["flags"]


def test_french_accents_kept(tmp_path: Path) -> None:
    result = run(save(page_image(FRENCH), tmp_path / "page.png"), tmp_path)
    text = result["state"]["text"]
    for word in ("ministère", "l'Économie", "reçu", "détaillant", "Genève", "société", "également"):
        assert word in text, (word, text)


@pytest.mark.parametrize("how", ["150dpi", "jpeg", "skew3", "150dpi-jpeg-skew3"])
def test_degraded_scans(tmp_path: Path, how: str) -> None:
    dpi = 150 if "150dpi" in how else 300
    img = page_image(FRENCH, dpi=dpi)
    if "skew3" in how:
        img = img.rotate(3, expand=True, fillcolor=255, resample=Image.Resampling.BICUBIC)
    if "jpeg" in how:
        buf = io.BytesIO()
        img.save(buf, "JPEG", quality=60)
        path = tmp_path / "page.jpg"
        Image.open(buf).save(path, "JPEG", quality=60, dpi=(dpi, dpi))
    else:
        path = save(img, tmp_path / "page.png", dpi=dpi)
    result = run(path, tmp_path)
    assert recall(FRENCH, result["state"]["text"]) >= 0.85, result["state"]["text"]


@pytest.mark.parametrize("angle", [90, 270])
def test_rotated_page_read_upright(tmp_path: Path, angle: int) -> None:
    img = page_image(ENGLISH).rotate(angle, expand=True, fillcolor=255)
    result = run(save(img, tmp_path / "turned.png"), tmp_path)
    page = result["state"]["content"]["pages"][0]
    assert recall(ENGLISH, result["state"]["text"]) >= 0.9, result["state"]["text"]
    assert page["ocr"]["confidence"] > 80
    if angle == 90:
        # read upside down first (low confidence), then turned by what OSD said; Tesseract's own
        # layout analysis turns the page the other way round by itself
        assert page["ocr"]["rotated"] == 90, page


def test_multipage_tiff(tmp_path: Path) -> None:
    path = tmp_path / "scan.tiff"
    first, second = page_image(FRENCH), page_image(ENGLISH)
    first.save(path, save_all=True, append_images=[second], compression="tiff_lzw", dpi=(300, 300))
    result = run(path, tmp_path)
    pages = result["state"]["content"]["pages"]
    assert [p["number"] for p in pages] == [1, 2] and all(p.get("ocr") for p in pages)
    fr, en = page_texts(result)
    assert recall(FRENCH, fr) >= 0.95 and recall(ENGLISH, en) >= 0.95


def test_image_only_pdf(tmp_path: Path) -> None:
    path = image_pdf([page_image(ENGLISH), page_image(FRENCH)], tmp_path / "scan.pdf")
    result = run(path, tmp_path)
    content = result["state"]["content"]
    assert [p["attrs"].get("text_layer") for p in content["pages"]] == ["none", "none"]
    en, fr = page_texts(result)
    assert recall(ENGLISH, en) >= 0.95 and recall(FRENCH, fr) >= 0.95
    assert all(p["ocr"]["dpi"] == 300 for p in content["pages"])


def _text_pdf(path: Path, text: str) -> Path:
    pdf = FPDF()
    pdf.add_page()
    pdf.add_font("DejaVu", "", FONT)
    pdf.set_font("DejaVu", size=12)
    pdf.multi_cell(0, 7, text)
    pdf.output(str(path))
    return path


def test_broken_tounicode_pdf(tmp_path: Path) -> None:
    good = _text_pdf(tmp_path / "good.pdf", FRENCH)
    broken = tmp_path / "broken.pdf"
    with pikepdf.open(good) as pdf:
        fonts = [o for o in pdf.objects if isinstance(o, pikepdf.Dictionary) and "/ToUnicode" in o]
        assert fonts
        for font in fonts:
            del font["/ToUnicode"]
        pdf.save(broken)
    result = run(broken, tmp_path)
    content = result["state"]["content"]
    page = content["pages"][0]
    assert page["attrs"]["text_layer"] == "garbage"
    assert page["ocr"]["confidence"] > 80
    assert recall(FRENCH, content["text"]) >= 0.95, content["text"]
    assert result["state"]["language"] == "fr"
    # the same PDF with its map: the text layer is good and stays, nothing is read by OCR
    kept = run(good, tmp_path)
    assert kept["stages"]["ocr"] == {**kept["stages"]["ocr"], "status": "skipped", "reason": "no page needs OCR"}
    assert "ocr" not in kept["state"]["content"]["pages"][0]


def test_garbage_detector() -> None:
    assert detect.text_problem("", 20) == "none"
    assert detect.text_problem("Page 3", 20) == "sparse"
    assert detect.text_problem(FRENCH, 20) is None
    assert detect.text_problem(FRENCH[:400] + "(cid:12)(cid:7)" * 3, 20) == "garbage"
    assert detect.text_problem(FRENCH[:200] + "\ue001" * 12, 20) == "garbage"
    assert detect.text_problem(FRENCH[:400] + "\ufffd", 20) is None  # one odd glyph in a page is not 5%
    assert 0.99 < detect.garbage_ratio("\x01\x04\x05 \x06\x07") <= 1.0


def test_text_short_for_its_image(tmp_path: Path) -> None:
    """A scanned page with a small text layer over it (a Bates stamp) is read by OCR anyway."""
    scanned = image_pdf([page_image(ENGLISH)], tmp_path / "scan.pdf")
    stamped = tmp_path / "stamped.pdf"
    stamp = _text_pdf(tmp_path / "stamp.pdf", "EXHIBIT 0001234 CONFIDENTIAL PRODUCED")
    with pikepdf.open(scanned) as pdf, pikepdf.open(stamp) as over:
        pdf.pages[0].add_overlay(over.pages[0])
        pdf.save(stamped)
    result = run(stamped, tmp_path)
    page = result["state"]["content"]["pages"][0]
    assert page["attrs"]["text_layer"] == "short for its images" and page.get("ocr")
    assert recall(ENGLISH, result["state"]["text"]) >= 0.95


def test_tiny_images_skipped(tmp_path: Path) -> None:
    logo = tmp_path / "logo.png"
    page_image("Acme").crop((0, 0, 40, 40)).save(logo)  # over the extractor's 32 px, under ocr_min_side
    result = run(logo, tmp_path)
    assert result["stages"]["ocr"]["status"] == "skipped"
    assert result["state"]["content"]["pages"][0]["attrs"]["ocr_skipped"] == "tiny image"


def test_modes_and_missing_tesseract(tmp_path: Path) -> None:
    path = save(page_image(ENGLISH), tmp_path / "page.png")
    off = run(path, tmp_path, ocr="off")
    assert (off["stages"]["ocr"]["status"], off["stages"]["ocr"]["reason"]) == ("skipped", "ocr off")
    assert off["state"]["text"] == ""
    missing = run(path, tmp_path, tesseract="/nonexistent/tesseract")
    assert (missing["stages"]["ocr"]["status"], missing["stages"]["ocr"]["reason"]) == \
        ("skipped", "tesseract not installed")
    assert missing["state"]["content"]["pages"][0]["attrs"]["ocr_skipped"] == "tesseract not installed"
    text_pdf = _text_pdf(tmp_path / "text.pdf", ENGLISH)
    forced = run(text_pdf, tmp_path, ocr="force")
    assert forced["state"]["content"]["pages"][0]["ocr"]["confidence"] > 80
    assert recall(ENGLISH, forced["state"]["text"]) >= 0.95


def test_every_page_failing_fails_the_stage_not_the_document(tmp_path: Path) -> None:
    path = image_pdf([page_image(ENGLISH), page_image(FRENCH)], tmp_path / "scan.pdf")
    result = run(path, tmp_path, ocr_time_limit=0)
    assert result["stages"]["extract"]["status"] == "ok"
    assert result["stages"]["ocr"]["status"] == "failed"
    assert "time limit" in result["stages"]["ocr"]["reason"]
    pages = result["state"]["content"]["pages"]
    assert len(pages) == 2 and all("time limit" in p["attrs"]["ocr_error"] for p in pages)
    assert "needs_ocr" in result["state"]["content"]["flags"]


def test_cache_reads_identical_pages_once(tmp_path: Path) -> None:
    img = page_image(FRENCH)
    first = run(image_pdf([img], tmp_path / "a.pdf"), tmp_path)
    second = run(image_pdf([img, page_image(ENGLISH)], tmp_path / "b.pdf"), tmp_path)
    assert "cached" not in first["state"]["content"]["pages"][0]["ocr"]
    p1, p2 = second["state"]["content"]["pages"]
    assert p1["ocr"].get("cached") is True and "cached" not in p2["ocr"]
    assert page_texts(second)[0] == page_texts(first)[0]
    assert list((tmp_path / "project" / "cache" / "ocr").rglob("*.json"))
