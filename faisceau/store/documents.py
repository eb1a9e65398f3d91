"""Owner of documents (one row per location), contents (one per distinct SHA-256), content_children, stages.

The only module that reads or writes these tables: it holds their DDL (by schema version, assembled
by `migrations`) and the functions the rest of faisceau calls.
"""

from __future__ import annotations

# The tables' DDL by the schema version that created them.
DDL: dict[int, str] = {
    1: """
    CREATE TABLE documents (
        id         TEXT PRIMARY KEY,      -- sha256(root sha256 + provenance path)[:24]
        parent_id  TEXT,                  -- null for items given on the command line
        root_id    TEXT NOT NULL,
        path       TEXT NOT NULL,         -- provenance: leak.zip!/box.pst!/Inbox/42
        name       TEXT NOT NULL,         -- last segment of the path
        name_raw   BLOB,                  -- undecoded name bytes, when they were not UTF-8
        source     TEXT,                  -- file on disk, for items given on the command line
        sha256     TEXT,                  -- null for items with no content (links, FIFOs)
        size       INTEGER,
        depth      INTEGER NOT NULL,
        mime_hint  TEXT,
        item_meta  TEXT,                  -- JSON from the parent: member mtime, unsafe name…
        status     TEXT NOT NULL,         -- pending | ok | failed | skipped
        reason     TEXT,
        kind       TEXT,
        mime       TEXT
    );
    CREATE INDEX documents_sha256 ON documents(sha256);
    CREATE INDEX documents_parent ON documents(parent_id);
    CREATE INDEX documents_status ON documents(status);

    -- one row per distinct content: extracted once, whatever the number of locations
    CREATE TABLE contents (
        sha256            TEXT PRIMARY KEY,
        size              INTEGER,
        status            TEXT NOT NULL,
        reason            TEXT,
        mime              TEXT,
        kind              TEXT,
        extractor         TEXT,
        extractor_version TEXT,
        metadata          TEXT,           -- JSON
        flags             TEXT,           -- JSON list
        warnings          TEXT,           -- JSON list
        segments          TEXT,           -- JSON list of {part, start, end, attrs}
        pages             TEXT,           -- JSON list of {number, start, end, needs_ocr, attrs}
        text              TEXT,
        language          TEXT,
        languages         TEXT,           -- JSON list of {language, share} when mixed
        stages            TEXT            -- JSON {stage: {version, status, reason}}: copied to every location
    );

    -- the children a content yields, so every location of it gets the same subtree
    CREATE TABLE content_children (
        parent_sha256 TEXT NOT NULL,
        ord           INTEGER NOT NULL,
        name          TEXT NOT NULL,
        name_raw      BLOB,
        sha256        TEXT,
        size          INTEGER,
        mime_hint     TEXT,
        item_meta     TEXT,
        status        TEXT,
        reason        TEXT,
        PRIMARY KEY (parent_sha256, ord)
    );

    -- per-(document, stage) status: a new stage version marks that stage stale
    CREATE TABLE stages (
        document_id TEXT NOT NULL,
        stage       TEXT NOT NULL,
        version     TEXT NOT NULL,
        status      TEXT NOT NULL,
        reason      TEXT,
        run_id      TEXT,
        seconds     REAL,
        updated     TEXT,
        PRIMARY KEY (document_id, stage)
    );
    """,
}


# -- for analysis/grouping.py
# (imported here, not at the top, so that this block merges apart from the owner's own changes)
from typing import TYPE_CHECKING  # noqa: E402

if TYPE_CHECKING:
    from .db import Store


def content_text(store: Store, sha256: str) -> str:
    """A content's text ("" when it has none or is not stored)."""
    row = store.db.execute("SELECT text FROM contents WHERE sha256 = ?", (sha256,)).fetchone()
    return (row[0] if row else "") or ""
