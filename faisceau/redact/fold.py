"""How a redacted string is looked for in extracted text: case, accents and spacing folded.

"Zoé  MARTIN" in a document and "zoe martin" in the list are the same string to a reader, and an
extractor may put a line break or a soft hyphen where the page shows a space; a file is named
"Zoe_Martin_CV.pdf" and an address "zoe.martin@": case, accents, spacing, punctuation and invisible
characters all go. A check that folds more finds more: for a leak test that errs the right way.
"""

from __future__ import annotations

import unicodedata

# characters a PDF extractor may insert or a writer may use between two letters of one word
_INVISIBLE = {"\u00ad", "\u200b", "\u200c", "\u200d", "\u2060", "\ufeff"}


def fold(text: str) -> str:
    """Compatibility-decomposed, accents dropped, case-folded, without whitespace, punctuation or control and
    format characters."""
    decomposed = unicodedata.normalize("NFKD", text)
    kept = (ch for ch in decomposed
            if not unicodedata.combining(ch) and unicodedata.category(ch)[0] not in "PZC" and not ch.isspace()
            and ch not in _INVISIBLE)
    return "".join(kept).casefold()


def found(needles: dict[str, str], haystack: str) -> list[str]:
    """The original strings (values of `needles`, keyed by their folded form) whose fold is in `haystack`'s."""
    folded = fold(haystack)
    return sorted({original for key, original in needles.items() if key and key in folded})


def needles(strings: list[str]) -> dict[str, str]:
    """Folded form → original, for the strings to look for (empty ones dropped)."""
    return {fold(s): s for s in strings if fold(s)}
