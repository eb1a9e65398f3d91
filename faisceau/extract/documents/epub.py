"""EPUB books: the chapters' visible text in reading order, and the package metadata.

An EPUB is a zip whose META-INF/container.xml names an OPF package; the package's spine
lists the (X)HTML chapters in reading order. Members are read under the zip limits and XML
is parsed defused (see xmlsafe); images and fonts inside are children.
"""

from __future__ import annotations

import posixpath
from collections.abc import Iterator
from pathlib import Path

from ...exc import ExtractionError
from ...model import Child, Extracted
from ..base import Context, Extractor, Probe, register
from .charset import decode
from .html import visible_text
from .xmlsafe import ZipParts, child, iso_date, local

MIMETYPE = b"mimetypeapplication/epub+zip"
TEXT_TYPES = {"application/xhtml+xml", "text/html", "application/x-dtbook+xml"}
META = {"title": "title", "creator": "author", "language": "language_declared", "publisher": "publisher",
        "description": "description", "identifier": "identifier", "subject": "subject"}


@register
class EpubExtractor(Extractor):
    """EPUB 2 and 3 books."""

    NAME = "epub"
    VERSION = "1"
    KIND = "document"
    MIME_TYPES = frozenset({"application/epub+zip"})
    EXTENSIONS = frozenset({"epub"})
    SCORE = 30

    @classmethod
    def match(cls, probe: Probe) -> int:
        # the first member of an EPUB is an uncompressed `mimetype` file: the strongest sign
        if probe.head[:4] == b"PK\x03\x04" and MIMETYPE in probe.head[:100]:
            return cls.SCORE * 2
        return super().match(probe)

    def extract(self, path: Path, doc: Extracted, ctx: Context) -> Iterator[Child]:
        doc.mime = "application/epub+zip"
        with ZipParts(path, ctx) as parts:
            container = parts.parse("META-INF/container.xml")
            rootfile = next((el.get("full-path") for el in container.iter() if local(el.tag) == "rootfile"),
                            None) if container is not None else None
            if not rootfile or not parts.has(rootfile):
                raise ExtractionError("not an EPUB: no package document")
            opf = parts.parse(rootfile)
            assert opf is not None
            folder = posixpath.dirname(rootfile)
            self._metadata(opf, doc)
            manifest = {el.get("id"): el for el in opf.iter() if local(el.tag) == "item"}
            spine = [el.get("idref") for el in opf.iter() if local(el.tag) == "itemref"]
            read: set[str] = set()
            for number, idref in enumerate(spine, 1):
                item = manifest.get(idref)
                if item is None or item.get("media-type") not in TEXT_TYPES:
                    continue
                name = posixpath.normpath(posixpath.join(folder, item.get("href") or ""))
                if not parts.has(name) or name in read:
                    doc.warnings.append(f"chapter {idref} missing: {name}")
                    continue
                read.add(name)
                text, _ = decode(parts.read(name))
                doc.add_text(visible_text(text), part="chapter", number=number, href=name)
            doc.metadata["chapter_count"] = len(read)
            for item in manifest.values():
                media = item.get("media-type") or ""
                name = posixpath.normpath(posixpath.join(folder, item.get("href") or ""))
                if media.startswith("image/") and parts.has(name):
                    dest = ctx.tempdir() / "member"
                    parts.copy_to(name, dest)
                    yield Child(name=name, path=dest, mime_hint=media)

    @staticmethod
    def _metadata(opf: object, doc: Extracted) -> None:
        meta = child(opf, "metadata")  # type: ignore[arg-type]
        if meta is None:
            return
        for el in meta:
            key = META.get(local(el.tag))
            value = (el.text or "").strip()
            if key and value and key not in doc.metadata:
                doc.metadata[key] = value
            if local(el.tag) == "date" and value and "created" not in doc.metadata:
                doc.metadata["created"] = iso_date(value) or value
