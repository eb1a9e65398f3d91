"""Search fields answered from the store at query time: `tag:`, `star:`, `note:`, `thread:`, `has-data:`.

Annotations change at any moment and threads after every corpus run, so the index does not hold
them: a query asks the store (through the tables' owners) for the ids. Notes are matched as the
index matches text, with the index's own folding, which is why this lives in the index and not
with the owner.
"""

from __future__ import annotations

from collections.abc import Callable

from ..store import entities, messages
from ..store import tags as owner
from ..store.db import Store
from .analyzers import analyze

# has-data:<field> asks whether the stage that fills that search field has written anything yet
HAS_DATA: dict[str, Callable[[Store], bool]] = {
    "person": entities.has_document_entities, "org": entities.has_document_entities,
    "place": entities.has_document_entities, "thread": messages.has_threads}


def lookup(store: Store, field: str, value: str) -> set[str] | None:
    """Document ids for `tag:`, `star:`, `note:` and `thread:` (values may end in * for a prefix).

    `lookup(store, "has-data", "person")` is {"yes"} when the stage that fills that field has run.
    """
    if field == "has-data":
        check = HAS_DATA.get(value)
        return {"yes"} if check is None or check(store) else set()
    if field == "tag":
        if value.endswith("*"):
            return owner.tagged_with_prefix(store, value[:-1])
        return owner.tagged(store, value)
    if field == "star":
        return owner.starred(store)
    if field == "thread":
        if value.endswith("*"):
            return messages.thread_members(store, value[:-1], prefix=True)
        return messages.thread_members(store, value)
    if field == "note":
        return _noted(store, value)
    return None


def _noted(store: Store, value: str) -> set[str]:
    """Ids of the documents with a note holding these words (the last one a prefix with a final *)."""
    wanted = analyze("fold", value.rstrip("*"))
    if not wanted:
        return set()
    prefix = value.endswith("*")
    out = set()
    n = len(wanted)
    for note in owner.all_notes(store):
        toks = analyze("fold", note["text"])
        for i in range(len(toks) - n + 1):
            window = toks[i:i + n]
            if window[:-1] == wanted[:-1] and (window[-1].startswith(wanted[-1]) if prefix else window[-1] == wanted[-1]):
                out.add(note["document_id"])
                break
    return out


def tag_counts(store: Store) -> list[tuple[str, int]]:
    """(tag, number of documents), most used first: the tags the search page offers."""
    return [(c["tag"], c["documents"]) for c in owner.tag_counts(store)]
