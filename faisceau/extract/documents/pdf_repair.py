"""Looking at a PDF's bytes before trusting a parser with them, and repairing broken files.

pdfium rebuilds a missing cross-reference table by itself, but gives up on files with
junk before the header beyond 1 KB, no trailer at all, or a cut in the middle of an
object. Those go through qpdf (a plain rewrite, which reconstructs the xref) and then
MuPDF's `mutool clean` (which also finds the catalog without a trailer); a file cut in the
middle of an object is first cut back to its last complete object, which both parsers
then accept. Tools run through `ctx.run`, without network, writing under `ctx.scratch`.
"""

from __future__ import annotations

import mmap
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from ...exc import ToolMissing
from ..base import Context

# pdfium looks for the header in the first 1 KB; we look further so that a file with a
# longer prefix (a mail gateway's banner, a carved file) still reaches the repair path.
HEADER_WINDOW = 1 << 20
# %%EOF may be followed by a little junk (padding, a stray line) in real files.
EOF_WINDOW = 1024
_HEADER = re.compile(rb"%PDF-(\d\.\d)")
_AFTER_OBJECTS = (b"xref", b"trailer", b"startxref")
_OBJECT = re.compile(rb"\d+\s+\d+\s+obj\b")
# Settings naming the repair tools, in the order they are tried.
REPAIR_TOOLS = ("qpdf", "mutool")


@dataclass(frozen=True)
class Layout:
    """What the raw bytes say: where the header is, the version it claims, how the file ends."""

    size: int
    header_offset: int  # -1 when there is no %PDF- header in the window
    version: str | None
    has_eof: bool  # %%EOF near the end
    ends_mid_object: bool  # cut inside an object: bytes after the last `endobj` are not xref/trailer
    last_endobj_end: int  # offset just after the last `endobj`, -1 if none

    @property
    def looks_truncated(self) -> bool:
        """The file stops inside its body rather than at a structure boundary."""
        return not self.has_eof and self.ends_mid_object


def inspect(path: Path) -> Layout:
    """Read the header and the ending of the file without loading it in memory."""
    size = path.stat().st_size
    if size == 0:
        return Layout(0, -1, None, False, False, -1)
    with path.open("rb") as f, mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ) as m:
        found = _HEADER.search(m, 0, min(size, HEADER_WINDOW))
        header_offset = found.start() if found else (m.find(b"%PDF", 0, HEADER_WINDOW))
        version = found.group(1).decode() if found else None
        has_eof = m.rfind(b"%%EOF", max(0, size - EOF_WINDOW)) >= 0
        k = m.rfind(b"endobj")
        last_end = k + len(b"endobj") if k >= 0 else -1
        if has_eof:
            mid = False
        else:
            # Only the tail after the last object matters; bound what we copy of it.
            rest = bytes(m[max(last_end, 0): max(last_end, 0) + (64 << 10)])
            # A file without a single object header is damaged, not cut short.
            mid = (bool(rest.strip()) and not any(tok in rest for tok in _AFTER_OBJECTS)
                   and _OBJECT.search(m, 0, min(size, HEADER_WINDOW)) is not None)
    return Layout(size, header_offset, version, has_eof, mid, last_end)


def repairs(path: Path, layout: Layout, ctx: Context) -> Iterator[tuple[Path, str]]:
    """Yield repaired copies of the file, best first, with the tool that made each.

    Lazily, so that the caller stops at the first copy that opens with pages. Raise
    ToolMissing only when no repair tool at all is installed.
    """
    tools: dict[str, str] = {}
    missing: list[ToolMissing] = []
    for name in REPAIR_TOOLS:
        try:
            tools[name] = ctx.tool(name)
        except ToolMissing as e:
            missing.append(e)
    if not tools:
        raise missing[0]
    work = ctx.tempdir()
    source = path
    if layout.looks_truncated and layout.last_endobj_end > 0:
        # Neither tool recovers a file cut inside an object reliably; cut it back to
        # its last complete object so that everything before the cut is kept.
        source = work / "cut.pdf"
        _copy_prefix(path, source, layout.last_endobj_end)
    for name, exe in tools.items():
        out = work / f"{name}.pdf"
        verb = ["clean"] if name == "mutool" else []
        result = ctx.run([exe, *verb, str(source), str(out)],
                         timeout=max(30.0, ctx.settings.time_limit / 2))
        # qpdf exits 3 when it succeeded with warnings, which is the normal case here.
        if out.is_file() and out.stat().st_size > 0 and result.returncode in (0, 3):
            yield out, name


def _copy_prefix(src: Path, dst: Path, length: int) -> None:
    """Copy the first `length` bytes of src to dst in bounded chunks, ending with a newline."""
    with src.open("rb") as fin, dst.open("wb") as fout:
        left = length
        while left > 0:
            chunk = fin.read(min(left, 1 << 20))
            if not chunk:
                break
            fout.write(chunk)
            left -= len(chunk)
        fout.write(b"\n")
