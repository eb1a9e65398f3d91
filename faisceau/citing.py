"""Cited excerpts: a passage of a document's stored text, kept with its page, offsets and words.

A citation is what a finding rests on, so it keeps the exact text it cited. Offsets are code
points into the stored text (as everywhere). After a re-extraction the stored text may change:
`reanchor` finds each citation's words again and says what happened to it — `exact` (same
offsets, same words), `moved` (same words found elsewhere: new offsets) or `changed` (the words
are gone: the citation keeps its old offsets and text, and says so). Every change is written to
the action log; the action log holds offsets and lengths, never the cited words.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from .exc import UsageError
from .store import citations as owner
from .store.citations import Anchoring, CitationRow
from .store.db import Store
from .store.documents import text_and_pages, unknown_ids

CONTEXT = 40             # characters kept on each side, to re-anchor among several occurrences
MAX_LENGTH = 20_000      # a citation is a passage, not a whole document
ANCHORS = ("exact", "moved", "changed")


def page_at(pages: list[dict[str, Any]], offset: int) -> int | None:
    """The number of the page holding `offset`, or None for a text without pages."""
    best = None
    for p in pages:
        if int(p["start"]) <= offset < max(int(p["end"]), int(p["start"]) + 1):
            return int(p["number"])
        if int(p["start"]) <= offset:
            best = int(p["number"])  # an offset between two pages (the form feed) belongs to the one before
    return best


def add_citation(store: Store, document_id: str, start: int, end: int, note: str | None = None,
                 page: int | None = None) -> int:
    """Cite stored_text[start:end] of a document; returns the citation id.

    The text is taken from the store (never from the caller), the page computed from the
    content's pages when not given, and the action logged.
    """
    if unknown_ids(store, [document_id]):
        raise UsageError(f"no document {document_id}")
    found = text_and_pages(store, document_id)
    if found is None or not found[0]:
        raise UsageError(f"document {document_id} has no text to cite")
    text, pages = found
    if not (0 <= start < end <= len(text)):
        raise UsageError(f"offsets {start}–{end} are outside the text of {document_id} (0–{len(text)}, start < end)")
    if end - start > MAX_LENGTH:
        raise UsageError(f"a citation is at most {MAX_LENGTH:,} characters (asked {end - start:,})")
    cited = text[start:end]
    if not cited.strip():
        raise UsageError("the cited passage is only white space")
    computed = page_at(pages, start)
    if page is None:
        page = computed
    elif not any(int(p["number"]) == page for p in pages):
        raise UsageError(f"document {document_id} has no page {page}")
    elif computed is not None and page != computed:
        raise UsageError(f"offset {start} is on page {computed}, not page {page}")
    note = note.strip() if note and note.strip() else None
    with store.transaction():
        cid = owner.add(store, document_id, page, start, end, cited, note,
                        text[max(0, start - CONTEXT):start], text[end:end + CONTEXT])
        store.log_action("cite", {"citation": cid, "document": document_id, "page": page, "start": start,
                                  "end": end, "length": end - start, "note": note is not None})
    return cid


def citations(store: Store, document_id: str | None = None) -> list[CitationRow]:
    """Citations of one document (or of all), by document then position."""
    return owner.of(store, document_id)


def delete_citation(store: Store, citation_id: int) -> None:
    """Remove a citation (logged)."""
    with store.transaction():
        document_id = owner.document_of(store, citation_id)
        if document_id is None:
            raise UsageError(f"no citation {citation_id}")
        owner.delete(store, citation_id)
        store.log_action("uncite", {"citation": citation_id, "document": document_id})


def _occurrences(text: str, cited: str) -> list[tuple[int, int]]:
    """Where `cited` is in `text`: exactly, else with any run of white space standing for any other
    (a re-extraction often changes line breaks and nothing else)."""
    out, i = [], text.find(cited)
    while i >= 0:
        out.append((i, i + len(cited)))
        i = text.find(cited, i + 1)
    if out:
        return out
    words = cited.split()
    if not words:
        return []
    pattern = re.compile(r"\s+".join(re.escape(w) for w in words))
    return [(m.start(), m.end()) for m in pattern.finditer(text)]


def _context_score(text: str, span: tuple[int, int], before: str, after: str) -> int:
    """How many characters of the old context still surround this occurrence."""
    got_before = text[max(0, span[0] - len(before)):span[0]]
    got_after = text[span[1]:span[1] + len(after)]
    n = 0
    while n < min(len(got_before), len(before)) and got_before[-1 - n] == before[-1 - n]:
        n += 1
    m = 0
    while m < min(len(got_after), len(after)) and got_after[m] == after[m]:
        m += 1
    return n + m


def locate(text: str, c: Mapping[str, Any]) -> tuple[str, int, int]:
    """(anchor, start, end) of a citation in a (new) stored text."""
    start, end, cited = int(c["start"]), int(c["end"]), str(c["text"])
    if text[start:end] == cited:
        return "exact", start, end
    spans = _occurrences(text, cited)
    if not spans:
        return "changed", start, end
    before, after = c.get("before") or "", c.get("after") or ""
    best = max(spans, key=lambda s: (_context_score(text, s, before, after), -abs(s[0] - start)))
    return "moved", best[0], best[1]


def reanchor(store: Store) -> dict[str, int]:
    """Find every citation's text again after a re-extraction; returns counts by anchor.

    A moved citation gets its new offsets and page; a changed one keeps its old offsets and text.
    """
    counts = {a: 0 for a in ANCHORS}
    updates: list[Anchoring] = []
    texts: dict[str, tuple[str, list[dict[str, Any]]] | None] = {}
    for c in citations(store):
        doc = c["document_id"]
        if doc not in texts:
            texts.clear()  # citations come by document: hold one text at a time
            texts[doc] = text_and_pages(store, doc)
        found = texts[doc]
        if found is None:
            anchor, start, end, page = "changed", c["start"], c["end"], c["page"]
        else:
            anchor, start, end = locate(found[0], c)
            page = page_at(found[1], start) if anchor != "changed" else c["page"]
        counts[anchor] += 1
        if (anchor, start, end, page) != (c["anchor"], c["start"], c["end"], c["page"]):
            updates.append({"id": c["id"], "anchor": anchor, "start": start, "end": end, "page": page})
    if updates:
        with store.transaction():
            owner.move(store, updates)
            store.log_action("reanchor", {"updated": len(updates), **counts})
    return counts
