"""RAR archives through `lsar`/`unar` (The Unarchiver), else 7-Zip when it has RAR support.

`lsar -j` lists every member with sizes, links and encryption, so the bomb checks run
before extraction; `unar -i` then extracts only the chosen members by index.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from ...exc import EncryptedDocument, ExtractionError, ToolMissing, Truncated
from ...model import Child, Extracted
from ..base import Context, Extractor, register
from . import sevenzip
from ._member import ENCRYPTED, Container, Member
from ._outdir import collect


def _mtime(text: Any) -> str | None:
    """`2007-10-01 15:02:26 +0000` → `2007-10-01T15:02:26+00:00`."""
    if not isinstance(text, str) or len(text) < 19:
        return None
    iso = text[:10] + "T" + text[11:19]
    off = text[20:].strip()
    if len(off) == 5 and off[0] in "+-" and off[1:].isdigit():
        iso += f"{off[:3]}:{off[3:]}"
    return iso


def _int(v: Any) -> int | None:
    return v if isinstance(v, int) and not isinstance(v, bool) else None


def _member(e: dict[str, Any], index: int) -> Member:
    kind = "file"
    if e.get("XADIsDirectory"):
        kind = "dir"
    elif e.get("XADIsLink"):
        kind = "symlink"
    elif e.get("XADIsHardLink"):
        kind = "hardlink"
    elif e.get("XADIsCharacterDevice") or e.get("XADIsBlockDevice"):
        kind = "device"
    elif e.get("XADIsFIFO"):
        kind = "fifo"
    name = e.get("XADFileName")
    xad_index = _int(e.get("XADIndex"))
    return Member(name=name if isinstance(name, str) else f"member-{index + 1}",
                  index=xad_index if xad_index is not None else index,
                  size=_int(e.get("XADFileSize")), packed=_int(e.get("XADCompressedSize")),
                  mtime=_mtime(e.get("XADLastModificationDate")),
                  mode=_int(e.get("XADPosixPermissions")), kind=kind,
                  link=e.get("XADLinkDestination") if isinstance(e.get("XADLinkDestination"), str) else None,
                  encrypted=bool(e.get("XADIsEncrypted")),
                  comment=e.get("XADComment") if isinstance(e.get("XADComment"), str) else None)


def _list(path: Path, ctx: Context, lsar: str) -> tuple[list[Member], str | None, bool]:
    """Members, the password that opened the listing (None: none needed), truncation."""
    for pw in (None, *ctx.passwords):
        args = [lsar, "-j", *(["-p", pw] if pw else []), "--", str(path)]
        p = ctx.run(args)
        err = p.stderr.decode("utf-8", "replace").lower()
        if "requires a password" in err or "wrong password" in err:
            continue
        try:
            data = json.loads(p.stdout.decode("utf-8", "replace"))
        except ValueError:
            raise ExtractionError("corrupt rar: unreadable listing") from None
        contents = data.get("lsarContents") if isinstance(data, dict) else None
        if not isinstance(contents, list):
            raise ExtractionError("corrupt rar: unreadable listing")
        members = [_member(e, i) for i, e in enumerate(contents) if isinstance(e, dict)]
        if p.returncode != 0 and not members:
            if pw is not None:  # a wrong password can read as a broken listing
                continue
            raise Truncated() if "more data" in err or "truncat" in err else ExtractionError(
                "corrupt rar")
        return members, pw, p.returncode != 0 or bool(data.get("lsarError"))
    raise EncryptedDocument()


def _unar(ctx: Context, unar: str, path: Path, out: Path, members: list[Member],
          pw: str | None) -> tuple[int, str]:
    """Extract the members (by lsar index) into out; return code and lower-cased stderr."""
    if not members:
        return 0, ""
    p = ctx.run([unar, "-o", str(out), "-f", "-D", "-q", "-k", "skip", "-nr",
                 *(["-p", pw] if pw else []), "-i", str(path), *(str(m.index) for m in members)])
    return p.returncode, (p.stderr + p.stdout).decode("utf-8", "replace").lower()


def unpack_unar(path: Path, doc: Extracted, ctx: Context, container: Container) -> Iterator[Child]:
    """Yield each member of a RAR (or other archive unar reads) via lsar/unar."""
    lsar, unar = ctx.tool("lsar"), ctx.tool("unar")
    members, pw, truncated = _list(path, ctx, lsar)
    doc.metadata["member_count"] = sum(m.kind != "dir" for m in members)
    todo: list[Member] = []
    for m in members:
        if m.kind == "dir":
            continue
        container.next_member()
        if container.spent:
            yield container.skipped(m, container.expansion_reason)
            continue
        if (why := m.link_reason()) is not None:
            yield container.skipped(m, why)
            continue
        if (refusal := container.plan(m)) is not None:
            yield refusal
            continue
        todo.append(m)
    if any(m.encrypted for m in members):
        doc.metadata["encrypted"] = True
    locked = [m for m in todo if m.encrypted]
    errors: dict[str, str] = {}
    if todo:
        out, ok = None, False
        # try each known password on the whole selection; without one, the plain members
        # are still extracted and the locked ones recorded as encrypted
        for pw_try in ([pw] if pw or not locked else list(ctx.passwords)):
            out = ctx.tempdir()
            rc, err = _unar(ctx, unar, path, out, todo, pw_try)
            if rc == 0 or "password" not in err:
                ok = True
                break
        if not ok:
            errors.update({m.name: ENCRYPTED for m in locked})
            out = ctx.tempdir()
            _unar(ctx, unar, path, out, [m for m in todo if not m.encrypted], None)
        assert out is not None
        yield from collect(out, todo, errors, container, {m.index: m.packed for m in todo},
                           "truncated" if truncated else "not extracted")
    if truncated:
        raise Truncated()


@register
class RarExtractor(Extractor):
    """RAR 1.5–5 archives; members listed and checked before anything is written."""

    NAME = "rar"
    VERSION = "1"
    MIME_TYPES = frozenset({"application/vnd.rar", "application/x-rar", "application/x-rar-compressed"})
    EXTENSIONS = frozenset({"rar"})
    MAGIC = (b"Rar!\x1a\x07",)
    SCORE = 10
    KIND = "archive"
    TOOLS = ("unar", "lsar", "sevenzip")

    def extract(self, path: Path, doc: Extracted, ctx: Context) -> Iterator[Child]:
        """Yield each member of the RAR archive."""
        doc.kind = "archive"
        doc.mime = "application/vnd.rar"
        container = Container(ctx)
        try:
            ctx.tool("unar"), ctx.tool("lsar")
        except ToolMissing:
            yield from sevenzip.unpack(path, doc, ctx, container, utc=True)
            return
        yield from unpack_unar(path, doc, ctx, container)
