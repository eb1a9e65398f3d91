"""Token similarity between an extracted text and an expected one (shared by the corpus tests)."""

from __future__ import annotations

import re
import unicodedata
from collections import Counter


def tokens(text: str) -> Counter[str]:
    """The multiset of word tokens of a text (NFKC, casefolded)."""
    return Counter(re.findall(r"\w+", unicodedata.normalize("NFKC", text).casefold()))


def similarity(got: str, expected: str) -> float:
    """Dice coefficient of the token multisets: 2·|A ∩ B| / (|A| + |B|); 1.0 = same words, same counts.

    Word order and whitespace are left out on purpose: expected texts come from other tools,
    which lay out tables, columns and line breaks differently.
    """
    a, b = tokens(got), tokens(expected)
    total = sum(a.values()) + sum(b.values())
    return 1.0 if total == 0 else 2 * sum((a & b).values()) / total
