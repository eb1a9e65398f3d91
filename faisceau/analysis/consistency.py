"""Cross-document consistency: a name recognised with confidence somewhere is recognised everywhere.

A gazetteer is built from the corpus itself: every surface form the model labelled, with the votes of
its types, plus the surnames of multi-word persons. Then each text is read again: a form labelled
with another type than its clear majority is relabelled, and an occurrence the model missed is added
(source `corpus`). No list comes from outside the corpus.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import replace

from ..model.mention import Mention
from .levers import SHIPPED, Levers
from .ner import PRONOUNS

MIN_VOTES = 2          # a form seen labelled at least twice…
MAJORITY = 0.6         # …with one type in this share of its labels, joins the gazetteer
RELABEL = MAJORITY     # and then overrides the model's type on a single mention
MIN_LEN = 3
MIN_CAPS = 4           # shorter names in capitals are too often acronyms of something else
SAINTS = frozenset("st ste saint sainte san santa".split())  # "St. Louis" is no person named Louis


def source_weight(source: str) -> int:
    """A mention's vote for its type: a correspondent or a results line is strong evidence."""
    return 3 if source in ("header", "layout") else 1


class Gazetteer:
    """Surface forms and their majority type, gathered from the model's mentions over a corpus."""

    def __init__(self) -> None:
        self.votes: dict[str, Counter[str]] = defaultdict(Counter)
        self._pattern: re.Pattern[str] | None = None
        self._types: dict[str, tuple[str, float]] = {}
        self._first: dict[str, list[str]] = {}

    def add(self, mentions: Iterable[Mention]) -> None:
        for m in mentions:
            if m.source not in ("model", "header", "layout"):
                continue
            self.votes[m.text][m.type] += source_weight(m.source)
            if m.type == "PER":
                parts = m.text.split()
                if len(parts) >= 2 and parts[-1][:1].isupper() and parts[0].rstrip(".").lower() not in SAINTS:
                    self.votes[parts[-1]]["PER"] += 1  # a surname stands for the person later on
        self._pattern = None

    def types(self) -> dict[str, tuple[str, float]]:
        """Form → (majority type, its share) for the forms that qualify."""
        if self._pattern is None:
            self._build()
        return self._types

    def _build(self) -> None:
        self._types = {}
        for form, votes in self.votes.items():
            total = sum(votes.values())
            kind, n = votes.most_common(1)[0]
            if total >= MIN_VOTES and n / total >= MAJORITY and _usable(form):
                self._types[form] = (kind, n / total)
        # forms by their first word, longest first: a text is scanned once, word by word
        # headlines and datelines write names in capitals ("BERNE, 9 août"): those count as the name
        for form, t in list(self._types.items()):
            up = form.upper()
            if len(form) >= MIN_CAPS and up != form and up not in self._types and up not in self.votes:
                self._types[up] = t
        self._first = defaultdict(list)
        for form in sorted(self._types, key=len, reverse=True):
            self._first[form.split()[0].rstrip(".")].append(form)
        self._pattern = _WORD

    def apply(self, text: str, mentions: list[Mention], levers: Levers = SHIPPED) -> list[Mention]:
        """The text's mentions made consistent with the corpus: relabelled and completed."""
        types = self.types()
        if not types:
            return mentions
        out = [_relabelled(m, types) for m in mentions] if levers.relabel else list(mentions)
        if not levers.propagate:
            return out
        taken = sorted((m.start, m.end) for m in out)
        added = []
        for w in _WORD.finditer(text):
            forms = self._first.get(w.group())
            if not forms:
                continue
            s = w.start()
            for form in forms:
                e = s + len(form)
                if text.startswith(form, s) and not (e < len(text) and (text[e].isalnum() or text[e] in "-_")):
                    alone = " " not in form and not form.isupper()  # capitals are no sentence start
                    if not (_overlaps(taken, s, e) or alone and _sentence_start(text, s)):
                        added.append(Mention(s, e, form, types[form][0], "corpus"))
                    break
        if not added:
            return out
        return sorted(out + added, key=lambda m: m.start)


def _relabelled(m: Mention, types: dict[str, tuple[str, float]]) -> Mention:
    """The mention with the type the corpus clearly gives its form."""
    t = types.get(m.text)
    if len(m.text) >= MIN_CAPS and m.text.isupper():
        t = types.get(m.text.title()) or t  # "ANGLETERRE" in a heading is the text's Angleterre
    if t is not None and t[0] != m.type and t[1] >= RELABEL:
        return replace(m, type=t[0])
    return m


_WORD = re.compile(r"(?<![\w-])[^\W\d_](?:[\w’'-]|\.(?=\w))*")  # a word, without a final full stop


def _usable(form: str) -> bool:
    """Forms worth matching alone: capitalised words, not pronouns, not too short."""
    return (len(form) >= MIN_LEN and form[:1].isupper() and form.lower() not in PRONOUNS
            and not form.isupper() or len(form) >= 4 and form.isupper() and " " not in form) and form.strip() == form


def _overlaps(spans: list[tuple[int, int]], s: int, e: int) -> bool:
    import bisect

    i = bisect.bisect_left(spans, (e, e))
    return any(a < e and s < b for a, b in spans[max(0, i - 3):i])


def _sentence_start(text: str, pos: int) -> bool:
    """A capitalised word after a full stop (or at the start) may be an ordinary word."""
    before = text[max(0, pos - 3):pos].rstrip(" \"'«“(—-–")
    return not before or before[-1:] in ".!?:\n"


_LOWER = re.compile(r"(?<![\w-])[^\W\d_A-ZÀ-Þ][\w-]*")  # "l'état" counts "l" and "état"
_CAPITAL = re.compile(r"(?<![\w-])[A-ZÀ-Þ][^\W\d_A-ZÀ-Þ][\w’'-]*")
_ACCENTED = {"E": "éèê", "A": "àâ", "I": "î", "O": "ô", "U": "û", "C": "ç"}  # capitals often lose accents
COMMON = 3   # a word the corpus writes in lower case this often, and a third as often as it names it…
PEOPLE = 2   # a capitalised plural the corpus writes this often in lower case is a people


class WordStats:
    """How a corpus writes its words: in lower case, and capitalised inside a sentence."""

    def __init__(self) -> None:
        self.lower: Counter[str] = Counter()
        self.mid: Counter[str] = Counter()

    def add(self, text: str) -> None:
        self.lower.update(_LOWER.findall(text))
        self.mid.update(m.group() for m in _CAPITAL.finditer(text) if not _sentence_start(text, m.start()))

    def common(self, form: str, named: int) -> bool:
        """An ordinary word capitalised, not a name: the corpus writes it in lower case more often than it
        names it ("State", "Rappel"), or writes it in lower case and capitalises it only where a sentence
        starts ("Attentat")."""
        if " " in form or form.isupper() or not form[:1].isupper():
            return False
        low = self.lower[form.lower()]
        low += sum(self.lower[c + form[1:].lower()] for c in _ACCENTED.get(form[0], ""))  # "Etat": "état"
        return low >= max(COMMON, named // 3 + 1) or low >= 1 and self.mid[form] == 0

    def ordinary(self, form: str, kind: str, named: int) -> bool:
        """Not a name: an ordinary word capitalised, or a people read as a place."""
        return self.common(form, named) or kind == "LOC" and self.people(form)

    @staticmethod
    def lookups(form: str) -> list[str]:
        """The lower-case words `common` and `people` look up for a form."""
        low = form.lower()
        return [low, low[:-1]] + [c + low[1:] for c in _ACCENTED.get(form[:1], "")]

    def people(self, form: str) -> bool:
        """A people, not a place: a capitalised plural the corpus also writes in lower case, as an
        adjective or a noun ("les Anglais" and "anglais", "Bulgares" and "bulgare")."""
        if " " in form or not form[:1].isupper() or form.isupper() or form[-1:] not in "sx":
            return False
        low = form.lower()
        return self.lower[low] + self.lower[low[:-1]] >= PEOPLE


def consistent(texts: list[str], mentions: list[list[Mention]], levers: Levers = SHIPPED) -> list[list[Mention]]:
    """The whole corpus made consistent at once (the `--lines` mode, and a small corpus)."""
    if levers.ordinary:
        stats = WordStats()
        for t in texts:
            stats.add(t)
        named = Counter(m.text for ms in mentions for m in ms)
        mentions = [[m for m in ms if m.source == "header" or not stats.ordinary(m.text, m.type, named[m.text])]
                    for ms in mentions]
    if not (levers.relabel or levers.propagate):
        return mentions
    g = Gazetteer()
    for ms in mentions:
        g.add(ms)
    return [g.apply(t, ms, levers) for t, ms in zip(texts, mentions)]
