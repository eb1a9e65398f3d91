"""OCR noise taken out of the text the model reads, with every offset mapped back to the original.

Old prints scanned and read by OCR cut words at line ends ("Poin¬caré", "in¬ formation",
"gou- verneur"), keep ligatures and the long s as their own characters ("ﬁn", "ſur") and space out
letters for emphasis ("P A R I S"). The model, trained on web text, reads none of these as the word.
Here the text is rewritten for the model only: each character of the rewritten text remembers the
span of the original it comes from, so a name found in "Poincaré" is the original's "Poin¬caré"
(`text == original[start:end]` holds for every mention).
"""

from __future__ import annotations

import re
from functools import lru_cache

from .levers import Levers

# a word cut at a line end: the OCR's "¬" (with or without the line break after it), or a hyphen at a line
# end or, lines joined, before a space, between two lower-case letters ("gou- verneur"; a name is
# "Jean-Pierre", with no space; "pré- et post-opératoire" keeps its hyphen)
_CUT = (r"¬(?<=[^\W\d_]¬)[ \t]*(?:\r?\n[ \t]*)?(?=[^\W\d_])"   # (each alternative starts with its
        r"|-(?<=[a-zß-ÿ]-)(?:[ \t]*\r?\n[ \t]*|[ ])(?!(?:et|ou|and|or|und|nor)\b)(?=[a-zß-ÿ])")  # character: fast scan)
GLYPHS = {"ſ": "s", "ﬀ": "ff", "ﬁ": "fi", "ﬂ": "fl", "ﬃ": "ffi", "ﬄ": "ffl", "ﬅ": "st", "ﬆ": "st"}
_GLYPH = "[" + "".join(GLYPHS) + "]"
# four letters or more, each alone between single spaces: "P A R I S", "E V A L E U"
_SPACED = r"(?<![\w.])(?:[^\W\d_] ){3,}[^\W\d_](?![\w.])"


class Normalised:
    """A text as the model reads it, and the original span each of its characters comes from."""

    __slots__ = ("text", "_lo", "_hi")

    def __init__(self, text: str, lo: list[int] | None = None, hi: list[int] | None = None) -> None:
        self.text = text
        self._lo = lo   # original start of each character (None: the text is the original)
        self._hi = hi   # original end of each character

    def span(self, start: int, end: int) -> tuple[int, int]:
        """The original (start, end) of the rewritten text's [start, end) (end > start)."""
        if self._lo is None or self._hi is None:
            return start, end
        return self._lo[start], self._hi[end - 1]


@lru_cache(maxsize=8)
def _pattern(cut: bool, glyphs: bool, spaced: bool) -> re.Pattern[str] | None:
    parts = [f"(?P<cut>{_CUT})"] if cut else []
    parts += [f"(?P<glyph>{_GLYPH})"] if glyphs else []
    parts += [f"(?P<spaced>{_SPACED})"] if spaced else []
    return re.compile("|".join(parts)) if parts else None


def normalise(text: str, levers: Levers) -> Normalised:
    """The text with the OCR noise the levers name rewritten (unchanged, and no map, when there is none)."""
    pattern = _pattern(levers.dehyphenate, levers.glyphs, levers.spaced)
    if pattern is None:
        return Normalised(text)
    first = pattern.search(text)
    if first is None:  # the common case: nothing to rewrite, nothing to map
        return Normalised(text)
    out: list[str] = []
    lo: list[int] = []
    hi: list[int] = []
    last = 0

    def keep(a: int, b: int) -> None:
        out.append(text[a:b])
        lo.extend(range(a, b))
        hi.extend(range(a + 1, b + 1))

    for m in pattern.finditer(text, first.start()):
        keep(last, m.start())
        kind = m.lastgroup
        if kind == "glyph":  # each letter of the ligature stands for the whole glyph
            new = GLYPHS[m.group()]
            out.append(new)
            lo.extend([m.start()] * len(new))
            hi.extend([m.end()] * len(new))
        elif kind == "spaced":  # the letters stay where they are; the spaces between them go
            for i in range(m.start(), m.end(), 2):
                keep(i, i + 1)
        # "cut": the break is dropped; the letters on each side keep their own places
        last = m.end()
    keep(last, len(text))
    return Normalised("".join(out), lo, hi)
