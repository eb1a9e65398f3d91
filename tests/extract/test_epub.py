from __future__ import annotations

import zipfile
from pathlib import Path

import pytest
from conftest import run_extractor

from faisceau.exc import ExtractionError
from faisceau.extract.base import Context, choose
from faisceau.extract.documents.epub import EpubExtractor
from faisceau.extract.identify import probe

OPF = """<?xml version="1.0"?>
<package xmlns="http://www.idpf.org/2007/opf" version="3.0">
 <metadata xmlns:dc="http://purl.org/dc/elements/1.1/">
  <dc:title>Carnet de bord</dc:title><dc:creator>Anne Exemple</dc:creator><dc:language>fr</dc:language>
  <dc:date>2020-03-10</dc:date>
 </metadata>
 <manifest>
  <item id="c2" href="text/two.xhtml" media-type="application/xhtml+xml"/>
  <item id="c1" href="text/one.xhtml" media-type="application/xhtml+xml"/>
  <item id="img" href="img/cover.png" media-type="image/png"/>
 </manifest>
 <spine><itemref idref="c1"/><itemref idref="c2"/></spine>
</package>"""
CHAPTER = "<html><head><title>t</title><script>alert('x')</script></head><body><p>{}</p></body></html>"


def make_epub(path: Path, opf: str = OPF) -> Path:
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("mimetype", "application/epub+zip", compress_type=zipfile.ZIP_STORED)
        z.writestr("META-INF/container.xml",
                   '<container xmlns="urn:oasis:names:tc:opendocument:xmlns:container"><rootfiles>'
                   '<rootfile full-path="OEBPS/book.opf" media-type="application/oebps-package+xml"/>'
                   "</rootfiles></container>")
        z.writestr("OEBPS/book.opf", opf)
        z.writestr("OEBPS/text/one.xhtml", CHAPTER.format("Premier chapitre : la réunion d’Amiens."))
        z.writestr("OEBPS/text/two.xhtml", CHAPTER.format("Second chapter: the report."))
        z.writestr("OEBPS/img/cover.png", b"\x89PNG\r\n\x1a\n" + b"\x00" * 64)
    return path


def test_chapters_in_spine_order_with_metadata_and_images(tmp_path: Path, ctx: Context) -> None:
    path = make_epub(tmp_path / "book.epub")
    assert choose(probe(path, "book.epub")) is EpubExtractor
    doc, children = run_extractor(EpubExtractor, path, ctx)
    assert doc.text.index("Premier chapitre") < doc.text.index("Second chapter")
    assert "alert" not in doc.text
    assert [s.part for s in doc.segments] == ["chapter", "chapter"]
    assert doc.metadata["title"] == "Carnet de bord" and doc.metadata["author"] == "Anne Exemple"
    assert doc.metadata["language_declared"] == "fr" and doc.metadata["chapter_count"] == 2
    assert [c.name for c in children] == ["OEBPS/img/cover.png"]


def test_an_epub_without_package_fails_with_a_reason(tmp_path: Path, ctx: Context) -> None:
    path = tmp_path / "broken.epub"
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("mimetype", "application/epub+zip", compress_type=zipfile.ZIP_STORED)
    with pytest.raises(ExtractionError, match="no package document"):
        run_extractor(EpubExtractor, path, ctx)


def test_entity_expansion_in_the_package_is_refused(tmp_path: Path, ctx: Context) -> None:
    bomb = '<?xml version="1.0"?><!DOCTYPE p [<!ENTITY a "aaaa"><!ENTITY b "&a;&a;&a;">]>' + OPF.split("?>", 1)[1]
    path = make_epub(tmp_path / "bomb.epub", opf=bomb.replace("Carnet de bord", "&b;"))
    with pytest.raises(ExtractionError, match="entit"):
        run_extractor(EpubExtractor, path, ctx)
