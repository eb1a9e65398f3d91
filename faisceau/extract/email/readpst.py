"""The PST fallback when libpff's Python binding is absent: readpst writes one .eml per item."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

from ...exc import ExtractionError
from ...model import Child, Extracted
from ..base import Context

_NUMBERED = re.compile(r"^(\d+)(?:\.\w+)?$")


def _order(p: Path) -> tuple[int, str]:
    m = _NUMBERED.match(p.name)
    return (int(m.group(1)) if m else 1 << 30, p.name)


def extract_with_readpst(path: Path, doc: Extracted, ctx: Context) -> Iterator[Child]:
    """Run readpst (no network, under the deadline) and yield its messages `<folder>/<n>`."""
    tool = ctx.tool("readpst")
    out = ctx.tempdir()
    # -e: one RFC 822 file per item with an extension; -D: deleted items too; -8: UTF-8 bodies
    proc = ctx.run([tool, "-q", "-e", "-D", "-8", "-b", "-j", "0", "-o", str(out), str(path.resolve())])
    files = sorted((p for p in out.rglob("*") if p.is_file()), key=lambda p: (str(p.parent), _order(p)))
    if proc.returncode != 0 and not files:
        err = proc.stderr.decode("utf-8", "replace").strip().splitlines()
        raise ExtractionError(f"readpst failed: {err[-1] if err else proc.returncode}"[:200])
    folders: dict[str, int] = {}
    for p in files:
        folder = "/".join(part.replace("!", "_") for part in p.parent.relative_to(out).parts) or "_"
        folders[folder] = folders.get(folder, 0) + 1
        yield Child(name=f"{folder}/{folders[folder]}", path=p, mime_hint="message/rfc822",
                    metadata={"folder": folder})
    doc.metadata["folders"] = [{"path": k, "messages": v} for k, v in folders.items()]
    doc.metadata["message_count"] = sum(folders.values())
    doc.warnings.append("read with readpst (pypff not installed)")
