"""Owner of `entity_company`: the entities named with each entity, kept once counted.

Counting an entity's company reads every document naming it and every entity of those documents
(a join over `document_entities`); an entity page shows the result on every visit. It is counted on
the first visit after a grouping and kept with the grouping's fingerprint (`timeline.entity_fingerprint`):
another grouping, or a curation decision, makes it stale and the next visit counts again.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .db import Store

# The tables' DDL by the schema version that created them.
DDL: dict[int, str] = {
    5: """
    -- the co-occurring entities of an entity, as its page lists them, and the grouping they were counted in
    CREATE TABLE entity_company (
        entity_id TEXT NOT NULL,
        lim       INTEGER NOT NULL,
        stamp     TEXT NOT NULL,
        rows      TEXT NOT NULL,        -- JSON list of {id, type, name, documents}
        PRIMARY KEY (entity_id, lim)
    );
    """,
}


def company(store: Store, entity_id: str, limit: int, stamp: str) -> list[dict[str, Any]] | None:
    """The kept company of an entity, if counted in this grouping."""
    r = store.db.execute("SELECT rows FROM entity_company WHERE entity_id = ? AND lim = ? AND stamp = ?",
                         (entity_id, limit, stamp)).fetchone()
    out: list[dict[str, Any]] | None = json.loads(r[0]) if r else None
    return out


def keep_company(store: Store, entity_id: str, limit: int, stamp: str, rows: list[dict[str, Any]]) -> None:
    """Keep an entity's company as counted in this grouping (older countings are dropped)."""
    store.db.execute("DELETE FROM entity_company WHERE stamp != ?", (stamp,))
    store.db.execute("INSERT OR REPLACE INTO entity_company (entity_id, lim, stamp, rows) VALUES (?, ?, ?, ?)",
                     (entity_id, limit, stamp, json.dumps(rows, ensure_ascii=False)))
