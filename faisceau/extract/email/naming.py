"""Child names for attachments and messages: safe, unique, readable."""

from __future__ import annotations

import mimetypes
import os
import re
import tempfile
from pathlib import Path

from ...model import Child

_UNSAFE = re.compile(r"[\x00-\x1f\x7f/\\]+")
MAX_NAME = 200
# children larger than this are written to scratch rather than held in memory
SPILL_BYTES = 1 << 20

_EXTRA_EXT = {"message/rfc822": ".eml", "application/ms-tnef": ".dat", "application/vnd.ms-tnef": ".dat",
              "text/plain": ".txt", "application/octet-stream": ".bin", "text/calendar": ".ics",
              "text/rfc822-headers": ".txt", "message/delivery-status": ".txt"}


def safe_name(name: str | None) -> str:
    """A file name without folders, control characters or leading dots; '' if nothing is left."""
    if not name:
        return ""
    base = re.split(r"[/\\]", name.strip())[-1]
    base = _UNSAFE.sub("_", base).strip().lstrip(".").strip()
    if len(base) > MAX_NAME:
        stem, dot, ext = base.rpartition(".")
        base = (stem[: MAX_NAME - len(ext) - 1] + "." + ext) if dot and len(ext) < 10 else base[:MAX_NAME]
    return base


def ext_for(mime: str) -> str:
    """A file extension (with dot) for a MIME type, '.bin' when none is known."""
    return _EXTRA_EXT.get(mime) or mimetypes.guess_extension(mime, strict=False) or ".bin"


class Names:
    """Hands out unique names under a prefix (`attachments/report.pdf`, `report (2).pdf`)."""

    def __init__(self, prefix: str = "attachments/") -> None:
        self.prefix = prefix
        self.used: set[str] = set()
        self.next: dict[str, int] = {}  # where to resume numbering each name (many equal names)

    def take(self, name: str) -> str:
        """A unique child name for `name` (already made safe)."""
        stem, dot, ext = name.rpartition(".")
        if not dot or not stem:
            stem, ext = name, ""
        candidate, n = name, self.next.get(name.lower(), 1)
        while candidate.lower() in self.used:
            n += 1
            candidate = f"{stem} ({n}).{ext}" if ext else f"{stem} ({n})"
        self.next[name.lower()] = n
        self.used.add(candidate.lower())
        return self.prefix + candidate


def make_child(name: str, data: bytes, scratch: Path, mime_hint: str | None = None,
               metadata: dict[str, object] | None = None) -> Child:
    """A child holding `data`, written to a scratch file when large to keep memory bounded."""
    meta = dict(metadata or {})
    if len(data) <= SPILL_BYTES:
        return Child(name=name, data=data, mime_hint=mime_hint, metadata=meta)
    fd, tmp = tempfile.mkstemp(dir=scratch, prefix="child-")
    with os.fdopen(fd, "wb") as f:
        f.write(data)
    path = Path(tmp)
    return Child(name=name, path=path, mime_hint=mime_hint, metadata=meta)
