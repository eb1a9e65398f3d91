"""Office Open XML: docx, xlsx, pptx and their macro/template variants.

The XML parts are read straight from the zip (`xmlsafe`), so nothing is rendered or executed
and hidden content (comments, tracked changes, vanished runs, hidden sheets and slides,
speaker notes) is kept, each as its own segment. Encrypted files (an OLE container holding
the encrypted package) are opened with msoffcrypto when a known password fits.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Iterator
from pathlib import Path
from xml.etree.ElementTree import Element

from ...exc import ExtractionError, UnsupportedFormat
from ...model import Child, Extracted
from ..base import Context, Extractor, Probe, register
from .legacy_office import decrypt_ole
from .opcprops import core_properties
from .xmlsafe import ZipParts, child, column_number, local, ns, numbered, on, on_attr, rels, rid, tab_line

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
KINDS = {"wordprocessingml": "document", "spreadsheetml": "spreadsheet", "presentationml": "presentation"}
DEFAULT_MAIN = {"word/document.xml": "document", "xl/workbook.xml": "spreadsheet",
                "ppt/presentation.xml": "presentation"}
OXML = "application/vnd.openxmlformats-officedocument."
MIMES = {"document": OXML + "wordprocessingml.document", "spreadsheet": OXML + "spreadsheetml.sheet",
         "presentation": OXML + "presentationml.presentation"}
EMBED_DIRS = re.compile(r"^(?:word|xl|ppt)/(embeddings|media)/(?:.*/)?([^/]+)$")


@register
class OoxmlExtractor(Extractor):
    """Word, Excel and PowerPoint files of Office 2007 and later (zip of XML parts)."""

    NAME = "ooxml"
    VERSION = "1"
    KIND = "document"
    SCORE = 20
    MIME_TYPES = frozenset({*MIMES.values(), *(OXML + s for s in (
        "wordprocessingml.template", "spreadsheetml.template", "presentationml.template", "presentationml.slideshow")),
        *(f"application/vnd.ms-{s}.macroEnabled.12" for s in (
            "word.document", "word.template", "excel.sheet", "excel.template", "powerpoint.presentation",
            "powerpoint.slideshow", "powerpoint.template")),
        "application/vnd.ms-word.document.macroenabled.12",
        # libmagic's name for an OLE file holding an encrypted OOXML package
        "application/encrypted"})
    EXTENSIONS = frozenset({"docx", "docm", "dotx", "dotm", "xlsx", "xlsm", "xltx", "xltm",
                            "pptx", "pptm", "ppsx", "ppsm", "potx", "potm"})

    @classmethod
    def match(cls, probe: Probe) -> int:
        """MIME and extension as usual, plus a zip whose first member is an OOXML part
        (libmagic may call such a file application/zip when the members are reordered)."""
        score = super().match(probe)
        if probe.head.startswith(b"PK\x03\x04"):
            n = int.from_bytes(probe.head[26:28], "little")
            first = probe.head[30:30 + n]
            if first in (b"[Content_Types].xml", b"_rels/.rels") or first.startswith((b"word/", b"xl/", b"ppt/")):
                score += cls.SCORE + cls.SCORE // 2
        return score

    def extract(self, path: Path, doc: Extracted, ctx: Context) -> Iterator[Child]:
        """Fill `doc` from an OOXML file (decrypting it first if needed); yield embedded files."""
        with open(path, "rb") as f:
            head = f.read(8)
        if head.startswith(OLE_MAGIC):
            decrypted = decrypt_ole(path, doc, ctx)
            if decrypted is None:
                # an old binary file named like a new one: hand it to the LibreOffice route
                from .legacy_office import LegacyOfficeExtractor
                yield from LegacyOfficeExtractor().extract(path, doc, ctx)
                return
            path = decrypted
        yield from extract_ooxml(path, doc, ctx)


def extract_ooxml(path: Path, doc: Extracted, ctx: Context) -> Iterator[Child]:
    """Fill `doc` from the OOXML package at `path` and yield its embedded files and media."""
    if path.stat().st_size == 0:
        raise ExtractionError("empty file")
    with ZipParts(path, ctx) as parts:
        from .opc import extract_package, package_kind

        other = package_kind(parts)
        if other is not None:  # XPS, Visio or a theme under a docx-like name or none at all
            yield from extract_package(other, path, parts, doc, ctx)
            return
        main, kind = _main_part(parts)
        doc.kind = kind
        doc.mime = _content_type(parts, main) or MIMES[kind]
        try:
            core_properties(parts, doc)
            {"document": word, "presentation": presentation}.get(kind, workbook)(parts, main, doc, ctx)
        except RecursionError:
            # the walkers recurse with the XML; a hostile nesting depth must not crash the worker
            raise ExtractionError("XML nesting too deep") from None
        yield from embedded(parts, ctx)


def _main_part(parts: ZipParts) -> tuple[str, str]:
    """The main part and the kind of the package, from its relationships."""
    for _, rtype, target in rels(parts, ""):
        if rtype == "officeDocument" and parts.has(target):
            ctype = _content_type(parts, target) or ""
            for key, kind in KINDS.items():
                if key in ctype:
                    return target, kind
            for name, kind in DEFAULT_MAIN.items():
                if target.split("/")[0] == name.split("/")[0]:
                    return target, kind
    for name, kind in DEFAULT_MAIN.items():
        if parts.has(name):
            return name, kind
    if parts.has("mimetype") or parts.has("content.xml"):
        raise UnsupportedFormat("application/vnd.oasis.opendocument")
    raise ExtractionError("not an OOXML package: no document, workbook or presentation part")


def _content_type(parts: ZipParts, name: str) -> str | None:
    """The declared content type of a part (override first, then by extension)."""
    root = parts.parse("[Content_Types].xml")
    if root is None:
        return None
    ext = name.rsplit(".", 1)[-1].lower()
    default = None
    for el in root:
        if local(el.tag) == "Override" and el.get("PartName", "").lstrip("/") == name:
            return el.get("ContentType", "").split(";")[0].replace(".main+xml", "").replace("+xml", "")
        if local(el.tag) == "Default" and el.get("Extension", "").lower() == ext:
            default = el.get("ContentType")
    return default


def embedded(parts: ZipParts, ctx: Context) -> Iterator[Child]:
    """Embedded objects and media files as children `embeddings/<name>` / `media/<name>`."""
    folder: Path | None = None
    for i, name in enumerate(parts.names()):
        m = EMBED_DIRS.match(name)
        if not m or name.endswith("/"):
            continue
        folder = folder or ctx.tempdir()
        dest = folder / f"member-{i}"
        parts.copy_to(name, dest)
        yield Child(name=f"{m.group(1)}/{m.group(2)}", path=dest)


# -- Word ------------------------------------------------------------------------------------

# Elements whose text is never shown: field codes, and the VML copy of DrawingML content
W_SKIP = {"instrText", "delInstrText", "Fallback", "pPr", "rPr", "sectPr", "tblPr", "trPr", "tcPr"}


class _WordText:
    """Walks WordprocessingML, routing text to the visible flow or to hidden/tracked sinks."""

    def __init__(self, hidden_styles: set[str]) -> None:
        self.hidden_styles = hidden_styles
        self.hidden: list[str] = []
        self.changes: list[tuple[str, str, dict[str, str]]] = []

    def text(self, el: Element) -> str:
        """The visible text of a container (body, header, note, comment)."""
        out: list[str] = []
        self._walk(el, out)
        text = re.sub(r"[\t ]+\n", "\n", "".join(out))
        return re.sub(r"\n{3,}", "\n\n", text).strip()

    def _hidden(self, props: Element | None, style_tag: str) -> bool:
        if props is None:
            return False
        style = child(props, style_tag)
        return on(child(props, "vanish")) or (style is not None and any(
            v in self.hidden_styles for k, v in style.attrib.items() if local(k) == "val"))

    def _walk(self, el: Element, out: list[str]) -> None:
        for c in el:
            tag = local(c.tag)
            if tag in ("t", "delText"):
                out.append(c.text or "")
            elif tag in ("tab", "ptab"):
                out.append("\t")
            elif tag in ("br", "cr"):
                out.append("\n")
            elif tag == "noBreakHyphen":
                out.append("-")
            elif tag in W_SKIP:
                continue
            elif tag in ("r", "p") and self._hidden(child(c, tag + "Pr"), "rStyle" if tag == "r" else "pStyle"):
                buf: list[str] = []
                self._walk(c, buf)
                if "".join(buf).strip():
                    self.hidden.append("".join(buf).strip())
            elif tag in ("ins", "moveTo", "del", "moveFrom"):
                buf = []
                self._walk(c, buf)
                part = "tracked-insertion" if tag in ("ins", "moveTo") else "tracked-deletion"
                if part == "tracked-insertion":
                    out.extend(buf)
                attrs = {local(k): v for k, v in c.attrib.items() if local(k) in ("author", "date")}
                self.changes.append((part, "".join(buf), attrs))
            elif tag == "tc":
                buf = []
                self._walk(c, buf)
                out.append(" ".join("".join(buf).split("\n")).strip() + "\t")
            else:
                self._walk(c, out)
                if tag in ("p", "tr"):
                    out.append("\n")


def _word_styles(parts: ZipParts, folder: str) -> set[str]:
    """Ids of styles that hide their text (w:vanish in the style's run properties)."""
    root = parts.parse(f"{folder}/styles.xml") if parts.has(f"{folder}/styles.xml") else None
    hidden: set[str] = set()
    for style in root.iter() if root is not None else ():
        if local(style.tag) == "style":
            rpr = child(style, "rPr")
            if rpr is not None and on(child(rpr, "vanish")):
                hidden.update(v for k, v in style.attrib.items() if local(k) == "styleId")
    return hidden


def word(parts: ZipParts, main: str, doc: Extracted, ctx: Context) -> None:
    """Body, headers, footers, notes, comments, tracked changes and hidden text of a docx."""
    folder = posixpath.dirname(main)
    walker = _WordText(_word_styles(parts, folder))
    root = parts.parse(main)
    assert root is not None
    body = child(root, "body")
    doc.add_text(walker.text(body if body is not None else root), part="body")
    names = parts.names()
    for part in ("header", "footer"):
        seen = set()
        for name in numbered(names, rf"{folder}/{part}(\d*)\.xml"):
            text = walker.text(parts.parse(name))  # type: ignore[arg-type]
            if text not in seen:
                seen.add(text)
                doc.add_text(text, part=part)
    for part in ("footnote", "endnote", "comment"):
        root = parts.parse(f"{folder}/{part}s.xml") if parts.has(f"{folder}/{part}s.xml") else None
        for note in root if root is not None else ():
            if local(note.tag) != part or note.get(f"{{{ns(note)}}}type", "normal") != "normal":
                continue
            attrs = {local(k): v for k, v in note.attrib.items() if local(k) in ("author", "date")}
            doc.add_text(walker.text(note), part=part, **attrs)
    for part, text, attrs in walker.changes:
        doc.add_text(text, part=part, **attrs)
    for text in walker.hidden:
        doc.add_text(text, part="hidden-text")



# -- Excel -----------------------------------------------------------------------------------

DATE_FORMATS = set(range(14, 23)) | set(range(27, 37)) | {45, 46, 47} | set(range(50, 59))
MB = 1 << 20


def _rich_text(el: Element) -> str:
    """Text of a shared string / comment: its t elements, leaving out phonetic runs (rPh)."""
    if local(el.tag) == "rPh":
        return ""
    if local(el.tag) == "t":
        return el.text or ""
    return "".join(_rich_text(c) for c in el)


def _date_styles(parts: ZipParts, name: str | None) -> set[int]:
    """Indexes of cell formats (cellXfs) that show a number as a date or time."""
    root = parts.parse(name) if name and parts.has(name) else None
    if root is None:
        return set()
    custom = {}
    for el in root.iter():
        if local(el.tag) == "numFmt":
            code = re.sub(r'"[^"]*"|\\.|\[[^\]]*\]', "", el.get("formatCode", ""))
            custom[el.get("numFmtId")] = bool(re.search(r"[dmyhs]", code, re.I)) and "General" not in code
    xfs = next((el for el in root if local(el.tag) == "cellXfs"), None)
    out = set()
    for i, xf in enumerate(xfs if xfs is not None else ()):
        fid = xf.get("numFmtId", "0")
        if custom.get(fid) or (fid.isdigit() and int(fid) in DATE_FORMATS):
            out.add(i)
    return out


def _serial_date(value: str, date1904: bool) -> str:
    """An Excel serial day number as an ISO date/time; the value as written when out of range."""
    from datetime import datetime, timedelta

    try:
        x = float(value)
    except ValueError:
        return value
    if not 0 <= x < 2958466:
        return value
    # Excel counts 1900-02-29, which did not exist (Lotus compatibility)
    base = datetime(1904, 1, 1) if date1904 else datetime(1899, 12, 30 if x >= 61 else 31)
    dt = base + timedelta(seconds=round(x * 86400))
    if x < 1 and not date1904:
        return dt.time().isoformat()
    return dt.date().isoformat() if dt.time() == datetime.min.time() else dt.isoformat(sep=" ")


class _Sheet:
    """Streams one worksheet into visible lines and hidden (rows, columns) lines."""

    def __init__(self, strings: list[str], dates: set[int], date1904: bool) -> None:
        self.strings, self.dates, self.date1904 = strings, dates, date1904

    def value(self, c: Element) -> str:
        kind = c.get("t", "n")
        v = child(c, "v")
        raw = (v.text or "") if v is not None else ""
        if kind == "s":
            return self.strings[int(raw)] if raw.isdigit() and int(raw) < len(self.strings) else ""
        if kind == "inlineStr":
            inline = child(c, "is")
            return _rich_text(inline) if inline is not None else ""
        if kind == "b":
            return {"1": "TRUE", "0": "FALSE"}.get(raw, raw)
        if kind == "n" and raw and c.get("s", "0").isdigit() and int(c.get("s", "0")) in self.dates:
            return _serial_date(raw, self.date1904)
        return raw

    def read(self, parts: ZipParts, name: str, room: int) -> tuple[list[str], list[str], bool]:
        """(visible lines, hidden lines, cut short) of a sheet, within `room` characters."""
        lines: list[str] = []
        hidden: list[str] = []
        hidden_cols: set[int] = set()
        used = 0
        for el in parts.stream(name, frozenset({"row", "col"})):
            if local(el.tag) == "col":
                if on_attr(el.get("hidden")):
                    lo, hi = int(el.get("min", "1")), min(int(el.get("max", "1")), 16384)
                    hidden_cols.update(range(lo, hi + 1))
                continue
            shown: list[tuple[int, str]] = []
            unseen: list[tuple[int, str]] = []
            pos = 0
            for c in el:
                if local(c.tag) != "c":
                    continue
                pos = column_number(c.get("r")) or pos + 1
                val = self.value(c).strip()
                if val:
                    (unseen if pos in hidden_cols else shown).append((pos, val))
            if on_attr(el.get("hidden")):
                unseen, shown = shown + unseen, []
            for cells, sink in ((shown, lines), (unseen, hidden)):
                if cells:
                    sink.append(tab_line(cells))
                    used += len(sink[-1]) + 1
            if used > room:
                return lines, hidden, True
        return lines, hidden, False


def workbook(parts: ZipParts, main: str, doc: Extracted, ctx: Context) -> None:
    """Visible and hidden sheets (rows streamed), hidden rows/columns and cell comments."""
    root = parts.parse(main)
    assert root is not None
    wrels = rels(parts, main)
    by_id = {rid: target for rid, _, target in wrels}
    by_type = {rtype: target for _, rtype, target in wrels}
    pr = next((el for el in root if local(el.tag) == "workbookPr"), None)
    date1904 = pr is not None and on_attr(pr.get("date1904"))
    strings: list[str] = []
    sst = by_type.get("sharedStrings")
    if sst and parts.has(sst):
        strings = [_rich_text(si) for si in parts.stream(sst, frozenset({"si"}))]
    reader = _Sheet(strings, _date_styles(parts, by_type.get("styles")), date1904)
    room = int(ctx.settings.max_text)
    sheets = [el for el in root.iter() if local(el.tag) == "sheet"]
    doc.metadata["sheet_count"] = len(sheets)
    for sheet in sheets:
        name, state = sheet.get("name", ""), sheet.get("state", "visible")
        target = by_id.get(rid(sheet) or "")
        if not target or not parts.has(target):
            continue
        lines, hidden, cut = reader.read(parts, target, room)
        part = "sheet" if state == "visible" else "hidden-sheet"
        attrs = {"name": name} if state == "visible" else {"name": name, "state": state}
        doc.add_text("\n".join(lines), part=part, **attrs)
        doc.add_text("\n".join(hidden), part="hidden-text", sheet=name)
        room -= sum(len(x) + 1 for x in lines + hidden)
        _cell_comments(parts, target, name, doc)
        if cut or room <= 0:
            doc.flag(f"truncated at {int(ctx.settings.max_text) // MB} MB")
            break


def _cell_comments(parts: ZipParts, sheet: str, sheet_name: str, doc: Extracted) -> None:
    for _, rtype, target in rels(parts, sheet):
        if rtype != "comments" or not parts.has(target):
            continue
        root = parts.parse(target)
        assert root is not None
        authors = [a.text or "" for el in root if local(el.tag) == "authors" for a in el]
        for c in root.iter():
            if local(c.tag) != "comment":
                continue
            aid = c.get("authorId", "")
            author = authors[int(aid)] if aid.isdigit() and int(aid) < len(authors) else ""
            text = child(c, "text")
            doc.add_text(_rich_text(text) if text is not None else "", part="cell-comment",
                         sheet=sheet_name, cell=c.get("ref", ""), author=author)


# -- PowerPoint ------------------------------------------------------------------------------

NOTES_SKIP = {"sldNum", "sldImg", "hdr", "ftr", "dt"}


def _dml_lines(el: Element, skip_ph: set[str] | None = None) -> Iterator[str]:
    """Paragraphs of DrawingML text under an element, in document order."""
    for c in el:
        tag = local(c.tag)
        if tag == "Fallback":
            continue
        if tag == "p" and "drawingml" in ns(c):
            yield "".join((x.text or "") if local(x.tag) == "t" else "\n" for x in c.iter()
                          if local(x.tag) in ("t", "br"))
        elif tag == "sp" and skip_ph:
            ph = next((x for x in c.iter() if local(x.tag) == "ph"), None)
            if ph is None or ph.get("type", "body") not in skip_ph:
                yield from _dml_lines(c, skip_ph)
        else:
            yield from _dml_lines(c, skip_ph)


def presentation(parts: ZipParts, main: str, doc: Extracted, ctx: Context) -> None:
    """Slides (hidden ones marked), speaker notes and slide comments of a pptx."""
    root = parts.parse(main)
    assert root is not None
    by_id = {rid: target for rid, _, target in rels(parts, main)}
    slides: list[str | None] = [by_id.get(rid(el) or "") for el in root.iter() if local(el.tag) == "sldId"]
    if not slides:
        slides = list(numbered(parts.names(), r"ppt/slides/slide(\d+)\.xml"))
    folder = posixpath.dirname(main)
    croot = parts.parse(f"{folder}/commentAuthors.xml") if parts.has(f"{folder}/commentAuthors.xml") else None
    authors = {a.get("id"): a.get("name", "") for a in (croot.iter() if croot is not None else ())
               if local(a.tag) == "cmAuthor"}
    doc.metadata.setdefault("slide_count", len(slides))
    for number, target in enumerate(slides, 1):
        if not target or not parts.has(target):
            continue
        slide = parts.parse(target)
        assert slide is not None
        part = "hidden-slide" if slide.get("show", "1").lower() in ("0", "false") else "slide"
        doc.add_text("\n".join(_dml_lines(slide)).strip(), part=part, number=number)
        for _, rtype, rel in rels(parts, target):
            if rtype == "notesSlide" and parts.has(rel):
                notes = parts.parse(rel)
                assert notes is not None
                doc.add_text("\n".join(_dml_lines(notes, NOTES_SKIP)).strip(), part="speaker-notes", slide=number)
            elif rtype == "comments" and parts.has(rel):
                for cm in parts.parse(rel) or ():
                    text = child(cm, "text")
                    doc.add_text((text.text or "") if text is not None else "", part="comment", slide=number,
                                 author=authors.get(cm.get("authorId"), ""), date=cm.get("dt", ""))
