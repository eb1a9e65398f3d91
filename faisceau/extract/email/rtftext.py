"""Plain text of an RTF body (Outlook RTF-only messages), tolerant of broken input."""

from __future__ import annotations

import re

# control word, control symbol (\'hh, \\, \{ …), group braces, or a run of text
_TOKEN = re.compile(rb"\\([a-zA-Z]+)(-?\d+)? ?|\\'([0-9a-fA-F]{2})|\\(.)|([{}])|([^\\{}\r\n]+)|[\r\n]+", re.DOTALL)
# destinations whose content is not text a reader sees
_SKIP = {b"fonttbl", b"colortbl", b"stylesheet", b"info", b"pict", b"object", b"header", b"footer",
         b"themedata", b"colorschememapping", b"latentstyles", b"datastore", b"xmlnstbl", b"listtable",
         b"listoverridetable", b"rsidtbl", b"generator", b"filetbl", b"revtbl", b"mmathPr", b"htmltag"}
_BREAKS = {b"par": "\n", b"line": "\n", b"sect": "\n\n", b"page": "\n\n", b"tab": "\t", b"cell": "\t",
           b"row": "\n", b"emdash": "\u2014", b"endash": "\u2013", b"bullet": "\u2022",
           b"lquote": "\u2018", b"rquote": "\u2019", b"ldblquote": "\u201c", b"rdblquote": "\u201d"}
MAX_DEPTH = 256


def rtf_to_text(data: bytes, codepage: str = "cp1252") -> str:
    """The visible text of an RTF document (\\ansicpg and \\uN honoured, destinations skipped)."""
    out: list[str] = []
    stack: list[tuple[bool, int]] = []
    skip = False
    uc = 1  # characters to drop after a \uN (its ANSI fallback)
    pending_skip = 0
    star = False
    for m in _TOKEN.finditer(data):
        word, arg, hexa, sym, brace, text = m.groups()
        if brace == b"{":
            if len(stack) < MAX_DEPTH:
                stack.append((skip, uc))
            star = False
            continue
        if brace == b"}":
            if stack:
                skip, uc = stack.pop()
            continue
        if word is not None:
            if word == b"ansicpg" and arg:
                codepage = f"cp{int(arg)}"
            elif word == b"uc" and arg:
                uc = max(0, int(arg))
            elif word in _SKIP or star:
                skip = True
            elif not skip and word == b"u" and arg:
                out.append(chr(int(arg) % 65536))
                pending_skip = uc
            elif not skip and word in _BREAKS:
                out.append(_BREAKS[word])
            star = False
            continue
        if sym is not None:
            if sym == b"*":
                star = True
            elif not skip and sym in (b"\\", b"{", b"}"):
                out.append(sym.decode())
            elif not skip and sym == b"~":
                out.append("\u00a0")
            continue
        if skip:
            continue
        if hexa is not None:
            if pending_skip:
                pending_skip -= 1
                continue
            out.append(_decode(bytes([int(hexa, 16)]), codepage))
        elif text:
            if pending_skip:
                drop = min(pending_skip, len(text))
                text, pending_skip = text[drop:], pending_skip - drop
            out.append(_decode(text, codepage))
    return re.sub(r"\n{3,}", "\n\n", "".join(out)).strip()


def _decode(data: bytes, codepage: str) -> str:
    try:
        return data.decode(codepage, errors="replace")
    except LookupError:
        return data.decode("cp1252", errors="replace")
