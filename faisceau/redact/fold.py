"""How a redacted string is looked for in extracted text: case, accents, spacing and punctuation folded.

"Zoé  MARTIN" in a document and "zoe martin" in the list are the same string to a reader, and an
extractor may put a line break or a soft hyphen where the page shows a space; a file is named
"Zoe_Martin_CV.pdf" and an address "zoe.martin@": case, accents, spacing, punctuation and invisible
characters all go. A match must begin and end where a word does (a space, a sign, the text's ends), so
"Martin" is not found in "Martinez"; inside the match anything goes, so an extractor that splits a
word in two ("Mar tin") does not hide it.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable

# characters a PDF extractor may insert or a writer may use between two letters of one word
_INVISIBLE = {"\u00ad", "\u200b", "\u200c", "\u200d", "\u2060", "\ufeff"}


def fold_char(ch: str) -> str:
    """One character folded: decomposed, accents dropped, case-folded; '' for a space, sign or control."""
    out = []
    for c in unicodedata.normalize("NFKD", ch):
        if unicodedata.combining(c) or unicodedata.category(c)[0] in "PZC" or c.isspace() or c in _INVISIBLE:
            continue
        out.append(c)
    return "".join(out).casefold()


def fold(text: str) -> str:
    """Compatibility-decomposed, accents dropped, case-folded, without whitespace, punctuation or control and
    format characters."""
    return "".join(fold_char(ch) for ch in text)


def folded_with_bounds(text: str) -> tuple[str, set[int]]:
    """The folded text and the positions in it where a word starts or ends."""
    parts: list[str] = []
    bounds = {0}
    size = 0
    for ch in text:
        f = fold_char(ch)
        if not f or not ch.isalnum():
            bounds.add(size)
        parts.append(f)
        size += len(f)
        if not f or not ch.isalnum():
            bounds.add(size)
    bounds.add(size)
    return "".join(parts), bounds


def contains(folded: str, bounds: set[int], key: str) -> bool:
    """Whether the folded key occurs in the folded text starting and ending on word bounds."""
    start = folded.find(key)
    while start >= 0:
        if start in bounds and start + len(key) in bounds:
            return True
        start = folded.find(key, start + 1)
    return False


def found(needles: dict[str, str], haystack: str) -> list[str]:
    """The original strings (values of `needles`, keyed by their folded form) that occur in `haystack`."""
    folded, bounds = folded_with_bounds(haystack)
    return sorted({original for key, original in needles.items() if key and contains(folded, bounds, key)})


def needles(strings: list[str]) -> dict[str, str]:
    """Folded form → original, for the strings to look for (empty ones dropped)."""
    return {fold(s): s for s in strings if fold(s)}


def scrub(text: str, strings: Iterable[str], mark: str = "[redacted]") -> str:
    """`text` with every occurrence of each string (folded, starting and ending on word bounds, as verify
    looks for it) replaced by `mark`: what a published report prints of a file name or a tag."""
    keys = sorted({k for k in (fold(s) for s in strings) if k}, key=len, reverse=True)
    if not keys or not text:
        return text
    folded: list[str] = []
    origin: list[int] = []  # the index in `text` of each folded character
    bounds = {0}
    for i, ch in enumerate(text):
        f = fold_char(ch)
        if not f or not ch.isalnum():
            bounds.add(len(folded))
        folded += list(f)
        origin += [i] * len(f)
        if not f or not ch.isalnum():
            bounds.add(len(folded))
    bounds.add(len(folded))
    flat = "".join(folded)
    cuts: list[tuple[int, int]] = []
    for key in keys:
        start = flat.find(key)
        while start >= 0:
            end = start + len(key)
            if start in bounds and end in bounds:
                cuts.append((origin[start], origin[end - 1] + 1))
                start = flat.find(key, end)
            else:
                start = flat.find(key, start + 1)
    out, at = [], 0
    for a, b in sorted(cuts):
        if b <= at:
            continue  # inside a longer string already cut
        out += [text[at:max(a, at)], mark] if a >= at else [mark]
        at = b
    out.append(text[at:])
    return "".join(out)
