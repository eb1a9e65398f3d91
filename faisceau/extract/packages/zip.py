"""Zip archives with the standard library, 7-Zip for what it cannot do (AES, odd methods,
a missing central directory)."""

from __future__ import annotations

import lzma
import stat
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

from ...exc import ExtractionError, LimitExceeded, ToolMissing, Truncated
from ...model import Child, Extracted
from ..base import Context, Extractor, register
from . import sevenzip
from ._member import BAD_CRC, ENCRYPTED, Container, Member
from ._names import guess_codec, unicode_path_extra

UTF8_FLAG = 0x800
AES = 99
_ZIP_MAGIC = (b"PK\x03\x04", b"PK\x05\x06", b"PK\x07\x08")


def _decode_comment(raw: bytes) -> str | None:
    if not raw:
        return None
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw.decode("cp437")


def _members(zf: zipfile.ZipFile) -> list[tuple[zipfile.ZipInfo, Member]]:
    """Each non-folder entry with its decoded name, raw name bytes and metadata."""
    raws = {id(i): i.orig_filename.encode("utf-8" if i.flag_bits & UTF8_FLAG else "cp437")
            for i in zf.infolist()}
    codec = guess_codec(raws[id(i)] for i in zf.infolist() if not i.flag_bits & UTF8_FLAG)
    out = []
    for n, info in enumerate(zf.infolist()):
        if info.is_dir():
            continue
        raw = raws[id(info)]
        if info.flag_bits & UTF8_FLAG:
            name = info.orig_filename
        else:
            name = unicode_path_extra(info.extra, raw) or raw.decode(codec, "replace")
        mode = info.external_attr >> 16 if info.create_system == 3 else 0
        kind = "symlink" if mode and stat.S_ISLNK(mode) else "file"
        try:
            y, mo, d, h, mi, s = info.date_time
            mtime: str | None = f"{y:04d}-{mo:02d}-{d:02d}T{h:02d}:{mi:02d}:{s:02d}"  # DOS time: floating
        except (TypeError, ValueError):
            mtime = None
        out.append((info, Member(name=name, index=n, size=info.file_size, packed=info.compress_size,
                                 mtime=mtime, mode=mode or None, kind=kind,
                                 comment=_decode_comment(info.comment),
                                 encrypted=bool(info.flag_bits & 0x1), name_raw=raw)))
    return out


def _bad_member(e: Exception) -> str:
    """A groupable reason for a member zipfile refused to read."""
    text = str(e)
    if "CRC" in text:
        return BAD_CRC
    if "Overlapped" in text:
        return "zip bomb: overlapping members"
    if "differ" in text:
        return "corrupt member: name differs from local header"
    if "magic number" in text.lower() or "truncated" in text.lower():
        return "corrupt member: bad local header"
    return "corrupt member"


class _Defer(Exception):
    """The member needs 7-Zip (AES encryption, a compression method zipfile lacks, a local
    header zipfile rejects but 7-Zip reads); the message is the reason if 7-Zip fails too."""


def _copy(zf: zipfile.ZipFile, info: zipfile.ZipInfo, m: Member, container: Container,
          passwords: tuple[str, ...]) -> Path | str:
    """The member streamed to scratch, or the reason it could not be."""
    tries: tuple[bytes | None, ...] = (None,)
    if m.encrypted:
        if info.compress_type == AES:
            raise _Defer(ENCRYPTED)
        tries = tuple(p.encode("utf-8") for p in passwords)
        if not tries:
            return ENCRYPTED
    if info.compress_type == zipfile.ZIP_BZIP2 and not m.encrypted:
        # zipfile inflates a whole bzip2 read at once (no output bound): a few KB can become
        # gigabytes in memory before any check runs; 7-Zip streams it to a capped file
        raise _Defer("unsupported compression method 12")
    reason = ENCRYPTED
    for pwd in tries:
        try:
            with zf.open(info, pwd=pwd) as src:
                return container.copy(src, m.packed)
        except RuntimeError:  # zipfile's "Bad password" (and its "encrypted, password required")
            continue
        except NotImplementedError:
            raise _Defer(f"unsupported compression method {info.compress_type}") from None
        except zipfile.BadZipFile as e:
            reason = _bad_member(e)
            if reason.startswith("corrupt member: ") and reason != BAD_CRC and not m.encrypted:
                raise _Defer(reason) from None
            if m.encrypted and reason == BAD_CRC:
                # a wrong password passes the one-byte check 1 time in 256: try the next
                reason = ENCRYPTED
                continue
            return reason
        except EOFError:
            return "truncated"
        except (zlib.error, lzma.LZMAError, OSError, ValueError):
            # bz2 reports bad data as OSError; ValueError for unreadable internal state
            return "corrupt member: bad compressed data"
    return reason


def _symlink_target(zf: zipfile.ZipFile, info: zipfile.ZipInfo) -> str:
    try:
        with zf.open(info) as f:
            return f.read(4096).decode("utf-8", "replace")
    except (RuntimeError, NotImplementedError, zipfile.BadZipFile, EOFError, zlib.error, OSError):
        return "?"


def _recover(path: Path, doc: Extracted, ctx: Context, container: Container) -> Iterator[Child]:
    """No central directory (a truncated or damaged zip): 7-Zip reads the local headers."""
    try:
        yield from sevenzip.unpack(path, doc, ctx, container, utc=False)
    except ToolMissing:
        pass
    except ExtractionError:
        pass
    raise Truncated()


@register
class ZipExtractor(Extractor):
    """Zip archives; OOXML, ODF and JAR extractors score higher and take their own files."""

    NAME = "zip"
    VERSION = "1"
    MIME_TYPES = frozenset({"application/zip", "application/x-zip-compressed", "application/x-zip"})
    EXTENSIONS = frozenset({"zip"})
    MAGIC = _ZIP_MAGIC
    SCORE = 10
    KIND = "archive"
    TOOLS = ("sevenzip",)

    def extract(self, path: Path, doc: Extracted, ctx: Context) -> Iterator[Child]:
        """Yield each member of the zip, streamed to scratch under the container's limits."""
        doc.kind = "archive"
        doc.mime = "application/zip"
        container = Container(ctx)
        try:
            zf = zipfile.ZipFile(path)
        except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError):
            with open(path, "rb") as f:
                head = f.read(4)
            if head.startswith(_ZIP_MAGIC):
                yield from _recover(path, doc, ctx, container)
            raise ExtractionError("corrupt zip: no central directory") from None
        size = path.stat().st_size
        with zf:
            members = _members(zf)
            doc.metadata["member_count"] = len(members)
            if (comment := _decode_comment(zf.comment)) is not None:
                doc.metadata["comment"] = comment
            if any(m.encrypted for _, m in members):
                doc.metadata["encrypted"] = True
            deferred: dict[str, Member] = {}
            reasons: dict[str, str] = {}
            for info, m in members:
                container.next_member()
                if container.spent:
                    yield container.skipped(m, container.expansion_reason)
                    continue
                if m.kind == "symlink":
                    m.link = _symlink_target(zf, info)
                    yield container.skipped(m, m.link_reason() or "symlink in archive")
                    continue
                # a header may claim a compressed size the file cannot hold (to pass as 1:1);
                # the bytes really there after its local header are an upper bound
                bound = replace(m, packed=max(1, min(info.compress_size, size - info.header_offset)))
                try:
                    container.check_declared(bound)
                    got = _copy(zf, info, bound, container, tuple(ctx.passwords))
                except LimitExceeded as e:
                    yield container.refused(m, e)
                    continue
                except _Defer as d:
                    if m.encrypted and not ctx.passwords:
                        yield container.failed(m, ENCRYPTED)
                    else:
                        deferred[m.name] = m
                        reasons[m.name] = str(d)
                    continue
                if isinstance(got, str):
                    yield container.failed(m, got)
                else:
                    yield container.child(m, path=got)
        if deferred:
            yield from self._with_7zz(path, doc, ctx, container, deferred, reasons)

    def _with_7zz(self, path: Path, doc: Extracted, ctx: Context, container: Container,
                  deferred: dict[str, Member], reasons: dict[str, str]) -> Iterator[Child]:
        """Members zipfile cannot read, through 7-Zip (AES needs a known password); when
        7-Zip is missing or fails on the archive, each keeps zipfile's reason."""
        done: set[str] = set()
        try:
            for child in sevenzip.unpack(path, doc, ctx, container, utc=False, only=deferred,
                                         only_reasons=reasons):
                done.add(child.metadata.get("original_name", child.name))
                yield child
        except (ToolMissing, ExtractionError):
            # zipfile read the directory: 7-Zip's complaints are about these members only
            for name, m in deferred.items():
                if name not in done:
                    yield container.failed(m, reasons[name])
