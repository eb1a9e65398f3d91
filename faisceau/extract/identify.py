"""Identify content by libmagic and extension together."""

from __future__ import annotations

from pathlib import Path

import magic

from .base import Probe

HEAD_BYTES = 8192
_MAGIC: magic.Magic | None = None


def _magic() -> magic.Magic:
    global _MAGIC
    if _MAGIC is None:
        _MAGIC = magic.Magic(mime=True)
    return _MAGIC


def mime_of(head: bytes, path: Path | None = None) -> str:
    """libmagic's MIME type, from the file when given (zip-based formats need more than the head)."""
    try:
        if path is not None:
            return _magic().from_file(str(path)) or "application/octet-stream"
        return _magic().from_buffer(head) or "application/octet-stream"
    except (magic.MagicException, OSError):
        return "application/octet-stream"


def probe(path: Path, name: str, mime_hint: str | None = None) -> Probe:
    """A Probe of the file at `path`, known by the provenance `name`."""
    with open(path, "rb") as f:
        head = f.read(HEAD_BYTES)
    size = path.stat().st_size
    mime = "application/x-empty" if size == 0 else mime_of(head, path)
    return Probe(name=name, mime=mime, head=head, size=size, mime_hint=mime_hint)
