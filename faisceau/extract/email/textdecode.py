"""Bytes to text for message bodies and HTML to visible text."""

from __future__ import annotations

import re

from charset_normalizer import from_bytes
from selectolax.lexbor import LexborHTMLParser as HTMLParser

from .headers import codec_for, repair_bytes

_BLANKS = re.compile(r"\n{3,}")
_SPACES = re.compile(r"[ \t\r\f\v\u00a0]+")
# tags after which a reader sees a line break
_BLOCK_END = re.compile(r"(?i)<(?:br|hr|/p|/div|/tr|/li|/h[1-6]|/table|/blockquote|/pre|/ul|/ol)\b[^>]*>")
_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?([A-Za-z0-9._:-]+)""", re.IGNORECASE)
DETECT_SAMPLE = 64 * 1024
DETECT_MIN = 200


def decode_text(data: bytes, charset: str | None) -> str:
    """Decode a body with its declared charset; on failure detect the charset; never raise."""
    codec = codec_for(charset)
    if codec:
        try:
            return data.decode(codec)
        except UnicodeDecodeError:
            lenient = data.decode(codec, errors="replace")
            # a stray bad byte in a long text: the declared charset is still right
            if lenient.count("\ufffd") * 200 <= len(lenient):
                return lenient
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    sample = data[:DETECT_SAMPLE]
    high = sum(1 for b in sample if b > 0x7F)
    if len(data) < DETECT_MIN or high * 20 < len(sample):
        # short or mostly ASCII: detection guesses exotic code pages where Windows-1252 is right
        return repair_bytes(data)
    # without NUL bytes a UTF-16/32 guess is always wrong
    exclude = [] if b"\x00" in sample else ["utf_16", "utf_16_le", "utf_16_be", "utf_32", "utf_32_le", "utf_32_be"]
    best = from_bytes(sample, cp_exclusion=exclude).best()
    if best is not None:
        try:
            return data.decode(best.encoding)
        except (UnicodeDecodeError, LookupError):
            pass
    return repair_bytes(data)


def html_charset(data: bytes) -> str | None:
    """The charset an HTML document declares in a <meta> tag, if any."""
    m = _META_CHARSET.search(data[:4096])
    return m.group(1).decode("ascii") if m else None


def html_to_text(html: str) -> str:
    """The visible text of an HTML body: no script, style or head; blank lines squeezed."""
    tree = HTMLParser(_BLOCK_END.sub(lambda m: m.group(0) + "\n", html))
    for node in tree.css("script, style, noscript, template, head, title"):
        node.decompose()
    root = tree.body or tree.root
    if root is None:
        return ""
    lines = (_SPACES.sub(" ", line).strip() for line in root.text(deep=True).split("\n"))
    return _BLANKS.sub("\n\n", "\n".join(lines)).strip()
