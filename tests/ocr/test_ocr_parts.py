"""The OCR stage's parts on their own: the slots, the content rebuild, Tesseract's TSV."""

from __future__ import annotations

import threading
import time
from pathlib import Path

from faisceau.ocr.content import replace_pages
from faisceau.ocr.slots import Slots
from faisceau.ocr.tesseract import parse_tsv


def test_slots_cap_concurrent_holders(tmp_path: Path) -> None:
    slots = Slots(tmp_path / "slots", 2)
    running = peak = 0
    lock = threading.Lock()

    def work() -> None:
        nonlocal running, peak
        with slots.hold():
            with lock:
                running += 1
                peak = max(peak, running)
            time.sleep(0.05)
            with lock:
                running -= 1

    threads = [threading.Thread(target=work) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(10)
    assert peak == 2 and running == 0
    assert sorted(p.name for p in (tmp_path / "slots").iterdir()) == ["slot-0.lock", "slot-1.lock"]


def test_replace_pages_keeps_offsets_and_segments() -> None:
    text = "Cover text\n\nPage two layer\n\nPage three"
    content = {
        "text": text,
        "pages": [{"number": 1, "start": 0, "end": 10}, {"number": 2, "start": 12, "end": 26},
                  {"number": 3, "start": 28, "end": 38}, {"number": 4, "start": 38, "end": 38}],
        "segments": [{"part": "body", "start": 28, "end": 38, "attrs": {}},
                     {"part": "body", "start": 12, "end": 26, "attrs": {}}],
    }
    replace_pages(content, {1: "Lu par la machine", 3: "  Quatrième page  "})
    t = content["text"]
    assert [t[p["start"]:p["end"]] for p in content["pages"]] == \
        ["Cover text", "Lu par la machine", "Page three", "Quatrième page"]
    assert t == "Cover text\n\nLu par la machine\n\nPage three\n\nQuatrième page"
    assert [t[s["start"]:s["end"]] for s in content["segments"]] == ["Page three"]  # the replaced one is gone


def test_parse_tsv_lines_paragraphs_confidence() -> None:
    head = "level\tpage_num\tblock_num\tpar_num\tline_num\tword_num\tleft\ttop\twidth\theight\tconf\ttext"
    rows = [
        "5\t1\t1\t1\t1\t1\t0\t0\t1\t1\t90\tBonjour",
        "5\t1\t1\t1\t1\t2\t0\t0\t1\t1\t80\tà",
        "5\t1\t1\t1\t2\t1\t0\t0\t1\t1\t70\ttous",
        "5\t1\t1\t2\t1\t1\t0\t0\t1\t1\t60\tFin",
        "4\t1\t1\t2\t1\t0\t0\t0\t1\t1\t-1\t",
        "5\t1\t1\t2\t1\t2\t0\t0\t1\t1\t-1\t ",
    ]
    page = parse_tsv("\n".join([head, *rows]))
    assert page.text == "Bonjour à\ntous\n\nFin"
    assert page.words == 4 and page.confidence == 75.0
    assert parse_tsv(head).confidence is None


def test_parse_tsv_sure_words_only() -> None:
    """A sparse reading keeps the words read with confidence ≥ 80 that hold a letter or digit."""
    head = "level\tpage_num\tblock_num\tpar_num\tline_num\tword_num\tleft\ttop\twidth\theight\tconf\ttext"
    rows = [
        "5\t1\t1\t1\t1\t1\t0\t0\t1\t1\t93\tBokale",
        "5\t1\t2\t1\t1\t1\t0\t0\t1\t1\t78\t==",      # a road read as symbols
        "5\t1\t3\t1\t1\t1\t0\t0\t1\t1\t91\t——",      # sure, but no letter
        "5\t1\t4\t1\t1\t1\t0\t0\t1\t1\t41\tae",      # a letter, not sure
        "5\t1\t5\t1\t1\t1\t0\t0\t1\t1\t88\tErrepide",
        "5\t1\t5\t1\t1\t2\t0\t0\t1\t1\t80\tnagusiak",
        "5\t1\t6\t1\t1\t1\t0\t0\t1\t1\t95\t2014/10/04",
    ]
    tsv = "\n".join([head, *rows])
    whole, sure = parse_tsv(tsv), parse_tsv(tsv, sure=80)
    assert whole.words == 7 and whole.sure == 4 and whole.height == 1
    assert sure.text == "Bokale\n\nErrepide nagusiak\n\n2014/10/04"
    assert sure.words == sure.sure == 4 and sure.confidence == 89.0
