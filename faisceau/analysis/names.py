"""Keys of names: what grouping compares, so spellings of one name meet.

"M. Jean Dupont", "DUPONT, Jean", "jean dupont" and "Jean Dupont" share the key `jean dupont`;
a title, an article, a possessive and accents do not make a new name.
"""

from __future__ import annotations

from functools import lru_cache

from ..mail.people import name_order
from .levers import Levers
from .normalise import normalise

TITLES = frozenset("""m mm mme mmes mlle mlles mr mrs ms miss dr pr prof me mgr maitre monsieur madame mademoiselle
    sir lord lady dame herr frau general gen col capt colonel capitaine commandant marechal lieutenant lt sgt
    amiral admiral docteur doctor abbe judge president senator governor captain hon rev comte comtesse duc
    duchesse prince princesse baron marquis citoyen count countess duke duchess princess king queen emperor
    citizen""".split())
# the forms of address a text puts before a person's name ("M. Gilles Carrez", "Mrs Smith"): not part of
# the name an entity is shown by (ranks and offices — General, President, King — are: they tell who)
CIVILITIES = frozenset("m mm mme mmes mlle mlles mr mrs ms miss monsieur madame mademoiselle messrs".split())
ARTICLES = frozenset("the le la les l".split())
_WHOLE = Levers(dehyphenate=True, glyphs=True)   # a name printed across a line end is the name whole
LEGAL = frozenset("sa sas sasu sarl eurl inc incorporated corp corporation ltd llc plc gmbh ag co".split())


@lru_cache(maxsize=1 << 16)  # a corpus names the same few thousand spellings over and over
def key(text: str, kind: str = "") -> str:
    """The normalised name: folded, "Last, First" turned round, without titles, articles or legal forms.

    The same for every type, so one spelling labelled PER here and ORG there is one entity, typed by
    the majority of its mentions."""
    if "¬" in text or "-" in text or not text.isascii():  # "Poin¬caré" is Poincaré, "Griﬃn" Griffin
        text = normalise(text, _WHOLE).text
    words = name_order(text).split()
    while len(words) > 1 and (words[0] in TITLES or words[0] in ARTICLES):
        words = words[1:]
    while len(words) > 1 and words[-1] in LEGAL:
        words = words[:-1]
    return " ".join(words)


def without_civility(text: str) -> str:
    """A person's name as written, without the forms of address before it ("MM. Bruno Le Roux" → "Bruno
    Le Roux"); the text itself when nothing would be left."""
    words = text.split()
    i = 0
    while i < len(words) - 1 and words[i].rstrip(".").casefold() in CIVILITIES:
        i += 1
    return " ".join(words[i:]) if i and words[i][:1].isupper() else text


def initials_match(short: str, full: str) -> bool:
    """`j bezos` or `j p morgan` against `jeff bezos` / `john pierpont morgan`: same surname, initials agree."""
    s, f = short.split(), full.split()
    if len(s) != len(f) or s[-1] != f[-1] or s == f:
        return False
    return all(a == b or len(a) == 1 and b.startswith(a) for a, b in zip(s[:-1], f[:-1]))
