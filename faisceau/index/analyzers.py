"""Analyzers of the full-text index, and the same analysis in Python for highlighting.

One tokenizer everywhere (tantivy's `simple`: runs of letters and digits), so the apostrophes
of French elisions (' and U+2019) split `l’entreprise` into `l` + `entreprise` whichever
apostrophe the text used. Before indexing, soft hyphens are dropped and words hyphenated at
the end of a line are joined; highlighting walks the stored text with the same rule, so its
offsets stay code points into the stored text.

Fields and their analyzers:

- `fr`: lowercase, ASCII folding, French Snowball stemmer — the text of French documents;
- `en`: lowercase, ASCII folding, English Snowball stemmer — every other document;
- `fold`: lowercase and ASCII folding, no stemming — every document (prefix, fuzzy, fields);
- `exact`: no normalisation at all — every document (`=Amiens` is case- and accent-sensitive).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import lru_cache

import tantivy

MAX_TOKEN = 64  # longer tokens (base64 blobs, hashes in URLs) are not indexed

ANALYZERS = ("fr", "en", "fold", "exact")


def _build(name: str) -> tantivy.TextAnalyzer:
    b = tantivy.TextAnalyzerBuilder(tantivy.Tokenizer.simple()).filter(tantivy.Filter.remove_long(MAX_TOKEN))
    if name == "exact":
        return b.build()
    b = b.filter(tantivy.Filter.lowercase()).filter(tantivy.Filter.ascii_fold())
    if name == "fr":
        b = b.filter(tantivy.Filter.stemmer("french"))
    elif name == "en":
        b = b.filter(tantivy.Filter.stemmer("english"))
    return b.build()


_ANALYZERS: dict[str, tantivy.TextAnalyzer] = {}


def analyzer(name: str) -> tantivy.TextAnalyzer:
    a = _ANALYZERS.get(name)
    if a is None:
        a = _ANALYZERS[name] = _build(name)
    return a


def register(index: tantivy.Index) -> None:
    """Make the analyzers known to an opened index (they are not stored in it)."""
    for name in ANALYZERS:
        index.register_tokenizer(name, analyzer(name))


_STOP: tantivy.TextAnalyzer | None = None


@lru_cache(maxsize=4096)
def is_stop(word: str) -> bool:
    """Is `word` a common word of French or English (de, la, des, the, of…)?

    The lists are tantivy's own (Snowball's French list, Lucene's short English one), so no
    list of ours drifts from the index's library."""
    global _STOP
    if _STOP is None:
        _STOP = (tantivy.TextAnalyzerBuilder(tantivy.Tokenizer.simple()).filter(tantivy.Filter.lowercase())
                 .filter(tantivy.Filter.stopword("french")).filter(tantivy.Filter.stopword("english")).build())
    return bool(analyze("fold", word)) and not _STOP.analyze(word)


@lru_cache(maxsize=200_000)
def analyze(name: str, text: str) -> tuple[str, ...]:
    """The tokens `text` gives under analyzer `name` (cached: the same words recur)."""
    return tuple(analyzer(name).analyze(text))


# A soft hyphen anywhere, or a hyphen at the end of a line between two lower-case letters.
_JOINER = r"(?:\u00ad|-[ \t]*\r?\n[ \t]*(?=[^\W\d_]))"
JOIN_RE = re.compile(r"\u00ad|(?<=[^\W\d_])-[ \t]*\r?\n[ \t]*(?=[^\W\d_])")
WORD_RE = re.compile(rf"[^\W_](?:[^\W_]|(?<=[^\W\d_]){_JOINER})*")


def prepare(text: str) -> str:
    """The text as the index sees it: soft hyphens removed, end-of-line hyphenation joined."""
    if "\u00ad" not in text and "-" not in text:
        return text
    return JOIN_RE.sub("", text)


def words(text: str) -> Iterator[tuple[int, int, str]]:
    """(start, end, word) for each word of `text`, offsets in code points of `text` itself.

    A word is what the index tokenizer would see after `prepare`: joined across soft hyphens
    and end-of-line hyphenation, so highlighting agrees with matching.
    """
    for m in WORD_RE.finditer(text):
        w = m.group()
        if "\u00ad" in w or "-" in w:
            w = JOIN_RE.sub("", w)
        yield m.start(), m.end(), w
