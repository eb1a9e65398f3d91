"""Tags, stars and notes: live annotations in the project store, applied at query time.

They are written at any moment (the web app, `faisceau tag`), also while an ingest runs: each
write is one short transaction that waits its turn behind the ingest's batch commits. Every
change is appended to the action log.
"""

from __future__ import annotations

import re
from typing import Iterable

from .exc import UsageError
from .index.analyzers import analyze
from .store.db import Store, current_user, now
from .store.messages import thread_members

_TAG = re.compile(r"^[^\s\x00-\x1f]{1,100}$")


def _check_tag(tag: str) -> str:
    tag = tag.strip()
    if not _TAG.match(tag):
        raise UsageError(f"not a tag: {tag!r} (1 to 100 characters, no spaces)")
    return tag


def _known(store: Store, ids: Iterable[str]) -> list[str]:
    ids = list(dict.fromkeys(ids))
    missing = [i for i in ids if store.db.execute("SELECT 1 FROM documents WHERE id = ?", (i,)).fetchone() is None]
    if missing:
        raise UsageError(f"no such document: {', '.join(missing[:5])}" + (" …" if len(missing) > 5 else ""))
    return ids


def add_tag(store: Store, ids: Iterable[str], tag: str) -> int:
    """Tag documents; returns how many were not tagged so already."""
    tag = _check_tag(tag)
    with store.transaction():
        ids = _known(store, ids)
        stamp, user = now(), current_user()
        n = sum(store.db.execute("INSERT OR IGNORE INTO tags (document_id, tag, time, user) VALUES (?,?,?,?)",
                                 (i, tag, stamp, user)).rowcount for i in ids)
        store.log_action("tag", {"tag": tag, "documents": ids})
    return n


def remove_tag(store: Store, ids: Iterable[str], tag: str) -> int:
    tag = _check_tag(tag)
    with store.transaction():
        ids = list(ids)
        n = sum(store.db.execute("DELETE FROM tags WHERE document_id = ? AND tag = ?", (i, tag)).rowcount for i in ids)
        store.log_action("untag", {"tag": tag, "documents": ids})
    return n


def set_star(store: Store, ids: Iterable[str], starred: bool = True) -> int:
    with store.transaction():
        ids = _known(store, ids)
        if starred:
            stamp, user = now(), current_user()
            n = sum(store.db.execute("INSERT OR IGNORE INTO stars (document_id, time, user) VALUES (?,?,?)",
                                     (i, stamp, user)).rowcount for i in ids)
        else:
            n = sum(store.db.execute("DELETE FROM stars WHERE document_id = ?", (i,)).rowcount for i in ids)
        store.log_action("star" if starred else "unstar", {"documents": ids})
    return n


def add_note(store: Store, doc_id: str, text: str) -> int:
    if not text.strip():
        raise UsageError("a note needs some text")
    with store.transaction():
        _known(store, [doc_id])
        cur = store.db.execute("INSERT INTO notes (document_id, text, time, user) VALUES (?,?,?,?)",
                               (doc_id, text, now(), current_user()))
        store.log_action("note", {"document": doc_id, "note": cur.lastrowid})
    return int(cur.lastrowid or 0)


def tags_of(store: Store, doc_id: str) -> list[str]:
    return [r[0] for r in store.db.execute("SELECT tag FROM tags WHERE document_id = ? ORDER BY tag", (doc_id,))]


def tag_counts(store: Store) -> list[tuple[str, int]]:
    return [(r[0], r[1]) for r in store.db.execute(
        "SELECT tag, count(*) FROM tags GROUP BY tag ORDER BY count(*) DESC, tag")]


# the tables later stages write, which some search fields read through the index
DATA_TABLES = {"person": "document_entities", "org": "document_entities", "place": "document_entities",
               "thread": "message_threads"}


def lookup(store: Store, field: str, value: str) -> set[str] | None:
    """Document ids for `tag:`, `star:`, `note:` and `thread:` (values may end in * for a prefix).

    `lookup(store, "has-data", "person")` is {"yes"} when the stage that fills that field has run.
    """
    q = store.db.execute
    if field == "has-data":
        table = DATA_TABLES.get(value)
        if table is None:
            return {"yes"}
        found = q("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", (table,)).fetchone()
        return {"yes"} if found and q(f"SELECT 1 FROM {table} LIMIT 1").fetchone() else set()
    if field == "tag":
        if value.endswith("*"):
            like = value[:-1].replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
            return {r[0] for r in q("SELECT document_id FROM tags WHERE tag LIKE ? ESCAPE '\\'", (like,))}
        return {r[0] for r in q("SELECT document_id FROM tags WHERE tag = ?", (value,))}
    if field == "star":
        return {r[0] for r in q("SELECT document_id FROM stars")}
    if field == "thread":
        if value.endswith("*"):
            return thread_members(store, value[:-1], prefix=True)
        return thread_members(store, value)
    if field == "note":
        wanted = analyze("fold", value.rstrip("*"))
        if not wanted:
            return set()
        prefix = value.endswith("*")
        out = set()
        for doc_id, text in q("SELECT document_id, text FROM notes"):
            toks = analyze("fold", text)
            n = len(wanted)
            for i in range(len(toks) - n + 1):
                window = toks[i:i + n]
                if window[:-1] == wanted[:-1] and (window[-1].startswith(wanted[-1]) if prefix else window[-1] == wanted[-1]):
                    out.add(doc_id)
                    break
        return out
    return None
