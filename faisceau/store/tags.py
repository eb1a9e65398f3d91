"""Owner of tags, stars and notes: live annotations written at any time, applied at query time.

The only module that reads or writes these tables: it holds their DDL (by schema version, assembled
by `migrations`) and the functions the rest of faisceau calls.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING, Any, TypedDict

from .values import acting_user, current_user, now

if TYPE_CHECKING:
    from .db import Store

# The tables' DDL by the schema version that created them.
DDL: dict[int, str] = {
    2: """
    -- live annotations, written at any time (web app, CLI) and applied at query time
    CREATE TABLE tags (
        document_id TEXT NOT NULL,
        tag         TEXT NOT NULL,
        time        TEXT NOT NULL,
        user        TEXT NOT NULL,
        PRIMARY KEY (document_id, tag)
    );
    CREATE INDEX tags_tag ON tags(tag);
    CREATE TABLE stars (
        document_id TEXT PRIMARY KEY,
        time        TEXT NOT NULL,
        user        TEXT NOT NULL
    );
    CREATE TABLE notes (
        id          INTEGER PRIMARY KEY,
        document_id TEXT NOT NULL,
        text        TEXT NOT NULL,
        time        TEXT NOT NULL,
        user        TEXT NOT NULL
    );
    CREATE INDEX notes_document ON notes(document_id);
    """,
    7: """
    -- stars are private per user in server mode: one row per (document, user)
    CREATE TABLE stars_by_user (
        document_id TEXT NOT NULL,
        time        TEXT NOT NULL,
        user        TEXT NOT NULL,
        PRIMARY KEY (document_id, user)
    );
    INSERT OR IGNORE INTO stars_by_user (document_id, time, user) SELECT document_id, time, user FROM stars;
    DROP TABLE stars;
    ALTER TABLE stars_by_user RENAME TO stars;
    """,
}


class NoteRow(TypedDict):
    """A note on a document."""

    id: int
    document_id: str
    text: str
    time: str
    user: str


class TagCount(TypedDict):
    """A tag and how many documents carry it."""

    tag: str
    documents: int


# -- tags --------------------------------------------------------------------------------------

def add_tags(store: Store, ids: Iterable[str], tag: str) -> int:
    """Tag these documents; returns how many were not tagged so already."""
    stamp, user = now(), current_user()
    return sum(store.db.execute("INSERT OR IGNORE INTO tags (document_id, tag, time, user) VALUES (?,?,?,?)",
                                (i, tag, stamp, user)).rowcount for i in ids)


def remove_tags(store: Store, ids: Iterable[str], tag: str) -> int:
    """Untag these documents; returns how many carried the tag."""
    return sum(store.db.execute("DELETE FROM tags WHERE document_id = ? AND tag = ?", (i, tag)).rowcount for i in ids)


def tags_of(store: Store, doc_id: str) -> list[str]:
    """A document's tags, sorted."""
    return [r[0] for r in store.db.execute("SELECT tag FROM tags WHERE document_id = ? ORDER BY tag", (doc_id,))]


def tags_by_document(store: Store, ids: list[str]) -> dict[str, list[str]]:
    """The sorted tags of these documents (at most 500 ids) by id; untagged ones are left out."""
    out: dict[str, list[str]] = {}
    for doc_id, tag in store.db.execute(
            f"SELECT document_id, tag FROM tags WHERE document_id IN ({','.join('?' * len(ids))}) ORDER BY tag", ids):
        out.setdefault(doc_id, []).append(tag)
    return out


def tag_counts(store: Store) -> list[TagCount]:
    """Every tag with its number of documents, most used first."""
    return [{"tag": r[0], "documents": r[1]} for r in store.db.execute(
        "SELECT tag, count(*) FROM tags GROUP BY tag ORDER BY count(*) DESC, tag")]


def tagged(store: Store, tag: str) -> set[str]:
    """Ids of the documents carrying this tag."""
    return {r[0] for r in store.db.execute("SELECT document_id FROM tags WHERE tag = ?", (tag,))}


def tagged_with_prefix(store: Store, prefix: str) -> set[str]:
    """Ids of the documents carrying a tag that starts with `prefix` (taken literally)."""
    like = prefix.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    return {r[0] for r in store.db.execute("SELECT document_id FROM tags WHERE tag LIKE ? ESCAPE '\\'", (like,))}


def tagged_in_order(store: Store, tag: str) -> Iterator[str]:
    """Ids of the documents carrying this tag, in insertion order, streamed."""
    for (doc_id,) in store.db.execute(
            "SELECT d.id FROM documents d JOIN tags t ON t.document_id = d.id WHERE t.tag = ? ORDER BY d.rowid", (tag,)):
        yield doc_id


# -- stars -------------------------------------------------------------------------------------

def add_stars(store: Store, ids: Iterable[str]) -> int:
    """Star these documents; returns how many were not starred already."""
    stamp, user = now(), current_user()
    return sum(store.db.execute("INSERT OR IGNORE INTO stars (document_id, time, user) VALUES (?,?,?)",
                                (i, stamp, user)).rowcount for i in ids)


# Stars are private per user in server mode, where a logged-in user acts (`acting_user`): each sees
# and changes only their own. Alone (CLI, `serve --project`) every star of the project counts, as before.

def remove_stars(store: Store, ids: Iterable[str]) -> int:
    """Unstar these documents; returns how many were starred."""
    who = acting_user.get()
    if who is None:
        return sum(store.db.execute("DELETE FROM stars WHERE document_id = ?", (i,)).rowcount for i in ids)
    return sum(store.db.execute("DELETE FROM stars WHERE document_id = ? AND user = ?", (i, who)).rowcount
               for i in ids)


def is_starred(store: Store, doc_id: str) -> bool:
    """Whether the document is starred (by the acting user, in server mode)."""
    who = acting_user.get()
    if who is None:
        return store.db.execute("SELECT 1 FROM stars WHERE document_id = ?", (doc_id,)).fetchone() is not None
    return store.db.execute("SELECT 1 FROM stars WHERE document_id = ? AND user = ?",
                            (doc_id, who)).fetchone() is not None


def starred(store: Store) -> set[str]:
    """Ids of every starred document (the acting user's, in server mode)."""
    who = acting_user.get()
    if who is None:
        return {r[0] for r in store.db.execute("SELECT document_id FROM stars")}
    return {r[0] for r in store.db.execute("SELECT document_id FROM stars WHERE user = ?", (who,))}


# -- notes -------------------------------------------------------------------------------------

def add_note(store: Store, doc_id: str, text: str) -> int:
    """Add a note to a document; returns its id."""
    cur = store.db.execute("INSERT INTO notes (document_id, text, time, user) VALUES (?,?,?,?)",
                           (doc_id, text, now(), current_user()))
    return int(cur.lastrowid or 0)


def notes_of(store: Store, doc_id: str) -> list[NoteRow]:
    """A document's notes, oldest first."""
    return [_note(r) for r in store.db.execute(
        "SELECT id, document_id, text, time, user FROM notes WHERE document_id = ? ORDER BY id", (doc_id,))]


def all_notes(store: Store) -> Iterator[NoteRow]:
    """Every note, streamed."""
    for r in store.db.execute("SELECT id, document_id, text, time, user FROM notes"):
        yield _note(r)


def _note(r: Any) -> NoteRow:
    return {"id": r["id"], "document_id": r["document_id"], "text": r["text"], "time": r["time"], "user": r["user"]}
