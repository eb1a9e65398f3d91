"""Member names: sanitising hostile paths and guessing the encoding of undeclared ones.

A member name is only ever a provenance label (the blob store is content-addressed), but a
name that climbs out of the archive (`../../etc/passwd`, `/abs/x`, `C:\\x`) is evidence in
itself, so it is kept, flagged and shown in a harmless form.
"""

from __future__ import annotations

import re
import struct
import zlib
from collections.abc import Iterable

UNSAFE = "path traversal in member name"

_DRIVE = re.compile(r"^[A-Za-z]:")


def sanitise(name: str) -> tuple[str, bool]:
    """The name with `/` separators, no drive, no leading `/`, `..` resolved inside the root;
    and whether the original was absolute or had `..` segments."""
    s = name.replace("\x00", "").replace("\\", "/")
    unsafe = False
    if _DRIVE.match(s):
        s, unsafe = s[2:], True
    if s.startswith("/"):
        unsafe = True
    parts: list[str] = []
    for seg in s.split("/"):
        if seg in ("", "."):
            continue
        if seg == "..":
            unsafe = True
            if parts:
                parts.pop()
            continue
        parts.append(seg)
    return "/".join(parts), unsafe


class NameBook:
    """Names handed out for one container: sanitised, and made unique (a tar may hold the
    same path twice, and two children with one name would share a provenance id)."""

    def __init__(self) -> None:
        self._seen: dict[str, int] = {}

    def assign(self, name: str, index: int) -> tuple[str, dict[str, object]]:
        """The child name for a member and the metadata saying how it was changed."""
        clean, unsafe = sanitise(name)
        meta: dict[str, object] = {}
        if unsafe:
            meta["unsafe_name"] = UNSAFE
        if not clean:
            clean = f"member-{index + 1}"
        n = self._seen.get(clean, 0) + 1
        self._seen[clean] = n
        if n > 1:
            meta["duplicate_name"] = True
            clean = f"{clean}~{n}"
        if unsafe or clean != name:
            meta["original_name"] = name
        return clean, meta


# cp437 bytes that decode to accented Latin letters (the DOS "Western" range); box drawing,
# Greek and maths symbols in a file name are a sign the name was not cp437 at all.
_CP437_LATIN = set(range(0x80, 0x9B)) | set(range(0xA0, 0xA9))
_CJK = ((0x3040, 0x30FF), (0x3400, 0x4DBF), (0x4E00, 0x9FFF), (0xAC00, 0xD7AF), (0xFF00, 0xFFEF))


def _is_cjk(text: str) -> bool:
    chars = [ord(c) for c in text if ord(c) > 0x7F]
    return bool(chars) and all(any(a <= c <= b for a, b in _CJK) for c in chars)


def _decodes(raws: list[bytes], codec: str) -> list[str] | None:
    try:
        return [r.decode(codec) for r in raws]
    except (UnicodeDecodeError, LookupError):
        return None


def guess_codec(raws: Iterable[bytes]) -> str:
    """The most plausible encoding of a set of undeclared zip names (cp437 when in doubt).

    Names without the UTF-8 flag are in practice UTF-8 (Unix and macOS tools), the DOS code
    page (Windows in the West), or the local multi-byte code page (GBK, Shift-JIS)."""
    odd = [r for r in raws if any(b > 0x7F for b in r)]
    if not odd:
        return "cp437"
    if _decodes(odd, "utf-8") is not None:
        return "utf-8"
    if all(b in _CP437_LATIN for r in odd for b in r if b > 0x7F):
        return "cp437"
    for codec in ("gb2312", "shift_jis", "gbk", "big5"):
        texts = _decodes(odd, codec)
        if texts is not None and all(_is_cjk(t) for t in texts):
            return codec
    texts = _decodes(odd, "cp1252")
    if texts is not None and all(c.isalpha() for t in texts for c in t if ord(c) > 0x7F):
        return "cp1252"
    return "cp437"


def unicode_path_extra(extra: bytes, raw_name: bytes) -> str | None:
    """The UTF-8 name of the Info-ZIP Unicode Path extra field (0x7075), when it matches
    the raw name's CRC (a stale one, left by a renaming tool, must be ignored)."""
    i = 0
    while i + 4 <= len(extra):
        tag, size = struct.unpack_from("<HH", extra, i)
        body = extra[i + 4:i + 4 + size]
        if tag == 0x7075 and len(body) >= 5 and body[0] == 1:
            (crc,) = struct.unpack_from("<I", body, 1)
            if crc == zlib.crc32(raw_name):
                try:
                    return body[5:].decode("utf-8")
                except UnicodeDecodeError:
                    return None
        i += 4 + size
    return None
