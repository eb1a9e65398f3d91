"""dBASE / FoxPro / xBase tables (`.dbf`): field names and rows as text, through dbfread.

The first line is the field names, then one tab-separated line per record. Records marked
deleted are still in the file until it is packed: they are kept too, as a `deleted-records`
segment (what someone removed is often what matters). A memo file (`.dbt`/`.fpt`) beside the
table is not reachable from one item: memo fields then read empty, with a warning. Reading
stops at the text budget (`max_text`) and the time limit, and a field that does not parse as
its declared type is given as its raw text rather than failing the table.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from ...exc import ExtractionError, LimitExceeded
from ...model import Child, Extracted
from ..base import Context, Extractor, register
from ..run import human_size
from .charset import decode

SAMPLE = 256 * 1024  # bytes of records sampled to guess an undeclared code page
# the first byte (version) of the dBASE family; with a plausible header size it tells a table
VERSIONS = frozenset({0x02, 0x03, 0x04, 0x05, 0x30, 0x31, 0x32, 0x43, 0x63, 0x7B, 0x83, 0x8B, 0x8C, 0x8E, 0xCB, 0xF5, 0xFB})


@register
class DbfExtractor(Extractor):
    """A dBASE table: its field names and records as text; deleted records kept apart."""

    NAME = "dbf"
    VERSION = "1"
    KIND = "spreadsheet"
    SCORE = 20
    MIME_TYPES = frozenset({"application/x-dbf", "application/dbf", "application/x-dbase", "application/dbase"})
    EXTENSIONS = frozenset({"dbf"})

    @classmethod
    def version(cls) -> str:
        """Our version and dbfread's."""
        import dbfread

        return f"{cls.VERSION}+dbfread{dbfread.__version__}"

    def extract(self, path: Path, doc: Extracted, ctx: Context) -> Iterator[Child]:
        """Read the header, then the records until the file, the text budget or the time ends."""
        from dbfread import DBF

        with open(path, "rb") as f:
            head = f.read(32)
        if len(head) < 32 or head[0] not in VERSIONS:
            raise ExtractionError("not a dBASE table: unknown header")
        encoding = _encoding(path)
        try:
            table = DBF(str(path), encoding=encoding, load=False, ignore_missing_memofile=True,
                        char_decode_errors="replace", parserclass=_lenient_parser())
        except (ValueError, OSError, EOFError, LookupError) as e:
            raise ExtractionError(f"unreadable dBASE table: {str(e)[:100]}") from None
        doc.kind, doc.mime = self.KIND, "application/x-dbf"
        names = list(table.field_names)
        meta = doc.metadata
        meta.update(fields=names[:500], record_count=table.header.numrecords, encoding=table.encoding)
        if table.date:
            meta["last_updated"] = table.date.isoformat()
        if getattr(table, "memofilename", None) is None and any(f.type in "MGPB" for f in table.fields):
            doc.warnings.append("memo fields not read: the memo file (.dbt/.fpt) is a separate file")
        room = int(ctx.settings.max_text)
        for records, part in ((table, "table"), (table.deleted, "deleted-records")):
            lines = ["\t".join(names)] if part == "table" else []
            room -= sum(len(line) + 1 for line in lines)
            try:
                room = _rows(records, lines, room, ctx)
            except (ValueError, OSError, EOFError, IndexError, LookupError) as e:
                doc.warnings.append(f"records cut short: {str(e)[:100]}")
                doc.flag("truncated")
            if part == "table" or len(lines) > 0:
                doc.add_text("\n".join(lines), part=part)
            if room < 0:
                doc.flag(f"truncated at {human_size(int(ctx.settings.max_text))}")
                break
        return
        yield  # pragma: no cover  (a table has no children)


def _rows(records: Any, lines: list[str], room: int, ctx: Context) -> int:
    """Append one tab-separated line per record until the budget is spent; the budget left."""
    for n, record in enumerate(records):
        if n % 1000 == 0 and time.monotonic() > ctx.deadline:
            raise LimitExceeded(f"time limit {ctx.settings.time_limit} s exceeded at record {n + 1}")
        line = "\t".join(_cell(v) for v in record.values())
        room -= len(line) + 1
        if room < 0:
            return room
        lines.append(line)
    return room


def _cell(value: Any) -> str:
    """A field value as text on one line."""
    if value is None:
        return ""
    if isinstance(value, bytes):
        return value.decode("latin-1").strip("\x00 ")
    if hasattr(value, "isoformat"):
        return str(value.isoformat())
    return str(value).replace("\t", " ").replace("\r", " ").replace("\n", " ").strip()


def _encoding(path: Path) -> str | None:
    """None when the header names a code page (dbfread maps it); otherwise one guessed from
    the records (dbfread would read an undeclared one as ASCII and fail on the first accent)."""
    with open(path, "rb") as f:
        header = f.read(32)
        language_driver = header[29]
        if language_driver != 0:
            return None
        header_len = int.from_bytes(header[8:10], "little")
        f.seek(header_len)
        sample = f.read(SAMPLE)
    if sample.isascii():
        return "ascii"
    return decode(sample)[1]


def _lenient_parser() -> type[Any]:
    """dbfread's field parser, giving a field that does not parse as its type as raw text."""
    from dbfread import FieldParser

    class Lenient(FieldParser):  # type: ignore[misc]
        def parse(self, field: Any, data: bytes) -> Any:
            try:
                return super().parse(field, data)
            except (ValueError, KeyError, IndexError, UnicodeDecodeError, OSError):
                return data.decode(self.encoding or "latin-1", "replace").strip("\x00 ")

    return Lenient
