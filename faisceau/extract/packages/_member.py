"""What every container extractor shares: a member record, the limits of one container,
streaming a member to scratch while counting, and building the member's Child."""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol

from ...exc import LimitExceeded
from ...model import Child
from ..base import Context, check_ratio
from ._names import NameBook

CHUNK = 1 << 20

# Reasons are short and groupable: the UI counts documents per reason.
ENCRYPTED = "encrypted"
BAD_CRC = "corrupt member: bad CRC"


@dataclass
class Member:
    """One entry of a container as listed, before extraction."""

    name: str
    index: int
    size: int | None = None
    packed: int | None = None
    mtime: str | None = None
    mode: int | None = None
    comment: str | None = None
    encrypted: bool = False
    kind: str = "file"  # file, dir, symlink, hardlink, device, fifo
    link: str | None = None
    name_raw: bytes | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    def metadata(self) -> dict[str, Any]:
        """Per-member metadata for the child (only what is known)."""
        meta: dict[str, Any] = {}
        if self.mtime:
            meta["mtime"] = self.mtime
        if self.size is not None:
            meta["size"] = self.size
        if self.packed is not None:
            meta["compressed_size"] = self.packed
        if self.mode is not None:
            meta["mode"] = oct(self.mode & 0o7777)
        if self.comment:
            meta["comment"] = self.comment
        if self.encrypted:
            meta["encrypted"] = True
        meta.update(self.extra)
        return meta

    def link_reason(self) -> str | None:
        """Why a non-regular member is recorded but never extracted, or None for a file."""
        if self.kind == "symlink":
            return f"symlink in archive -> {self.link or '?'}"
        if self.kind == "hardlink":
            return f"hardlink in archive -> {self.link or '?'}"
        if self.kind in ("device", "fifo"):
            return f"{self.kind} in archive"
        return None


def iso_from_timestamp(ts: float) -> str | None:
    """An epoch time as ISO 8601 UTC, or None when out of range (hostile headers)."""
    try:
        return datetime.fromtimestamp(ts, UTC).isoformat()
    except (OverflowError, OSError, ValueError):
        return None


class Readable(Protocol):
    """Anything with `read(n)`: a zip member, a tar member, a decompressing stream."""

    def read(self, n: int = -1, /) -> bytes: ...


class ExpansionExceeded(LimitExceeded):
    """The container's total expansion budget is spent: every further member is skipped."""


class Container:
    """The limits and naming of one container being unpacked."""

    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        self.names = NameBook()
        self.total = 0
        self.count = 0
        self.spent = False
        self.planned = 0  # bytes admitted for an external tool to write (see plan)
        self.dir = ctx.tempdir()

    @property
    def expansion_reason(self) -> str:
        return f"expansion limit {self.ctx.settings.max_expansion} bytes exceeded"

    def next_member(self) -> None:
        """Count a member; raise LimitExceeded past max_members (the caller stops there)."""
        self.count += 1
        limit = self.ctx.settings.max_members
        if self.count > limit:
            raise LimitExceeded(f"member limit {limit} exceeded")

    def check_declared(self, m: Member) -> None:
        """Refuse a member on its declared sizes, before reading any of it."""
        if m.size is None:
            return
        if m.size > self.ctx.settings.max_file_size:
            raise LimitExceeded(f"file size limit {self.ctx.settings.max_file_size} bytes exceeded")
        if m.packed is not None:
            check_ratio(m.packed, m.size, self.ctx)
        if self.total + m.size > self.ctx.settings.max_expansion:
            self.spent = True
            raise ExpansionExceeded(self.expansion_reason)

    def plan(self, m: Member, declared: Member | None = None) -> Child | None:
        """Admit a member that an external tool will write, on its declared sizes and the budget
        left; None when admitted, else the refused or skipped child to yield in its place."""
        try:
            self.check_declared(declared or m)
        except LimitExceeded as e:
            return self.refused(m, e)
        self.planned = max(self.planned, self.total) + (m.size or 0)
        if self.planned > self.ctx.settings.max_expansion:
            self.spent = True
            return self.skipped(m, self.expansion_reason)
        return None

    def account(self, m: Member, written: int, packed: int | None) -> None:
        """Check and count bytes already on disk (written by an external tool)."""
        if written > self.ctx.settings.max_file_size:
            raise LimitExceeded(f"file size limit {self.ctx.settings.max_file_size} bytes exceeded")
        if packed is not None:
            check_ratio(packed, written, self.ctx)
        if self.total + written > self.ctx.settings.max_expansion:
            self.spent = True
            raise ExpansionExceeded(self.expansion_reason)
        self.total += written

    def new_path(self) -> Path:
        """A fresh file path for the next member (named by count, never by member name)."""
        return self.dir / f"m{self.count:07d}"

    def copy(self, src: Readable, packed: int | Callable[[], int] | None) -> Path:
        """Stream `src` to a new scratch file in chunks, enforcing the per-member size, the
        expansion ratio on the bytes actually produced (headers lie) and the container's
        total; a refused member leaves no file behind."""
        dest = self.new_path()
        written = 0
        s = self.ctx.settings
        try:
            with open(dest, "wb") as out:
                while chunk := src.read(CHUNK):
                    written += len(chunk)
                    if written > s.max_file_size:
                        raise LimitExceeded(f"file size limit {s.max_file_size} bytes exceeded")
                    if self.total + written > s.max_expansion:
                        self.spent = True
                        raise ExpansionExceeded(self.expansion_reason)
                    if packed is not None:
                        check_ratio(packed() if callable(packed) else packed, written, self.ctx)
                    out.write(chunk)
        except BaseException:
            dest.unlink(missing_ok=True)
            raise
        self.total += written
        return dest

    def child(self, m: Member, path: Path | None = None, status: str | None = None,
              reason: str | None = None, **meta: Any) -> Child:
        """The Child for a member: sanitised unique name, metadata, content or status."""
        name, name_meta = self.names.assign(m.name, m.index)
        metadata = m.metadata()
        metadata.update(name_meta)
        metadata.update(meta)
        return Child(name=name, path=path, name_raw=m.name_raw, metadata=metadata,
                     status=status, reason=reason)

    def failed(self, m: Member, reason: str) -> Child:
        """A member that could not be extracted."""
        return self.child(m, status="failed", reason=reason)

    def skipped(self, m: Member, reason: str) -> Child:
        """A member recorded but deliberately not extracted."""
        return self.child(m, status="skipped", reason=reason)

    def refused(self, m: Member, e: LimitExceeded) -> Child:
        """A member refused by a limit: skipped once the budget is spent, failed otherwise."""
        if isinstance(e, ExpansionExceeded):
            return self.skipped(m, str(e))
        return self.failed(m, str(e))


def remove_quietly(path: Path) -> None:
    """Delete a partial file an external tool left behind."""
    try:
        os.unlink(path)
    except OSError:
        pass
