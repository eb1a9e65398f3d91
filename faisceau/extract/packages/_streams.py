"""gzip, bzip2 and xz streams: recognising them, opening them with bounded memory, and
unpacking a single compressed file (one that is not a tar)."""

from __future__ import annotations

import bz2
import gzip
import lzma
import struct
import tarfile
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

from ...exc import ExtractionError, LimitExceeded, Truncated
from ...model import Child, Extracted
from ..base import Context
from ._member import Container, Member, iso_from_timestamp

CODECS = {
    "gzip": ((b"\x1f\x8b",), "application/gzip", (".gz", ".gzip", ".z")),
    "bzip2": ((b"BZh",), "application/x-bzip2", (".bz2", ".bzip2", ".bz")),
    "xz": ((b"\xfd7zXZ\x00",), "application/x-xz", (".xz",)),
}
_TAR_SHORT = {".tgz": ".tar", ".tbz2": ".tar", ".tbz": ".tar", ".txz": ".tar"}
# what the decompressors raise on damaged or short input
STREAM_ERRORS = (EOFError, OSError, zlib.error, lzma.LZMAError, ValueError)


def sniff(head: bytes) -> str | None:
    """The compression of a stream from its first bytes, or None."""
    for codec, (magics, _, _) in CODECS.items():
        if head.startswith(magics):
            return codec
    return None


def open_stream(raw: BinaryIO, codec: str | None) -> BinaryIO:
    """A decompressing reader over `raw`. These readers decompress a bounded amount per read
    (unlike tarfile's own `r|gz` stream, whose bzip2 path can inflate a whole read at once),
    so a bomb costs only the bytes it is allowed to write."""
    if codec == "gzip":
        return gzip.GzipFile(fileobj=raw, mode="rb")  # type: ignore[return-value]
    if codec == "bzip2":
        return bz2.BZ2File(raw)  # type: ignore[return-value]
    if codec == "xz":
        return lzma.LZMAFile(raw)  # type: ignore[return-value]
    return raw


def is_tar(path: Path, codec: str | None) -> bool:
    """Whether the (decompressed) content starts with a valid tar header: `ustar` at 257, or
    an old-style header whose checksum holds."""
    with open(path, "rb") as raw:
        try:
            block = open_stream(raw, codec).read(512)
        except STREAM_ERRORS:
            return False
    if len(block) < 512:
        return False
    if block[257:262] == b"ustar":
        return True
    if codec is None and block == bytes(512):
        return True  # an empty tar is all zeros (a compressed run of zeros is kept as a file)
    try:
        tarfile.TarInfo.frombuf(block, "utf-8", "surrogateescape")
        return True
    except tarfile.HeaderError:
        return False


def gzip_header(path: Path) -> tuple[str | None, int]:
    """The FNAME (original file name) and MTIME of a gzip header."""
    with open(path, "rb") as f:
        head = f.read(65536 + 1024)
    if len(head) < 10 or not head.startswith(b"\x1f\x8b"):
        return None, 0
    flags = head[3]
    (mtime,) = struct.unpack_from("<I", head, 4)
    pos = 10
    if flags & 0x04 and len(head) >= pos + 2:
        (xlen,) = struct.unpack_from("<H", head, pos)
        pos += 2 + xlen
    if flags & 0x08:
        end = head.find(b"\x00", pos)
        if end > pos:
            return head[pos:end].decode("latin-1"), mtime
    return None, mtime


def _default_name(path: Path, codec: str) -> str:
    """The file name without its compression extension."""
    name = path.name
    low = name.lower()
    for ext in CODECS[codec][2]:
        if low.endswith(ext) and len(name) > len(ext):
            return name[: -len(ext)]
    for ext, repl in _TAR_SHORT.items():
        if low.endswith(ext):
            return name[: -len(ext)] + repl
    return name + ".out" if "." not in name else name.rsplit(".", 1)[0]


class _Tolerant:
    """A reader that turns a decompression error into end of data and remembers it, so the
    bytes before a truncation are kept."""

    def __init__(self, src: BinaryIO) -> None:
        self.src = src
        self.error: Exception | None = None

    def read(self, n: int = -1) -> bytes:
        if self.error is not None:
            return b""
        try:
            # read1: one decompression step per call, so an error loses no decoded bytes
            read1 = getattr(self.src, "read1", None)
            return read1(n) if read1 is not None else self.src.read(n)
        except STREAM_ERRORS as e:
            self.error = e
            return b""


def unpack_single(path: Path, doc: Extracted, ctx: Context, codec: str) -> Iterator[Child]:
    """Yield the one file a gzip/bzip2/xz stream holds; a truncated stream yields the bytes
    before the break (flagged) and then raises Truncated."""
    name, mtime = gzip_header(path) if codec == "gzip" else (None, 0)
    packed = path.stat().st_size
    container = Container(ctx)
    m = Member(name=name or _default_name(path, codec), index=0, packed=packed,
               mtime=iso_from_timestamp(mtime) if mtime else None)
    container.next_member()
    with open(path, "rb") as raw:
        src = _Tolerant(open_stream(raw, codec))
        try:
            out = container.copy(src, packed)
        except LimitExceeded as e:
            yield container.refused(m, e)
            return
    size = out.stat().st_size
    m.size = size
    err = src.error
    if err is None:
        yield container.child(m, path=out)
        return
    text = str(err).lower()
    if isinstance(err, EOFError) or "end of" in text or "ended before" in text:
        if size:
            yield container.child(m, path=out, truncated=True)
        raise Truncated()
    if size:
        yield container.child(m, path=out, corrupt=True)
    raise ExtractionError("corrupt member: bad CRC" if "crc" in text else f"corrupt {codec} data")
