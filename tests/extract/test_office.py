"""Office extractors (OOXML, ODF, legacy via LibreOffice) on files the tests build themselves."""

from __future__ import annotations

import datetime as dt
import io
import shutil
import subprocess
import zipfile
from pathlib import Path

import pytest

from faisceau import settings as settings_mod
from faisceau.exc import EncryptedDocument, ExtractionError, LimitExceeded, Truncated
from faisceau.extract.base import Context, Probe
from faisceau.extract.documents.legacy_office import LegacyOfficeExtractor
from faisceau.extract.documents.odf import OdfExtractor
from faisceau.extract.documents.ooxml import OoxmlExtractor
from faisceau.model import Extracted
from tests.conftest import IN_CI, child_bytes, run_extractor

W = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'
R = 'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"'
PKG_RELS = "http://schemas.openxmlformats.org/package/2006/relationships"
DOC_RELS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PNG = bytes.fromhex("89504e470d0a1a0a0000000d4948445200000001000000010806000000"
                    "1f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082")


def parts(doc: Extracted, part: str) -> list[str]:
    """Texts of the segments of one part."""
    return [doc.text[s.start:s.end] for s in doc.segments if s.part == part]


def seg(doc: Extracted, part: str) -> list[dict[str, object]]:
    """Attributes of the segments of one part."""
    return [s.attrs for s in doc.segments if s.part == part]


def write_zip(path: Path, members: dict[str, str | bytes], stored_first: str | None = None) -> Path:
    """A zip with the given members (text as UTF-8); `stored_first` is written first, uncompressed."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        if stored_first:
            z.writestr(zipfile.ZipInfo(stored_first), members[stored_first], zipfile.ZIP_STORED)
        for name, data in members.items():
            if name != stored_first:
                z.writestr(name, data)
    return path


def rels(*items: tuple[str, str, str]) -> str:
    body = "".join(f'<Relationship Id="{i}" Type="{DOC_RELS}/{t}" Target="{target}"/>' for i, t, target in items)
    return f'<?xml version="1.0"?><Relationships xmlns="{PKG_RELS}">{body}</Relationships>'


def content_types(*overrides: tuple[str, str]) -> str:
    body = "".join(f'<Override PartName="/{p}" ContentType="application/vnd.openxmlformats-officedocument.{t}+xml"/>'
                   for p, t in overrides)
    return ('<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            f'<Default Extension="png" ContentType="image/png"/>{body}</Types>')


DOCUMENT = f"""<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<w:document {W} {R}><w:body>
<w:p><w:r><w:t xml:space="preserve">Le rapport </w:t></w:r><w:ins w:id="1" w:author="Alice" w:date="2024-03-01T10:00:00Z">
<w:r><w:t>confidentiel</w:t></w:r></w:ins><w:del w:id="2" w:author="Bob" w:date="2024-03-02T11:00:00Z">
<w:r><w:delText>supprimé</w:delText></w:r></w:del><w:r><w:t xml:space="preserve"> est prêt.</w:t></w:r>
<w:commentRangeStart w:id="0"/><w:r><w:t xml:space="preserve"> Voir.</w:t></w:r><w:commentRangeEnd w:id="0"/>
<w:r><w:commentReference w:id="0"/></w:r><w:r><w:rPr><w:vanish/></w:rPr><w:t>texte caché</w:t></w:r>
<w:r><w:footnoteReference w:id="1"/></w:r></w:p>
<w:tbl><w:tr><w:tc><w:p><w:r><w:t>A1</w:t></w:r></w:p></w:tc><w:tc><w:p><w:r><w:t>B1</w:t></w:r></w:p></w:tc></w:tr></w:tbl>
<w:p><w:r><w:instrText>HYPERLINK "http://example.org"</w:instrText></w:r><w:r><w:t>lien</w:t></w:r></w:p>
<w:sectPr><w:headerReference w:type="default" r:id="rId2"/><w:footerReference w:type="default" r:id="rId3"/>
</w:sectPr></w:body></w:document>"""


def make_docx(path: Path, document: str = DOCUMENT) -> Path:
    """A docx written by hand: comment, tracked changes, header/footer, hidden text, footnote, image."""
    return write_zip(path, {
        "[Content_Types].xml": content_types(("word/document.xml", "wordprocessingml.document.main"),
                                             ("word/comments.xml", "wordprocessingml.comments"),
                                             ("word/header1.xml", "wordprocessingml.header"),
                                             ("word/footer1.xml", "wordprocessingml.footer"),
                                             ("word/footnotes.xml", "wordprocessingml.footnotes")),
        "_rels/.rels": rels(("rId1", "officeDocument", "word/document.xml"), ("rId2", "metadata/core-properties",
                                                                               "docProps/core.xml")),
        "word/_rels/document.xml.rels": rels(("rId5", "image", "media/image1.png"), ("rId2", "header", "header1.xml"),
                                             ("rId3", "footer", "footer1.xml"), ("rId4", "comments", "comments.xml"),
                                             ("rId6", "footnotes", "footnotes.xml")),
        "word/document.xml": document,
        "word/comments.xml": f'<w:comments {W}><w:comment w:id="0" w:author="Claire" w:date="2024-03-03T09:00:00Z">'
                             '<w:p><w:r><w:t>À vérifier</w:t></w:r></w:p></w:comment></w:comments>',
        "word/header1.xml": f"<w:hdr {W}><w:p><w:r><w:t>En-tête secret</w:t></w:r></w:p></w:hdr>",
        "word/footer1.xml": f"<w:ftr {W}><w:p><w:r><w:t>Pied de page</w:t></w:r></w:p></w:ftr>",
        "word/footnotes.xml": f'<w:footnotes {W}><w:footnote w:type="separator" w:id="-1"><w:p><w:r><w:separator/>'
                              '</w:r></w:p></w:footnote><w:footnote w:id="1"><w:p><w:r><w:t>Une note</w:t></w:r></w:p>'
                              "</w:footnote></w:footnotes>",
        "word/media/image1.png": PNG,
        "docProps/core.xml": '<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/'
                             'core-properties" xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl'
                             '.org/dc/terms/"><dc:title>Rapport</dc:title><dc:creator>Alice Martin</dc:creator>'
                             "<cp:lastModifiedBy>Bob</cp:lastModifiedBy><dcterms:created>2024-03-01T08:30:00+01:00"
                             "</dcterms:created><dc:language>fr-FR</dc:language></cp:coreProperties>",
        "docProps/app.xml": '<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/extended-'
                            'properties"><Application>Microsoft Office Word</Application><Pages>3</Pages>'
                            "<Words>12</Words></Properties>",
    })


def test_docx_parts(tmp_path: Path, extract) -> None:
    doc, children = extract(OoxmlExtractor, make_docx(tmp_path / "r.docx"))
    assert doc.kind == "document" and doc.mime.endswith("wordprocessingml.document")
    body = parts(doc, "body")[0]
    assert "Le rapport confidentiel est prêt. Voir." in body
    assert "supprimé" not in body and "texte caché" not in body and "HYPERLINK" not in body
    assert "A1\tB1" in body and "lien" in body
    assert parts(doc, "tracked-insertion") == ["confidentiel"]
    assert seg(doc, "tracked-insertion")[0]["author"] == "Alice"
    assert parts(doc, "tracked-deletion") == ["supprimé"]
    assert seg(doc, "tracked-deletion")[0] == {"author": "Bob", "date": "2024-03-02T11:00:00Z"}
    assert parts(doc, "hidden-text") == ["texte caché"]
    assert parts(doc, "comment") == ["À vérifier"] and seg(doc, "comment")[0]["author"] == "Claire"
    assert parts(doc, "header") == ["En-tête secret"] and parts(doc, "footer") == ["Pied de page"]
    assert parts(doc, "footnote") == ["Une note"]
    assert doc.metadata["title"] == "Rapport" and doc.metadata["author"] == "Alice Martin"
    assert doc.metadata["created"] == "2024-03-01T08:30:00+01:00"
    assert doc.metadata["language_declared"] == "fr-FR" and doc.metadata["page_count"] == 3
    assert doc.metadata["last_modified_by"] == "Bob" and doc.metadata["application"] == "Microsoft Office Word"
    assert [c.name for c in children] == ["media/image1.png"] and child_bytes(children[0]) == PNG


def test_xlsx_hidden_sheet_comment_and_values(tmp_path: Path, extract) -> None:
    import openpyxl
    from openpyxl.comments import Comment

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Comptes"
    ws.append(["Nom", "Montant", "Date"])
    ws.append(["Dupont", 1250.5, dt.date(2024, 3, 15)])
    ws["A2"].comment = Comment("payé en liquide", "Enquêteur")
    ws["E5"] = "colonne cachée"
    ws.column_dimensions["E"].hidden = True
    ws["A7"] = "ligne cachée"
    ws.row_dimensions[7].hidden = True
    hidden = wb.create_sheet("Secret")
    hidden["B3"] = "compte offshore"
    hidden.sheet_state = "hidden"
    path = tmp_path / "c.xlsx"
    wb.save(path)
    doc, _ = extract(OoxmlExtractor, path)
    assert doc.kind == "spreadsheet"
    sheet = parts(doc, "sheet")[0]
    assert sheet.splitlines()[:2] == ["Nom\tMontant\tDate", "Dupont\t1250.5\t2024-03-15"]
    assert "cachée" not in sheet
    assert seg(doc, "sheet") == [{"name": "Comptes"}]
    assert parts(doc, "hidden-sheet") == ["compte offshore"]
    assert seg(doc, "hidden-sheet")[0]["name"] == "Secret"
    # a sheet's hidden rows and columns make one segment
    assert parts(doc, "hidden-text") == ["colonne cachée\nligne cachée"]
    assert seg(doc, "hidden-text") == [{"sheet": "Comptes"}]
    assert parts(doc, "cell-comment") and "payé en liquide" in parts(doc, "cell-comment")[0]
    assert seg(doc, "cell-comment")[0]["cell"] == "A2" and seg(doc, "cell-comment")[0]["author"] == "Enquêteur"


def _slide(text: str, show: str = "") -> str:
    return (f'<p:sld xmlns:p="http://schemas.openxmlformats.org/presentationml/2006/main" xmlns:a="http://'
            f'schemas.openxmlformats.org/drawingml/2006/main"{show}><p:cSld><p:spTree><p:sp><p:txBody>'
            f"<a:p><a:r><a:t>{text}</a:t></a:r><a:br/><a:r><a:t>suite</a:t></a:r></a:p></p:txBody></p:sp>"
            "</p:spTree></p:cSld></p:sld>")


def make_pptx(path: Path) -> Path:
    """A pptx written by hand: two slides (the second hidden), notes on the first."""
    p = 'xmlns:p="http://schemas.openxmlformats.org/presentationml/2006/main"'
    a = 'xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main"'
    notes = (f'<p:notes {p} {a}><p:cSld><p:spTree>'
             '<p:sp><p:nvSpPr><p:nvPr><p:ph type="sldNum"/></p:nvPr></p:nvSpPr><p:txBody><a:p><a:fld><a:t>1</a:t>'
             '</a:fld></a:p></p:txBody></p:sp><p:sp><p:nvSpPr><p:nvPr><p:ph type="body" idx="1"/></p:nvPr>'
             "</p:nvSpPr><p:txBody><a:p><a:r><a:t>Ne pas dire au client</a:t></a:r></a:p></p:txBody></p:sp>"
             "</p:spTree></p:cSld></p:notes>")
    return write_zip(path, {
        "[Content_Types].xml": content_types(("ppt/presentation.xml", "presentationml.presentation.main")),
        "_rels/.rels": rels(("rId1", "officeDocument", "ppt/presentation.xml")),
        "ppt/presentation.xml": f"<p:presentation {p} {R}><p:sldIdLst><p:sldId id=\"257\" r:id=\"rId3\"/>"
                                '<p:sldId id="256" r:id="rId2"/></p:sldIdLst></p:presentation>',
        "ppt/_rels/presentation.xml.rels": rels(("rId2", "slide", "slides/slide1.xml"),
                                                ("rId3", "slide", "slides/slide2.xml")),
        "ppt/slides/slide1.xml": _slide("Diapositive secrète", ' show="0"'),
        "ppt/slides/slide2.xml": _slide("Première diapositive"),
        "ppt/slides/_rels/slide2.xml.rels": rels(("rId1", "notesSlide", "../notesSlides/notesSlide1.xml")),
        "ppt/notesSlides/notesSlide1.xml": notes,
    })


def test_pptx_slides_hidden_and_notes(tmp_path: Path, extract) -> None:
    doc, _ = extract(OoxmlExtractor, make_pptx(tmp_path / "p.pptx"))
    assert doc.kind == "presentation"
    # slide order comes from presentation.xml, not from the part names
    assert parts(doc, "slide") == ["Première diapositive\nsuite"] and seg(doc, "slide") == [{"number": 1}]
    assert parts(doc, "hidden-slide") == ["Diapositive secrète\nsuite"] and seg(doc, "hidden-slide") == [{"number": 2}]
    assert parts(doc, "speaker-notes") == ["Ne pas dire au client"]
    assert seg(doc, "speaker-notes") == [{"slide": 1}]


ODF_NS = ('xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
          'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" '
          'xmlns:style="urn:oasis:names:tc:opendocument:xmlns:style:1.0" '
          'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
          'xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:meta="urn:oasis:names:tc:opendocument:xmlns:meta:1.0"')
ODT_CONTENT = f"""<?xml version="1.0" encoding="UTF-8"?>
<office:document-content {ODF_NS} office:version="1.2">
<office:automatic-styles><style:style style:name="T1" style:family="text"><style:text-properties text:display="none"/>
</style:style></office:automatic-styles>
<office:body><office:text>
<text:tracked-changes><text:changed-region text:id="ct1"><text:insertion><office:change-info>
<dc:creator>Alice</dc:creator><dc:date>2024-03-01T10:00:00</dc:date></office:change-info></text:insertion>
</text:changed-region><text:changed-region text:id="ct2"><text:deletion><office:change-info><dc:creator>Bob</dc:creator>
<dc:date>2024-03-02T10:00:00</dc:date></office:change-info><text:p>ancien texte</text:p></text:deletion>
</text:changed-region></text:tracked-changes>
<text:p>Bonjour<text:s text:c="3"/>le <text:change-start text:change-id="ct1"/>nouveau<text:change-end text:change-id="ct1"/>
monde<text:change text:change-id="ct2"/>.<office:annotation><dc:creator>Claire</dc:creator><dc:date>2024-03-03T09:00:00
</dc:date><text:p>Source ?</text:p></office:annotation><text:span text:style-name="T1">invisible</text:span><text:note
 text:note-class="footnote"><text:note-citation>1</text:note-citation><text:note-body><text:p>Note de bas</text:p>
</text:note-body></text:note></text:p>
<text:section text:name="S1" text:display="none"><text:p>Section masquée</text:p></text:section>
<table:table table:name="T"><table:table-row><table:table-cell><text:p>x1</text:p></table:table-cell>
<table:table-cell><text:p>y1</text:p></table:table-cell></table:table-row></table:table>
</office:text></office:body></office:document-content>"""


def make_odt(path: Path, content: str = ODT_CONTENT, manifest_extra: str = "") -> Path:
    """An odt written by hand: mimetype first and stored, content, styles (header), meta."""
    manifest = ('<manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0">'
                '<manifest:file-entry manifest:full-path="/" manifest:media-type="application/vnd.oasis.'
                f'opendocument.text"/><manifest:file-entry manifest:full-path="content.xml" manifest:media-type='
                f'"text/xml">{manifest_extra}</manifest:file-entry></manifest:manifest>')
    return write_zip(path, {
        "mimetype": "application/vnd.oasis.opendocument.text",
        "content.xml": content,
        "styles.xml": f"<office:document-styles {ODF_NS}><office:master-styles><style:master-page style:name="
                      '"Standard"><style:header><text:p>Diffusion restreinte</text:p></style:header>'
                      "<style:footer><text:p>Page <text:page-number>1</text:page-number></text:p></style:footer>"
                      "</style:master-page></office:master-styles></office:document-styles>",
        "meta.xml": f"<office:document-meta {ODF_NS}><office:meta><dc:title>Note</dc:title><meta:initial-creator>"
                    "Alice</meta:initial-creator><dc:creator>Bob</dc:creator><meta:creation-date>2024-03-01T08:00:00"
                    "</meta:creation-date><dc:language>fr-FR</dc:language><meta:document-statistic meta:page-count="
                    '"2" meta:word-count="9"/></office:meta></office:document-meta>',
        "META-INF/manifest.xml": manifest,
        "Pictures/photo.png": PNG,
    }, stored_first="mimetype")


def test_odt_parts(tmp_path: Path, extract) -> None:
    doc, children = extract(OdfExtractor, make_odt(tmp_path / "n.odt"))
    assert doc.kind == "document" and doc.mime == "application/vnd.oasis.opendocument.text"
    body = parts(doc, "body")[0]
    assert body.startswith("Bonjour   le nouveau monde.")
    assert "invisible" not in body and "Section masquée" not in body and "ancien" not in body
    assert "Source" not in body and "Note de bas" not in body and "x1\ty1" in body
    assert parts(doc, "comment") == ["Source ?"] and seg(doc, "comment")[0]["author"] == "Claire"
    assert parts(doc, "tracked-insertion") == ["nouveau"] and seg(doc, "tracked-insertion")[0]["author"] == "Alice"
    assert parts(doc, "tracked-deletion") == ["ancien texte"] and seg(doc, "tracked-deletion")[0]["author"] == "Bob"
    assert sorted(parts(doc, "hidden-text")) == ["Section masquée", "invisible"]
    assert parts(doc, "footnote") == ["Note de bas"]
    assert parts(doc, "header") == ["Diffusion restreinte"]
    assert doc.metadata["author"] == "Alice" and doc.metadata["last_modified_by"] == "Bob"
    assert doc.metadata["created"] == "2024-03-01T08:00:00" and doc.metadata["page_count"] == 2
    assert doc.metadata["title"] == "Note" and doc.metadata["language_declared"] == "fr-FR"
    assert [c.name for c in children] == ["media/photo.png"]


def test_ods_hidden_table_row_and_comment(tmp_path: Path, extract) -> None:
    content = f"""<office:document-content {ODF_NS}><office:automatic-styles>
<style:style style:name="ta2" style:family="table"><style:table-properties table:display="false"/></style:style>
</office:automatic-styles><office:body><office:spreadsheet>
<table:table table:name="Visible"><table:table-column table:number-columns-repeated="2"/>
<table:table-column table:visibility="collapse"/>
<table:table-row><table:table-cell><text:p>nom</text:p></table:table-cell><table:table-cell office:value-type="float"
 office:value="3"><text:p>3</text:p><office:annotation><dc:creator>Eve</dc:creator><text:p>douteux</text:p>
</office:annotation></table:table-cell><table:table-cell><text:p>col cachée</text:p></table:table-cell></table:table-row>
<table:table-row table:visibility="collapse"><table:table-cell><text:p>rangée cachée</text:p></table:table-cell>
</table:table-row><table:table-row table:number-rows-repeated="1048570"><table:table-cell
 table:number-columns-repeated="1024"/></table:table-row></table:table>
<table:table table:name="Cachée" table:style-name="ta2"><table:table-row><table:table-cell><text:p>secret</text:p>
</table:table-cell></table:table-row></table:table></office:spreadsheet></office:body></office:document-content>"""
    path = write_zip(tmp_path / "s.ods", {"mimetype": "application/vnd.oasis.opendocument.spreadsheet",
                                          "content.xml": content}, stored_first="mimetype")
    doc, _ = extract(OdfExtractor, path)
    assert doc.kind == "spreadsheet"
    assert parts(doc, "sheet") == ["nom\t3"] and seg(doc, "sheet") == [{"name": "Visible"}]
    assert parts(doc, "hidden-sheet") == ["secret"] and seg(doc, "hidden-sheet") == [{"name": "Cachée"}]
    assert parts(doc, "hidden-text") == ["col cachée\nrangée cachée"]
    assert parts(doc, "cell-comment") == ["douteux"]
    assert seg(doc, "cell-comment")[0] == {"sheet": "Visible", "cell": "B1", "author": "Eve"}


def test_xml_bomb_refused(tmp_path: Path, extract) -> None:
    bomb = ('<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;">'
            '<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;">]>'
            f"<w:document {W}><w:body><w:p><w:r><w:t>&lol3;</w:t></w:r></w:p></w:body></w:document>")
    with pytest.raises(ExtractionError, match="XML entity expansion refused in word/document.xml"):
        extract(OoxmlExtractor, make_docx(tmp_path / "bomb.docx", bomb))
    content = ODT_CONTENT.replace("<office:document-content", '<!DOCTYPE x [<!ENTITY e SYSTEM "/etc/passwd">]>'
                                  "<office:document-content", 1).replace("Bonjour", "&e;")
    with pytest.raises(ExtractionError, match="XML entity expansion refused in content.xml"):
        extract(OdfExtractor, make_odt(tmp_path / "x.odt", content))


def test_zip_bomb_part_refused(tmp_path: Path) -> None:
    body = "<w:p><w:r><w:t>" + "a" * (3 << 20) + "</w:t></w:r></w:p>"
    path = make_docx(tmp_path / "z.docx", f"<w:document {W}><w:body>{body}</w:body></w:document>")
    strict = settings_mod.load(environ={}, overrides={"ratio_min_size": 1 << 20, "max_ratio": 50})
    (tmp_path / "s").mkdir()
    with pytest.raises(LimitExceeded, match=r"zip bomb: expansion ratio 1:\d+ over limit 1:50"):
        run_extractor(OoxmlExtractor, path, Context(settings=strict, scratch=tmp_path / "s"))


def test_broken_inputs(tmp_path: Path, extract) -> None:
    data = make_docx(tmp_path / "ok.docx").read_bytes()
    (tmp_path / "cut.docx").write_bytes(data[: len(data) // 2])
    with pytest.raises(Truncated, match="truncated"):
        extract(OoxmlExtractor, tmp_path / "cut.docx")
    (tmp_path / "junk.docx").write_bytes(b"this is not a zip at all" * 10)
    with pytest.raises(ExtractionError, match="not a zip file"):
        extract(OoxmlExtractor, tmp_path / "junk.docx")
    write_zip(tmp_path / "other.docx", {"readme.txt": "hello"})
    with pytest.raises(ExtractionError, match="not an OOXML package"):
        extract(OoxmlExtractor, tmp_path / "other.docx")
    # a member whose bytes were damaged after writing: the CRC check catches it
    bad = bytearray(data)
    at = bytes(bad).find(b"word/document.xml") + len("word/document.xml") + 10
    bad[at:at + 40] = b"\x00" * 40
    (tmp_path / "crc.docx").write_bytes(bytes(bad))
    with pytest.raises(ExtractionError, match="word/document.xml"):
        extract(OoxmlExtractor, tmp_path / "crc.docx")
    deep = f"<w:document {W}><w:body>" + "<w:sdt>" * 5000 + "</w:sdt>" * 5000 + "</w:body></w:document>"
    with pytest.raises(ExtractionError, match="nesting too deep"):
        extract(OoxmlExtractor, make_docx(tmp_path / "deep.docx", deep))


def test_empty_file(tmp_path: Path, extract) -> None:
    (tmp_path / "e.docx").write_bytes(b"")
    for cls in (OoxmlExtractor, OdfExtractor, LegacyOfficeExtractor):
        with pytest.raises(ExtractionError, match="empty file"):
            extract(cls, tmp_path / "e.docx")


def test_encrypted_ooxml(tmp_path: Path, ctx: Context) -> None:
    from msoffcrypto.format.ooxml import OOXMLFile

    plain = make_docx(tmp_path / "plain.docx")
    out = io.BytesIO()
    # msoffcrypto 6.1 cannot decrypt what it encrypted under 4 KB: pad with a zip comment
    with zipfile.ZipFile(plain, "a") as z:
        z.comment = b"x" * 4096
    with open(plain, "rb") as f:
        OOXMLFile(f).encrypt("s3cret", out)
    locked = tmp_path / "locked.docx"
    locked.write_bytes(out.getvalue())
    with pytest.raises(EncryptedDocument, match="encrypted"):
        run_extractor(OoxmlExtractor, locked, ctx)
    ctx.passwords = ["wrong", "s3cret"]
    doc, children = run_extractor(OoxmlExtractor, locked, ctx)
    assert "Le rapport confidentiel est prêt." in parts(doc, "body")[0]
    assert doc.metadata["encrypted"] is True and "decrypted" in doc.flags and len(children) == 1


def test_encrypted_odf(tmp_path: Path, extract) -> None:
    entry = ('<manifest:encryption-data manifest:checksum-type="SHA1/1K" manifest:checksum="AAAA">'
             '<manifest:algorithm manifest:algorithm-name="Blowfish CFB" manifest:initialisation-vector="AAAA"/>'
             "</manifest:encryption-data>")
    with pytest.raises(EncryptedDocument, match="^encrypted$"):
        extract(OdfExtractor, make_odt(tmp_path / "enc.odt", manifest_extra=entry))


def test_match_wins_over_zip(tmp_path: Path) -> None:
    docx = make_docx(tmp_path / "r.docx")
    odt = make_odt(tmp_path / "n.odt")
    # a nameless blob that libmagic only calls a zip: the zip extractor would score 10 + 10
    assert OoxmlExtractor.match(Probe("blob", "application/zip", docx.read_bytes()[:8192], 1)) > 20
    assert OdfExtractor.match(Probe("blob", "application/zip", odt.read_bytes()[:8192], 1)) > 20
    assert OoxmlExtractor.match(Probe("x.zip", "application/zip", odt.read_bytes()[:8192], 1)) == 0
    assert LegacyOfficeExtractor.match(Probe("a.doc", "application/msword", b"", 1)) >= 20


@pytest.fixture(scope="module")
def legacy_files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The hand-written docx converted by LibreOffice to real .doc and .rtf files."""
    soffice = shutil.which("soffice")
    if not soffice:
        if IN_CI:
            pytest.fail("soffice missing (required under CI=true)")
        pytest.skip("soffice not installed")
    work = tmp_path_factory.mktemp("legacy")
    src = make_docx(work / "source.docx")
    out = {}
    for fmt in ("doc", "rtf"):
        subprocess.run([soffice, "--headless", "--norestore", f"-env:UserInstallation={(work / fmt).as_uri()}",
                        "--convert-to", fmt, "--outdir", str(work), str(src)], capture_output=True, timeout=120,
                       check=True)
        out[fmt] = work / f"source.{fmt}"
        assert out[fmt].is_file()
    return out


@pytest.mark.parametrize("fmt", ["doc", "rtf"])
def test_legacy_via_libreoffice(legacy_files: dict[str, Path], fmt: str, extract) -> None:
    doc, _ = extract(LegacyOfficeExtractor, legacy_files[fmt])
    assert doc.kind == "document"
    assert doc.mime == {"doc": "application/msword", "rtf": "application/rtf"}[fmt]
    assert "Le rapport confidentiel est prêt." in parts(doc, "body")[0]
    assert parts(doc, "comment") == ["À vérifier"]
    assert "texte caché" in parts(doc, "hidden-text")
    assert parts(doc, "footnote") == ["Une note"]
    assert parts(doc, "header") == ["En-tête secret"]
    assert doc.metadata["converted_with"].startswith("LibreOffice ")
    if fmt == "doc":
        assert parts(doc, "tracked-deletion") == ["supprimé"]
        assert doc.metadata["title"] == "Rapport" and doc.metadata["author"] == "Alice Martin"


def test_legacy_named_docx_and_corrupt(tmp_path: Path, legacy_files: dict[str, Path], extract) -> None:
    # an old .doc saved under a .docx name goes the LibreOffice way
    shutil.copy(legacy_files["doc"], tmp_path / "old.docx")
    doc, _ = extract(OoxmlExtractor, tmp_path / "old.docx")
    assert "Le rapport confidentiel" in doc.text and doc.mime == "application/msword"
    data = legacy_files["doc"].read_bytes()
    (tmp_path / "cut.doc").write_bytes(data[:1536])
    for name in ("cut.doc",):
        with pytest.raises(ExtractionError, match="libreoffice conversion failed|OLE"):
            extract(LegacyOfficeExtractor, tmp_path / name)
