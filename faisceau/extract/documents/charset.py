"""Bytes to text, with charset detection: shared by the plain-text, HTML and e-mail extractors.

Order of evidence: a byte-order mark, then the declared charset (when it is a real text
encoding and the bytes decode under it), then strict UTF-8, then UTF-16 without BOM (from
the pattern of NUL bytes), then charset-normalizer on a sample, with Windows-1252 preferred
for Western text. Labels are read the way browsers read them (ISO-8859-1 and ASCII mean
Windows-1252, GB2312 means GB18030…), since that is how the documents were written and shown.
Decoding never raises: the last resort is replacement characters, reported in `Decoded.replaced`.
"""

from __future__ import annotations

import codecs
import re
import unicodedata
from collections import Counter
from typing import NamedTuple

# Detection looks at this many bytes; decoding always covers the whole input.
SAMPLE = 64 * 1024

_BOMS: tuple[tuple[bytes, str], ...] = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),  # before UTF-16 LE: it starts with the same two bytes
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)

# WHATWG reads these labels as supersets; documents labelled so were written by tools that did.
_LABEL_ALIASES = {
    "iso-8859-1": "cp1252", "iso8859-1": "cp1252", "latin-1": "cp1252", "latin1": "cp1252",
    "l1": "cp1252", "ascii": "cp1252", "us-ascii": "cp1252", "iso-ir-100": "cp1252",
    "iso_8859-1": "cp1252", "iso-8859-9": "cp1254", "latin5": "cp1254", "x-cp1252": "cp1252",
    "iso-8859-11": "cp874", "tis-620": "cp874", "gb2312": "gb18030", "gbk": "gb18030",
    "x-gbk": "gb18030", "big5": "big5hkscs", "euc-kr": "cp949", "ks_c_5601-1987": "cp949",
    "shift_jis": "cp932", "shift-jis": "cp932", "x-sjis": "cp932", "sjis": "cp932",
    "windows-31j": "cp932", "iso-8859-8-i": "iso8859-8", "unicode-1-1-utf-8": "utf-8",
    "x-mac-roman": "mac-roman", "macintosh": "mac-roman", "utf8": "utf-8",
}
_WESTERN_KIN = frozenset({"cp1252", "latin-1", "iso8859-15", "ascii", "mac-roman", "cp850", "cp437"})
# Non-ASCII characters that are ordinary in Western European text decoded as Windows-1252.
_WESTERN_MARKS = set("€‚ƒ„…†‡ˆ‰‹Œ‘’“”•–—˜™›œŸ\u00a0¡¢£¤¥¦§¨©ª«¬\u00ad®¯°±²³´µ¶·¸¹º»¼½¾¿×÷")
# C0 controls other than whitespace, ESC and SUB: absent from 8-bit text, common in UTF-16.
_CONTROL = re.compile(rb"[\x00-\x08\x0e-\x19\x1c-\x1f]")
_DISALLOWED = frozenset({"utf-7"})  # never a real document charset; a known XSS trick


class Decoded(NamedTuple):
    """The text, the codec used (Python name) and whether undecodable bytes were replaced."""

    text: str
    encoding: str
    replaced: bool = False


def _cp1252_lenient(err: UnicodeError) -> tuple[str, int]:
    """Map the five bytes Windows-1252 leaves undefined to C1 controls, as browsers do."""
    assert isinstance(err, UnicodeDecodeError)
    return "".join(chr(b) for b in err.object[err.start:err.end]), err.end


codecs.register_error("faisceau-cp1252", _cp1252_lenient)


def normalise_label(label: str | None) -> str | None:
    """The Python codec for a declared charset label, or None when it is not a text encoding."""
    if not label:
        return None
    key = label.strip().strip("\"'").lower()
    key = _LABEL_ALIASES.get(key, key)
    try:
        info = codecs.lookup(key)
    except (LookupError, ValueError):
        return None
    # codecs.lookup also knows base64, zlib, rot13…: a hostile label must not pick those.
    if not getattr(info, "_is_text_encoding", True) or info.name in _DISALLOWED:
        return None
    name = _LABEL_ALIASES.get(info.name, info.name)
    return "cp1252" if name in ("latin-1", "iso8859-1", "ascii") else name


def _decode(data: bytes, encoding: str, partial: bool) -> str:
    """Strict decoding; with `partial`, an incomplete sequence at the very end is dropped."""
    if encoding == "cp1252":
        return data.decode("cp1252", "faisceau-cp1252")
    if partial:
        return codecs.getincrementaldecoder(encoding)("strict").decode(data, final=False)
    return data.decode(encoding)


def decode(data: bytes, declared: str | None = None, *, partial: bool = False) -> tuple[str, str]:
    """Decode bytes to text: (text, encoding used). Never raises on bad bytes."""
    result = decode_report(data, declared, partial=partial)
    return result.text, result.encoding


def decode_report(data: bytes, declared: str | None = None, *, partial: bool = False) -> Decoded:
    """Like `decode`, also telling whether bytes had to be replaced (the caller flags it).

    `partial` says `data` is a prefix of a longer input, so a multi-byte sequence cut at the
    end is not an error.
    """
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            return _decode_or_replace(data[len(bom):], encoding, partial)
    if not data:
        return Decoded("", normalise_label(declared) or "utf-8")
    enc = normalise_label(declared)
    if enc in ("utf-16", "utf-32", "utf-16-le", "utf-16-be") and not utf16_pattern(data[:SAMPLE]):
        enc = None  # a readable ASCII label in a document cannot really be UTF-16
    if enc is not None and enc not in ("utf-16", "utf-32"):
        text = _try(data, enc, partial)
        if text is not None and not (_is_single_byte(enc) and _is_utf8_with_multibyte(data, partial)):
            return Decoded(text, enc)
    utf16 = utf16_pattern(data[:SAMPLE])
    if utf16 is not None:
        return _decode_or_replace(data, utf16, partial)
    if data.isascii():
        return Decoded(data.decode("ascii"), "ascii")
    text = _try(data, "utf-8", partial)
    if text is not None:
        return Decoded(text, "utf-8")
    text = _try(data, "utf-8", True)
    if text is not None and not text.isascii():  # UTF-8 with its last character cut off
        return Decoded(text + "\ufffd", "utf-8", True)
    detected = _detect(data[:SAMPLE])
    text = _try(data, detected, partial)
    if text is not None:
        return Decoded(text, detected)
    if enc is not None:
        return _decode_or_replace(data, enc, partial)
    return _decode_or_replace(data, detected, partial)


def _try(data: bytes, encoding: str, partial: bool) -> str | None:
    try:
        return _decode(data, encoding, partial)
    except (UnicodeDecodeError, LookupError):
        return None


def _decode_or_replace(data: bytes, encoding: str, partial: bool) -> Decoded:
    text = _try(data, encoding, partial)
    if text is not None:
        return Decoded(text, encoding)
    if partial:
        text = codecs.getincrementaldecoder(encoding)("replace").decode(data, final=False)
    else:
        text = data.decode(encoding, "replace")
    return Decoded(text, encoding, True)


def _is_single_byte(encoding: str) -> bool:
    return encoding.startswith(("cp12", "iso8859", "mac-", "cp8", "koi8")) or encoding == "cp1252"


def _is_utf8_with_multibyte(data: bytes, partial: bool) -> bool:
    """Valid UTF-8 with non-ASCII: mislabelled as a legacy charset far more often than not."""
    return not data.isascii() and _try(data, "utf-8", partial) is not None


def utf16_pattern(sample: bytes) -> str | None:
    """'utf-16-le'/'utf-16-be' for UTF-16 without BOM, else None.

    In UTF-16 text of one script the high byte of each code unit takes very few values
    (0x00 for Latin, 0x04 for Cyrillic…) while the low byte varies: one byte parity is
    nearly constant. Only tried when control bytes show the input is not 8-bit text.
    """
    n = len(sample) - len(sample) % 2
    if n < 4 or not _CONTROL.search(sample):
        return None
    half = n // 2
    coverage = []
    for parity in (0, 1):
        top = Counter(sample[parity:n:2]).most_common(2)
        coverage.append(sum(c for _, c in top) / half)
    for high, encoding in ((1, "utf-16-le"), (0, "utf-16-be")):
        if coverage[high] >= 0.85 and coverage[1 - high] < coverage[high] - 0.2:
            text = _try(sample[:n], encoding, True)
            if text and sum(ch.isprintable() or ch.isspace() for ch in text) >= 0.95 * len(text):
                return encoding
    return None


def mostly_text(sample: bytes, partial: bool = False) -> bool:
    """Is `sample` 8-bit text that merely holds a stray control byte or a few (≤ 1 %)?

    libmagic calls a file binary on a single control byte; a real binary has them by the
    dozen in any 8 KB (and NUL bytes most of all), and mostly fails to decode as UTF-8. So:
    few control bytes, and either valid UTF-8 or at most 30 % of bytes above ASCII (Latin-1
    and Windows-1252 text). UTF-16 is left to `utf16_pattern`."""
    if not sample or utf16_pattern(sample) is not None:
        return False
    if len(_CONTROL.findall(sample)) > max(1, len(sample) // 100):
        return False
    if _try(sample, "utf-8", partial) is not None:
        return True
    return sum(b >= 0x80 for b in sample) * 10 <= len(sample) * 3


def _detect(sample: bytes) -> str:
    """Guess a legacy encoding; Windows-1252 for text that reads as Western European.

    charset-normalizer ranks several single-byte codecs equal for French or German (they
    share most letters) and often lists cp1250 first; Windows-1252 is what Western text
    was written in, so it wins whenever it is among the best-ranked readings.
    """
    # Cut at the last newline so a multi-byte character is not split at the sample's end.
    cut = sample.rfind(b"\n", len(sample) // 2)
    if cut > 0 and len(sample) == SAMPLE:
        sample = sample[:cut]
    matches = _normalizer_matches(sample)
    western = _reads_western(sample.decode("cp1252", "faisceau-cp1252"))
    if not matches:
        return "cp1252"
    best_name, best_chaos, best_coherence, _ = matches[0]
    if western:
        if len(sample) < 24 or best_name in _WESTERN_KIN:
            return "cp1252"
        for _, chaos, coherence, names in matches:
            if "cp1252" in names and chaos <= best_chaos + 0.15 and coherence >= best_coherence - 0.05:
                return "cp1252"
    return best_name


def _normalizer_matches(sample: bytes) -> list[tuple[str, float, float, list[str]]]:
    """charset-normalizer's readings, best first: (codec, chaos, coherence, equivalent codecs)."""
    from charset_normalizer import from_bytes

    try:
        found = list(from_bytes(sample))
    except Exception:  # noqa: BLE001  (a third-party detector must not crash extraction)
        return []
    out = []
    for m in found:
        name = normalise_label(m.encoding)
        if name is not None:
            out.append((name, float(m.chaos), float(m.coherence), list(m.could_be_from_charset)))
    return out


def _reads_western(text: str) -> bool:
    """Whether text decoded as Windows-1252 looks like Western European writing.

    Western text is mostly ASCII letters with a few accented ones and typographic marks;
    Cyrillic, Greek or CJK bytes read as Windows-1252 give a flood of accented letters.
    """
    letters = accented = odd = 0
    for ch in text:
        if ch.isascii():
            letters += ch.isalpha()
        elif ch.isalpha() and "LATIN" in unicodedata.name(ch, ""):
            letters += 1
            accented += 1
        elif ch not in _WESTERN_MARKS:
            odd += 1
    non_ascii = accented + odd
    return letters > 0 and accented <= 0.45 * letters and odd <= 0.1 * max(non_ascii, 1)
