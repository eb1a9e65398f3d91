"""XPS, Visio and Office-theme packages: Visio drawings and themes built here, XPS from the Tika
test documents (an XPS page needs an embedded font to hold text: the corpus has real ones)."""

from __future__ import annotations

import zipfile
from dataclasses import replace
from pathlib import Path

import pytest

from faisceau.exc import ExtractionError, LimitExceeded, Skipped
from faisceau.extract.base import Context, choose
from faisceau.extract.documents.ooxml import OoxmlExtractor
from faisceau.extract.documents.opc import THEME_REASON, OpcExtractor
from faisceau.extract.identify import probe
from tests.conftest import child_bytes, corpus_path, run_extractor

MS = "tika-parser-microsoft-module/src/test/resources/test-documents"
PKG = "http://schemas.openxmlformats.org/package/2006/relationships"
V = "http://schemas.microsoft.com/visio/2010/relationships"
MAIN = "http://schemas.microsoft.com/office/visio/2012/main"
R = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
CT = ('<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
      '<Override PartName="/visio/document.xml" ContentType="application/vnd.ms-visio.drawing.main+xml"/></Types>')


def rels(*items: tuple[str, str, str]) -> str:
    body = "".join(f'<Relationship Id="{i}" Type="{t}" Target="{target}"/>' for i, t, target in items)
    return f'<Relationships xmlns="{PKG}">{body}</Relationships>'


def page(*shapes: str) -> str:
    body = "".join(f"<Shape ID='{n}' Type='Shape'><Text>{s}</Text></Shape>" for n, s in enumerate(shapes, 1))
    return f"<PageContents xmlns='{MAIN}'><Shapes>{body}</Shapes></PageContents>"


def visio(path: Path, pages: dict[str, tuple[str, bool]], extra: dict[str, bytes] | None = None) -> Path:
    """A Visio 2013 package: one page part per entry (name → (page XML, background?))."""
    background = " Background='1'"
    listing = "".join(f"<Page ID='{n}' Name='{name}'{background if bg else ''}><Rel r:id='rId{n}'/></Page>"
                      for n, (name, (_, bg)) in enumerate(pages.items(), 1))
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", CT)
        z.writestr("_rels/.rels", rels(("rId1", f"{V}/document", "visio/document.xml")))
        z.writestr("visio/document.xml", f"<VisioDocument xmlns='{MAIN}'/>")
        z.writestr("visio/_rels/document.xml.rels", rels(("rId1", f"{V}/pages", "pages/pages.xml")))
        z.writestr("visio/pages/pages.xml", f"<Pages xmlns='{MAIN}' xmlns:r='{R}'>{listing}</Pages>")
        z.writestr("visio/pages/_rels/pages.xml.rels",
                   rels(*((f"rId{n}", f"{V}/page", f"page{n}.xml") for n in range(1, len(pages) + 1))))
        for n, (xml, _) in enumerate(pages.values(), 1):
            z.writestr(f"visio/pages/page{n}.xml", xml)
        for name, data in (extra or {}).items():
            z.writestr(name, data)
    return path


def test_visio_shape_text_page_by_page(tmp_path: Path, ctx: Context) -> None:
    path = visio(tmp_path / "org.vsdx", {
        "Organigramme": (page("Directeur financier", "Comptes <cp IX='0'/>offshore<fld IX='0'>42</fld> Jersey"), False),
        "Fond": (page("CONFIDENTIEL"), True),
    }, {"visio/media/image1.png": b"\x89PNG\r\n\x1a\nfake"})
    assert choose(probe(path, "org.vsdx")) is OpcExtractor
    doc, children = run_extractor(OpcExtractor, path, ctx)
    segs = [(s.part, s.attrs.get("name"), doc.text[s.start:s.end]) for s in doc.segments]
    assert segs == [("page", "Organigramme", "Directeur financier\nComptes offshore42 Jersey"),
                    ("background-page", "Fond", "CONFIDENTIEL")]
    assert doc.mime == "application/vnd.ms-visio.drawing.main+xml" and doc.metadata["page_count"] == 2
    assert [c.name for c in children] == ["media/image1.png"] and child_bytes(children[0]).startswith(b"\x89PNG")


def test_a_visio_package_without_a_telling_name_is_read_by_the_ooxml_route(tmp_path: Path, ctx: Context) -> None:
    path = visio(tmp_path / "m0000012", {"P": (page("Réunion du 3 mars"), False)})
    assert choose(probe(path, "m0000012")) is OoxmlExtractor  # [Content_Types].xml first: an OPC package
    doc, _ = run_extractor(OoxmlExtractor, path, ctx)
    assert doc.text == "Réunion du 3 mars" and doc.mime == "application/vnd.ms-visio.drawing.main+xml"


def test_a_word_file_named_like_a_drawing_is_read_as_word(tmp_path: Path, ctx: Context) -> None:
    path = tmp_path / "plan.vsdx"
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("word/document.xml", '<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
                   "<w:body><w:p><w:r><w:t>Procès-verbal</w:t></w:r></w:p></w:body></w:document>")
    doc, _ = run_extractor(OpcExtractor, path, ctx)
    assert doc.text == "Procès-verbal" and doc.kind == "document"


def test_visio_entities_are_refused(tmp_path: Path, ctx: Context) -> None:
    bomb = ('<?xml version="1.0"?><!DOCTYPE p [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;">]>'
            f"<PageContents xmlns='{MAIN}'><Shapes><Shape><Text>&b;</Text></Shape></Shapes></PageContents>")
    path = visio(tmp_path / "bomb.vsdx", {"P": (bomb, False)})
    with pytest.raises(ExtractionError, match="entity"):
        run_extractor(OpcExtractor, path, ctx)


def test_an_office_theme_is_skipped_not_failed(tmp_path: Path, ctx: Context) -> None:
    path = tmp_path / "Facet.thmx"
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("_rels/.rels", rels(("rId1", f"{R}/officeDocument", "theme/theme/themeManager.xml")))
        z.writestr("theme/theme/themeManager.xml", "<themeManager/>")
    for cls in (OpcExtractor, OoxmlExtractor):  # by name, or reached as an unnamed OOXML package
        with pytest.raises(Skipped) as e:
            run_extractor(cls, path, ctx)
        assert e.value.reason == THEME_REASON


def test_an_xps_zip_bomb_is_refused_before_mupdf_inflates_it(tmp_path: Path, ctx: Context) -> None:
    path = tmp_path / "bomb.xps"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("_rels/.rels", rels(("rId1", "http://schemas.microsoft.com/xps/2005/06/fixedrepresentation",
                                        "FixedDocSeq.fdseq")))
        z.writestr("FixedDocSeq.fdseq", "<FixedDocumentSequence/>")
        z.writestr("Resources/padding.bin", b"\x00" * (8 << 20))
    small = replace(ctx, settings=replace(ctx.settings, max_ratio=100, ratio_min_size=1 << 20))
    with pytest.raises(LimitExceeded, match="zip bomb"):
        run_extractor(OpcExtractor, path, small)


@pytest.mark.parametrize(("name", "words", "pages"), [
    ("testXPSWithDataDescriptor.xps", "This is my XPS document test.", 1),
    ("testPPT.xps", "Different words to test against", 3),
    ("testXPS_various.xps", "The البني fox", 1),
])
def test_real_xps_documents_give_text_per_page(tmp_path: Path, ctx: Context, name: str, words: str,
                                               pages: int) -> None:
    src = corpus_path("docs-tika-test-documents") / MS / name
    path = tmp_path / name
    path.write_bytes(src.read_bytes())
    assert choose(probe(path, name)) is OpcExtractor
    doc, _ = run_extractor(OpcExtractor, path, ctx)
    assert words in doc.text and len(doc.pages) == pages
    assert doc.mime == "application/vnd.ms-xpsdocument" and doc.kind == "document"


def test_real_visio_files_give_their_shape_text(tmp_path: Path, ctx: Context) -> None:
    root = corpus_path("docs-tika-test-documents") / MS
    for name in ("testVISIO.vsdx", "testVISIO.vsdm", "testVISIO.vssx", "testVISIO.vstx"):
        path = tmp_path / name
        path.write_bytes((root / name).read_bytes())
        doc, _ = run_extractor(OpcExtractor, path, ctx)
        assert "This is a test." in doc.text and "Nothing fancy." in doc.text, name
