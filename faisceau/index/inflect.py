"""Light stemming: a word matches its own inflections, and nothing further.

`sociétés` finds `société`, `companies` finds `company`, `leaked` and `leaking` find `leak`,
`journaux` finds `journal`, `surveillées` finds `surveillée`. But `familiarity` does not find
`familiar`, and `randomness` does not find `random`: derivations change the meaning, and a
journalist counting documents that name a thing wants that thing. Full Snowball stemming stays
available (`--stemming full`).

Each word has a small set of keys: itself, plus what remains once one plural, feminine or verb
ending is taken off (English and French). Two folded words match when their keys meet. At query
time, the index's own vocabulary is walked from a short prefix of the word, so the query
becomes the exact set of indexed spellings that match.
"""

from __future__ import annotations

from functools import lru_cache

_VOWELS = set("aeiouy")
_NO_UNDOUBLE = set("lsz")


@lru_cache(maxsize=100_000)
def keys(word: str) -> frozenset[str]:
    """The word and its bases without one inflectional ending (word already folded, lower case)."""
    w = word
    out = {w}
    n = len(w)
    if n <= 3 or not w.isalpha():
        return frozenset(out)
    # plurals: English -s, -es, -ies; French -s, -x, -aux
    if w.endswith("ies") and n > 4:
        out.add(w[:-3] + "y")
    if w.endswith("aux") and n > 4:
        out.add(w[:-3] + "al")
        out.add(w[:-1])                      # bureaux → bureau
    elif w.endswith("x") and w[-3:-1] in ("au", "eu", "ou"):
        out.add(w[:-1])                      # jeux → jeu
    if w.endswith("es") and (w[:-2].endswith(("s", "x", "z", "ch", "sh"))):
        out.add(w[:-2])                      # boxes → box
    if w.endswith("s") and not w.endswith("ss"):
        out.add(w[:-1])
    # French feminine of a participle or adjective in -é: -ée, -ées
    for base in list(out):
        if base.endswith("ee") and len(base) > 4:
            out.add(base[:-1])
    # English verbs: -ed, -ing (with doubled consonants undone and a silent e restored)
    for suffix in ("ing", "ed"):
        if w.endswith(suffix) and n - len(suffix) >= 2:
            stem = w[: -len(suffix)]
            if not any(c in _VOWELS for c in stem):
                continue
            out.add(stem + "e")                  # used → use, making → make
            if len(stem) < 3:
                continue
            out.add(stem)
            if len(stem) >= 3 and stem[-1] == stem[-2] and stem[-1] not in _VOWELS | _NO_UNDOUBLE:
                out.add(stem[:-1])
            if suffix == "ed" and stem.endswith("i"):
                out.add(stem[:-1] + "y")     # carried → carry
    return frozenset(out)


def related(a: str, b: str) -> bool:
    """Do two folded words match under light stemming?"""
    return a == b or not keys(a).isdisjoint(keys(b))


def prefix(word: str) -> str:
    """Every word related to `word` starts with this: its shortest key less two letters (a key
    may end in letters its word lacks: carry ← carried, journal ← journaux)."""
    shortest = min(keys(word), key=len)
    return shortest[: max(2, len(shortest) - 2)]
