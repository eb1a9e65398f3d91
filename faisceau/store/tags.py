"""Owner of tags, stars and notes: live annotations written at any time, applied at query time.

The only module that reads or writes these tables: it holds their DDL (by schema version, assembled
by `migrations`) and the functions the rest of faisceau calls.
"""

from __future__ import annotations

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
}
