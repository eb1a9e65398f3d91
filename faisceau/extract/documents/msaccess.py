"""Microsoft Access databases (`.mdb`, `.accdb`): each table's rows as text, through mdbtools.

`mdb-tables` lists the user tables and `mdb-export` writes each as CSV; both run through
`ctx.run` (no network, killed at the item's deadline). A table is one segment named after it:
its column names, then one tab-separated line per row. Binary columns (OLE objects,
attachments) are left out (`-b strip`), dates are written in ISO form. Reading stops at the
text budget (`max_text`). Without mdbtools the item is skipped `mdbtools not installed`, which
a later ingest retries once it is installed (like every missing tool).
"""

from __future__ import annotations

import csv
import io
import shutil
from collections.abc import Iterator
from pathlib import Path

from ...exc import ExtractionError, ToolMissing
from ...model import Child, Extracted
from ..base import Context, Extractor, register
from ..run import human_size

# Jet 3/4 and ACE (2007+) files carry the format name at offset 4
MAGIC = (b"\x00\x01\x00\x00Standard Jet DB", b"\x00\x01\x00\x00Standard ACE DB")
MAX_TABLES = 10_000  # beyond that the catalogue is hostile or absurd


@register
class AccessExtractor(Extractor):
    """An Access database: every user table's rows (mdb-tables, mdb-export)."""

    NAME = "msaccess"
    VERSION = "1"
    KIND = "spreadsheet"
    SCORE = 20
    TOOLS = ("mdb_tables", "mdb_export")
    MIME_TYPES = frozenset({"application/x-msaccess", "application/vnd.ms-access", "application/msaccess"})
    EXTENSIONS = frozenset({"mdb", "accdb", "mde", "accde"})
    MAGIC = MAGIC

    def extract(self, path: Path, doc: Extracted, ctx: Context) -> Iterator[Child]:
        """List the tables, export each in turn until the text budget is spent."""
        tables_tool, export_tool = _tool(ctx, "mdb_tables"), _tool(ctx, "mdb_export")
        doc.kind, doc.mime = self.KIND, "application/x-msaccess"
        # a safe name: the tools are given a path, and a member's own name may be hostile
        work = ctx.tempdir()
        src = work / "database.mdb"
        shutil.copyfile(path, src)
        listed = ctx.run([tables_tool, "-1", str(src)], cwd=work)
        if listed.returncode != 0:
            raise ExtractionError(f"unreadable Access database (encrypted or damaged): {_last_line(listed.stderr, listed.returncode)}")
        tables = [t for t in listed.stdout.decode("utf-8", "replace").splitlines() if t.strip()]
        if len(tables) > MAX_TABLES:
            raise ExtractionError(f"too many tables: {len(tables)} over {MAX_TABLES}")
        doc.metadata["tables"] = [t[:200] for t in tables[:1000]]
        doc.metadata["table_count"] = len(tables)
        room = int(ctx.settings.max_text)
        rows_total = 0
        for table in tables:
            out = ctx.run([export_tool, "-b", "strip", "-D", "%Y-%m-%d", "-T", "%Y-%m-%d %H:%M:%S",
                           str(src), table], cwd=work)
            if out.returncode != 0:
                doc.warnings.append(f"table {table[:100]}: {_last_line(out.stderr, out.returncode)}")
                continue
            lines, rows, room, error = _table_lines(out.stdout, room)
            if error:
                doc.warnings.append(f"table {table[:100]} cut short: {error}")
            rows_total += rows
            doc.add_text("\n".join(lines), part="table", name=table[:200], rows=rows)
            if room < 0:
                doc.flag(f"truncated at {human_size(int(ctx.settings.max_text))}")
                break
        doc.metadata["row_count"] = rows_total
        return
        yield  # pragma: no cover  (tables are text, not children)


def _tool(ctx: Context, setting: str) -> str:
    """An mdbtools program; `mdbtools not installed` names the package to install, not the program."""
    try:
        return ctx.tool(setting)
    except ToolMissing:
        raise ToolMissing("mdbtools") from None


def _table_lines(csv_bytes: bytes, room: int) -> tuple[list[str], int, int, str]:
    """(header and row lines, rows read, budget left, why it stopped early or '') of one
    table's CSV export."""
    lines: list[str] = []
    rows = 0
    error = ""
    reader = csv.reader(io.StringIO(csv_bytes.decode("utf-8", "replace"), newline=""))
    try:
        for n, record in enumerate(reader):
            line = "\t".join(v.replace("\t", " ").replace("\r", " ").replace("\n", " ").strip() for v in record)
            room -= len(line) + 1
            if room < 0:
                break
            lines.append(line)
            rows += n > 0  # the first line is the column names
    except csv.Error as e:  # a damaged row (or one over csv's field limit) ends the table
        error = str(e)[:100]
    return lines, rows, room, error


def _last_line(stderr: bytes, code: int) -> str:
    """The last line the tool wrote (its own summary of the error), or its exit code."""
    lines = [ln.strip() for ln in stderr.decode("utf-8", "replace").splitlines() if ln.strip()]
    return lines[-1][:150] if lines else f"exit code {code}"
