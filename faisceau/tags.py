"""Tags, stars and notes: live annotations in the project store, applied at query time.

They are written at any moment (the web app, `faisceau tag`), also while an ingest runs: each
write is one short transaction that waits its turn behind the ingest's batch commits. Every
change is appended to the action log. The rules live here (what a tag may be, that the documents
exist, what is logged); the rows are the tags owner's (`store/tags.py`), and the
search fields answered from them (`tag:`, `star:`, `note:`) are the index's (`index/storefields.py`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from .exc import UsageError
from .store import tags as owner  # the rows; this module holds the rules
from .store.db import Store
from .store.documents import unknown_ids

_TAG = re.compile(r"^[^\s\x00-\x1f]{1,100}$")


def _check_tag(tag: str) -> str:
    tag = tag.strip()
    if not _TAG.match(tag):
        raise UsageError(f"not a tag: {tag!r} (1 to 100 characters, no spaces)")
    return tag


def _known(store: Store, ids: Iterable[str]) -> list[str]:
    ids = list(dict.fromkeys(ids))
    missing = unknown_ids(store, ids)
    if missing:
        raise UsageError(f"no such document: {', '.join(missing[:5])}" + (" …" if len(missing) > 5 else ""))
    return ids


def add_tag(store: Store, ids: Iterable[str], tag: str) -> int:
    """Tag documents; returns how many were not tagged so already."""
    tag = _check_tag(tag)
    with store.transaction():
        ids = _known(store, ids)
        n = owner.add_tags(store, ids, tag)
        store.log_action("tag", {"tag": tag, "documents": ids})
    return n


def remove_tag(store: Store, ids: Iterable[str], tag: str) -> int:
    """Untag documents; returns how many carried the tag."""
    tag = _check_tag(tag)
    with store.transaction():
        ids = list(ids)
        n = owner.remove_tags(store, ids, tag)
        store.log_action("untag", {"tag": tag, "documents": ids})
    return n


def set_star(store: Store, ids: Iterable[str], starred: bool = True) -> int:
    """Star (or unstar) documents; returns how many changed."""
    with store.transaction():
        ids = _known(store, ids)
        n = owner.add_stars(store, ids) if starred else owner.remove_stars(store, ids)
        store.log_action("star" if starred else "unstar", {"documents": ids})
    return n


def add_note(store: Store, doc_id: str, text: str) -> int:
    """Add a note to a document; returns its id."""
    if not text.strip():
        raise UsageError("a note needs some text")
    with store.transaction():
        _known(store, [doc_id])
        note_id = owner.add_note(store, doc_id, text)
        store.log_action("note", {"document": doc_id, "note": note_id})
    return note_id


def tags_of(store: Store, doc_id: str) -> list[str]:
    """A document's tags, sorted."""
    return owner.tags_of(store, doc_id)


def tag_counts(store: Store) -> list[tuple[str, int]]:
    """(tag, number of documents), most used first."""
    return [(c["tag"], c["documents"]) for c in owner.tag_counts(store)]
