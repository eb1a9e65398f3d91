"""The demo leak and the hostile fixtures are deterministic and are what they claim to be."""

from __future__ import annotations

import email
import email.policy
import hashlib
import io
import mailbox
import os
import shutil
import stat
import struct
import subprocess
import time
import zipfile
import zlib
from pathlib import Path

import pikepdf
import pypdfium2 as pdfium
import pytest
from conftest import IN_CI, corpus_path
from PIL import Image

from faisceau import fixtures, settings
from faisceau.exc import LimitExceeded
from faisceau.extract.base import Context, check_ratio

MB = 1 << 20
DEMO_FILES = {
    "mail/security-team.mbox", "mail/loose/acces-enregistrements.eml", "mail/loose/alerte-vigie-0412.eml",
    "mail/loose/fwd-cameras-pause.eml", "mail/loose/newsletter-optivue.eml",
    "reports/vigie-bilan-t1-2024.pdf", "reports/site-monitoring-review.pdf", "reports/scan-note.pdf",
    "reports/broken.pdf", "office/briefing.docx", "office/rota.xlsx", "office/confidential.pdf",
    "archives/export.zip",
}


def _sums(paths: list[Path], root: Path) -> dict[str, str]:
    return {p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest() for p in paths}


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    dest = tmp_path_factory.mktemp("demo-a") / "leak"
    fixtures.build_demo(dest)
    return dest


def _body(msg: email.message.EmailMessage, kind: str = "plain") -> str:
    part = msg.get_body((kind,))
    assert part is not None
    return str(part.get_content())


def _pdf_text(doc: pdfium.PdfDocument) -> str:
    return "\n".join(doc[i].get_textpage().get_text_range() for i in range(len(doc)))


# -- the demo ---------------------------------------------------------------------------

def test_demo_is_deterministic_and_complete(demo: Path, tmp_path: Path) -> None:
    t0 = time.monotonic()
    again = fixtures.build_demo(tmp_path / "other" / "leak")
    assert time.monotonic() - t0 < 10
    first = sorted(p for p in demo.rglob("*") if p.is_file())
    assert _sums(first, demo) == _sums(again, tmp_path / "other" / "leak")
    assert set(_sums(again, tmp_path / "other" / "leak")) == DEMO_FILES
    assert again == sorted(again) and all(p.is_file() for p in again)
    # same modification times too: ingest records them
    assert [p.stat().st_mtime for p in first] == [p.stat().st_mtime for p in again]


def test_password_is_next_to_the_demo_not_inside(demo: Path) -> None:
    assert fixtures.passwords_path(demo) == demo.parent / "passwords.txt"
    assert fixtures.passwords_path(demo).read_text("utf-8").split() == [fixtures.demo_password()]
    assert not any("passwords" in p.name for p in demo.rglob("*"))


def test_mbox_threads_offsets_and_attachments(demo: Path) -> None:
    box = mailbox.mbox(str(demo / "mail" / "security-team.mbox"), create=False)
    msgs = [email.message_from_bytes(box.get_bytes(k), policy=email.policy.default) for k in box.keys()]
    assert len(msgs) == 10
    assert next(iter(box)).get_from() == "thomas.berger@meridian.example.fr Mon Feb 12 08:14:00 2024"
    ids = [m["Message-ID"] for m in msgs]
    assert len(set(ids)) == 10
    by_id = {m["Message-ID"]: m for m in msgs}
    replies = [m for m in msgs if m["In-Reply-To"]]
    for m in replies:
        refs = m["References"].split()
        assert m["In-Reply-To"] == refs[-1] and all(r in by_id for r in refs)
    chain = [m for m in msgs if str(m["Subject"]).endswith("badge and camera data retention")]
    assert len(chain) == 4 and sum(str(m["Subject"]).startswith("Re: ") for m in chain) == 3
    assert len(chain[-1]["References"].split()) == 3
    tr = next(m for m in msgs if str(m["Subject"]).startswith("TR : "))
    fwd = next(m for m in msgs if str(m["Subject"]).startswith("Fwd: TR : "))
    assert "De : Sarah Whitfield" in _body(tr) and "Envoyé :" in _body(tr)
    assert "-----Original Message-----" in _body(fwd)
    assert {m["Date"].datetime.utcoffset().total_seconds() / 3600 for m in msgs} == {1, 2, -5}
    attached = {a.get_filename(): a for m in msgs for a in m.iter_attachments()}
    assert set(attached) == {"badge-export-semaine-06.csv", "optivue-report-2024-02.pdf", "rota-mai-2024.csv"}
    assert "Salle de pause B" in attached["badge-export-semaine-06.csv"].get_content()
    assert len(pdfium.PdfDocument(attached["optivue-report-2024-02.pdf"].get_content())) == 2
    bodies = " ".join(_body(m) for m in msgs)
    assert "Bonjour à tous" in bodies and "Kind regards" in bodies  # French and English


def test_loose_eml(demo: Path) -> None:
    def parse(name: str) -> email.message.EmailMessage:
        raw = (demo / "mail" / "loose" / name).read_bytes()
        return email.message_from_bytes(raw, policy=email.policy.default)  # type: ignore[return-value]

    raw = (demo / "mail" / "loose" / "acces-enregistrements.eml").read_bytes()
    assert b"Subject: =?iso-8859-1?q?" in raw and "préalable".encode("latin-1") in raw
    latin = parse("acces-enregistrements.eml")
    assert latin["Subject"] == "Accès aux enregistrements vidéo - entrepôt de Corbas"
    assert latin.get_content_charset() == "iso-8859-1" and "préalable" in latin.get_content()
    fwd = parse("fwd-cameras-pause.eml")
    (inner,) = [p for p in fwd.iter_attachments()]
    assert inner.get_content_type() == "message/rfc822"
    assert inner.get_content()["Subject"] == "Caméras salle de pause"
    news = parse("newsletter-optivue.eml")
    assert 'width="1"' in _body(news, "html")
    assert parse("alerte-vigie-0412.eml")["Date"].datetime.utcoffset().total_seconds() == 7200


def test_report_pdfs(demo: Path) -> None:
    for name, pages, title, word in (("vigie-bilan-t1-2024.pdf", 3, "Programme Vigie", "trimestre"),
                                     ("site-monitoring-review.pdf", 3, "Site Monitoring", "registre")):
        doc = pdfium.PdfDocument(demo / "reports" / name)
        meta = doc.get_metadata_dict()
        assert len(doc) == pages and meta["Title"].startswith(title) and meta["Author"]
        text = _pdf_text(doc)
        assert word in text and ("summary" in text or "Findings" in text)
    scan = pdfium.PdfDocument(demo / "reports" / "scan-note.pdf")
    assert len(scan) == 1 and _pdf_text(scan).strip() == ""
    objs = list(scan[0].get_objects())
    assert [o.type for o in objs] == [pdfium.raw.FPDF_PAGEOBJ_IMAGE]


def test_scan_is_readable_by_ocr(demo: Path) -> None:
    if shutil.which("tesseract") is None:
        (pytest.fail if IN_CI else pytest.skip)("tesseract not installed")
    scan = pdfium.PdfDocument(demo / "reports" / "scan-note.pdf")
    (image,) = scan[0].get_objects()
    buf = io.BytesIO()
    image.get_bitmap().to_pil().save(buf, "PNG")
    out = subprocess.run(["tesseract", "stdin", "stdout", "-l", "fra"], input=buf.getvalue(),
                         capture_output=True, timeout=60, check=True).stdout.decode()
    assert "salle de pause" in out and "18/03/2024" in out


def test_broken_and_encrypted_pdfs(demo: Path) -> None:
    broken = demo / "reports" / "broken.pdf"
    assert broken.stat().st_size == 300 and broken.read_bytes().startswith(b"%PDF-")
    with pytest.raises(pdfium.PdfiumError):
        pdfium.PdfDocument(broken)
    with pytest.raises(pikepdf.PdfError):
        pikepdf.open(broken)
    secret = demo / "office" / "confidential.pdf"
    with pytest.raises(pdfium.PdfiumError, match="password"):
        pdfium.PdfDocument(secret)
    with pytest.raises(pikepdf.PasswordError):
        pikepdf.open(secret)
    doc = pdfium.PdfDocument(secret, password=fixtures.demo_password())
    assert "Note confidentielle" in _pdf_text(doc)


def test_docx_comment_and_tracked_changes(demo: Path) -> None:
    import docx

    with zipfile.ZipFile(demo / "office" / "briefing.docx") as zf:
        assert zf.testzip() is None
        body = zf.read("word/document.xml").decode()
        comments = zf.read("word/comments.xml").decode()
    for tag in ("<w:ins ", "<w:del ", "<w:delText", "<w:commentRangeStart", "<w:commentReference"):
        assert tag in body
    assert "service juridique" in comments
    d = docx.Document(str(demo / "office" / "briefing.docx"))
    assert d.core_properties.title.startswith("Note de synthèse") and d.core_properties.author == "Hélène Marchetti"
    assert any("contrôle d’accès" in p.text for p in d.paragraphs)


def test_xlsx_hidden_sheet(demo: Path) -> None:
    import openpyxl

    wb = openpyxl.load_workbook(demo / "office" / "rota.xlsx")
    assert wb.sheetnames == ["Rota", "Inventaire caméras"]
    assert [wb[s].sheet_state for s in wb.sheetnames] == ["visible", "hidden"]
    assert wb["Rota"]["C2"].value == "Nadia Ouali"
    assert ["Intérieur", "INT-01", "Salle de pause B", "non"] in [list(r) for r in wb["Inventaire caméras"].values]
    assert wb.properties.modified.year == 2024


def test_zip_in_zip(demo: Path) -> None:
    with zipfile.ZipFile(demo / "archives" / "export.zip") as outer:
        assert "export/inner.zip" in outer.namelist()
        assert {i.date_time for i in outer.infolist()} == {(2024, 3, 11, 12, 5, 0)}
        inner = zipfile.ZipFile(io.BytesIO(outer.read("export/inner.zip")))
    assert sorted(inner.namelist()) == ["inner/journal-acces.txt", "inner/synthese.pdf"]
    assert "Salle de pause B" in inner.read("inner/journal-acces.txt").decode()
    assert len(pdfium.PdfDocument(inner.read("inner/synthese.pdf"))) == 1


# -- hostile fixtures -------------------------------------------------------------------

def _ctx(tmp_path: Path, **overrides: int) -> Context:
    return Context(settings=settings.load(overrides=overrides, environ={}), scratch=tmp_path)


@pytest.mark.parametrize("size", [40 * MB, 2 * MB])
def test_zip_bomb(tmp_path: Path, size: int) -> None:
    path = fixtures.make_zip_bomb(tmp_path, size=size)
    (info,) = zipfile.ZipFile(path).infolist()
    assert info.file_size == size and info.file_size / info.compress_size > 200
    assert path.stat().st_size < size / 200
    if size < settings.BY_NAME["ratio_min_size"].default:
        check_ratio(info.compress_size, info.file_size, _ctx(tmp_path))  # too small to refuse by default
        ctx = _ctx(tmp_path, ratio_min_size=MB)  # what ingest tests do with the small variant
    else:
        ctx = _ctx(tmp_path)
    with pytest.raises(LimitExceeded, match=r"zip bomb: expansion ratio 1:\d+ over limit 1:200"):
        check_ratio(info.compress_size, info.file_size, ctx)


def test_traversal_zip(tmp_path: Path) -> None:
    with zipfile.ZipFile(fixtures.make_traversal_zip(tmp_path)) as zf:
        assert zf.namelist() == ["../../evil.txt", "/etc/abs.txt", "ok.txt"]
        assert zf.testzip() is None


def test_nested_zip_depth_1000(tmp_path: Path) -> None:
    t0 = time.monotonic()
    path = fixtures.make_nested_zip(tmp_path)
    assert time.monotonic() - t0 < 10
    data, depth = path.read_bytes(), 0
    while True:  # unwrap every level in memory
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            (name,) = zf.namelist()
            data = zf.read(name)
        depth += 1
        if name != "nested.zip":
            break
    assert (depth, name, data) == (1000, "bottom.txt", b"bottom of the nest\n")
    assert fixtures.nested_zip_bytes(1000) == path.read_bytes()
    with zipfile.ZipFile(io.BytesIO(fixtures.nested_zip_bytes(1))) as zf:
        assert zf.namelist() == ["bottom.txt"]


def test_xml_bomb_docx(tmp_path: Path) -> None:
    from defusedxml import EntitiesForbidden
    from defusedxml.ElementTree import fromstring

    with zipfile.ZipFile(fixtures.make_xml_bomb_docx(tmp_path)) as zf:
        xml = zf.read("word/document.xml")
        assert "[Content_Types].xml" in zf.namelist()
    assert b"<!ENTITY lol9 " in xml and xml.count(b"&lol8;") == 10 and b"<w:t>&lol9;</w:t>" in xml
    with pytest.raises(EntitiesForbidden):
        fromstring(xml)


def test_symlink_loop(tmp_path: Path) -> None:
    folder = fixtures.make_symlink_loop(tmp_path)
    assert {p.name for p in folder.iterdir()} == {"a", "b", "here", "up", "note.txt"}
    for name in ("a", "b"):
        assert (folder / name).is_symlink()
        with pytest.raises(OSError):
            os.stat(folder / name)  # ELOOP
    assert (folder / "here").resolve() == folder.resolve()
    assert (folder / "up").resolve() == tmp_path.resolve()


def test_fifo(tmp_path: Path) -> None:
    path = fixtures.make_fifo(tmp_path)
    assert stat.S_ISFIFO(os.stat(path).st_mode)


def test_pixel_bomb_png(tmp_path: Path) -> None:
    data = fixtures.make_pixel_bomb_png(tmp_path).read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) < 1024
    pos, kinds = 8, []
    while pos < len(data):  # every chunk's CRC is right
        (length,) = struct.unpack(">I", data[pos:pos + 4])
        kind, body = data[pos + 4:pos + 8], data[pos + 8:pos + 8 + length]
        assert struct.unpack(">I", data[pos + 8 + length:pos + 12 + length])[0] == zlib.crc32(kind + body)
        kinds.append(kind)
        pos += 12 + length
    assert kinds == [b"IHDR", b"IDAT", b"IEND"]
    assert struct.unpack(">II", data[16:24]) == (100_000, 100_000)
    with pytest.raises(Image.DecompressionBombError):
        Image.open(io.BytesIO(data))


def test_broken_pdfs(tmp_path: Path) -> None:
    whole = fixtures.hostile._sample_pdf()
    truncated = fixtures.make_truncated_pdf(tmp_path).read_bytes()
    assert whole.startswith(truncated) and b"%%EOF" not in truncated and b"\nxref" not in truncated
    junk = fixtures.make_junk_prefix_pdf(tmp_path)
    assert junk.read_bytes().index(b"%PDF-") == 512 and junk.read_bytes().endswith(whole)
    assert len(pdfium.PdfDocument(junk)) == 2  # PDFium looks for the header in the first 1 KB
    stripped = fixtures.make_stripped_xref_pdf(tmp_path)
    data = stripped.read_bytes()
    assert b"\nxref\n" not in data and b"trailer" not in data and data.endswith(b"%%EOF\n")
    with pytest.raises(pdfium.PdfiumError):
        pdfium.PdfDocument(stripped)
    with pikepdf.open(stripped) as pdf:  # qpdf rebuilds the cross-reference table
        assert len(pdf.pages) == 2


def test_encrypted_and_owner_only_pdfs(tmp_path: Path) -> None:
    enc = fixtures.make_encrypted_pdf(tmp_path, user_password="s3cret")
    with pytest.raises(pdfium.PdfiumError, match="password"):
        pdfium.PdfDocument(enc)
    assert len(pdfium.PdfDocument(enc, password="s3cret")) == 2
    owner = fixtures.make_owner_only_pdf(tmp_path)
    assert len(pdfium.PdfDocument(owner)) == 2
    with pikepdf.open(owner) as pdf:
        assert pdf.is_encrypted and not pdf.allow.modify_other and not pdf.allow.extract


def test_html_with_scripts(tmp_path: Path) -> None:
    from selectolax.lexbor import LexborHTMLParser

    tree = LexborHTMLParser(fixtures.make_html_with_scripts(tmp_path).read_text("utf-8"))
    assert len(tree.css("script")) == 2 and tree.css_first("iframe") is not None
    assert all(str(n.attributes["src"]).startswith("https://") for n in tree.css("img, iframe, script[src]"))
    assert any(n.attributes.get("width") == "1" for n in tree.css("img"))
    link = tree.css_first('link[rel="stylesheet"]')
    assert link is not None and str(link.attributes["href"]).startswith("https://")


def test_cp437_zip(tmp_path: Path) -> None:
    path = fixtures.make_cp437_zip(tmp_path)
    assert path.read_bytes().count(b"r\x82sum\x82.txt") == 2
    with zipfile.ZipFile(path) as zf:
        legacy, utf8 = zf.infolist()
        assert zf.testzip() is None
    assert legacy.flag_bits & 0x800 == 0 and legacy.filename == "résumé.txt"  # decoded as cp437
    assert utf8.flag_bits & 0x800 and utf8.filename == "données-été.txt"


def test_hostile_fixtures_are_deterministic(tmp_path: Path) -> None:
    builders = [fixtures.make_traversal_zip, fixtures.make_xml_bomb_docx, fixtures.make_pixel_bomb_png,
                fixtures.make_truncated_pdf, fixtures.make_junk_prefix_pdf, fixtures.make_stripped_xref_pdf,
                fixtures.make_encrypted_pdf, fixtures.make_owner_only_pdf, fixtures.make_html_with_scripts,
                fixtures.make_cp437_zip, lambda d: fixtures.make_zip_bomb(d, size=MB),
                lambda d: fixtures.make_nested_zip(d, depth=20)]
    for build in builders:
        a, b = build(tmp_path / "a"), build(tmp_path / "b")
        assert a.read_bytes() == b.read_bytes(), a.name


# -- against real files -----------------------------------------------------------------

@pytest.mark.slow
def test_encrypted_fixture_fails_like_real_encrypted_pdfs(tmp_path: Path) -> None:
    """Our encrypted fixtures are refused and opened exactly as real-world encrypted PDFs are."""
    real = [(corpus_path("docs-py-pdf-sample-files") / "005-libreoffice-writer-password"
             / "libreoffice-writer-password.pdf", "openpassword"),
            (corpus_path("docs-aleph-ingest-file-fixtures") / "password-hunter2.pdf", "hunter2")]
    ours = [(fixtures.make_encrypted_pdf(tmp_path, "s3cret"), "s3cret")]
    for path, password in real + ours:
        with pytest.raises(pdfium.PdfiumError) as err:
            pdfium.PdfDocument(path)
        assert err.value.err_code == pdfium.raw.FPDF_ERR_PASSWORD, path
        with pytest.raises(pikepdf.PasswordError):
            pikepdf.open(path)
        assert len(pdfium.PdfDocument(path, password=password)) >= 1
