"""Embedded OLE objects: compound files built here (tests/extract/cfbkit.py) and the real
embedded objects of the Tika test documents (OOXML `embeddings/oleObject*.bin`)."""

from __future__ import annotations

import shutil
import zipfile
from pathlib import Path

import pytest
from cfbkit import cfb, compobj, ole10native

from faisceau.exc import ExtractionError, Skipped
from faisceau.extract.base import Context, choose
from faisceau.extract.documents.legacy_office import LegacyOfficeExtractor
from faisceau.extract.documents.ole_object import OleObjectExtractor, parse_package
from faisceau.extract.documents.ooxml import OoxmlExtractor
from faisceau.extract.identify import probe
from tests.conftest import IN_CI, child_bytes, corpus_path, run_extractor

MS = "tika-parser-microsoft-module/src/test/resources/test-documents"
SECRET = b"Transfer 40 000 EUR to the Geneva account before Friday.\n" * 3


def write(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


def test_a_packaged_file_is_a_child_with_its_own_name_and_bytes(tmp_path: Path, ctx: Context) -> None:
    obj = cfb({"\x01CompObj": compobj("Packager Shell Object", "Package"),
               "\x01Ole10Native": ole10native("virement é.txt", "C:\\Users\\cfo\\Desktop\\virement é.txt", SECRET)})
    path = write(tmp_path, "oleObject1.bin", obj)
    pr = probe(path, "report.docx!/embeddings/oleObject1.bin")
    assert choose(pr) is OleObjectExtractor, pr.mime
    doc, children = run_extractor(OleObjectExtractor, path, ctx)
    assert [c.name for c in children] == ["virement é.txt"]
    assert child_bytes(children[0]) == SECRET
    assert children[0].metadata["ole_source_path"] == "C:\\Users\\cfo\\Desktop\\virement é.txt"
    assert doc.metadata["ole_prog_id"] == "Package" and doc.kind == "archive"


def test_an_ansi_only_package_and_a_path_only_name(tmp_path: Path, ctx: Context) -> None:
    # older packagers write no UTF-16 tail; a package without a label is named by its source path
    native = ole10native("", "D:\\exports\\ledger.csv", b"account;amount\n", unicode=False)
    name, meta, payload = parse_package(native[4:]) or ("", {}, b"")
    assert (name, payload) == ("ledger.csv", b"account;amount\n") and "ole_label" not in meta
    path = write(tmp_path, "o.bin", cfb({"\x01Ole10Native": native}))
    _, children = run_extractor(OleObjectExtractor, path, ctx)
    assert [c.name for c in children] == ["ledger.csv"]


def test_native_data_that_is_not_a_package_is_given_whole(tmp_path: Path, ctx: Context) -> None:
    bmp = b"BM" + b"\x00" * 60  # OLE 1.0 Paintbrush objects keep a bitmap as native data
    native = len(bmp).to_bytes(4, "little") + bmp
    assert parse_package(bmp) is None
    path = write(tmp_path, "o.bin", cfb({"\x01Ole10Native": native}))
    _, children = run_extractor(OleObjectExtractor, path, ctx)
    assert [c.name for c in children] == ["Ole10Native.bmp"] and child_bytes(children[0]) == bmp


@pytest.mark.parametrize("cut", [3, 12, 40])
def test_a_cut_package_header_is_not_read_past_its_end(cut: int) -> None:
    native = ole10native("a.txt", "C:\\a.txt", SECRET)
    assert parse_package(native[4:4 + cut]) is None


def test_package_and_contents_streams_are_children(tmp_path: Path, ctx: Context) -> None:
    # a `Package` stream holds an OOXML file; `CONTENTS` another file (here a PDF's head)
    xlsx = tmp_path / "t.xlsx"
    with zipfile.ZipFile(xlsx, "w") as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("xl/workbook.xml", "<workbook/>")
    pdf = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n" + b"0" * 100
    obj = cfb({"\x01CompObj": compobj("Microsoft Excel Worksheet", "Excel.Sheet.12"), "Package": xlsx.read_bytes(),
               "CONTENTS": pdf})
    path = write(tmp_path, "o.bin", obj)
    doc, children = run_extractor(OleObjectExtractor, path, ctx)
    assert [c.name for c in children] == ["Package.xlsx", "CONTENTS.pdf"]
    assert child_bytes(children[0]).startswith(xlsx.read_bytes()[:30])
    # libmagic calls some packages plain zips: the hint lets the OOXML reader have them
    assert children[0].mime_hint == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert doc.metadata["ole_prog_id"] == "Excel.Sheet.12"


def test_empty_payload_streams_are_not_children(tmp_path: Path, ctx: Context) -> None:
    # LibreOffice stores an empty CONTENTS beside the packaged file of the objects it writes
    obj = cfb({"\x01Ole10Native": ole10native("a.txt", "C:\\a.txt", SECRET), "CONTENTS": b""})
    _, children = run_extractor(OleObjectExtractor, write(tmp_path, "o.bin", obj), ctx)
    assert [c.name for c in children] == ["a.txt"]
    with pytest.raises(Skipped) as e:
        run_extractor(OleObjectExtractor, write(tmp_path, "e.bin", cfb({"CONTENTS": b"", "\x03ObjInfo": b"\x00" * 6})), ctx)
    assert e.value.reason == "empty OLE object: streams CONTENTS, ObjInfo"
    # an empty CONTENTS beside a stream of another kind: that kind is what is not read
    obj = cfb({"\x01CompObj": compobj("Microsoft Equation 3.0", "Equation.3"), "Equation Native": b"\x1c" * 300,
               "contents": b""})
    with pytest.raises(Skipped) as e:
        run_extractor(OleObjectExtractor, write(tmp_path, "q.bin", obj), ctx)
    assert e.value.reason == "unsupported OLE object Equation.3: streams CompObj, Equation Native, contents"


def test_a_compound_file_named_like_a_legacy_office_file_is_left_to_libreoffice(tmp_path: Path) -> None:
    # Microsoft Works documents are compound files libmagic does not name; LibreOffice reads them
    path = write(tmp_path, "letter.wps", cfb({"MM": b"\x00" * 64, "MN0": b"text " * 50}))
    assert choose(probe(path, "letter.wps")) is LegacyOfficeExtractor
    assert choose(probe(path, "embeddings/Object 3")) is OleObjectExtractor


def test_an_object_without_a_known_payload_is_skipped_naming_its_streams(tmp_path: Path, ctx: Context) -> None:
    obj = cfb({"\x01CompObj": compobj("Microsoft Equation 3.0", "Equation.3"), "Equation Native": b"\x1c" * 300,
               "\x03ObjInfo": b"\x00" * 6})
    path = write(tmp_path, "o.bin", obj)
    with pytest.raises(Skipped) as e:
        run_extractor(OleObjectExtractor, path, ctx)
    assert e.value.reason == "unsupported OLE object Equation.3: streams CompObj, Equation Native, ObjInfo"


def test_a_damaged_compound_file_fails_with_a_reason_and_no_path(tmp_path: Path, ctx: Context) -> None:
    obj = cfb({"\x01Ole10Native": ole10native("a.txt", "C:\\a.txt", SECRET)})
    path = write(tmp_path, "o.bin", obj[:700])
    with pytest.raises(ExtractionError) as e:
        run_extractor(OleObjectExtractor, path, ctx)
    assert e.value.reason.startswith("unreadable OLE file") and str(tmp_path) not in e.value.reason


# -- real embedded objects ------------------------------------------------------------------

def _member(tmp_path: Path, container: str, member: str) -> Path:
    """One embedded object of a Tika test document, copied out (the corpus stays read-only)."""
    src = corpus_path("docs-tika-test-documents") / MS / container
    with zipfile.ZipFile(src) as z:
        return write(tmp_path, member.rsplit("/", 1)[-1], z.read(member))


@pytest.mark.parametrize(("container", "member", "child", "head"), [
    ("testWORD_EMFAndAttachments.docx", "word/embeddings/oleObject1.bin", "TestText.txt", b"This is Text File"),
    ("testWORD_EMFAndAttachments.docx", "word/embeddings/oleObject2.bin", "CONTENTS.pdf", b"%PDF-"),
    ("testWORD_2006ml.docx", "word/embeddings/oleObject1.bin", "testJPEG_EXIF.jpg", b"\xff\xd8\xff"),
    ("test_embedded_zip.pptx", "ppt/embeddings/oleObject1.bin", "SendSignal64.zip", b"PK\x03\x04"),
    ("EmbeddedOutlook.docx", "word/embeddings/oleObject1.bin", "licensedTestMsgwAtt.msg", b"\xd0\xcf\x11\xe0"),
])
def test_real_embedded_objects_give_their_payload(tmp_path: Path, ctx: Context, container: str, member: str,
                                                  child: str, head: bytes) -> None:
    path = _member(tmp_path, container, member)
    # chosen as the pipeline chooses: the embedded .msg's own streams must not draw the Outlook reader
    assert choose(probe(path, f"{container}!/{member}")) is OleObjectExtractor
    _, children = run_extractor(OleObjectExtractor, path, ctx)
    assert [c.name for c in children] == [child]
    assert child_bytes(children[0]).startswith(head)


def test_an_excel_table_embedded_in_a_presentation_is_read(tmp_path: Path, ctx: Context) -> None:
    path = _member(tmp_path, "testPPT_oleWorkbook.pptx", "ppt/embeddings/oleObject1.bin")
    _, children = run_extractor(OleObjectExtractor, path, ctx)
    assert [c.name for c in children] == ["Package.xlsx"]
    table = write(tmp_path, "Package.xlsx", child_bytes(children[0]))
    sheet, _ = run_extractor(OoxmlExtractor, table, ctx)
    assert sheet.kind == "spreadsheet" and "Sheet1" in [s.attrs.get("name") for s in sheet.segments]
    assert len(sheet.text.split()) >= 3


def test_a_legacy_workbook_object_goes_to_the_legacy_office_reader(tmp_path: Path, ctx: Context) -> None:
    if not shutil.which("soffice"):
        if IN_CI:
            pytest.fail("soffice missing (required under CI=true)")
        pytest.skip("soffice not installed")
    path = _member(tmp_path, "testWPSAttachment.docx", "word/embeddings/oleObject4.bin")
    doc, _ = run_extractor(OleObjectExtractor, path, ctx)
    assert doc.kind in ("document", "spreadsheet", "presentation") and doc.text.strip()
    assert doc.metadata["converted_with"].startswith("LibreOffice")
