"""Tar archives, plain or gzip/bzip2/xz-compressed, read as a stream (`r|`): members come
in order, none is extracted by tarfile, links and devices are recorded, never created."""

from __future__ import annotations

import tarfile
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

from ...exc import ExtractionError, LimitExceeded, Truncated
from ...model import Child, Extracted
from ..base import Context, Extractor, Probe, register
from ._member import Container, Member, iso_from_timestamp
from ._names import guess_codec
from ._streams import CODECS, STREAM_ERRORS, is_tar, open_stream, sniff, unpack_single

_TAR_ERRORS = (tarfile.TarError, *STREAM_ERRORS)


def _member(ti: tarfile.TarInfo, index: int) -> Member:
    """A Member from a tar header; names that are not UTF-8 get a guessed code page."""
    raw = ti.name.encode("utf-8", "surrogateescape")
    try:
        name = raw.decode("utf-8")
    except UnicodeDecodeError:
        name = raw.decode(guess_codec([raw]), "replace")
    if ti.issym():
        kind = "symlink"
    elif ti.islnk():
        kind = "hardlink"
    elif ti.ischr() or ti.isblk():
        kind = "device"
    elif ti.isfifo():
        kind = "fifo"
    elif ti.isreg():
        kind = "file"
    else:
        kind = "other"
    extra = {"owner": ti.uname} if ti.uname else {}
    comment = ti.pax_headers.get("comment") if ti.pax_headers else None
    return Member(name=name, index=index, size=ti.size, mtime=iso_from_timestamp(ti.mtime),
                  mode=ti.mode, kind=kind, link=ti.linkname or None, comment=comment,
                  name_raw=raw if raw != name.encode("utf-8") else None, extra=extra)


def unpack_tar(stream: BinaryIO, raw: BinaryIO, doc: Extracted, ctx: Context,
               compressed: bool = False) -> Iterator[Child]:
    """Yield each member of the tar read from `stream`; `raw` is the file underneath, whose
    position tells how many compressed bytes a member cost (for the ratio check).

    In a compressed tar, going past a refused bomb or a spent budget means decompressing
    everything after it just to read headers, so there the container stops with the reason;
    a plain tar is only read through, and every member is still listed."""
    container = Container(ctx)
    try:
        tf = tarfile.open(fileobj=stream, mode="r|", encoding="utf-8", errors="surrogateescape")
    except _TAR_ERRORS as e:
        raise ExtractionError(f"corrupt tar: {str(e)[:80]}") from None
    count = 0
    with tf:
        it = iter(tf)
        while True:
            try:
                ti = next(it)
            except StopIteration:
                break
            except _TAR_ERRORS as e:
                doc.metadata["member_count"] = count
                raise Truncated() if _is_truncation(e) else ExtractionError(
                    f"corrupt tar: {str(e)[:80]}") from None
            if ti.isdir():
                continue
            container.next_member()
            count += 1
            m = _member(ti, count - 1)
            if container.spent:
                yield container.skipped(m, container.expansion_reason)
                continue
            if (why := m.link_reason()) is not None or m.kind == "other":
                yield container.skipped(m, why or "unsupported member type")
                continue
            try:
                container.check_declared(m)
                src = tf.extractfile(ti)
                if src is None:
                    yield container.skipped(m, "unsupported member type")
                    continue
                start = raw.tell()
                path = container.copy(src, lambda: max(1, raw.tell() - start))  # noqa: B023 (used within this iteration)
            except LimitExceeded as e:
                yield container.refused(m, e)
                if compressed and (container.spent or str(e).startswith("zip bomb")):
                    doc.metadata["member_count"] = count
                    raise LimitExceeded(str(e)) from None
                continue
            except _TAR_ERRORS as e:
                doc.metadata["member_count"] = count
                yield container.failed(m, "truncated" if _is_truncation(e) else "corrupt member")
                raise Truncated() if _is_truncation(e) else ExtractionError("corrupt tar") from None
            yield container.child(m, path=path)
    doc.metadata["member_count"] = count


def _is_truncation(e: BaseException) -> bool:
    text = str(e).lower()
    return isinstance(e, EOFError) or "unexpected end" in text or "end of" in text or "ended" in text


def unpack_any(path: Path, doc: Extracted, ctx: Context) -> Iterator[Child]:
    """A tar (compressed or not) member by member, or else the single compressed file."""
    doc.kind = "archive"
    with open(path, "rb") as f:
        codec = sniff(f.read(8))
    if is_tar(path, codec):
        doc.mime = "application/x-tar" if codec is None else CODECS[codec][1]
        if codec:
            doc.metadata["compression"] = codec
        with open(path, "rb") as raw:
            yield from unpack_tar(open_stream(raw, codec), raw, doc, ctx, compressed=codec is not None)
        return
    if codec is None:
        raise ExtractionError("corrupt tar: no valid header")
    doc.mime = CODECS[codec][1]
    doc.metadata["compression"] = codec
    yield from unpack_single(path, doc, ctx, codec)


@register
class TarExtractor(Extractor):
    """Tar archives, including .tgz/.tbz2/.txz and .tar.gz/.tar.bz2/.tar.xz."""

    NAME = "tar"
    VERSION = "1"
    MIME_TYPES = frozenset({"application/x-tar", "application/x-gtar", "application/x-ustar"})
    EXTENSIONS = frozenset({"tar", "tgz", "tbz2", "tbz", "txz"})
    SCORE = 10
    KIND = "archive"

    @classmethod
    def match(cls, probe: Probe) -> int:
        """Also recognise `ustar` at offset 257 and `.tar.gz`-style double extensions."""
        score = super().match(probe)
        if probe.head[257:262] == b"ustar":
            score += cls.SCORE
        if any(probe.name.lower().endswith(".tar" + ext) for _, _, exts in CODECS.values()
               for ext in exts):
            score += cls.SCORE
        return score

    def extract(self, path: Path, doc: Extracted, ctx: Context) -> Iterator[Child]:
        """Yield each member of the tar."""
        yield from unpack_any(path, doc, ctx)
