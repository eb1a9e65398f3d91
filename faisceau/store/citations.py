"""Owner of cited excerpts (evidence).

The only module that reads or writes these tables: it holds their DDL (by schema version, assembled
by `migrations`) and the functions the rest of faisceau calls.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any, TypedDict

from .values import current_user, now

if TYPE_CHECKING:
    from .db import Store

# The tables' DDL by the schema version that created them.
DDL: dict[int, str] = {
    4: """

    -- cited excerpts (evidence): re-anchored by their text after a re-extraction
    CREATE TABLE citations (
        id          INTEGER PRIMARY KEY,
        document_id TEXT NOT NULL,
        page        INTEGER,
        start       INTEGER NOT NULL,
        end         INTEGER NOT NULL,
        text        TEXT NOT NULL,
        note        TEXT,
        time        TEXT NOT NULL,
        user        TEXT NOT NULL,
        anchor      TEXT NOT NULL DEFAULT 'exact',   -- exact | moved | changed
        before      TEXT,
        after       TEXT
    );
    CREATE INDEX citations_document ON citations(document_id);
    """,
}


class CitationRow(TypedDict):
    """A cited excerpt: where it is in the stored text, its words and what surrounded them."""

    id: int
    document_id: str
    page: int | None
    start: int
    end: int
    text: str
    note: str | None
    time: str
    user: str
    anchor: str
    before: str | None
    after: str | None


class Anchoring(TypedDict):
    """Where a citation is found again after a re-extraction."""

    id: int
    anchor: str
    start: int
    end: int
    page: int | None


def add(store: Store, document_id: str, page: int | None, start: int, end: int, text: str, note: str | None,
        before: str, after: str) -> int:
    """Store a citation anchored exactly; returns its id."""
    cur = store.db.execute(
        "INSERT INTO citations (document_id, page, start, end, text, note, time, user, anchor, before, after)"
        " VALUES (?,?,?,?,?,?,?,?,?,?,?)",
        (document_id, page, start, end, text, note, now(), current_user(), "exact", before, after))
    return int(cur.lastrowid or 0)


def of(store: Store, document_id: str | None = None) -> list[CitationRow]:
    """Citations of one document (or of all), by document then position."""
    sql = "SELECT * FROM citations"
    args: tuple[str, ...] = ()
    if document_id is not None:
        sql += " WHERE document_id = ?"
        args = (document_id,)
    return [_row(r) for r in store.db.execute(sql + " ORDER BY document_id, start, id", args)]


def document_of(store: Store, citation_id: int) -> str | None:
    """The document a citation is on, or None when there is no such citation."""
    row = store.db.execute("SELECT document_id FROM citations WHERE id = ?", (citation_id,)).fetchone()
    return None if row is None else str(row[0])


def delete(store: Store, citation_id: int) -> None:
    """Remove a citation."""
    store.db.execute("DELETE FROM citations WHERE id = ?", (citation_id,))


def move(store: Store, anchorings: Iterable[Anchoring]) -> None:
    """Record where citations were found again."""
    store.db.executemany("UPDATE citations SET anchor = ?, start = ?, end = ?, page = ? WHERE id = ?",
                         [(a["anchor"], a["start"], a["end"], a["page"], a["id"]) for a in anchorings])


def _row(r: Any) -> CitationRow:
    return {"id": r["id"], "document_id": r["document_id"], "page": r["page"], "start": r["start"], "end": r["end"],
            "text": r["text"], "note": r["note"], "time": r["time"], "user": r["user"], "anchor": r["anchor"],
            "before": r["before"], "after": r["after"]}
