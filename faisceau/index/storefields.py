"""Search fields answered from the store at query time: `tag:`, `star:`, `note:`, `thread:`, `has-data:`.

Annotations change at any moment and threads after every corpus run, so the index does not hold
them: a query asks the store (through the tables' owners) for the ids. Notes are matched as the
index matches text, with the index's own folding, which is why this lives in the index and not
with the owner.

The thread and entity owners are imported when a query asks for them, not with the index: a plain
word search from the CLI does not pay for their modules.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from ..store import tags as owner
from ..store.db import Store
from .analyzers import analyze
from .core import Index

if TYPE_CHECKING:
    from ..settings import Settings

ENTITY_FIELDS = ("person", "org", "place")


def index_path(project_root: Path) -> Path:
    """Where a project's full-text index lives."""
    return project_root / "index"


def open_index(project_root: Path, settings: Settings, store: Store | None = None) -> Index:
    """The project's index for searching, with tags, stars and notes looked up in `store`."""
    def lookup_in(field: str, value: str) -> set[str] | None:
        assert store is not None
        return lookup(store, field, value)

    def counts() -> list[tuple[str, int]]:
        assert store is not None
        return tag_counts(store)

    return Index(index_path(project_root), str(settings.timezone), lookup_in if store is not None else None,
                 counts if store is not None else None)


def has_data(store: Store, field: str) -> bool:
    """has-data:<field>: whether the stage that fills that search field has written anything yet."""
    if field in ENTITY_FIELDS:
        from ..store import entities
        return entities.has_document_entities(store)
    if field == "thread":
        from ..store import messages
        return messages.has_threads(store)
    return True


def lookup(store: Store, field: str, value: str) -> set[str] | None:
    """Document ids for `tag:`, `star:`, `note:` and `thread:` (values may end in * for a prefix).

    `lookup(store, "has-data", "person")` is {"yes"} when the stage that fills that field has run.
    """
    if field == "has-data":
        return {"yes"} if has_data(store, value) else set()
    if field == "tag":
        if value.endswith("*"):
            return owner.tagged_with_prefix(store, value[:-1])
        return owner.tagged(store, value)
    if field == "star":
        return owner.starred(store)
    if field == "thread":
        from ..store import messages
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
