"""Plain text, CSV/TSV, JSON, XML and other text files: the text of the file, decoded.

The fallback for anything textual: a low score so that every specific extractor (HTML,
e-mail, calendar…) wins when it matches. The file is read up to the `max_text` limit only,
so a 10 GB log costs no more than the limit; the rest is marked truncated.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterator
from pathlib import Path

from lxml import etree

from ...model import Child, Extracted
from ..base import Context, Extractor, Probe, register
from .charset import decode_report, utf16_pattern

TABLE_DELIMITERS = {"csv": ",", "tsv": "\t", "tab": "\t", "psv": "|"}
TABLE_MIMES = {"csv": "text/csv", "tsv": "text/tab-separated-values", "tab": "text/tab-separated-values"}
XML_MIMES = frozenset({"text/xml", "application/xml"})
JSON_EXTENSIONS = frozenset({"json", "geojson"})
# Counting rows means parsing the whole table: done only below this many characters.
ROW_COUNT_LIMIT = 16 * 1024 * 1024
SNIFF_BYTES = 4096  # csv.Sniffer is regex-heavy: a small sample keeps it fast on any input
_XML_DECL = re.compile(rb"""^\s*<\?xml[^>]*encoding\s*=\s*["']([A-Za-z0-9._:\-]+)""")


def size_label(n: int) -> str:
    """A short size for a flag: '50 MB', '64 KB', '1000 bytes'."""
    for unit, size in (("GB", 1 << 30), ("MB", 1 << 20), ("KB", 1 << 10)):
        if n >= size and n % size == 0:
            return f"{n // size} {unit}"
    return f"{n} bytes"


@register
class PlainTextExtractor(Extractor):
    """Any text file: decoded with charset detection; tables and XML get a little more."""

    NAME = "plain"
    VERSION = "1"
    MIME_TYPES = frozenset({
        "text/plain", "text/csv", "text/tab-separated-values", "application/json",
        "application/x-ndjson", "application/ld+json", "text/markdown", "text/x-log",
        "text/xml", "application/xml", "application/x-yaml", "text/x-yaml", "application/yaml",
        "application/toml", "application/x-subrip", "text/vtt", "application/x-empty",
        "inode/x-empty",
    })
    EXTENSIONS = frozenset({
        "txt", "text", "csv", "tsv", "tab", "psv", "log", "md", "markdown", "rst", "json",
        "jsonl", "ndjson", "geojson", "xml", "ini", "cfg", "conf", "yaml", "yml", "toml",
        "properties", "srt", "vtt", "nfo", "sql", "tex", "asc",
    })
    SCORE = 5
    KIND = "text"

    @classmethod
    def match(cls, probe: Probe) -> int:
        """Text by MIME type or extension; octet-stream only when it is UTF-16 without BOM."""
        if probe.mime == "application/octet-stream":
            # Binary junk is not text whatever its name; UTF-16 without BOM is what libmagic misses.
            return cls.SCORE if utf16_pattern(probe.head) else 0
        score = super().match(probe)
        # libmagic names source code and odd text text/x-…; RTF read as text is markup soup.
        if not score and probe.mime.startswith("text/") and probe.mime != "text/rtf":
            score = cls.SCORE
        return score

    def extract(self, path: Path, doc: Extracted, ctx: Context) -> Iterator[Child]:
        """Decode the file (up to max_text bytes) and add it as one body segment."""
        doc.kind = self.KIND
        limit = ctx.settings.max_text
        with open(path, "rb") as f:
            raw = f.read(limit + 1)
        truncated = len(raw) > limit
        raw = raw[:limit]
        ext = path.suffix.lower().lstrip(".")
        if not raw:
            return
        if ext == "xml" or doc.mime in XML_MIMES or (not ext and _XML_DECL.match(raw)):
            text = _xml_text(raw, doc) if not truncated else None
            if text is not None:
                doc.add_text(text)
                return
        declared = _XML_DECL.match(raw)
        decoded = decode_report(raw, declared.group(1).decode("ascii") if declared else None,
                                partial=truncated)
        text = decoded.text
        doc.metadata["encoding"] = decoded.encoding
        if decoded.replaced:
            doc.flag("encoding errors")
        if ext in JSON_EXTENSIONS or doc.mime == "application/json":
            doc.mime = "application/json"
            text = _json_unescaped(text)
        if ext in TABLE_DELIMITERS or doc.mime in ("text/csv", "text/tab-separated-values"):
            _table_shape(text, ext, doc)
        doc.add_text(text)
        if truncated:
            doc.flag(f"truncated at {size_label(limit)}")
        return
        yield  # pragma: no cover  (a generator with no children)


def _xml_text(raw: bytes, doc: Extracted) -> str | None:
    """The text nodes of a well-formed XML file, one per line; None when it is not well-formed.

    A document declaring entities is not parsed at all (its raw text is kept, flagged):
    entity bombs and external entities are refused outright. Otherwise the parser neither
    loads a DTD nor resolves anything nor touches the network.
    """
    if b"<!ENTITY" in raw:
        doc.flag("xml entities not expanded")
        return None
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False,
                             huge_tree=False, remove_comments=True, remove_pis=True)
    try:
        root = etree.fromstring(raw, parser)
    except (etree.XMLSyntaxError, ValueError):
        doc.metadata["xml_wellformed"] = False
        return None
    if root is None:
        return None
    doc.metadata["xml_root"] = etree.QName(root).localname
    doc.metadata["encoding"] = (root.getroottree().docinfo.encoding or "utf-8").lower()
    lines = (t.strip() for t in root.itertext())
    return "\n".join(t for t in lines if t)


def _json_unescaped(text: str) -> str:
    """JSON with \\uXXXX escapes rewritten with the characters, so that 'été' is searchable."""
    if "\\u" not in text or len(text) > ROW_COUNT_LIMIT:
        return text
    try:
        return json.dumps(json.loads(text), ensure_ascii=False, indent=2)
    except (ValueError, RecursionError):
        return text  # not one JSON document (JSON lines, broken): keep it as it is


def _table_shape(text: str, ext: str, doc: Extracted) -> None:
    """Record delimiter, rows and columns of a CSV/TSV when it parses; never fails."""
    sample = text[:SNIFF_BYTES]
    if len(text) > SNIFF_BYTES and "\n" in sample:
        sample = sample[: sample.rfind("\n")]
    delimiter = TABLE_DELIMITERS.get(ext)
    try:
        delimiter = csv.Sniffer().sniff(sample, delimiters=",;\t|").delimiter
    except csv.Error:
        if delimiter is None:
            return  # libmagic's text/csv without a table in sight
    if ext in TABLE_MIMES:
        doc.mime = TABLE_MIMES[ext]
    doc.metadata["delimiter"] = delimiter
    try:
        reader = csv.reader(io.StringIO(sample), delimiter=delimiter)
        doc.metadata["columns"] = max((len(row) for row in reader), default=0)
        if len(text) <= ROW_COUNT_LIMIT:
            doc.metadata["rows"] = sum(1 for row in csv.reader(io.StringIO(text), delimiter=delimiter) if row)
    except csv.Error:
        pass  # a field over csv's size limit or a stray NUL: the text is what matters
