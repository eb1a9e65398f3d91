"""Owner of documents (one row per location), contents (one per distinct SHA-256), content_children, stages.

The only module that reads or writes these tables: it holds their DDL (by schema version, assembled
by `migrations`) and the functions the rest of faisceau calls.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any, TypedDict

if TYPE_CHECKING:
    from .db import Store

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


# -- for faisceau/mail/stage.py and faisceau/mail/views.py

class MetadataText(TypedDict):
    """A content's metadata (decoded) and text, what an e-mail record is built from."""

    metadata: dict[str, Any]
    text: str


class SharedContent(TypedDict):
    """A content held by several ok documents, and how many."""

    sha256: str
    count: int


class DocLocation(TypedDict):
    """A document by id, provenance path and content."""

    id: str
    path: str
    sha256: str | None


def metadata_and_text(store: Store, shas: list[str]) -> dict[str, MetadataText]:
    """The metadata and text of these contents, by SHA-256 (those stored)."""
    out: dict[str, MetadataText] = {}
    for r in store.db.execute(f"SELECT sha256, metadata, text FROM contents WHERE sha256 IN ({','.join('?' * len(shas))})",
                              shas):
        out[r[0]] = MetadataText(metadata=json.loads(r[1] or "{}"), text=r[2] or "")
    return out


def shared_contents(store: Store) -> list[SharedContent]:
    """The contents held by more than one ok document, most held first."""
    return [SharedContent(sha256=r[0], count=r[1]) for r in store.db.execute(
        "SELECT sha256, count(*) FROM documents WHERE sha256 IS NOT NULL AND status = 'ok'"
        " GROUP BY sha256 HAVING count(*) > 1 ORDER BY count(*) DESC, sha256")]


def locations_of(store: Store, ids: list[str]) -> list[DocLocation]:
    """These documents' paths and contents (those that exist), in no particular order."""
    out: list[DocLocation] = []
    for i in range(0, len(ids), 500):
        part = ids[i:i + 500]
        out += [DocLocation(id=r[0], path=r[1], sha256=r[2]) for r in store.db.execute(
            f"SELECT id, path, sha256 FROM documents WHERE id IN ({','.join('?' * len(part))})", part)]
    return out
