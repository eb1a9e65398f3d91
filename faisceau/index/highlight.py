"""Snippets: the passages of a document's stored text that match a query, with page numbers.

Matching walks the stored text word by word with the index's own analyzers (`analyzers.words`
and `analyzers.analyze`), so what is highlighted is what matched, and offsets are code points
into the stored text — the same offsets a citation keeps.

Known spellings (a bare word or phrase whose indexed forms the query compiler listed) are
found with one regular expression (`foldregex`): on the text folded character by character
when it can, with the reference pattern otherwise; both give the same spans.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from . import inflect
from .analyzers import JOIN_RE, WORD_RE, analyze, words
from .foldregex import fold_regex, fold_text, joins_letters, literal_ok
from .query import Term

WINDOW = 180          # characters of context per snippet
ENOUGH_SPANS = 60      # matches found in a document before the highlighter stops looking
SCAN_LIMIT = 20_000_000  # characters of a huge text scanned for highlights
FOLD_LIMIT = 1_000_000   # longer texts take the reference pattern: it stops early, folding would not


@dataclass
class Snippet:
    """A passage: `text` is stored_text[start:end]; `highlights` are offsets into `text`."""

    text: str
    start: int
    end: int
    highlights: list[tuple[int, int]] = field(default_factory=list)
    page: int | None = None

    def as_dict(self) -> dict[str, object]:
        return {"text": self.text, "start": self.start, "end": self.end, "page": self.page,
                "highlights": [list(h) for h in self.highlights]}

    def marked(self, before: str = "[", after: str = "]") -> str:
        """The text with each highlight between `before` and `after`."""
        out, last = [], 0
        for s, e in self.highlights:
            out += [self.text[last:s], before, self.text[s:e], after]
            last = e
        out.append(self.text[last:])
        return "".join(out)


class _Matcher:
    """Decides, word by word, which query terms a word of a document matches."""

    def __init__(self, terms: list[Term], stem: str, stemming: str = "light") -> None:
        self.stem = stem                      # fr or en: the analyzer of this document's text
        self.stemming = stemming              # light, full or off, as the query was run
        self.singles: list[tuple[int, Term, object]] = []
        self.phrases: list[tuple[int, list[tuple[str, str]]]] = []
        # the fast path: words whose matching spellings the query already knows (from the index
        # vocabulary), looked up by their folded form
        self.by_fold: dict[str, int] = {}
        self.fold_phrases: list[tuple[int, list[frozenset[str]]]] = []
        for n, t in enumerate(terms):
            if t.forms is not None and not t.exact and t.form in ("word", "phrase"):
                if t.form == "phrase" and t.slop == 0 and len(t.forms) > 1:
                    self.fold_phrases.append((n, t.forms))
                else:
                    for forms in t.forms:
                        for f in forms:
                            self.by_fold.setdefault(f, n)
                continue
            if t.form == "phrase" and t.slop == 0:
                seq = self._phrase_tokens(t)
                if len(seq) > 1:
                    self.phrases.append((n, seq))
                    continue
            if t.form == "phrase":   # proximity: highlight each word of it
                for w in re.findall(r"[^\W_]+", t.text):
                    self.singles.append((n, Term(None, w, "word", exact=t.exact), self._key(Term(None, w, "word", exact=t.exact))))
                continue
            self.singles.append((n, t, self._key(t)))
        self.fast_args = (self.by_fold, self.fold_phrases)
        self.patterns: dict[tuple[bool, bool], re.Pattern[str] | None] = {}
        self.group_terms: dict[str, int] = {}   # group name (tN, tN_k, pN_k) → term number N
        self.term_patterns: list[re.Pattern[str] | None] | None = None   # one per word: see _each_term
        # the same test on folded text, when every letter allows it (compiled only if used)
        self.folded = all(literal_ok(ch) for f in self.by_fold for ch in f) and all(
            literal_ok(ch) for _, sets in self.fold_phrases for forms in sets for f in forms for ch in f)
        self.n_terms = len({n for n in self.by_fold.values()} | {n for n, _ in self.fold_phrases})

    def _phrase_tokens(self, t: Term) -> list[tuple[str, str]]:
        if t.exact:
            return [("exact", w) for w in analyze("exact", t.text)]
        return [("word", w) for w in re.findall(r"[^\W_]+", t.text)]

    def _key(self, t: Term) -> object:
        if t.exact:
            return analyze("exact", t.text)
        if t.form == "word":
            return (analyze("fold", t.text), analyze(self.stem, t.text))
        if t.form == "prefix":
            return "".join(analyze("fold", t.text))
        if t.form == "wildcard":
            pattern = "".join(".*" if p == "*" else "." if p == "?" else re.escape("".join(analyze("fold", p)))
                              for p in re.split(r"([*?])", t.text))
            return re.compile(pattern)
        if t.form == "fuzzy":
            return "".join(analyze("fold", t.text))
        return None

    def word_matches(self, word: str, t: Term, key: object) -> bool:
        if t.exact:
            return analyze("exact", word) == key
        fold = analyze("fold", word)
        if len(fold) != 1:
            return False
        if t.form == "word":
            assert isinstance(key, tuple)
            return self._word(word, fold, key[0], key[1])
        if t.form == "prefix":
            assert isinstance(key, str)
            return fold[0].startswith(key)
        if t.form == "wildcard":
            assert isinstance(key, re.Pattern)
            return key.fullmatch(fold[0]) is not None
        if t.form == "fuzzy":
            assert isinstance(key, str)
            return abs(len(fold[0]) - len(key)) <= t.distance and _distance(fold[0], key, t.distance) <= t.distance
        return False

    def spans(self, text: str) -> list[tuple[int, int, int]]:
        """(start, end, term number) of every match in `text`.

        The distinct words of the text are tested once each; their matching spellings are then
        found with one compiled pattern, so a long document costs a few regex passes, not a
        Python loop per word.
        """
        text = text[:SCAN_LIMIT]
        if (self.by_fold or self.fold_phrases) and not self.singles and not self.phrases:
            # every term has known spellings: one pass of one pattern
            return self.fast_spans(text, self.folded and len(text) <= FOLD_LIMIT)
        return self.slow_spans(text)

    def fast_spans(self, text: str, folded: bool) -> list[tuple[int, int, int]]:
        """Spans of a query whose terms all have known spellings: on the folded text, or with
        the reference pattern (`folded=False`); both give the same spans."""
        joiners = folded and joins_letters(text)
        subject = fold_text(text) if folded else text
        if folded and not joiners and not self.fold_phrases and self.n_terms > 1:
            spans = self._each_term(subject)
            if spans is not None:
                return spans
        pattern = self.patterns.get((folded, joiners))
        if pattern is None:
            pattern = self.patterns[folded, joiners] = fold_regex(*self.fast_args, folded=folded, joiners=joiners)
        assert pattern is not None
        # enough spans to choose three passages from, once every term has been seen: stop
        # there rather than scan the rest of a long document
        fast: list[tuple[int, int, int]] = []
        seen: set[int] = set()
        for m in pattern.finditer(subject):
            n = self._term(m)
            fast.append((m.start(), m.end(), n))
            seen.add(n)
            if len(fast) >= ENOUGH_SPANS and len(seen) == self.n_terms:
                break
        return fast

    def _each_term(self, subject: str) -> list[tuple[int, int, int]] | None:
        """`fast_spans` of several words, one pattern per word (each starts with literal letters
        the engine finds fast, and is compiled once for every query holding that word). Without
        joiners or phrases every match is a whole word, so words of different terms never
        overlap and the one pattern's matches are the union of each word's, in order. None when
        a word's scan stopped (ENOUGH_SPANS) before the point the one pattern would stop at."""
        if self.term_patterns is None:
            by_term: dict[int, dict[str, int]] = {}
            for f, n in self.by_fold.items():
                by_term.setdefault(n, {})[f] = n
            self.term_patterns = [fold_regex(forms, [], folded=True, joiners=False) for forms in by_term.values()]
        found: list[tuple[int, int, int]] = []
        horizon, capped = len(subject), False
        for pattern in self.term_patterns:
            assert pattern is not None
            mine = 0
            for m in pattern.finditer(subject):
                found.append((m.start(), m.end(), self._term(m)))
                mine += 1
                if mine >= ENOUGH_SPANS:   # this word's spans are known up to here only
                    horizon, capped = min(horizon, m.start()), True
                    break
        found.sort()
        out: list[tuple[int, int, int]] = []
        seen: set[int] = set()
        for span in found:
            if span[0] > horizon:
                return None
            out.append(span)
            seen.add(span[2])
            if len(out) >= ENOUGH_SPANS and len(seen) == self.n_terms:
                return out
        return None if capped else out

    def _term(self, m: re.Match[str]) -> int:
        """The term number of a match: its group is tN, tN_k or pN_k."""
        group = m.lastgroup or "t0"
        n = self.group_terms.get(group)
        if n is None:
            n = self.group_terms[group] = int(group[1:].partition("_")[0])
        return n

    def slow_spans(self, text: str) -> list[tuple[int, int, int]]:
        """Spans of any query: each distinct word of the text tested against every term."""
        distinct = set(WORD_RE.findall(text))
        found: dict[str, int] = {}
        folds = {surface: _fold1(_normal(surface)) for surface in distinct} if self.by_fold or self.fold_phrases else {}
        for surface in distinct:
            if self.by_fold:
                hit = self.by_fold.get(folds[surface])
                if hit is not None:
                    found[surface] = hit
                    continue
            if not self.singles:
                continue
            w = _normal(surface)
            for n, t, key in self.singles:
                if self.word_matches(w, t, key):
                    found[surface] = n
                    break
        out = [(m.start(), m.end(), found[m.group()]) for m in _find(found, text)]
        for n, sets in self.fold_phrases:
            heads = {sf: 0 for sf, f in folds.items() if f in sets[0]}
            for m in _find(heads, text):
                following = list(words(text[m.start():m.start() + 64 * len(sets)]))[:len(sets)]
                if len(following) == len(sets) and all(_fold1(w) in forms for (_, _, w), forms in zip(following, sets)):
                    out.append((m.start(), m.start() + following[-1][1], n))
        for n, seq in self.phrases:
            kind, tok = seq[0]
            heads = {s: 0 for s in distinct if self._same(_normal(s), kind, tok)}
            for m in _find(heads, text):
                following = list(words(text[m.start():m.start() + 64 * len(seq)]))[:len(seq)]
                if len(following) == len(seq) and all(self._same(w, k, t) for (_, _, w), (k, t) in zip(following, seq)):
                    out.append((m.start(), m.start() + following[-1][1], n))
        out.sort()
        return out

    def _same(self, word: str, kind: str, tok: str) -> bool:
        if kind == "exact":
            return word == tok
        return self._word(word, analyze("fold", word), analyze("fold", tok), analyze(self.stem, tok))

    def _word(self, word: str, fold: tuple[str, ...], q_fold: tuple[str, ...], q_stem: tuple[str, ...]) -> bool:
        """Does a word of the text match a query word, under this query's stemming?"""
        if fold == q_fold:
            return True
        if self.stemming == "light":
            return len(fold) == 1 and len(q_fold) == 1 and inflect.related(fold[0], q_fold[0])
        if self.stemming == "full":
            return analyze(self.stem, word) == q_stem
        return False


def _fold1(word: str) -> str:
    """The folded form of one word ("" when folding does not give exactly one token)."""
    toks = analyze("fold", word)
    return toks[0] if len(toks) == 1 else ""


def _normal(surface: str) -> str:
    """A word as the index saw it: soft hyphens and end-of-line hyphenation removed."""
    return JOIN_RE.sub("", surface) if "\u00ad" in surface or "-" in surface else surface


def _find(surfaces: dict[str, int], text: str) -> Iterator[re.Match[str]]:
    """Every whole-word occurrence of these spellings in `text`."""
    if not surfaces:
        return iter(())
    alternation = "|".join(re.escape(s) for s in sorted(surfaces, key=len, reverse=True))
    return re.finditer(rf"(?<![^\W_])(?:{alternation})(?![^\W_])", text)


def _distance(a: str, b: str, limit: int) -> int:
    """Optimal string alignment distance (a transposition costs 1), stopping above `limit`."""
    prev2: list[int] = []
    prev = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        cur = [i] + [0] * len(b)
        for j, cb in enumerate(b, 1):
            cost = ca != cb
            cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost)
            if i > 1 and j > 1 and ca == b[j - 2] and a[i - 2] == cb:
                cur[j] = min(cur[j], prev2[j - 2] + 1)
        if min(cur) > limit:
            return limit + 1
        prev2, prev = prev, cur
    return prev[-1]


def snippets(text: str, terms: list[Term], language: str | None, pages: list[tuple[int, int, int]] | None,
             count: int = 3, window: int = WINDOW, stemming: str = "light",
             matchers: dict[str, Any] | None = None, main: list[tuple[int, int]] | None = None) -> list[Snippet]:
    """Up to `count` passages of `text`, best first: those covering the most query terms.

    `matchers`: a dict kept by the caller across the hits of one query (same `terms` and
    `stemming`), so the query's matcher is built once per language, not once per hit.
    `main`: a web page's main content (spans of `text`): passages come from it when it holds
    a match, so a snippet quotes the page and not its site's menu."""
    if count <= 0 or not text:
        return []
    spans = _matcher(terms, "fr" if language == "fr" else "en", stemming, matchers).spans(text) if terms else []
    if main:
        starts = [a for a, _ in main]
        inside = [sp for sp in spans if (k := bisect.bisect_right(starts, sp[0]) - 1) >= 0 and sp[1] <= main[k][1]]
        spans = inside or spans
    if not spans:
        if text.isspace():
            return []
        at = main[0][0] if main else 0
        return [_cut(text, at, at, [], pages, window)]
    chosen: list[Snippet] = []
    used: list[tuple[int, int]] = []
    candidates = []
    starts = [sp[0] for sp in spans]   # sorted: only spans starting in [lo, hi] can lie inside
    for i, (s, _e, _n) in enumerate(spans):
        lo, hi = s - window // 3, s - window // 3 + window
        a, b = max(0, i - 50, bisect.bisect_left(starts, lo)), min(i + 50, bisect.bisect_right(starts, hi))
        inside = [sp for sp in spans[a:b] if sp[1] <= hi]
        candidates.append((len({sp[2] for sp in inside}), len(inside), -s, i))
    candidates.sort(reverse=True)
    for _, _, _, i in candidates:
        s = spans[i][0]
        if any(a <= s < b for a, b in used):
            continue
        snip = _cut(text, s, spans[i][1], spans, pages, window)
        used.append((snip.start, snip.end))
        chosen.append(snip)
        if len(chosen) == count:
            break
    return chosen


def _matcher(terms: list[Term], stem: str, stemming: str, cache: dict[str, Any] | None) -> _Matcher:
    m = cache.get(stem) if cache is not None else None
    if not isinstance(m, _Matcher):
        m = _Matcher(terms, stem, stemming)
        if cache is not None:
            cache[stem] = m
    return m


def _cut(text: str, s: int, e: int, spans: list[tuple[int, int, int]], pages: list[tuple[int, int, int]] | None,
         window: int) -> Snippet:
    start = max(0, s - window // 3)
    end = min(len(text), max(start + window, e))
    # widen to word boundaries
    while start > 0 and not text[start - 1].isspace() and s - start < window // 2:
        start -= 1
    while end < len(text) and not text[end].isspace() and end - e < window // 2:
        end += 1
    page = None
    if pages:
        starts = [p[1] for p in pages]
        k = bisect.bisect_right(starts, s) - 1
        if k >= 0:
            page = pages[k][0]
    hl = [(a - start, b - start) for a, b, _ in spans if a >= start and b <= end]
    return Snippet(text[start:end], start, end, hl, page)
