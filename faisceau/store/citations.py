"""Owner of cited excerpts (evidence).

The only module that reads or writes these tables: it holds their DDL (by schema version, assembled
by `migrations`) and the functions the rest of faisceau calls.
"""

from __future__ import annotations

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
