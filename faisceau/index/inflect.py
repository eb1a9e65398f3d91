"""Light stemming: words match when they are the same word less its inflectional endings.

Each folded word has a *key*: the word less its English or French inflection, taken off from
the outside in — a verb ending (-ing, -ed, -d after e), then a plural (-s, -x after au/eu/ou),
then one or two final e (the French feminine, the English silent e). Two words match when
their keys are equal, so the relation is symmetric by construction: `élu`, `élus`, `élue`,
`élues` are one word (key `elu`); `vote`, `votes`, `voted` one (`vot`); `loi` and `lois` one;
`société` and `sociétés`; `surveillé`, `surveillée`, `surveillés`; `leak`, `leaks`, `leaked`,
`leaking`; `bureau` and `bureaux`. The one-ending rule before it was not symmetric: `élus` found
`élus` but `élu` did not find `élus` (a three-letter word took no ending), `vote` found `voted`
but `votes` did not — so `"loi de finances"` and `"lois de finances"` gave 21 and 764 pages.

Nothing further: `familiarity` does not find `familiar`, `trainee` does not find `training`,
`company` does not find `companies`; a key keeps at least three letters (four before -ing and
-ed, so `sing` and `shed` stay whole), a word ending in -ss keeps its s (less, class), and
common words (de, les, the…) and words whose stripped form would be one (`mois` is not `moi`)
are their own key. Full Snowball stemming by language stays available (`--stemming full`).

At query time the index's own vocabulary is walked from the key (every word of a class starts
with it), so a query becomes the exact set of indexed spellings that match.
"""

from __future__ import annotations

from functools import lru_cache

from .analyzers import is_stop

MIN_KEY = 3    # letters a key keeps: shorter words (de, of, un) match only themselves
MIN_VERB = 4   # letters left before -ing, -ed: sing, bring, shed stay whole
MIN_BASE = MIN_KEY  # a word shorter than this has no related spellings


def _strip(word: str, end: str, least: int) -> str | None:
    """`word` less `end` when it ends so and keeps `least` letters, not turning into a common word."""
    if not word.endswith(end) or len(word) - len(end) < least:
        return None
    base = word[: len(word) - len(end)]
    return None if is_stop(base) else base


@lru_cache(maxsize=100_000)
def key(word: str) -> str:
    """The key of a folded, lower-case word: the word less its inflectional endings."""
    if len(word) <= MIN_KEY or not word.isalpha() or is_stop(word):
        return word
    w = word
    # verb endings: leaking, leaked, voted (vote + d), agreed (agre + ed, like agree less e)
    for end, least in (("ing", MIN_VERB), ("ed", MIN_VERB)):
        if (base := _strip(w, end, least)) is not None:
            w = base
            break
    else:
        if w.endswith("ed") and (base := _strip(w, "d", MIN_VERB)) is not None:
            w = base
    # plurals: lois, élus, votes; bureaux, jeux; never the s of -ss (less, class)
    if w.endswith("s") and not w.endswith("ss"):
        w = _strip(w, "s", MIN_KEY) or w
    elif w.endswith(("aux", "eux", "oux")):
        w = _strip(w, "x", MIN_KEY) or w
    # the French feminine and the English silent e, twice for -ée (surveillée, élue, vote)
    for _ in range(2):
        base = _strip(w, "e", MIN_KEY)
        if base is None:
            break
        w = base
    return w


def related(a: str, b: str) -> bool:
    """Do two folded, lower-case words match under light stemming?"""
    return a == b or (a.isalpha() and b.isalpha() and key(a) == key(b))


def prefix(word: str) -> str:
    """Every word related to `word` starts with this: its key."""
    return key(word)
