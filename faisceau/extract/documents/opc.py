"""Other OPC packages (zips with `[Content_Types].xml`, like docx): XPS, Visio, Office themes.

- XPS / OpenXPS (`.xps`, `.oxps`): fixed-layout pages, read by MuPDF (PyMuPDF), text per page.
  The zip is checked against the expansion and ratio limits first: MuPDF inflates it itself.
- Visio 2013+ (`.vsdx`, `.vsdm`, stencils `.vssx/.vssm`, templates `.vstx/.vstm`): the text of
  each page's shapes, page by page (background pages marked), read as safe XML (`xmlsafe`);
  a stencil without pages gives its masters' names and text.
- An Office theme (`.thmx`) holds colours, fonts and layouts, no text: skipped with that reason.

An OOXML file of one of these kinds reaches here from the OOXML extractor too (a member
without a telling name or extension), so every route gives the same result.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from pathlib import Path
from xml.etree.ElementTree import Element

from ...exc import ExtractionError, LimitExceeded, Skipped
from ...model import Child, Extracted
from ..base import REGISTRY, Context, Extractor, Probe, check_ratio, register
from ..run import human_size
from .opcprops import core_properties
from .xmlsafe import ZipParts, local, rels, rid

XPS_MIMES = frozenset({"application/vnd.ms-xpsdocument", "application/oxps", "application/vnd.ms-xps"})
VISIO_MAIN = "application/vnd.ms-visio.drawing.main+xml"
VISIO_MIMES = frozenset({VISIO_MAIN, "application/vnd.ms-visio.drawing", "application/vnd.ms-visio.drawing.macroEnabled.12",
                         "application/vnd.ms-visio.stencil", "application/vnd.ms-visio.stencil.macroEnabled.12",
                         "application/vnd.ms-visio.template", "application/vnd.ms-visio.template.macroEnabled.12"})
THEME_MIMES = frozenset({"application/vnd.ms-officetheme"})
XPS_EXT = frozenset({"xps", "oxps"})
VISIO_EXT = frozenset({"vsdx", "vsdm", "vssx", "vssm", "vstx", "vstm"})
THEME_EXT = frozenset({"thmx"})
# root relationship types (last path segment) naming each kind's main part
XPS_REL = "fixedrepresentation"
VISIO_REL = "document"  # http://schemas.microsoft.com/visio/2010/relationships/document
THEME_REASON = "Office theme: colours, fonts and layouts, no text"


@register
class OpcExtractor(Extractor):
    """XPS documents and Visio drawings (text per page); Office themes skipped with a reason."""

    NAME = "opc"
    VERSION = "1"
    KIND = "document"
    SCORE = 20
    MIME_TYPES = XPS_MIMES | VISIO_MIMES | THEME_MIMES
    EXTENSIONS = XPS_EXT | VISIO_EXT | THEME_EXT

    @classmethod
    def match(cls, probe: Probe) -> int:
        """MIME and extension; a zip with one of these extensions outranks the OOXML guess
        from its first member ([Content_Types].xml opens every OPC package)."""
        score = super().match(probe)
        if probe.head.startswith(b"PK\x03\x04") and probe.extension in cls.EXTENSIONS:
            score += cls.SCORE + cls.SCORE // 2
        return score

    @classmethod
    def version(cls) -> str:
        """Our version and PyMuPDF's (it reads XPS)."""
        import fitz

        return f"{cls.VERSION}+pymupdf{fitz.VersionBind}"

    def extract(self, path: Path, doc: Extracted, ctx: Context) -> Iterator[Child]:
        """Read the package by what its relationships say it is, not by its name."""
        if path.stat().st_size == 0:
            raise ExtractionError("empty file")
        with ZipParts(path, ctx) as parts:
            kind = package_kind(parts)
            if kind is not None:
                yield from extract_package(kind, path, parts, doc, ctx)
                return
        # an OOXML document under one of our extensions: the OOXML reader's (found in the registry:
        # that reader hands XPS and Visio packages to this module, which must not import it back)
        from .. import load_all

        load_all()
        ooxml = next(cls for cls in REGISTRY if cls.NAME == "ooxml")
        yield from ooxml().extract(path, doc, ctx)


def package_kind(parts: ZipParts) -> str | None:
    """'xps', 'visio' or 'theme' from the package relationships (or the part names); None else."""
    for _, rtype, target in rels(parts, ""):
        if rtype.lower() == XPS_REL:
            return "xps"
        if rtype == VISIO_REL and target.startswith("visio/"):
            return "visio"
        if rtype == "officeDocument" and target.startswith("theme/"):
            return "theme"
    names = parts.names()
    if any(n.lower().endswith(".fdseq") for n in names):
        return "xps"
    if parts.has("visio/document.xml"):
        return "visio"
    return None


def extract_package(kind: str, path: Path, parts: ZipParts, doc: Extracted, ctx: Context) -> Iterator[Child]:
    """Fill `doc` from a package of a known kind; yield its embedded files (Visio)."""
    if kind == "theme":
        doc.mime = "application/vnd.ms-officetheme"
        raise Skipped(THEME_REASON)
    core_properties(parts, doc)
    if kind == "xps":
        doc.mime, doc.kind = "application/vnd.ms-xpsdocument", "document"
        _xps(path, parts, doc, ctx)
        return
    doc.mime = VISIO_MAIN
    doc.kind = "document"
    try:
        _visio(parts, doc, ctx)
    except RecursionError:
        raise ExtractionError("XML nesting too deep") from None
    yield from embedded_visio(parts, ctx)


def embedded_visio(parts: ZipParts, ctx: Context) -> Iterator[Child]:
    """Embedded files and pictures of a Visio package (`visio/embeddings/`, `visio/media/`)."""
    folder: Path | None = None
    for i, name in enumerate(parts.names()):
        m = re.match(r"^visio/(embeddings|media)/(?:.*/)?([^/]+)$", name)
        if not m:
            continue
        folder = folder or ctx.tempdir()
        dest = folder / f"member-{i}"
        parts.copy_to(name, dest)
        yield Child(name=f"{m.group(1)}/{m.group(2)}", path=dest)


# -- XPS -------------------------------------------------------------------------------------

def _xps(path: Path, parts: ZipParts, doc: Extracted, ctx: Context) -> None:
    """Text per page through MuPDF, after the zip passed the expansion and ratio limits."""
    import fitz

    total = 0
    for name in parts.names():
        info = parts.infos[name]
        check_ratio(info.compress_size, info.file_size, ctx)
        total += info.file_size
    if total > ctx.settings.max_expansion:
        raise LimitExceeded(f"expansion over limit {ctx.settings.max_expansion} bytes")
    try:
        xps = fitz.open(str(path), filetype="xps")
    except (RuntimeError, ValueError) as e:  # MuPDF's FzError is a RuntimeError
        raise ExtractionError(f"unreadable XPS document: {str(e)[:100]}") from None
    budget, used = int(ctx.settings.max_text), 0
    try:
        doc.metadata["page_count"] = xps.page_count
        for i in range(xps.page_count):
            if time.monotonic() > ctx.deadline:
                raise LimitExceeded(f"time limit {ctx.settings.time_limit} s exceeded at page {i + 1}")
            try:
                page = xps.load_page(i)
                text = page.get_text("text")
                attrs = {"width": round(page.rect.width, 2), "height": round(page.rect.height, 2)}
            except (RuntimeError, ValueError):
                doc.add_page("", number=i + 1, error="page cannot be read")
                doc.warnings.append(f"page {i + 1}: cannot be read")
                continue
            used += len(text)
            if used > budget:
                doc.flag(f"truncated at {human_size(int(budget))}")
                attrs["text_dropped"] = True
                text = ""
            doc.add_page(text, number=i + 1, **attrs)
    finally:
        xps.close()


# -- Visio -----------------------------------------------------------------------------------

def _visio(parts: ZipParts, doc: Extracted, ctx: Context) -> None:
    """Shape text of every page (background pages marked); a stencil's masters when no page."""
    main = next((t for _, rtype, t in rels(parts, "") if rtype == VISIO_REL and parts.has(t)), "visio/document.xml")
    by_type = {rtype: t for _, rtype, t in rels(parts, main)}
    room = int(ctx.settings.max_text)
    pages_part = by_type.get("pages")
    count = 0
    if pages_part and parts.has(pages_part):
        for page, target in _listed(parts, pages_part, "Page"):
            if target is None:
                continue
            count += 1
            background = page.get("Background", "0") in ("1", "true")
            text = "\n".join(_shape_texts(parts, target))
            room -= len(text)
            if room < 0:
                doc.flag(f"truncated at {human_size(int(ctx.settings.max_text))}")
                break
            doc.add_text(text, part="background-page" if background else "page",
                         name=page.get("Name") or page.get("NameU") or "", number=count)
        doc.metadata["page_count"] = count
    masters_part = by_type.get("masters")
    if count == 0 and masters_part and parts.has(masters_part):
        # a stencil: its content is the masters (their names and any text they carry)
        for master, target in _listed(parts, masters_part, "Master"):
            texts = list(_shape_texts(parts, target)) if target else []
            name = master.get("Name") or master.get("NameU") or ""
            doc.add_text("\n".join([name, *texts]).strip(), part="master", name=name)


def _listed(parts: ZipParts, part: str, tag: str) -> Iterator[tuple[Element, str | None]]:
    """Each `tag` entry of a Visio index part (pages, masters) with the part its Rel points to, None
    when that part is missing."""
    index = parts.parse(part)
    assert index is not None
    targets = {r: t for r, _, t in rels(parts, part)}
    for el in index:
        if local(el.tag) != tag:
            continue
        rel = next((c for c in el if local(c.tag) == "Rel"), None)
        target = targets.get(rid(rel) or "") if rel is not None else None
        yield el, target if target and parts.has(target) else None


def _shape_texts(parts: ZipParts, target: str) -> Iterator[str]:
    """The text of each shape of a page or master part, in document order (groups included)."""
    for el in parts.stream(target, frozenset({"Text"})):
        text = _text_of(el).strip()
        if text:
            yield text


def _text_of(el: Element) -> str:
    """A <Text> element's characters: its own and its runs' tails (<cp/>, <pp/>, <fld>…)."""
    out = [el.text or ""]
    for c in el:
        if local(c.tag) == "fld":  # a field shows its last computed value, held as its text
            out.append(c.text or "")
        out.append(c.tail or "")
    return "".join(out).replace("\r\n", "\n").replace("\r", "\n")

