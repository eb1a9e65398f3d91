"""The PDF extractor on real PDFs built here with fpdf2 and pikepdf, sound and broken."""

from __future__ import annotations

import dataclasses
import datetime as dt
import os
import time
import zlib
from pathlib import Path

import pikepdf
import pytest
from conftest import child_bytes, run_extractor
from fpdf import FPDF
from PIL import Image

from faisceau import settings as settings_mod
from faisceau.exc import EncryptedDocument, ExtractionError, LimitExceeded, Skipped, Truncated
from faisceau.extract.base import Context, Probe
from faisceau.extract.documents.pdf import PdfExtractor, pdf_date
from faisceau.model import Extracted

PAGE_TEXT = "Page {n}: le rapport confidentiel du trésor, numéro {n}, signé à Lyon."
PARIS = dt.timezone(dt.timedelta(hours=2))



def to_unicode_cmap(first: int, last: int, target: int) -> bytes:
    """A ToUnicode CMap sending single-byte codes first..last to target, target+1…"""
    return (b"/CIDInit /ProcSet findresource begin 12 dict begin begincmap\n"
            b"/CMapName /Broken-UCS def /CMapType 2 def\n"
            b"1 begincodespacerange <00> <FF> endcodespacerange\n"
            + f"1 beginbfrange <{first:02X}> <{last:02X}> <{target:04X}> endbfrange\n".encode()
            + b"endcmap CMapName currentdict /CMap defineresource pop end end\n")


def text_pdf(path: Path, pages: int = 3) -> Path:
    """A text PDF with Info metadata, one sentence per page."""
    pdf = FPDF()
    pdf.set_title("Rapport annuel")
    pdf.set_author("Jeanne Martin")
    pdf.set_subject("Finances")
    pdf.set_keywords("trésor budget")
    pdf.set_creator("faisceau tests")
    pdf.set_creation_date(dt.datetime(2021, 5, 6, 7, 8, 9, tzinfo=PARIS))
    pdf.set_font("helvetica", size=12)
    for n in range(1, pages + 1):
        pdf.add_page()
        pdf.multi_cell(0, 10, PAGE_TEXT.format(n=n))
    pdf.output(str(path))
    return path


def page_texts(doc: Extracted) -> list[str]:
    return [doc.text[p.start:p.end] for p in doc.pages]


@pytest.fixture
def sample(tmp_path: Path) -> Path:
    return text_pdf(tmp_path / "sample.pdf")


def test_text_pages_and_metadata(sample: Path, extract) -> None:
    doc, children = extract(PdfExtractor, sample)
    assert children == []
    assert [p.number for p in doc.pages] == [1, 2, 3]
    for n, text in enumerate(page_texts(doc), 1):
        assert text.strip() == PAGE_TEXT.format(n=n)
    assert not any(p.needs_ocr for p in doc.pages)
    assert doc.pages[0].attrs["width"] == pytest.approx(595.28, abs=0.01)
    md = doc.metadata
    assert md["title"] == "Rapport annuel" and md["author"] == "Jeanne Martin"
    assert md["subject"] == "Finances" and md["keywords"] == "trésor budget"
    assert md["creator"] == "faisceau tests"
    assert md["created"] == "2021-05-06T07:08:09+02:00"
    assert md["page_count"] == 3 and md["pdf_version"] == sample.read_bytes()[5:8].decode()
    assert md["encrypted"] is False and "encrypted" not in doc.flags
    assert doc.kind == "pdf" and doc.mime == "application/pdf"
    assert "\r" not in doc.text


def test_rotation_recorded(sample: Path, tmp_path: Path, extract) -> None:
    with pikepdf.open(sample) as pk:
        pk.pages[1].Rotate = 90
        pk.save(tmp_path / "rotated.pdf")
    doc, _ = extract(PdfExtractor, tmp_path / "rotated.pdf")
    assert [p.attrs.get("rotation") for p in doc.pages] == [None, 90, None]
    assert page_texts(doc)[1].strip() == PAGE_TEXT.format(n=2)


def test_match_and_version(tmp_path: Path) -> None:
    probe = Probe(name="x.bin", mime="application/octet-stream", head=b"%PDF-1.7\n", size=100)
    assert PdfExtractor.match(probe) > 0
    assert PdfExtractor.match(dataclasses.replace(probe, head=b"PK\x03\x04")) == 0
    assert "pypdfium2-" in PdfExtractor.version()


@pytest.mark.parametrize("raw, iso", [
    ("D:20210506070809+02'00'", "2021-05-06T07:08:09+02:00"),
    ("D:19990209153925-08'00'", "1999-02-09T15:39:25-08:00"),
    ("D:20220415133024-01'00", "2022-04-15T13:30:24-01:00"),
    ("D:20221213101112Z", "2022-12-13T10:11:12+00:00"),
    ("D:20221213101112Z00'00'", "2022-12-13T10:11:12+00:00"),
    ("D:20220731114853", "2022-07-31T11:48:53"),
    ("D:2022073111", "2022-07-31T11:00:00"),
    ("D:20220731", "2022-07-31"),
    ("D:202207", "2022-07"),
    ("D:2022", "2022"),
    ("20220403180542+02'00'", "2022-04-03T18:05:42+02:00"),
    ("2023-04-10T07:46:54+00:00", "2023-04-10T07:46:54+00:00"),
    ("D:20221341000000", None),
    ("last tuesday", None),
    ("", None),
])
def test_pdf_dates(raw: str, iso: str | None) -> None:
    assert pdf_date(raw) == iso


def test_image_only_and_blank_pages(tmp_path: Path, extract) -> None:
    png = tmp_path / "scan.png"
    Image.new("RGB", (200, 100), "white").save(png)
    pdf = FPDF()
    pdf.set_font("helvetica", size=12)
    pdf.add_page()
    pdf.multi_cell(0, 10, PAGE_TEXT.format(n=1))
    pdf.add_page()
    pdf.image(str(png), x=10, y=10, w=150)
    pdf.add_page()  # nothing drawn at all
    pdf.output(str(tmp_path / "scan.pdf"))
    doc, _ = extract(PdfExtractor, tmp_path / "scan.pdf")
    text_page, image_page, blank_page = doc.pages
    assert not text_page.needs_ocr
    assert image_page.needs_ocr and image_page.attrs["images"] == 1
    assert image_page.attrs["text_layer"] == "none"
    assert not blank_page.needs_ocr and blank_page.attrs["blank"] is True
    assert "needs_ocr" in doc.flags


def test_sparse_text_below_threshold_needs_ocr(tmp_path: Path, ctx: Context) -> None:
    pdf = FPDF()
    pdf.set_font("helvetica", size=12)
    pdf.add_page()
    pdf.cell(0, 10, "Fig. 3")
    pdf.output(str(tmp_path / "short.pdf"))
    doc, _ = run_extractor(PdfExtractor, tmp_path / "short.pdf", ctx)
    assert doc.pages[0].needs_ocr and doc.pages[0].attrs["text_layer"] == "sparse"
    low = dataclasses.replace(ctx, settings=settings_mod.load(environ={}, overrides={"ocr_min_text": 3}))
    doc, _ = run_extractor(PdfExtractor, tmp_path / "short.pdf", low)
    assert not doc.pages[0].needs_ocr


@pytest.mark.parametrize("cmap, marker", [
    (to_unicode_cmap(0x20, 0x7E, 0xE020), "\ue050"),  # private-use glyphs
    (to_unicode_cmap(0x20, 0x7E, 0x0001), "\x01"),  # spaces become C0 controls, letters shift
])
def test_garbage_text_layers_need_ocr(tmp_path: Path, extract, cmap: bytes, marker: str) -> None:
    pdf = FPDF()
    pdf.set_font("times", size=12)  # the font whose ToUnicode map is broken below
    pdf.add_page()
    pdf.multi_cell(0, 10, "Plain text whose font maps every code to garbage glyphs.")
    pdf.set_font("helvetica", size=12)
    pdf.add_page()
    pdf.multi_cell(0, 10, "(cid:12)(cid:15)(cid:44) Rapport (cid:3)(cid:87)(cid:88) annuel (cid:91)")
    pdf.add_page()
    pdf.multi_cell(0, 10, PAGE_TEXT.format(n=3))
    pdf.output(str(tmp_path / "raw.pdf"))
    with pikepdf.open(tmp_path / "raw.pdf") as pk:
        for _, font in pk.pages[0].Resources.Font.items():
            if str(font.BaseFont).startswith("/Times"):
                font.ToUnicode = pk.make_stream(cmap)
        pk.save(tmp_path / "garbage.pdf")
    doc, _ = extract(PdfExtractor, tmp_path / "garbage.pdf")
    broken, cid, good = doc.pages
    assert marker in doc.text[broken.start:broken.end]  # kept, but flagged for OCR
    assert broken.needs_ocr and broken.attrs["text_layer"] == "garbage"
    assert cid.needs_ocr and cid.attrs["text_layer"] == "garbage"
    assert not good.needs_ocr


def test_line_end_hyphen_becomes_soft_hyphen(tmp_path: Path, extract) -> None:
    pdf = FPDF()
    pdf.set_font("helvetica", size=12)
    pdf.add_page()
    pdf.cell(0, 6, "Le rapport reste confiden-", new_x="LMARGIN", new_y="NEXT")
    pdf.cell(0, 6, "tiel jusqu'en 2030 selon le ministère.")
    pdf.output(str(tmp_path / "hyphen.pdf"))
    doc, _ = extract(PdfExtractor, tmp_path / "hyphen.pdf")
    assert "confiden\u00adtiel" in doc.text and "\ufffe" not in doc.text


def test_junk_before_header(sample: Path, tmp_path: Path, extract) -> None:
    data = sample.read_bytes()
    small = tmp_path / "small-junk.pdf"
    small.write_bytes(b"X-Mailer-Banner: scanned\r\n" + data)
    doc, _ = extract(PdfExtractor, small)
    assert len(doc.pages) == 3
    big = tmp_path / "big-junk.pdf"  # beyond the 1 KB pdfium searches for the header
    big.write_bytes(os.urandom(3000).replace(b"%PDF", b"....") + b"\n" + data)
    doc, _ = extract(PdfExtractor, big)
    assert doc.metadata["repaired_with"] in ("qpdf", "mutool")
    assert [t.strip() for t in page_texts(doc)] == [PAGE_TEXT.format(n=n) for n in (1, 2, 3)]
    assert doc.metadata["title"] == "Rapport annuel"


def test_xref_and_trailer_stripped(sample: Path, tmp_path: Path, extract) -> None:
    data = sample.read_bytes()
    cut = data[: data.rindex(b"\nxref") + 1]
    assert b"startxref" not in cut and b"trailer" not in cut
    (tmp_path / "noxref.pdf").write_bytes(cut)
    doc, _ = extract(PdfExtractor, tmp_path / "noxref.pdf")
    assert [t.strip() for t in page_texts(doc)] == [PAGE_TEXT.format(n=n) for n in (1, 2, 3)]
    assert "truncated" not in doc.flags


def test_truncated_in_the_middle_keeps_intact_pages(sample: Path, tmp_path: Path, extract) -> None:
    data = sample.read_bytes()
    # cut in the middle of the body: the catalog and page 1 are whole, the trailer is gone
    cut = data[: int(len(data) * 0.6)]
    (tmp_path / "cut.pdf").write_bytes(cut)
    doc, _ = extract(PdfExtractor, tmp_path / "cut.pdf")
    assert "truncated" in doc.flags
    assert doc.metadata["repaired_with"] == "mutool"
    assert len(doc.pages) == 3
    assert page_texts(doc)[0].strip() == PAGE_TEXT.format(n=1)


def test_truncated_with_only_lost_pages_raises(sample: Path, tmp_path: Path, extract) -> None:
    data = sample.read_bytes()
    # the page tree survives but no page content does: pages would read blank
    (tmp_path / "cut.pdf").write_bytes(data[: int(len(data) * 0.2)])
    with pytest.raises(Truncated):
        extract(PdfExtractor, tmp_path / "cut.pdf")


def test_truncated_before_any_page_raises(sample: Path, tmp_path: Path, extract) -> None:
    (tmp_path / "head.pdf").write_bytes(sample.read_bytes()[:200])
    with pytest.raises(Truncated) as err:
        extract(PdfExtractor, tmp_path / "head.pdf")
    assert err.value.reason == "truncated"


def test_broken_page_is_recorded_and_others_kept(sample: Path, tmp_path: Path, extract) -> None:
    data = sample.read_bytes()
    # break page 2's object header without moving any offset the xref points to
    with pikepdf.open(sample) as pk:
        objnum = pk.Root.Pages.Kids[1].objgen[0]
    broken = data.replace(f"\n{objnum} 0 obj".encode(), f"\n{objnum} 0 obX".encode(), 1)
    assert broken != data
    (tmp_path / "badpage.pdf").write_bytes(broken)
    doc, _ = extract(PdfExtractor, tmp_path / "badpage.pdf")
    assert [p.number for p in doc.pages] == [1, 2, 3]
    assert doc.pages[1].attrs["error"] and doc.text[doc.pages[1].start:doc.pages[1].end] == ""
    assert any(w.startswith("page 2:") for w in doc.warnings)
    assert page_texts(doc)[2].strip() == PAGE_TEXT.format(n=3)


def encrypt(src: Path, dst: Path, owner: str, user: str) -> Path:
    with pikepdf.open(src) as pk:
        pk.Root.Lang = pikepdf.String("fr-FR")
        pk.save(dst, encryption=pikepdf.Encryption(owner=owner, user=user, R=6))
    return dst


def test_owner_password_only(sample: Path, tmp_path: Path, extract) -> None:
    path = encrypt(sample, tmp_path / "owner.pdf", owner="proprio", user="")
    doc, _ = extract(PdfExtractor, path)
    assert len(doc.pages) == 3 and PAGE_TEXT.format(n=2) in doc.text
    assert "encrypted" in doc.flags and doc.metadata["encrypted"] is True
    assert "password_used" not in doc.metadata
    assert doc.metadata["language_declared"] == "fr-FR"


def test_user_password(sample: Path, tmp_path: Path, ctx: Context) -> None:
    path = encrypt(sample, tmp_path / "user.pdf", owner="proprio", user="s3cret")
    with pytest.raises(EncryptedDocument) as err:
        run_extractor(PdfExtractor, path, ctx)
    assert err.value.reason == "encrypted"
    wrong = dataclasses.replace(ctx, passwords=("nope", "proprio-x"))
    with pytest.raises(EncryptedDocument):
        run_extractor(PdfExtractor, path, wrong)
    right = dataclasses.replace(ctx, passwords=("nope", "s3cret"))
    doc, _ = run_extractor(PdfExtractor, path, right)
    assert len(doc.pages) == 3 and PAGE_TEXT.format(n=3) in doc.text
    assert doc.metadata["password_used"] is True and "encrypted" in doc.flags
    assert "s3cret" not in repr(doc.metadata) + repr(doc.warnings)


def test_attachments(tmp_path: Path, ctx: Context) -> None:
    (tmp_path / "note.txt").write_bytes(b"hello attachment\n")
    (tmp_path / "annexe.csv").write_bytes(b"a,b\n1,2\n")
    pdf = FPDF()
    pdf.set_font("helvetica", size=12)
    pdf.add_page()
    pdf.multi_cell(0, 10, PAGE_TEXT.format(n=1))
    pdf.embed_file(str(tmp_path / "note.txt"), desc="a note")
    pdf.file_attachment_annotation(str(tmp_path / "annexe.csv"), x=10, y=50, w=10, h=10)
    pdf.output(str(tmp_path / "raw.pdf"))
    with pikepdf.open(tmp_path / "raw.pdf") as pk:
        pk.attachments["second"] = pikepdf.AttachedFileSpec(pk, b"another note", filename="note.txt")
        pk.attachments["evil"] = pikepdf.AttachedFileSpec(pk, b"root:x:0:0", filename="../../etc/passwd")
        pk.save(tmp_path / "att.pdf")
    doc, children = run_extractor(PdfExtractor, tmp_path / "att.pdf", ctx)
    got = {c.name: child_bytes(c) for c in children}
    assert got == {
        "attachments/note.txt": got["attachments/note.txt"],
        "attachments/note (2).txt": got["attachments/note (2).txt"],
        "attachments/annexe.csv": b"a,b\n1,2\n",
        "attachments/passwd": b"root:x:0:0",
    }
    assert {got["attachments/note.txt"], got["attachments/note (2).txt"]} == {
        b"hello attachment\n", b"another note"}
    evil = next(c for c in children if c.name == "attachments/passwd")
    assert evil.metadata["original_name"] == "../../etc/passwd"
    for c in children:  # written to scratch, not held in memory
        assert c.path is not None and c.path.is_relative_to(ctx.scratch)
    assert len(doc.pages) == 1


def test_attachment_bomb_refused_and_other_filters_decoded(tmp_path: Path, ctx: Context) -> None:
    pdf = FPDF()
    pdf.set_font("helvetica", size=12)
    pdf.add_page()
    pdf.multi_cell(0, 10, PAGE_TEXT.format(n=1))
    pdf.output(str(tmp_path / "carrier.pdf"))
    with pikepdf.open(tmp_path / "carrier.pdf") as pk:
        pk.attachments["bomb"] = pikepdf.AttachedFileSpec(pk, b"\0" * (32 << 20), filename="bomb.bin")
        hexed = pikepdf.AttachedFileSpec(pk, b"x", filename="hex.txt")
        pk.attachments["hex"] = hexed
        stream = pk.Root.Names.EmbeddedFiles.Names[-1].EF.F
        stream.write(b"48656c6c6f2c2068657821>", filter=pikepdf.Name.ASCIIHexDecode)
        pk.save(tmp_path / "bomb.pdf")
    assert (tmp_path / "bomb.pdf").stat().st_size < 200_000
    tight = dataclasses.replace(ctx, settings=settings_mod.load(
        environ={}, overrides={"ratio_min_size": 1 << 20}))
    doc, children = run_extractor(PdfExtractor, tmp_path / "bomb.pdf", tight)
    by_name = {c.name: c for c in children}
    bomb = by_name["attachments/bomb.bin"]
    assert bomb.status == "skipped" and bomb.path is None
    assert bomb.reason == "zip bomb: expansion ratio over limit 1:200"
    assert child_bytes(by_name["attachments/hex.txt"]) == b"Hello, hex!"
    loose = dataclasses.replace(ctx, settings=settings_mod.load(environ={}, overrides={"max_ratio": 10_000}))
    doc, children = run_extractor(PdfExtractor, tmp_path / "bomb.pdf", loose)
    zeros = {c.name: c for c in children}["attachments/bomb.bin"]
    assert zeros.status is None and zeros.path is not None and zeros.path.stat().st_size == 32 << 20


def test_damaged_attachment_streams(tmp_path: Path, ctx: Context) -> None:
    pdf = FPDF()
    pdf.set_font("helvetica", size=12)
    pdf.add_page()
    pdf.multi_cell(0, 10, PAGE_TEXT.format(n=1))
    pdf.output(str(tmp_path / "carrier.pdf"))
    packed = zlib.compress(b"hello world " * 5000)
    with pikepdf.open(tmp_path / "carrier.pdf") as pk:
        for key in ("cut", "junk"):
            pk.attachments[key] = pikepdf.AttachedFileSpec(pk, b"x", filename=f"{key}.txt")
        specs = dict(pikepdf.NameTree(pk.Root.Names.EmbeddedFiles).items())
        specs["cut"].EF.F.write(packed[: len(packed) // 2], filter=pikepdf.Name.FlateDecode)
        specs["junk"].EF.F.write(b"not zlib at all", filter=pikepdf.Name.FlateDecode)
        pk.save(tmp_path / "damaged.pdf")
    doc, children = run_extractor(PdfExtractor, tmp_path / "damaged.pdf", ctx)
    by_name = {c.name: c for c in children}
    cut, junk = by_name["attachments/cut.txt"], by_name["attachments/junk.txt"]
    assert cut.metadata["truncated"] is True
    assert 0 < len(child_bytes(cut)) < 60_000 and child_bytes(cut).startswith(b"hello world hello")
    assert junk.status == "failed" and junk.reason == "attachment cannot be decoded"
    assert len(doc.pages) == 1


def test_not_a_pdf_and_empty(tmp_path: Path, extract) -> None:
    (tmp_path / "random.pdf").write_bytes(os.urandom(4096).replace(b"%PDF", b"...."))
    with pytest.raises(ExtractionError, match="not a PDF"):
        extract(PdfExtractor, tmp_path / "random.pdf")
    (tmp_path / "noise.pdf").write_bytes(b"%PDF-1.4\n" + os.urandom(4096).replace(b" obj", b" ob?"))
    with pytest.raises(ExtractionError, match="damaged PDF") as err:
        extract(PdfExtractor, tmp_path / "noise.pdf")
    assert not isinstance(err.value, Truncated)
    (tmp_path / "empty.pdf").write_bytes(b"")
    with pytest.raises(ExtractionError, match="empty file"):
        extract(PdfExtractor, tmp_path / "empty.pdf")


def test_project_hostile_fixtures(tmp_path: Path, ctx: Context) -> None:
    from faisceau import fixtures

    doc, _ = run_extractor(PdfExtractor, fixtures.make_stripped_xref_pdf(tmp_path), ctx)
    assert len(doc.pages) == 2 and doc.metadata["repaired_with"] in ("qpdf", "mutool")
    assert doc.metadata["title"] == "Sample document"
    doc, _ = run_extractor(PdfExtractor, fixtures.make_junk_prefix_pdf(tmp_path, junk=4096), ctx)
    assert len(doc.pages) == 2 and "repaired_with" in doc.metadata
    # cut in half: the pages survive but their fonts do not, so the text layer is unusable
    doc, _ = run_extractor(PdfExtractor, fixtures.make_truncated_pdf(tmp_path, keep=0.5), ctx)
    assert len(doc.pages) == 2 and "truncated" in doc.flags
    assert all(p.needs_ocr for p in doc.pages)
    owner = fixtures.make_owner_only_pdf(tmp_path)
    doc, _ = run_extractor(PdfExtractor, owner, ctx)
    assert doc.metadata["encrypted"] is True and len(doc.pages) == 2


def test_repair_tool_missing_is_skipped(sample: Path, tmp_path: Path, ctx: Context) -> None:
    big = tmp_path / "big-junk.pdf"
    big.write_bytes(b"#" * 3000 + b"\n" + sample.read_bytes())
    nothing = settings_mod.load(environ={}, overrides={"qpdf": "no-such-qpdf", "mutool": "no-such-mutool"})
    with pytest.raises(Skipped, match="no-such-qpdf not installed"):
        run_extractor(PdfExtractor, big, dataclasses.replace(ctx, settings=nothing))


def test_text_budget_and_deadline(sample: Path, ctx: Context) -> None:
    small = dataclasses.replace(ctx, settings=settings_mod.load(environ={}, overrides={"max_text": 100}))
    doc, _ = run_extractor(PdfExtractor, sample, small)
    assert "truncated at 100 bytes" in doc.flags
    assert len(doc.pages) == 3 and doc.pages[-1].attrs["text_dropped"] is True
    late = dataclasses.replace(ctx, deadline=time.monotonic() - 1)
    with pytest.raises(LimitExceeded, match="time limit"):
        run_extractor(PdfExtractor, sample, late)
