"""Compiling a parsed query (see `query`) into a tantivy query, and what to highlight."""

from __future__ import annotations

import datetime as dt
import itertools
import math
import re
from collections.abc import Callable, Iterable

import tantivy

from . import dates, inflect
from .analyzers import analyze, is_stop
from .query import (
    ADDRESS_FIELDS,
    KEYWORDS,
    STEMMING,
    STORE_FIELDS,
    WORD_FIELDS,
    All,
    Bool,
    Node,
    Not,
    QueryError,
    Range,
    Term,
)

Lookup = Callable[[str, str], "set[str] | None"]   # (tag|star|note, value) → document ids
# the weight of a query's words found in a title, against 1 for the text: titles are short and
# say what a document is (issue 22: the page titled with the phrase came after a hundred others)
TITLE_BOOST = 3.0


class Compiler:
    """Turns a tree into a tantivy query, and remembers what to highlight."""

    def __init__(self, schema: tantivy.Schema, query: str, tz: dt.tzinfo, lookup: Lookup | None = None,
                 stemming: str = "light", vocabulary: Callable[[str], list[str]] | None = None) -> None:
        if stemming not in STEMMING:
            raise QueryError(f"unknown stemming {stemming!r}: use {', '.join(STEMMING)}", query, 0)
        self.schema = schema
        self.query = query
        self.tz = tz
        self.lookup = lookup
        self.stemming = stemming
        self.vocabulary = vocabulary   # prefix → indexed spellings of the folded text
        self.highlights: list[Term] = []
        self.notes: list[str] = []
        self.matched: tantivy.Query | None = None   # the query with its filters, pages included

    def error(self, message: str, pos: int) -> QueryError:
        return QueryError(message, self.query, pos)

    def compile(self, node: Node, negated: bool = False) -> tantivy.Query:
        if isinstance(node, All):
            return tantivy.Query.all_query()
        if isinstance(node, Bool):
            node = self.without_common_words(node)
            if len(node.items) == 1:
                return self.compile(node.items[0], negated)
            if node.op == "and":
                must = [self.compile(n.item, not negated) for n in node.items if isinstance(n, Not)]
                pos = [self.compile(n, negated) for n in node.items if not isinstance(n, Not)]
                clauses = [(tantivy.Occur.Must, q) for q in pos] or [(tantivy.Occur.Must, tantivy.Query.all_query())]
                clauses += [(tantivy.Occur.MustNot, q) for q in must]
                return tantivy.Query.boolean_query(clauses)
            return tantivy.Query.boolean_query([(tantivy.Occur.Should, self.compile(n, negated)) for n in node.items])
        if isinstance(node, Not):
            return tantivy.Query.boolean_query([(tantivy.Occur.Must, tantivy.Query.all_query()),
                                                (tantivy.Occur.MustNot, self.compile(node.item, not negated))])
        if isinstance(node, Range):
            return self.date_range(node)
        return self.term(node, negated)

    def without_common_words(self, node: Bool) -> Bool:
        """The words of a query that carry meaning, without the common ones (de, la, the…).

        `loi de finances` means the pages about a *loi* and *finances*: `de` is on nearly every
        French page, so requiring it decides nothing, and highlighting it colours every line.
        Kept when nothing else is left, and always inside a phrase ("loi de finances"), where
        the word holds a place."""
        common = [n for n in node.items if isinstance(n, Term) and n.field is None and n.form == "word"
                  and not n.exact and is_stop(n.text)]
        positive = [n for n in node.items if not isinstance(n, Not)]
        if not common or len(common) == len(positive):   # `de -loi` keeps its one positive word
            return node
        self.notes.append("common words left out of the match: " + ", ".join(n.text for n in common)
                          + ' (put one in quotes to search it)')
        return Bool(node.op, [n for n in node.items if not any(n is c for c in common)])

    # -- terms ----------------------------------------------------------------------------------

    def term(self, t: Term, negated: bool) -> tantivy.Query:
        if t.field is None:
            if not negated:
                self.highlights.append(t)
            if t.exact:
                return self.on_field("exact", "exact", t)
            if t.form in ("word", "phrase") and self.stemming == "light":
                return self.light(t)
            if t.form in ("word", "phrase"):
                if self.stemming == "off":
                    t.forms = [frozenset({tok}) for tok in analyze("fold", t.text)]
                fields = ("fr", "en", "fold") if self.stemming == "full" else ("fold",)
                qs = [q for f in fields if (q := self.maybe_on_field(f, f, t)) is not None]
                if not qs:
                    raise self.error(f"nothing searchable in {t.text!r}: no letters or digits", t.pos)
                q = qs[0] if len(qs) == 1 else tantivy.Query.boolean_query([(tantivy.Occur.Should, q) for q in qs])
                return _title_weighted(q, self.on_field("title", "fold", t))
            return self.on_field("fold", "fold", t)
        f = t.field
        if f == "full":
            # the whole text, a web page's menus and footer included: its main content as a bare
            # term does (highlighted, stemmed, titles first), or its furniture
            bare = self.term(Term(None, t.text, t.form, slop=t.slop, distance=t.distance, pos=t.pos), negated)
            return tantivy.Query.boolean_query([(tantivy.Occur.Should, bare),
                                                (tantivy.Occur.Should, self.on_field("furniture", "fold", t))])
        if f in ("person", "org", "place", "thread") and self.lookup is not None and not self.lookup("has-data", f):
            stage = "e-mail threading" if f == "thread" else "analysis"
            self.notes.append(f"{f}: has no data yet: the {stage} stage has not run on this project")
        if f in WORD_FIELDS:
            return self.on_field(f, "fold", t)
        if f in ADDRESS_FIELDS:
            if "@" in t.text or t.form == "wildcard" and "@" in t.text:
                return self.keyword(f + "_addr", t, lower=True)
            return self.on_field(f, "fold", t)
        if f == "ocr":
            v = t.text.lower()
            if v not in ("true", "false", "yes", "no"):
                raise self.error("ocr: takes true or false", t.pos)
            q = tantivy.Query.term_query(self.schema, "has", "ocr")
            return q if v in ("true", "yes") else _not(q)
        if f in KEYWORDS:
            return self.keyword(f, t, lower=f != "id")
        if f in STORE_FIELDS:
            return self.annotation(f, t)
        raise self.error(f"{f}: cannot be searched this way", t.pos)

    def light(self, t: Term) -> tantivy.Query:
        """A bare word or phrase with light stemming: each word becomes the indexed spellings
        that are its inflections (see `inflect`)."""
        tokens = analyze("fold", t.text)
        if not tokens:
            raise self.error(f"nothing searchable in {t.text!r}: no letters or digits", t.pos)
        forms = [self.inflections(tok) for tok in tokens]
        t.forms = [frozenset(ws) for ws in forms]
        return _title_weighted(self._spellings("fold", forms, t.slop), self._spellings("title", forms, t.slop))

    def _spellings(self, field_name: str, forms: list[list[str]], slop: int) -> tantivy.Query:
        """Any of the spellings of each word, in order (a phrase) when there are several words."""
        if len(forms) == 1:
            (words,) = forms
            if len(words) == 1:
                return tantivy.Query.term_query(self.schema, field_name, words[0])
            return tantivy.Query.term_set_query(self.schema, field_name, words)
        if all(len(ws) == 1 for ws in forms):
            return tantivy.Query.phrase_query(self.schema, field_name, [ws[0] for ws in forms], slop=slop)
        if math.prod(len(ws) for ws in forms) <= 16:  # a few exact phrases beat one regex phrase
            return tantivy.Query.boolean_query(
                [(tantivy.Occur.Should, tantivy.Query.phrase_query(self.schema, field_name, list(words), slop=slop))
                 for words in itertools.product(*forms)])
        return tantivy.Query.regex_phrase_query(
            self.schema, field_name, ["|".join(re.escape(w) for w in ws) for ws in forms], slop=slop)

    def inflections(self, token: str) -> list[str]:
        """The indexed spellings related to a folded token (the token itself when none is)."""
        if self.vocabulary is None or len(token) < inflect.MIN_BASE or not token.isalpha():
            return [token]  # too short to carry an ending (or not a word): only itself
        found = sorted(w for w in self.vocabulary(inflect.prefix(token)) if inflect.related(w, token))
        return found or [token]

    def on_field(self, field_name: str, analyzer_name: str, t: Term) -> tantivy.Query:
        q = self.maybe_on_field(field_name, analyzer_name, t, required=True)
        assert q is not None
        return q

    def maybe_on_field(self, field_name: str, analyzer_name: str, t: Term, required: bool = False) -> tantivy.Query | None:
        text = t.text
        if t.form in ("word", "phrase"):
            tokens = analyze(analyzer_name, text)
            if not tokens:
                if required:
                    raise self.error(f"nothing searchable in {text!r}: no letters or digits", t.pos)
                return None
            if len(tokens) == 1:
                return tantivy.Query.term_query(self.schema, field_name, tokens[0])
            return tantivy.Query.phrase_query(self.schema, field_name, list(tokens), slop=t.slop)
        if t.form == "fuzzy":
            tokens = analyze(analyzer_name, text)
            if len(tokens) != 1:
                raise self.error(f"fuzzy search works on one word, not {text!r}", t.pos)
            return tantivy.Query.fuzzy_term_query(self.schema, field_name, tokens[0], distance=t.distance)
        if t.form == "prefix":
            tokens = analyze(analyzer_name, text)
            if not tokens:
                raise self.error(f"nothing searchable in {text!r}: no letters or digits", t.pos)
            if len(tokens) == 1:
                return tantivy.Query.regex_query(self.schema, field_name, re.escape(tokens[0]) + ".*")
            return tantivy.Query.phrase_prefix_query(self.schema, field_name, list(tokens))
        return tantivy.Query.regex_query(self.schema, field_name, self.wildcard_regex(analyzer_name, t))

    def wildcard_regex(self, analyzer_name: str, t: Term) -> str:
        out = []
        for piece in re.split(r"([*?])", t.text):
            if piece == "*":
                out.append(".*")
            elif piece == "?":
                out.append(".")
            elif piece:
                tokens = analyze(analyzer_name, piece)
                if len(tokens) != 1 or not piece[0].isalnum() and piece not in ("@",):
                    raise self.error(f"wildcards work inside one word: {t.text!r}", t.pos)
                out.append(re.escape(tokens[0]))
        return "".join(out)

    def keyword(self, field_name: str, t: Term, lower: bool) -> tantivy.Query:
        value = t.text.lower() if lower else t.text
        if t.form in ("word", "phrase"):
            return tantivy.Query.term_query(self.schema, field_name, value)
        if t.form == "prefix":
            return tantivy.Query.regex_query(self.schema, field_name, re.escape(value) + ".*")
        if t.form == "wildcard":
            return tantivy.Query.regex_query(
                self.schema, field_name, "".join(".*" if p == "*" else "." if p == "?" else re.escape(p)
                                                 for p in re.split(r"([*?])", value)))
        raise self.error(f"{t.field}: does not take fuzzy search", t.pos)

    def annotation(self, f: str, t: Term) -> tantivy.Query:
        if self.lookup is None:
            raise self.error(f"{f}: needs a project store", t.pos)
        value = t.text
        if f == "star" and value.lower() not in ("true", "false", "yes", "no"):
            raise self.error("star: takes true or false", t.pos)
        ids = self.lookup(f, value if t.form != "prefix" else value + "*")
        if f == "star" and value.lower() in ("false", "no"):
            return _not(self.ids(ids or set()))
        if ids is None:
            raise self.error(f"{f}: cannot be searched with {t.form} syntax", t.pos)
        if not ids:
            self.notes.append(f"no document has {f} {value!r}")
        return self.ids(ids)

    def ids(self, ids: Iterable[str]) -> tantivy.Query:
        ids = list(ids)
        if not ids:
            return tantivy.Query.empty_query()
        # these documents, and their page entries
        return tantivy.Query.boolean_query([
            (tantivy.Occur.Should, tantivy.Query.term_set_query(self.schema, "id", ids)),
            (tantivy.Occur.Should, tantivy.Query.term_set_query(self.schema, "page_of", ids))])

    def date_range(self, r: Range) -> tantivy.Query:
        if r.field != "date":
            raise self.error(f"{r.field}: does not take a range (only date: does)", r.pos)
        lo = hi = None
        if r.lo is not None:
            span = dates.interval(r.lo, self.tz)
            if span is None:
                raise self.error(f"not a date: {r.lo!r} (write 2019, 2019-10, 2019-10-05 or an ISO time)", r.pos)
            lo = span[0]
        if r.hi is not None:
            span = dates.interval(r.hi, self.tz)
            if span is None:
                raise self.error(f"not a date: {r.hi!r} (write 2019, 2019-10, 2019-10-05 or an ISO time)", r.pos)
            hi = span[1]
        if lo is None and hi is None:
            return tantivy.Query.range_query(self.schema, "date_lo", tantivy.FieldType.Integer, -(1 << 62), None)
        if lo is not None and hi is not None and lo > hi:
            raise self.error("the range ends before it starts", r.pos)
        clauses = []
        # a document's date interval [date_lo, date_hi] overlaps the range
        if hi is not None:
            clauses.append((tantivy.Occur.Must, tantivy.Query.range_query(
                self.schema, "date_lo", tantivy.FieldType.Integer, None, hi)))
        if lo is not None:
            clauses.append((tantivy.Occur.Must, tantivy.Query.range_query(
                self.schema, "date_hi", tantivy.FieldType.Integer, lo, None)))
        return tantivy.Query.boolean_query(clauses)


def _title_weighted(q: tantivy.Query, in_title: tantivy.Query) -> tantivy.Query:
    """`q`, scored higher where the title holds the same words: a document titled with the query
    comes before one that only mentions it."""
    return tantivy.Query.boolean_query([(tantivy.Occur.Must, q),
                                        (tantivy.Occur.Should, tantivy.Query.boost_query(in_title, TITLE_BOOST))])


def _not(q: tantivy.Query) -> tantivy.Query:
    return tantivy.Query.boolean_query([(tantivy.Occur.Must, tantivy.Query.all_query()), (tantivy.Occur.MustNot, q)])
