"""Sentence bounds around a span, cheaply: an event is the sentence that holds a date."""

from __future__ import annotations

import re

_END = re.compile(r"[.!?…](?=[\s\"'»”)\]]|$)|\n\s*\n|\n(?=\s*[-•*>])")
MAX = 600   # a sentence is cut at this many characters each side of its span


def around(text: str, start: int, end: int) -> tuple[int, int]:
    """The bounds of the sentence holding text[start:end], whitespace trimmed."""
    lo = max(0, start - MAX)
    s = lo
    for m in _END.finditer(text, lo, start):
        if not _abbreviation(text, m.start()):
            s = m.end()
    e = min(len(text), end + MAX)
    for m in _END.finditer(text, end, e):
        if not _abbreviation(text, m.start()):
            e = m.end()
            break
    while s < start and text[s].isspace():
        s += 1
    while e > end and text[e - 1].isspace():
        e -= 1
    return s, e


def _abbreviation(text: str, dot: int) -> bool:
    """"M. Dupont", "31 déc. 2012", "J. Bezos": a full stop after a short word does not end a sentence."""
    if text[dot] != ".":
        return False
    word = re.search(r"(\w+)$", text[max(0, dot - 6):dot])
    if word is None:
        return False
    w = word.group(1)
    return len(w) <= 2 and w[:1].isupper() or w.lower() in _ABBR


_ABBR = frozenset("""m mm mme dr mr mrs ms st jan janv feb fév fev févr mar apr avr jun jul juil aug sep sept oct nov dec déc
    etc cf vs no nº p pp art ch vol inc corp ltd co""".split())
