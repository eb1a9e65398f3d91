"""Light stemming: a word matches itself, itself plus one inflectional ending, or itself less one.

`société` finds `sociétés` and `sociétés` finds `société`; `leak` finds `leaks`, `leaked`,
`leaking`; `surveillé` finds `surveillée` and `surveillés`; `bureau` finds `bureaux`. Nothing
further: `familiarity` does not find `familiar`, `trainee` does not find `training`, `company`
does not find `companies`, and a word under four letters (the, for, new) matches only itself. The
rule is deliberately one step and literal, so a count of documents stays a count of documents
that use the word, and anyone can predict what matched.
Full Snowball stemming by language stays available (`--stemming full`).

At query time the index's own vocabulary is walked from the word's prefix, so a query becomes
the exact set of indexed spellings that match.
"""

from __future__ import annotations

# endings of English and French inflection: plurals, the French feminine, English verb forms
ENDINGS = ("s", "es", "e", "d", "ed", "ing")
MIN_BASE = 4   # shorter words (the, for, new) carry no ending here: expanding them is noise, and slow


def _ending(longer: str, base: str) -> bool:
    if len(base) < MIN_BASE or not longer.startswith(base):
        return False
    rest = longer[len(base):]
    if rest in ENDINGS:
        return True
    # French plural in -x after -au, -eu, -ou (bureaux, jeux, genoux)
    return rest == "x" and base.endswith(("au", "eu", "ou"))


def related(a: str, b: str) -> bool:
    """Do two folded, lower-case words match under light stemming?"""
    if a == b:
        return True
    if not (a.isalpha() and b.isalpha()):
        return False
    return _ending(a, b) if len(a) > len(b) else _ending(b, a)


def prefix(word: str) -> str:
    """Every word related to `word` starts with this: the word less its longest possible ending."""
    return word[: max(MIN_BASE, len(word) - 3)] if len(word) > MIN_BASE else word
