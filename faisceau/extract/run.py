"""The extract stage: identify an item, run the best extractor, spool its children."""

from __future__ import annotations

import errno
import os
import shutil
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypedDict

from ..exc import ExtractionError, LimitExceeded, Skipped, UnsupportedFormat
from ..model import Child, Extracted
from ..reasons import item_paths, scrub
from ..store.blobs import BlobStore
from .base import Context, Extractor, choose
from .identify import probe as make_probe

CHUNK = 1000  # children handed on in chunks of this many, so a huge container never sits in memory
MEMORY_REASON = "memory limit exceeded"


class ChildRecord(TypedDict, total=False):
    """A child found by extraction, as the orchestrator records it: its name and, with content, its blob."""

    name: str
    name_raw: bytes | None
    mime_hint: str | None
    metadata: dict[str, Any]
    status: str | None
    reason: str | None
    sha256: str
    size: int


def out_of_memory(e: BaseException) -> bool:
    """Whether an error is the worker's address-space limit: Python's MemoryError, or ENOMEM
    from an allocation outside Python (a memory map, a C library's buffer)."""
    return isinstance(e, MemoryError) or (isinstance(e, OSError) and e.errno == errno.ENOMEM)


def extract_item(file: Path, name: str, mime_hint: str | None, ctx: Context, blobs: BlobStore,
                 emit: Callable[[list[ChildRecord]], None] | None = None) -> dict[str, Any]:
    """Extract one item; returns a JSON-able result with status, reason, content and children.

    With `emit`, children are handed to it in chunks as they are found and the result holds
    only the last ones. Never raises for data errors: they become `failed`/`skipped` with a
    reason, and what was extracted before the error (text, pages, children) is kept.
    """
    started = time.monotonic()
    doc = Extracted()
    children: list[ChildRecord] = []
    status, reason = "ok", None
    known = item_paths(file, name)  # the item's file stands for its name in any reason
    try:
        pr = make_probe(file, name, mime_hint)
        doc.mime = pr.mime
        if pr.size == 0:
            doc.kind = "other"
            doc.flag("empty")
        else:
            cls = choose(pr)
            if cls is None:
                raise UnsupportedFormat(pr.mime)
            doc.kind, doc.extractor, doc.extractor_version = cls.KIND, cls.NAME, _version(cls)
            try:
                count = 0
                for child in cls().extract(file, doc, ctx):
                    if child.reason:  # a member's reason may quote a tool naming a scratch file
                        child.reason = scrub(child.reason, known)
                    children.append(_spool(child, blobs))
                    count += 1
                    if count > ctx.settings.max_members:
                        raise LimitExceeded(f"member limit {ctx.settings.max_members} exceeded")
                    if emit is not None and len(children) >= CHUNK:
                        emit(children)
                        children = []
            finally:
                _empty(ctx.scratch)
    except (ExtractionError, Skipped) as e:
        # a data error's text may quote a library naming the file it was given
        status, reason = e.status, scrub(e.reason, known)
    except (MemoryError, OSError) as e:
        if not out_of_memory(e):
            raise
        status, reason = "failed", MEMORY_REASON
    except RecursionError:
        status, reason = "failed", "structure too deeply nested"
    if doc.warnings:  # shown and exported like reasons: no path of the machine either
        doc.warnings[:] = [scrub(w, known) for w in doc.warnings]
    text = doc.text
    limit = int(ctx.settings.max_text)
    if len(text) > limit:  # code points, close enough to bytes for a cap
        text = text[:limit]
        doc.flag(f"truncated at {human_size(limit)}")
    return {
        "status": status,
        "reason": reason,
        "seconds": round(time.monotonic() - started, 4),
        "content": {
            "mime": doc.mime, "kind": doc.kind, "extractor": doc.extractor,
            "extractor_version": doc.extractor_version, "metadata": doc.metadata, "flags": doc.flags,
            "warnings": doc.warnings,
            "segments": [{"part": s.part, "start": s.start, "end": s.end, "attrs": s.attrs} for s in doc.segments],
            "pages": [{"number": p.number, "start": p.start, "end": p.end, "needs_ocr": p.needs_ocr, "attrs": p.attrs}
                      for p in doc.pages],
            "text": text,
        },
        "children": children,
    }


def _spool(child: Child, blobs: BlobStore) -> ChildRecord:
    """Store a child's content in the blob store (by SHA-256); describe it."""
    out: ChildRecord = {
        "name": _clean_name(child.name), "name_raw": child.name_raw, "mime_hint": child.mime_hint,
        "metadata": child.metadata, "status": child.status, "reason": child.reason,
    }
    if child.data is not None:
        sha, size = blobs.put_bytes(child.data)
    elif child.path is not None:
        # scratch and blobs are in one project folder, on one filesystem: a rename, no copy
        sha, size = blobs.put_file(Path(child.path))
    else:
        return out
    out["sha256"], out["size"] = sha, size
    return out


_VERSIONS: dict[str, str] = {}


def _version(cls: type[Extractor]) -> str:
    """An extractor's version (asking a package's metadata costs milliseconds: once per process)."""
    if cls.NAME not in _VERSIONS:
        _VERSIONS[cls.NAME] = cls.version()
    return _VERSIONS[cls.NAME]


def human_size(n: int) -> str:
    """50 MB, 4 KB, 300 bytes: how limits are named in reasons and flags."""
    for unit, size in (("GB", 1 << 30), ("MB", 1 << 20), ("KB", 1 << 10)):
        if n >= size:
            return f"{n / size:g} {unit}"
    return f"{n} bytes"


def _empty(folder: Path) -> None:
    """Remove whatever an extractor left in the worker's scratch folder."""
    with os.scandir(folder) as entries:
        for e in entries:
            if e.is_dir(follow_symlinks=False):
                shutil.rmtree(e.path, ignore_errors=True)
            else:
                os.unlink(e.path)


def _clean_name(name: str) -> str:
    """A provenance segment: no NUL, no container separator confusion, not empty."""
    name = name.replace("\x00", "").replace("!/", "!_/").strip() or "unnamed"
    return name

