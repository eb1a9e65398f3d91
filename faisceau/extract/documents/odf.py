"""OpenDocument: odt/ods/odp, their templates, and the flat XML variants (fodt/fods/fodp).

content.xml, styles.xml and meta.xml are read with `xmlsafe` (size-capped, defused). Hidden
content is kept as its own segment: annotations (comment), tracked changes, hidden
paragraphs/sections/spans, hidden tables, rows and columns, hidden slides, speaker notes.
Spreadsheet rows are streamed so memory stays bounded on large sheets.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from xml.etree.ElementTree import Element

from ...exc import EncryptedDocument, ExtractionError, LimitExceeded
from ...model import Child, Extracted
from ..base import Context, Extractor, Probe, register
from .xmlsafe import ZipParts, iso_date, local, parse_xml, tab_line

ODF = "application/vnd.oasis.opendocument."
KINDS = {"text": "document", "spreadsheet": "spreadsheet", "presentation": "presentation"}
HEADERS = {"header", "header-left", "header-first", "footer", "footer-left", "footer-first"}
META = {"title": "title", "description": "description", "subject": "subject", "keyword": "keywords",
        "initial-creator": "author", "creator": "last_modified_by", "creation-date": "created",
        "date": "modified", "print-date": "last_printed", "language": "language_declared",
        "generator": "application", "editing-cycles": "revision", "editing-duration": "editing_duration"}
STATS = {"page-count": "page_count", "word-count": "word_count", "character-count": "character_count",
         "table-count": "table_count", "image-count": "image_count", "paragraph-count": "paragraph_count",
         "object-count": "object_count", "cell-count": "cell_count"}
MB = 1 << 20
TEXT_NS = "{urn:oasis:names:tc:opendocument:xmlns:text:1.0}"
FAMILIES = {"p": "paragraph", "h": "paragraph", "span": "text", "section": "section", "table": "table"}
# fields computed when printed (page numbers, dates, sheet names): their stored value means little
FIELDS = {"page-number", "page-count", "sheet-name", "date", "time", "file-name", "title", "chapter"}
MAX_REPEAT = 1000  # repeated non-empty rows/cells expanded at most this often (text budget still applies)


def attr(el: Element, name: str, default: str = "") -> str:
    """An attribute by local name, whatever its namespace prefix."""
    return next((v for k, v in el.attrib.items() if local(k) == name), default)


@register
class OdfExtractor(Extractor):
    """OpenDocument text, spreadsheet and presentation files (zipped or flat XML)."""

    NAME = "odf"
    VERSION = "1"
    KIND = "document"
    SCORE = 20
    MIME_TYPES = frozenset(ODF + s for s in (
        "text", "text-template", "text-master", "spreadsheet", "spreadsheet-template",
        "presentation", "presentation-template", "text-flat-xml", "spreadsheet-flat-xml",
        "presentation-flat-xml"))
    EXTENSIONS = frozenset({"odt", "ott", "odm", "ods", "ots", "odp", "otp", "fodt", "fods", "fodp"})

    @classmethod
    def match(cls, probe: Probe) -> int:
        """MIME and extension, plus the ODF signature (a stored `mimetype` member first)."""
        score = super().match(probe)
        if probe.head.startswith(b"PK\x03\x04") and probe.head[30:38] == b"mimetype" \
                and ODF.encode() in probe.head[38:120]:
            score += cls.SCORE + cls.SCORE // 2
        return score

    def extract(self, path: Path, doc: Extracted, ctx: Context) -> Iterator[Child]:
        """Fill `doc` from an ODF file; yield its pictures and embedded objects."""
        yield from extract_odf(path, doc, ctx)


def extract_odf(path: Path, doc: Extracted, ctx: Context) -> Iterator[Child]:
    """Fill `doc` from the zipped or flat ODF file at `path`; yield pictures and objects."""
    with open(path, "rb") as f:
        head = f.read(4)
    if not head:
        raise ExtractionError("empty file")
    try:
        if head != b"PK\x03\x04":
            _flat(path, doc, ctx)
            return
        yield from _zipped(path, doc, ctx)
    except RecursionError:
        # the walker recurses with the XML; a hostile nesting depth must not crash the worker
        raise ExtractionError("XML nesting too deep") from None


def _zipped(path: Path, doc: Extracted, ctx: Context) -> Iterator[Child]:
    """A zipped ODF package."""
    with ZipParts(path, ctx) as parts:
        mime = parts.read("mimetype").decode("ascii", "replace").strip() if parts.has("mimetype") else ""
        manifest = parts.parse("META-INF/manifest.xml") if parts.has("META-INF/manifest.xml") else None
        if manifest is not None and any(local(el.tag) == "encryption-data" for el in manifest.iter()):
            doc.metadata["encrypted"] = True
            doc.flag("encrypted")
            raise EncryptedDocument()
        if not parts.has("content.xml"):
            raise ExtractionError("not an OpenDocument file: no content.xml")
        kind = KINDS.get(mime.removeprefix(ODF).split("-")[0], "document")
        doc.kind, doc.mime = kind, mime if mime.startswith(ODF) else doc.mime
        meta = parts.parse("meta.xml") if parts.has("meta.xml") else None
        if meta is not None:
            read_meta(meta, doc)
        styles = parts.parse("styles.xml") if parts.has("styles.xml") else None
        walker = _Text(_hidden_styles(styles))
        if kind == "spreadsheet":
            _Calc(walker, doc, ctx).stream(parts)
        else:
            content = parts.parse("content.xml")
            assert content is not None
            walker.hidden_styles |= _hidden_styles(content)
            _body(content, walker, doc, ctx)
        if styles is not None and kind != "presentation":
            _headers(styles, walker, doc)
        walker.flush(doc)
        yield from _objects(parts, ctx)


def _flat(path: Path, doc: Extracted, ctx: Context) -> None:
    """A flat ODF file: one XML document holding meta, styles and content."""
    limit = max(1 << 20, int(ctx.settings.memory_limit) // 8)
    if path.stat().st_size > limit:
        raise LimitExceeded(f"flat ODF file too large to parse: {path.stat().st_size} bytes over {limit}")
    root = parse_xml(path.read_bytes(), path.name)
    if local(root.tag) != "document":
        raise ExtractionError("not an OpenDocument file: root is not office:document")
    mime = attr(root, "mimetype")
    doc.kind = KINDS.get(mime.removeprefix(ODF).split("-")[0], "document")
    doc.mime = mime or doc.mime
    meta = next((el for el in root if local(el.tag) == "meta"), None)
    if meta is not None:
        read_meta(meta, doc)
    walker = _Text(_hidden_styles(root))
    _body(root, walker, doc, ctx)
    if doc.kind != "presentation":
        _headers(root, walker, doc)
    walker.flush(doc)


def read_meta(meta: Element, doc: Extracted) -> None:
    """Metadata from meta.xml (office:meta): title, authors, dates, language, statistics."""
    user: dict[str, str] = {}
    keywords = []
    for el in meta.iter():
        tag, text = local(el.tag), (el.text or "").strip()
        if tag == "document-statistic":
            for k, v in el.attrib.items():
                if local(k) in STATS and v.isdigit():
                    doc.metadata[STATS[local(k)]] = int(v)
        elif tag == "user-defined" and text:
            user[attr(el, "name")[:200]] = text[:2000]
        elif tag == "keyword" and text:
            keywords.append(text)
        elif tag in META and text:
            key = META[tag]
            value = iso_date(text) if key in ("created", "modified", "last_printed") else text
            if value:
                doc.metadata[key] = value
    if keywords:
        doc.metadata["keywords"] = ", ".join(keywords)
    if user:
        doc.metadata["custom_properties"] = user
    if "author" not in doc.metadata and "last_modified_by" in doc.metadata:
        doc.metadata["author"] = doc.metadata["last_modified_by"]


def _hidden_styles(root: Element | None) -> set[tuple[str, str]]:
    """(family, name) of styles that hide what uses them (display none/false, visibility hidden)."""
    out: set[tuple[str, str]] = set()
    for style in root.iter() if root is not None else ():
        if local(style.tag) != "style":
            continue
        for props in style:
            if any((local(k) == "display" and v in ("none", "false")) or (local(k) == "visibility" and v == "hidden")
                   for k, v in props.attrib.items()):
                out.add((attr(style, "family"), attr(style, "name")))
    return out


# ODF collapses XML whitespace inside paragraphs (runs of spaces are text:s, tabs text:tab);
# what the markup itself produces is held in private-use characters until the collapse is done
SP, TAB, NL = "\ue000", "\ue001", "\ue002"
BLOCKS = {"section", "list", "list-item", "list-header", "note-body", "index-body", "tracked-changes",
          "changed-region", "deletion", "insertion", "table-of-content", "alphabetical-index", "illustration-index",
          "user-index", "bibliography", "object-index", "table-index", "index-title"}
INLINE_SKIP = {"notes", "page-thumbnail", "annotation-end", "note-citation",
               "hidden-paragraph", "change", "bookmark", "bookmark-start", "bookmark-end"}


def _tidy(out: list[str]) -> str:
    """Join walked pieces: collapse XML whitespace, restore markup spaces, tabs and newlines."""
    text = re.sub(r"[ \t\r\n]+", " ", "".join(out))
    text = text.replace(SP, " ").replace(TAB, "\t")
    lines = [line.strip(" ") for line in text.split(NL)]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


class _Text:
    """Walks ODF text, routing it to the visible flow or to hidden, note and change sinks."""

    def __init__(self, hidden_styles: set[tuple[str, str]]) -> None:
        self.hidden_styles = hidden_styles
        # (part, text, attrs) of what is added after the body: notes, comments, changes, hidden text
        self.extra: list[tuple[str, str, dict[str, str]]] = []
        self.changes: dict[str, tuple[str, dict[str, str]]] = {}
        self.open: dict[str, tuple[list[str], int]] = {}
        self.fields = True

    def is_hidden(self, el: Element, tag: str) -> bool:
        """Whether an element is hidden by its own attribute or by its style."""
        if tag == "section" and attr(el, "display") == "none":
            return True
        if tag == "p" and any(local(c.tag) == "hidden-paragraph" and attr(c, "is-hidden") == "true" for c in el):
            return True
        return tag in FAMILIES and (FAMILIES[tag], attr(el, "style-name")) in self.hidden_styles

    def text(self, el: Element) -> str:
        """The visible text of an element's children."""
        out: list[str] = []
        self.walk(el, out)
        return _tidy(out)

    def text_of(self, el: Element) -> str:
        """The visible text of one element itself (a paragraph, a list, a table)."""
        out: list[str] = []
        self._one(el, out, local(el.tag))
        return _tidy(out)

    def walk(self, el: Element, out: list[str]) -> None:
        """Append the visible text of el's children, and of the text between them, to `out`."""
        # text between children counts only inside paragraphs; elsewhere it is XML indentation
        mixed = el.tag.startswith(TEXT_NS) and local(el.tag) not in BLOCKS
        for c in el:
            tag = local(c.tag)
            if self.is_hidden(c, tag):
                hidden: list[str] = []
                self._one(c, hidden, tag)
                self.extra.append(("hidden-text", _tidy(hidden), {}))
            else:
                self._one(c, out, tag)
            if c.tail and mixed:
                out.append(c.tail)

    def _one(self, c: Element, out: list[str], tag: str) -> None:
        if tag in ("p", "h"):
            out.append(c.text or "")
            self.walk(c, out)
            out.append(NL)
        elif tag == "s":
            out.append(SP * min(int(attr(c, "c", "1") or 1), 100))
        elif tag == "tab":
            out.append(TAB)
        elif tag == "line-break":
            out.append(NL)
        elif tag == "note":
            body = next((x for x in c if local(x.tag) == "note-body"), c)
            part = "endnote" if attr(c, "note-class") == "endnote" else "footnote"
            self.extra.append((part, self.text(body), {}))
        elif tag == "annotation":
            self.extra.append(("comment", *self.annotation(c)))
        elif tag == "hidden-text":
            self.extra.append(("hidden-text", attr(c, "string-value"), {}))
        elif tag == "tracked-changes":
            self._regions(c)
        elif tag == "change-start" and self.changes.get(attr(c, "change-id"), ("",))[0] == "insertion":
            self.open[attr(c, "change-id")] = (out, len(out))
        elif tag == "change-end" and attr(c, "change-id") in self.open:
            buf, start = self.open.pop(attr(c, "change-id"))
            self.extra.append(("tracked-insertion", _tidy(buf[start:]), self.changes[attr(c, "change-id")][1]))
        elif tag == "table-row":
            self.walk(c, out)
            out.append(NL)
        elif tag == "table-cell":
            out.append(self.text(c).replace("\n", " ") + TAB)
        elif tag.endswith("-source") or tag in INLINE_SKIP:
            pass  # templates of indexes, notes pages (read per slide), alternative texts
        elif tag in FIELDS and not self.fields:
            pass
        else:
            # text-namespace elements (links, spans, fields) show their content; svg/draw ones do not
            if c.text and c.tag.startswith(TEXT_NS):
                out.append(c.text)
            self.walk(c, out)

    def annotation(self, el: Element) -> tuple[str, dict[str, str]]:
        """Text and (author, date) of an office:annotation."""
        info = {local(c.tag).replace("creator", "author"): (c.text or "").strip()
                for c in el if local(c.tag) in ("creator", "date")}
        paras = [self.text_of(c) for c in el if local(c.tag) in ("p", "list", "h")]
        return "\n".join(p for p in paras if p), info

    def _regions(self, el: Element) -> None:
        """Read text:tracked-changes: insertions are marked in the body, deletions hold their text."""
        for region in el:
            cid = attr(region, "id")
            for change in region:
                kind = local(change.tag)
                info_el = next((x for x in change if local(x.tag) == "change-info"), None)
                info = {}
                if info_el is not None:
                    info = {local(x.tag).replace("creator", "author"): (x.text or "").strip()
                            for x in info_el if local(x.tag) in ("creator", "date")}
                self.changes[cid] = (kind, info)
                if kind == "deletion":
                    deleted = [self.text_of(x) for x in change if local(x.tag) != "change-info"]
                    self.extra.append(("tracked-deletion", "\n".join(deleted), info))

    def flush(self, doc: Extracted) -> None:
        """Add the collected note, comment, change and hidden segments after the main text."""
        order = ("footnote", "endnote", "comment", "tracked-insertion", "tracked-deletion", "hidden-text")
        for part, text, attrs in sorted(self.extra, key=lambda x: order.index(x[0]) if x[0] in order else 99):
            doc.add_text(text, part=part, **{k: v for k, v in attrs.items() if v})
        self.extra.clear()


def _body(root: Element, walker: _Text, doc: Extracted, ctx: Context) -> None:
    """The document body: text flow, slides with their notes, or (flat files) sheets."""
    body = next((el for el in root if local(el.tag) == "body"), None)
    if body is None:
        raise ExtractionError("not an OpenDocument file: no office:body")
    for part in body:
        kind = local(part.tag)
        if kind == "text":
            doc.add_text(walker.text(part), part="body")
        elif kind in ("presentation", "drawing"):
            pages = [el for el in part if local(el.tag) == "page"]
            doc.metadata.setdefault("slide_count", len(pages))
            for number, page in enumerate(pages, 1):
                hidden = ("drawing-page", attr(page, "style-name")) in walker.hidden_styles
                doc.add_text(walker.text(page), part="hidden-slide" if hidden else "slide", number=number,
                             **({"name": attr(page, "name")} if attr(page, "name") else {}))
                for notes in (el for el in page if local(el.tag) == "notes"):
                    doc.add_text(walker.text(notes), part="speaker-notes", slide=number)
        elif kind == "spreadsheet":
            _Calc(walker, doc, ctx).feed(part, [body])


def _headers(styles: Element, walker: _Text, doc: Extracted) -> None:
    """Headers and footers of the master pages (styles.xml), each distinct text once."""
    seen: set[tuple[str, str]] = set()
    walker.fields = False
    for master in styles.iter():
        if local(master.tag) != "master-page":
            continue
        for el in master:
            if local(el.tag) in HEADERS and attr(el, "display") != "false":
                part = local(el.tag).split("-")[0]
                text = walker.text(el)
                # with its fields left out, a default "Page 1 / 99" footer says nothing
                if (part, text) not in seen and re.search(r"\w", re.sub(r"(?i)\bpage\b", "", text)):
                    seen.add((part, text))
                    doc.add_text(text, part=part)
    walker.fields = True


def _objects(parts: ZipParts, ctx: Context) -> Iterator[Child]:
    """Pictures as `media/<name>`, binary embedded objects (OLE) as `embeddings/<name>`."""
    folder: Path | None = None
    names = parts.names()
    for i, name in enumerate(names):
        if name.endswith("/"):
            continue
        if name.startswith("Pictures/"):
            child = f"media/{name.rsplit('/', 1)[-1]}"
        elif "/" not in name and name.startswith("Object "):
            child = f"embeddings/{name}"
        else:
            continue
        folder = folder or ctx.tempdir()
        dest = folder / f"member-{i}"
        parts.copy_to(name, dest)
        yield Child(name=child, path=dest)


def _a1(col: int, row: int) -> str:
    letters = ""
    while col > 0:
        col, r = divmod(col - 1, 26)
        letters = chr(65 + r) + letters
    return f"{letters}{row}"


class _Calc:
    """Spreadsheet tables fed element by element (streamed from content.xml, or from a tree)."""

    def __init__(self, walker: _Text, doc: Extracted, ctx: Context) -> None:
        self.walker, self.doc, self.ctx = walker, doc, ctx
        self.room = int(ctx.settings.max_text)
        self.table: Element | None = None
        self.cut = False

    def stream(self, parts: ZipParts) -> None:
        """Read content.xml as a stream, dropping each row once it is read."""
        stack: list[Element] = []
        for event, el in parts.iterparse("content.xml", ("start", "end")):
            if event == "start":
                stack.append(el)
            else:
                stack.pop()
            self.event(event, el, stack)
            if event == "end" and local(el.tag) in ("table-row", "table") and stack:
                stack[-1].remove(el)
            if self.cut:
                break

    def feed(self, el: Element, stack: list[Element]) -> None:
        """Replay a parsed tree as start/end events (flat files)."""
        stack.append(el)
        self.event("start", el, stack)
        for c in el:
            if self.cut:
                break
            self.feed(c, stack)
        stack.pop()
        self.event("end", el, stack)

    def event(self, event: str, el: Element, stack: list[Element]) -> None:
        """Handle one element (`stack` holds its ancestors, and itself on start)."""
        tag = local(el.tag)
        if event == "start":
            if tag == "table" and self.table is None and len(stack) > 1 and local(stack[-2].tag) == "spreadsheet":
                self.begin(el)
        elif tag == "style":
            self.walker.hidden_styles |= _hidden_styles(el)
        elif self.table is None or self.cut:
            return
        elif tag in ("table-column", "table-row") and self._ours(stack):
            (self.column if tag == "table-column" else self.row)(el)
        elif tag == "table" and el is self.table:
            self.end()

    def _ours(self, stack: list[Element]) -> bool:
        """Whether the element is in the current top-level table (not in a table nested in a cell)."""
        return next((x for x in reversed(stack) if local(x.tag) == "table"), None) is self.table

    def begin(self, el: Element) -> None:
        self.table, self.name = el, attr(el, "name")
        self.lines: list[str] = []
        self.hidden: list[str] = []
        self.comments: list[tuple[str, dict[str, str]]] = []
        self.hidden_cols: set[int] = set()
        self.ncols = self.nrows = 0

    def column(self, el: Element) -> None:
        repeat = min(int(attr(el, "number-columns-repeated", "1") or 1), 16384)
        if attr(el, "visibility", "visible") != "visible":
            self.hidden_cols.update(range(self.ncols + 1, self.ncols + repeat + 1))
        self.ncols += repeat

    def row(self, el: Element) -> None:
        repeat = int(attr(el, "number-rows-repeated", "1") or 1)
        shown: list[tuple[int, str]] = []
        unseen: list[tuple[int, str]] = []
        pos = 0
        for cell in el:
            if local(cell.tag) not in ("table-cell", "covered-table-cell"):
                continue
            crepeat = int(attr(cell, "number-columns-repeated", "1") or 1)
            text = self.cell(cell, pos + 1)
            for i in range(min(crepeat, MAX_REPEAT) if text else 0):
                (unseen if pos + 1 + i in self.hidden_cols else shown).append((pos + 1 + i, text))
            pos += crepeat
        if attr(el, "visibility", "visible") != "visible":
            shown, unseen = [], sorted(shown + unseen)
        for cells, sink in ((shown, self.lines), (unseen, self.hidden)):
            if cells:
                line = tab_line(cells)
                for _ in range(min(repeat, MAX_REPEAT)):
                    sink.append(line)
                    self.room -= len(line) + 1
        self.nrows += repeat
        if self.room < 0:
            self.cut = True
            self.end()

    def cell(self, cell: Element, col: int) -> str:
        """The displayed text of a cell (its paragraphs); comments are set aside."""
        paras = []
        for c in cell:
            if local(c.tag) == "annotation":
                text, info = self.walker.annotation(c)
                self.comments.append((text, {"cell": _a1(col, self.nrows + 1), **info}))
            elif local(c.tag) in ("p", "h", "list"):
                paras.append(self.walker.text_of(c))
        text = " ".join(p for p in paras if p).strip()
        return text or attr(cell, "value") or attr(cell, "date-value") or attr(cell, "string-value")

    def end(self) -> None:
        hidden = ("table", attr(self.table, "style-name")) in self.walker.hidden_styles if self.table is not None else False
        self.doc.add_text("\n".join(self.lines), part="hidden-sheet" if hidden else "sheet", name=self.name)
        self.doc.add_text("\n".join(self.hidden), part="hidden-text", sheet=self.name)
        for text, info in self.comments:
            self.doc.add_text(text, part="cell-comment", sheet=self.name, **{k: v for k, v in info.items() if v})
        self.table = None
        if self.cut:
            self.doc.flag(f"truncated at {int(self.ctx.settings.max_text) // MB} MB")
