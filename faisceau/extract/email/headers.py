"""Header decoding for e-mail: 8-bit repair, tolerant RFC 2047, dates, message ids.

Raw header values come from the compat32 parser (`Message.raw_items()`), where bytes
that are not ASCII are held as surrogate escapes; they are repaired here as UTF-8, else
Windows-1252. Encoded words are decoded leniently (missing padding, words glued to text,
multi-byte characters split across adjacent words, unknown charsets) because leaked mail
is full of them and a subject we cannot read is a subject nobody can search.
"""

from __future__ import annotations

import base64
import binascii
import codecs
import re
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

# An encoded word; the charset may carry an RFC 2231 language suffix (`utf-8*fr`).
_EW = re.compile(r"=\?([^?\s]+)\?([bBqQ])\?([^?]*)\?=")
_FOLD = re.compile(r"\r?\n(?=[ \t])")
_QHEX = re.compile(rb"=([0-9A-Fa-f]{2})")
_ANGLE_ID = re.compile(r"<([^<>\s]+)>")
SURROGATE = re.compile("[\udc80-\udcff]")

# Labels mail software writes that Python's codecs do not know.
_CHARSET_ALIASES = {
    "unknown-8bit": "", "x-unknown": "", "unknown": "", "x-user-defined": "cp1252",
    "iso-8859-8-i": "iso-8859-8", "iso-8859-8-e": "iso-8859-8", "ks_c_5601-1987": "cp949",
    "x-mac-roman": "mac_roman", "macintosh": "mac_roman", "windows-874": "cp874",
    "x-sjis": "shift_jis", "gb2312": "gbk", "utf8": "utf-8", "ansi_x3.4-1968": "ascii",
}


def codec_for(charset: str | None) -> str | None:
    """The Python codec name for a MIME charset label, '' for 'unknown 8-bit', None if unknown."""
    if not charset:
        return None
    label = charset.strip().strip('"').lower().split("*", 1)[0]
    if label in _CHARSET_ALIASES:
        return _CHARSET_ALIASES[label]
    try:
        return codecs.lookup(label).name
    except LookupError:
        return None


def repair_bytes(data: bytes) -> str:
    """Text from bytes of unknown charset: UTF-8 when valid, else Windows-1252, else Latin-1."""
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    lenient = data.decode("utf-8", errors="replace")
    bad = lenient.count("\ufffd")
    if bad * 4 < sum(1 for c in lenient if c > "\x7f" and c != "\ufffd"):
        # mostly valid UTF-8 with a cut or stray byte (a name truncated mid-character)
        return lenient
    try:
        return data.decode("cp1252")
    except UnicodeDecodeError:
        # cp1252 leaves five bytes undefined; Latin-1 maps them all
        return data.decode("latin-1")


def repair_8bit(value: str) -> str:
    """Turn surrogate-escaped raw 8-bit header bytes back into text."""
    if not SURROGATE.search(value):
        return value
    return repair_bytes(value.encode("ascii", "surrogateescape"))


def unfold(value: str) -> str:
    """Undo header folding (RFC 5322 §2.2.3: remove the CRLF, keep the whitespace)."""
    return _FOLD.sub("", value).replace("\r", "").replace("\n", "")


def _word_bytes(encoding: str, text: str) -> bytes:
    """The bytes carried by one encoded word, tolerating bad padding and stray characters."""
    if encoding in "bB":
        clean = re.sub(r"[^A-Za-z0-9+/]", "", text)
        clean = clean[: len(clean) - len(clean) % 4 if len(clean) % 4 == 1 else len(clean)]
        try:
            return base64.b64decode(clean + "=" * (-len(clean) % 4))
        except (binascii.Error, ValueError):
            return text.encode("utf-8", "surrogateescape")
    raw = text.replace("_", " ").encode("utf-8", "surrogateescape")
    return _QHEX.sub(lambda m: bytes([int(m.group(1), 16)]), raw)


def _decode_run(charset: str, data: bytes) -> str:
    codec = codec_for(charset)
    if not codec:
        return repair_bytes(data)
    try:
        return data.decode(codec)
    except UnicodeDecodeError:
        return data.decode(codec, errors="replace")


def decode_words(value: str) -> str:
    """Decode RFC 2047 encoded words in an unfolded header value, leniently."""
    if "=?" not in value:
        return value
    out: list[str] = []
    run: tuple[str, bytearray] | None = None  # adjacent words of one charset, decoded together
    pos = 0
    for m in _EW.finditer(value):
        between = value[pos:m.start()]
        if run is not None and between.strip(" \t") == "":
            between = ""  # whitespace between two encoded words is not part of the text
        if between:
            if run is not None:
                out.append(_decode_run(run[0], bytes(run[1])))
                run = None
            out.append(between)
        charset = m.group(1).split("*", 1)[0]
        data = _word_bytes(m.group(2), m.group(3))
        if run is not None and run[0].lower() == charset.lower():
            run[1].extend(data)
        else:
            if run is not None:
                out.append(_decode_run(run[0], bytes(run[1])))
            run = (charset, bytearray(data))
        pos = m.end()
    if run is not None:
        out.append(_decode_run(run[0], bytes(run[1])))
    out.append(value[pos:])
    return "".join(out)


def decode_header(value: str) -> str:
    """A raw header value as display text: 8-bit repaired, unfolded, encoded words decoded."""
    return decode_words(unfold(repair_8bit(value))).strip()


def parse_date(value: str | None) -> tuple[str, str] | None:
    """(ISO 8601 with the original offset, ISO UTC with Z) for a Date header, or None."""
    if not value:
        return None
    try:
        dt = parsedate_to_datetime(unfold(value).strip())
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    if dt is None:
        return None
    return iso_pair(dt)


_GMT_OFFSET = re.compile(r"\b(?:GMT|UTC)\s*([+-])(\d{1,2})(?::?(\d{2}))?\b", re.IGNORECASE)


def lenient_date(value: str | None) -> tuple[str, str] | None:
    """Dates mail software writes against the RFC: ISO 8601, `at` before the time, `GMT+1`."""
    if not value:
        return None
    text = unfold(repair_8bit(value)).strip()
    try:
        return iso_pair(datetime.fromisoformat(text))
    except ValueError:
        pass
    text = re.sub(r"\s+at\s+", " ", text)
    text = _GMT_OFFSET.sub(lambda m: f"{m.group(1)}{int(m.group(2)):02d}{m.group(3) or '00'}", text)
    return parse_date(text)


def iso_pair(dt: datetime) -> tuple[str, str]:
    """(local ISO with offset, UTC ISO with Z); a naive date (`-0000`) is taken as UTC."""
    aware = dt if dt.tzinfo is not None else dt.replace(tzinfo=UTC)
    utc = aware.astimezone(UTC).replace(tzinfo=None)
    return dt.isoformat(), utc.isoformat() + "Z"


def message_ids(value: str | None) -> list[str]:
    """Message ids in a Message-ID/In-Reply-To/References value, without angle brackets."""
    if not value:
        return []
    value = unfold(repair_8bit(value))
    found = _ANGLE_ID.findall(value)
    if found:
        return found
    return [w.strip("<>,;") for w in value.split() if w.strip("<>,;")]
