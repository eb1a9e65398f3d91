"""Identify content by libmagic and extension together."""

from __future__ import annotations

import os
from pathlib import Path

import magic

from .base import Probe
from .documents.charset import mostly_text

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
        size = os.fstat(f.fileno()).st_size
    if size == 0:
        mime = "application/x-empty"
    elif mime_hint == "message/rfc822" and _is_message(head):
        # a message split out of a mailbox or a message/rfc822 part whose bytes do open with a
        # mail header block: libmagic would only say so more slowly (it is the costliest step here)
        mime = mime_hint
    else:
        mime = mime_of(head, path)
        if mime == "application/octet-stream" and mostly_text(head, partial=size > len(head)):
            # libmagic calls a text file binary for one control byte; it would be skipped and
            # never searched (issue 22): a few such bytes in text do not make it binary
            mime = "text/plain"
    return Probe(name=name, mime=mime, head=head, size=size, mime_hint=mime_hint)


def _is_message(head: bytes) -> bool:
    from .email.eml import sniff_headers

    return sniff_headers(head) >= 2
