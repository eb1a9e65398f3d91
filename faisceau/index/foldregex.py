"""The regular expressions that find a query's known spellings in a stored text, for snippets.

A query word or phrase comes with its indexed spellings (folded forms, from the index
vocabulary). One pattern finds them all, as a trie of letters, in two forms that give the same
matches at the same offsets:

- the reference form runs on the stored text and tests each letter against the class of every
  character that folds to it (`é`, `É`, `ē`… for `e`), with an optional joiner (a soft hyphen,
  or a hyphen at a line end) between two letters, and a class for a ligature or ß standing for
  two letters. Big classes make it slow to compile (milliseconds) and to run;
- the fast form runs on `fold_text(text)`, the text with each character replaced by the one
  letter it folds to (same length, so every offset is unchanged), with plain letters; joiners
  only when the text has one after a letter; and each branch starting with its literal letters
  and checking the word start after them, so the engine searches for those letters instead of
  trying every position. `literal_ok` says which letters allow it (nearly all).

`tests/index/test_highlight_speed_paths.py` checks the two forms agree on real corpora.

The fold tables are built from the index's own analyzer and Python's Unicode tables (about 45 ms);
every process needs them at its first snippet, the CLI's included, so they are kept in the user's
cache folder (`$XDG_CACHE_HOME/faisceau`, else `~/.cache/faisceau`) under a key of the Tantivy,
Unicode and Python versions they depend on, and built again when that key changes or the file cannot
be read. Nothing of a document goes there.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import sys
import threading
import unicodedata
from collections.abc import Iterable
from pathlib import Path

import tantivy

from .analyzers import analyze

_FOLD_CLASSES: dict[str, set[str]] = {}
_FOLD_MAP: dict[int, str] = {}
_LITERAL_OK: dict[str, bool] = {}
_NON_ASCII = re.compile(r"[^\x00-\x7f]+")
_ASCII = bytes(range(128))
# a hyphen after a letter or digit, at a line end (the hyphen first: the engine looks for it)
_HYPHEN_EOL = re.compile(r"-(?<=[^\W_]-)[ \t]*\r?\n")
_UNSAFE: frozenset[str] | None = None
_BUILDING = threading.Lock()


TABLES_VERSION = "1"   # bump when what the tables hold changes


def cache_file() -> Path:
    """Where this process's fold tables are kept, keyed by what they are built from."""
    base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    version = getattr(tantivy, "__version__", "")  # its stubs do not declare it
    key = f"{TABLES_VERSION}|{version}|{unicodedata.unidata_version}|{sys.version_info[:2]}"
    return base / "faisceau" / f"fold-{hashlib.sha256(key.encode()).hexdigest()[:16]}.json"


def build_classes() -> dict[str, set[str]]:
    """Folded form → the characters that fold to it, from the index's own analyzer."""
    classes: dict[str, set[str]] = {}
    for cp in range(0x30, 0x3000):
        ch = chr(cp)
        if ch.isalnum():
            toks = analyze("fold", ch)
            if len(toks) == 1:
                classes.setdefault(toks[0], set()).add(ch)
    return classes


def _load_tables() -> None:
    """The fold classes and the unsafe characters, from the cache file or built (and kept)."""
    global _UNSAFE
    path = cache_file()
    try:
        kept = json.loads(path.read_text("utf-8"))
        classes = {k: set(v) for k, v in kept["classes"].items()}
        unsafe = frozenset(kept["unsafe"])
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        classes = build_classes()
        unsafe = build_unsafe(_map_of(classes))
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
            tmp.write_text(json.dumps({"classes": {k: "".join(sorted(v)) for k, v in classes.items()},
                                       "unsafe": "".join(sorted(unsafe))}, ensure_ascii=False), "utf-8")
            os.replace(tmp, path)   # whole or absent: another process may read it at once
        except OSError:
            pass   # a read-only home: the tables are built again next time
    _FOLD_CLASSES.update(classes)
    _UNSAFE = unsafe


def _fold_classes() -> dict[str, set[str]]:
    """Folded form → the characters that fold to it (loaded once per process)."""
    if not _FOLD_CLASSES:
        with _BUILDING:   # searches run in several threads: none may see a table half built
            if not _FOLD_CLASSES:
                _load_tables()
    return _FOLD_CLASSES


def _map_of(classes: dict[str, set[str]]) -> dict[int, str]:
    return {ord(c): key for key, chars in classes.items() if len(key) == 1 for c in chars if c != key}


def _fold_map() -> dict[int, str]:
    """Character → the one letter it folds to, for every character of a one-letter class."""
    if not _FOLD_MAP:
        _FOLD_MAP.update(_map_of(_fold_classes()))   # at once, for the same reason
    return _FOLD_MAP


def fold_text(text: str) -> str:
    """`text` with each character of a one-letter fold class replaced by that letter: the same
    length, so every offset into it is an offset into `text`. Folding to two letters (æ, ß)
    is left to the pattern's two-letter classes, which test those characters unchanged."""
    if text.isascii():
        return text.lower()   # A-Z are the only ASCII characters that fold to another
    # the distinct other characters (the ASCII bytes deleted in C), then C-speed passes: lower
    # case, and one replace per character whose lower case still folds to another letter
    others = set(text.encode("utf-8", "surrogatepass").translate(None, _ASCII).decode("utf-8", "surrogatepass"))
    if others & _unsafe():
        return _fold_each(text)
    low, table = text.lower(), _fold_map()
    for ch in others:
        lc = ch.lower()
        folded = table.get(ord(lc))
        if folded is not None:
            low = low.replace(lc, folded)
    return low


def _fold_each(text: str) -> str:
    """`fold_text` character by character (ASCII in C, each run of other characters through the table)."""
    low = text.encode("utf-8", "surrogatepass").lower().decode("utf-8", "surrogatepass")
    table = _fold_map()
    return _NON_ASCII.sub(lambda m: m.group().translate(table), low)


def _unsafe() -> frozenset[str]:
    """The characters `build_unsafe` finds (loaded with the fold classes)."""
    _fold_classes()
    assert _UNSAFE is not None
    return _UNSAFE


def build_unsafe(table: dict[int, str]) -> frozenset[str]:
    """Characters for which `fold_text`'s lower-case-then-replace shortcut could differ from
    folding each character: lower case of another length or folding elsewhere (Æ, İ, Ⓐ), and
    folds that fold again (ʀ → R → r), so no replace undoes another."""
    def fold(c: str) -> str:
        return table.get(ord(c), c)

    # every character with a case mapping is below 0x1F000; a character that is its own lower
    # case and folds to nothing else passes the test below trivially, so only those that do
    # not are tested
    chars = [chr(cp) for cp in range(0x80, 0x20000)]
    lows = list(map(str.lower, chars))
    candidates = {c for c, low in zip(chars, lows) if low != c} | {chr(cp) for cp in table if cp >= 0x80}
    bad = set()
    for c in candidates:
        low = c.lower()
        if len(low) != 1 or fold(low) != fold(c) or fold(fold(c)) != fold(c):
            bad.add(c)
    return frozenset(bad)


def joins_letters(text: str) -> bool:
    """Can the optional joiner between two letters of the pattern match anything in `text`:
    a soft hyphen, or a hyphen at a line end just after a letter or digit? (The pattern's
    letters only match letters and digits; "-----Original Message-----" ends no word.)"""
    return "\u00ad" in text or "-" in text and _HYPHEN_EOL.search(text) is not None


def literal_ok(ch: str) -> bool:
    """Does the letter `ch` of a folded form, on folded text, match exactly its class's
    characters on the original text? (Not when `ch` would also match itself unfolded while
    its class does not hold it: a few scripts whose lower case is outside the table's range.)"""
    ok = _LITERAL_OK.get(ch)
    if ok is None:
        classes, table = _fold_classes(), _fold_map()
        unchanged = ord(ch) not in table
        ok = (ch in classes[ch]) == unchanged if ch in classes else unchanged
        _LITERAL_OK[ch] = ok
    return ok


_JOINER_OPT = r"(?:\u00ad|-[ \t]*\r?\n[ \t]*)?"


def _char_class(ch: str, folded: bool = False) -> str:
    if folded:
        return re.escape(ch)   # the text is folded: the letter stands for its whole class
    chars = _fold_classes().get(ch, {ch})
    return "[" + "".join(re.escape(c) for c in sorted(chars)) + "]"


def _trie(forms: Iterable[str]) -> dict[str, dict]:
    trie: dict[str, dict] = {}
    for f in forms:
        node = trie
        for ch in f:
            node = node.setdefault(ch, {})
        node[""] = {}
    return trie


def _alternatives(node: dict[str, dict], folded: bool, joiners: bool = True) -> list[tuple[str, str]]:
    """The branches of a trie node as (test of its first character, the rest), in order.
    Without `joiners`, for a text that holds no soft hyphen and no hyphen at a line end: the
    optional joiner between two letters could then only ever match nothing."""
    joiner = _JOINER_OPT if joiners else ""
    alts = []
    for ch, sub in sorted(node.items()):
        if ch == "":
            continue
        rest = _emit(sub, folded, joiners)
        alts.append((_char_class(ch, folded), joiner + rest if sub.keys() - {""} else rest))
        for ch2, sub2 in sorted(sub.items()):   # a ligature or ß standing for two letters
            two = _fold_classes().get(ch + ch2) if ch2 else None
            if two:
                alts.append(("[" + "".join(re.escape(c) for c in sorted(two)) + "]", _emit(sub2, folded, joiners)))
    return alts


def _emit(node: dict[str, dict], folded: bool, joiners: bool = True) -> str:
    alts = [head + rest for head, rest in _alternatives(node, folded, joiners)]
    if not alts:
        return ""
    body = alts[0] if len(alts) == 1 else "(?:" + "|".join(alts) + ")"
    return f"(?:{body})?" if "" in node else body


_PATTERNS: dict[object, re.Pattern[str] | None] = {}
MAX_PATTERNS = 512   # patterns kept: a query paged through, or asked again, is not compiled again


def fold_regex(singles: dict[str, int], phrases: list[tuple[int, list[frozenset[str]]]],
               folded: bool = False, joiners: bool = True) -> re.Pattern[str] | None:
    """One pattern for the query's known spellings: group `tN` (or `tN_k`) is term N, phrases
    first; with `folded`, the pattern to run on `fold_text(text)` (`joiners`: see `_alternatives`)."""
    key = (tuple(sorted(singles.items())), tuple((n, tuple(sets)) for n, sets in phrases), folded, joiners or not folded)
    if key not in _PATTERNS:
        if len(_PATTERNS) >= MAX_PATTERNS:
            _PATTERNS.clear()
        _PATTERNS[key] = _fold_regex(singles, phrases, folded, joiners)
    return _PATTERNS[key]


def _fold_regex(singles: dict[str, int], phrases: list[tuple[int, list[frozenset[str]]]],
                folded: bool, joiners: bool = True) -> re.Pattern[str] | None:
    terms: list[tuple[str, list[dict[str, dict]]]] = [(f"p{n}", [_trie(forms) for forms in sets]) for n, sets in phrases]
    by_term: dict[int, list[str]] = {}
    for f, n in singles.items():
        by_term.setdefault(n, []).append(f)
    terms += [(f"t{n}", [_trie(forms)]) for n, forms in by_term.items()]
    if not terms:
        return None
    if not folded:
        # \b, not a look-around: far faster to test at every position (only "_" joins words for \b
        # and not for the index, which costs a highlight in "x_word" and nothing else)
        parts = [f"(?P<{name}>" + r"[\W_]+".join("(?:" + _emit(t, False) + ")" for t in tries) + ")"
                 for name, tries in terms]
        return re.compile(r"\b(?:" + "|".join(parts) + r")\b")
    # The same alternatives in the same order, flattened, each starting with its first letter
    # and checking the word start just after it ((?<!\w.) there is \b before it): the engine
    # then skips to the positions holding one of those letters instead of trying every one.
    # Without joiners, the letters every spelling of a branch starts with come first and the
    # check after them ((?<!\wabc) after abc): the engine looks for "abc", not for each "a".
    parts = []
    for name, tries in terms:
        rest = "".join(r"[\W_]+(?:" + _emit(t, True, joiners) + ")" for t in tries[1:])
        for k, (head, tail) in enumerate(_alternatives(tries[0], True, joiners)):
            start = f"{head}(?<!\\w.)"
            if not joiners and head in tries[0]:   # a plain letter (not a two-letter class)
                letters, node = _literal_run(head, tries[0][head])
                start, tail = f"{re.escape(letters)}(?<!\\w{re.escape(letters)})", _emit(node, True, False)
            parts.append(f"{start}(?P<{name}_{k}>{tail}{rest})")
    return re.compile("(?:" + "|".join(parts) + r")\b")


def _literal_run(letters: str, node: dict[str, dict]) -> tuple[str, dict[str, dict]]:
    """Follow a trie from `node` while it is one plain letter after another (no end of a form,
    no fork, no two-letter class): those letters, and the node where that stops."""
    while "" not in node and len(node) == 1:
        (ch, sub), = node.items()
        if any(_fold_classes().get(ch + ch2) for ch2 in sub if ch2):
            break
        letters, node = letters + ch, sub
    return letters, node
