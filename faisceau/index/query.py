"""The search syntax: parsed into a tree, then compiled into a tantivy query.

    cgt AND amiens          both words (AND is also what a space means)
    cgt OR sud              either word
    surveillance NOT test   the first without the second (also: -test)
    (cgt OR sud) amiens     parentheses group
    "Société Générale"      a phrase;  "rapport incident"~5  words at most 5 positions apart
    surveil*  sur*ance      prefix and wildcards (* any letters, ? one letter) within a word
    hoffman~1  hofman~2     fuzzy: at most 1 or 2 edits (hoffman~ means ~1)
    =Amiens  ="Société Générale"   exact: case- and accent-sensitive, not stemmed
    field:value             from: to: cc: subject: title: author: filename: path: kind: mime:
                            language: extension: source: sha256: id: has: ocr: thread: tag:
                            star: note: person: org: place: date: full:
    date:2019-10  date:[2019-10 TO 2020-03]  date:[* TO 2019]   partial dates cover their span
    full:"lois de finances"   the whole text, a web page's menus, header and footer included
    from:*@example.com  to:alice@example.org                    addresses, with wildcards

Bare words and phrases ignore case and accents and find the other inflections of the word: `societe`
finds `sociétés`, `élus` finds `élu`, `leak` finds `leaked` (see `inflect`; --stemming light, the default);
--stemming full adds Snowball stems by language (French, English); --stemming off, neither.
A web page's menus, header and footer (what is not its main content) are searched only by
`full:`; titles weigh more than text. Common words (de, la, the, of…) do not decide a match:
in a query with other words they are left out (inside a phrase they keep their place), and
they are not highlighted; quote one ("de") to search it alone.
Words after a field name ignore case and accents but are not stemmed. A malformed query raises `QueryError` with the
position of the problem.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from ..exc import FaisceauError


class QueryError(FaisceauError):
    """A malformed query; `position` is the offset of the problem in the query string."""

    def __init__(self, message: str, query: str, position: int) -> None:
        super().__init__(message)
        self.message = message
        self.query = query
        self.position = position

    def pointer(self) -> str:
        """The query with a caret under the problem, for a terminal."""
        return f"{self.query}\n{' ' * self.position}^"


# -- the tree ----------------------------------------------------------------------------------

@dataclass
class Term:
    field: str | None          # None: the full text
    text: str
    form: str                  # word | phrase | prefix | wildcard | fuzzy
    exact: bool = False
    slop: int = 0
    distance: int = 0
    pos: int = 0
    forms: list[frozenset[str]] | None = None   # per word: the folded spellings it matched


@dataclass
class Range:
    field: str
    lo: str | None
    hi: str | None
    pos: int = 0


@dataclass
class Not:
    item: Node


@dataclass
class Bool:
    op: str                    # and | or
    items: list[Node] = field(default_factory=list)


@dataclass
class All:
    pass


Node = Term | Range | Not | Bool | All

# field name as typed → canonical field
ALIASES = {
    "subject": "title", "title": "title", "author": "author", "filename": "filename", "name": "filename",
    "path": "path", "from": "from", "to": "to", "cc": "cc", "kind": "kind", "mime": "mime",
    "language": "language", "lang": "language", "extension": "ext", "ext": "ext", "source": "source",
    "sha256": "sha256", "id": "id", "has": "has", "ocr": "ocr", "thread": "thread", "tag": "tag",
    "star": "star", "note": "note", "person": "person", "org": "org", "place": "place", "date": "date",
    "full": "full",
}
WORD_FIELDS = {"title", "author", "filename", "path", "person", "org", "place"}
ADDRESS_FIELDS = {"from", "to", "cc"}
KEYWORDS = {"kind", "mime", "language", "ext", "source", "sha256", "id", "has"}
# looked up in the store when the query runs: live annotations, and the e-mail threads (which
# change as new mail joins them, without re-indexing anything)
STORE_FIELDS = {"tag", "star", "note", "thread"}

_SPECIAL = set('()"')
STEMMING = ("light", "full", "off")
_OPS = {"AND", "OR", "NOT", "&&", "||"}


# -- the parser --------------------------------------------------------------------------------

class _Parser:
    def __init__(self, query: str) -> None:
        self.q = query
        self.i = 0

    def error(self, message: str, pos: int | None = None) -> QueryError:
        return QueryError(message, self.q, self.i if pos is None else pos)

    def skip(self) -> None:
        while self.i < len(self.q) and self.q[self.i].isspace():
            self.i += 1

    def peek_word(self) -> str:
        """The bare word at the cursor (for operators), without consuming it."""
        self.skip()
        j = self.i
        while j < len(self.q) and not self.q[j].isspace() and self.q[j] not in _SPECIAL:
            j += 1
        return self.q[self.i:j]

    def parse(self) -> Node:
        self.skip()
        if self.i == len(self.q):
            return All()
        node = self.parse_or()
        self.skip()
        if self.i < len(self.q):
            if self.q[self.i] == ")":
                raise self.error("unbalanced ')': no '(' opens it")
            raise self.error(f"unexpected {self.q[self.i]!r}")
        return node

    def parse_or(self) -> Node:
        items = [self.parse_and()]
        while self.peek_word() in ("OR", "||"):
            self.i += len(self.peek_word())
            items.append(self.parse_and(after="OR"))
        return items[0] if len(items) == 1 else Bool("or", items)

    def parse_and(self, after: str | None = None) -> Node:
        items = [self.parse_unary(after)]
        while True:
            self.skip()
            if self.i >= len(self.q) or self.q[self.i] == ")":
                break
            w = self.peek_word()
            if w in ("OR", "||"):
                break
            if w in ("AND", "&&"):
                self.i += len(w)
                items.append(self.parse_unary(after=w))
            else:
                items.append(self.parse_unary())
        return items[0] if len(items) == 1 else Bool("and", items)

    def parse_unary(self, after: str | None = None) -> Node:
        self.skip()
        if self.i >= len(self.q):
            raise self.error(f"{after} needs something after it" if after else "the query ends too early")
        w = self.peek_word()
        if w == "NOT":
            self.i += 3
            return Not(self.parse_unary(after="NOT"))
        if w in _OPS:
            raise self.error(f"{w} needs something before it")
        c = self.q[self.i]
        if c == "-" and self.i + 1 < len(self.q) and not self.q[self.i + 1].isspace():
            self.i += 1
            return Not(self.parse_unary(after="-"))
        if c == "+" and self.i + 1 < len(self.q) and not self.q[self.i + 1].isspace():
            self.i += 1
            return self.parse_unary(after="+")
        return self.parse_primary(None)

    def parse_primary(self, fld: str | None) -> Node:
        self.skip()
        if self.i >= len(self.q):
            raise self.error("the query ends too early")
        c = self.q[self.i]
        start = self.i
        if c == "(":
            self.i += 1
            self.skip()
            if self.i < len(self.q) and self.q[self.i] == ")":
                raise self.error("empty parentheses", start)
            node = self._within(fld)
            self.skip()
            if self.i >= len(self.q) or self.q[self.i] != ")":
                raise self.error("missing ')' to close the '(' here", start)
            self.i += 1
            return node
        if c == ")":
            raise self.error("unbalanced ')': no '(' opens it")
        exact = False
        if c == "=":
            exact = True
            self.i += 1
            if self.i >= len(self.q) or self.q[self.i].isspace():
                raise self.error("'=' needs a word or a phrase right after it", start)
            c = self.q[self.i]
        if c == '"':
            return self.parse_phrase(fld, exact, start)
        if c == "[" and fld is not None:
            return self.parse_range(fld, start)
        # a bare word, maybe `field:` something
        j = self.i
        while j < len(self.q) and not self.q[j].isspace() and self.q[j] not in _SPECIAL:
            if self.q[j] == ":" and fld is None and not exact:
                name = self.q[self.i:j]
                if re.fullmatch(r"[A-Za-z_]+", name):
                    canon = ALIASES.get(name.lower())
                    if canon is None:
                        raise self.error(f"unknown field {name!r}: known fields are "
                                         + ", ".join(sorted(set(ALIASES))) + " (put the word in quotes to search it)")
                    self.i = j + 1
                    if self.i >= len(self.q) or self.q[self.i].isspace():
                        raise self.error(f"{name}: needs a value right after it", start)
                    return self.parse_primary(canon)
            j += 1
        word = self.q[self.i:j]
        self.i = j
        return self.make_word(fld, word, exact, start)

    def _within(self, fld: str | None) -> Node:
        """Inside `field:( ... )`, every term takes the field."""
        node = self.parse_or()
        if fld is not None:
            _set_field(node, fld)
        return node

    def parse_phrase(self, fld: str | None, exact: bool, start: int) -> Node:
        end = self.q.find('"', self.i + 1)
        if end < 0:
            raise self.error('missing closing \'"\' for the phrase that starts here', start)
        text = self.q[self.i + 1:end]
        self.i = end + 1
        slop = 0
        if self.i < len(self.q) and self.q[self.i] == "~":
            m = re.compile(r"~(\d*)").match(self.q, self.i)
            assert m
            if not m[1]:
                raise self.error('proximity needs a number: "a b"~5', self.i)
            slop = int(m[1])
            self.i = m.end()
        if not text.strip():
            raise self.error("empty phrase", start)
        return Term(fld, text, "phrase", exact=exact, slop=slop, pos=start)

    def parse_range(self, fld: str, start: int) -> Node:
        end = self.q.find("]", self.i)
        if end < 0:
            raise self.error("missing ']' to close the range that starts here", start)
        body = self.q[self.i + 1:end]
        parts = re.split(r"\s+TO\s+", body.strip())
        if len(parts) != 2:
            raise self.error("a range is written [FROM TO UNTIL], for example [2019-10 TO 2020-03]", start)
        self.i = end + 1
        lo, hi = (None if p.strip() == "*" else p.strip() for p in parts)
        return Range(fld, lo, hi, pos=start)

    def make_word(self, fld: str | None, word: str, exact: bool, start: int) -> Node:
        if fld == "date":
            return Range("date", word, word, pos=start)
        if word == "*" and fld is None:
            return All()
        m = re.fullmatch(r"(.*?)~(\d*)", word)
        if m and m[1] and not exact:
            if "*" in m[1] or "?" in m[1]:
                raise self.error("a word cannot be both fuzzy (~) and a wildcard (*, ?)", start)
            distance = int(m[2]) if m[2] else 1
            if distance > 2:
                raise self.error("fuzzy distance is 0, 1 or 2 (hoffman~1)", start)
            return Term(fld, m[1], "fuzzy", distance=distance, pos=start)
        if ("*" in word or "?" in word) and not exact:
            if not word.strip("*?"):
                raise self.error("a wildcard needs at least one letter or digit", start)
            form = "prefix" if word.endswith("*") and "*" not in word[:-1] and "?" not in word else "wildcard"
            return Term(fld, word[:-1] if form == "prefix" else word, form, pos=start)
        return Term(fld, word, "word", exact=exact, pos=start)


def _set_field(node: Node, fld: str) -> None:
    if isinstance(node, Term):
        node.field = node.field or fld
    elif isinstance(node, Not):
        _set_field(node.item, fld)
    elif isinstance(node, Bool):
        for n in node.items:
            _set_field(n, fld)


def parse(query: str) -> Node:
    """The tree of a query string, or QueryError."""
    return _Parser(query).parse()
