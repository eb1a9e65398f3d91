"""Owner of runs (one per ingest or analysis run) and actions (the action log of user changes).

The only module that reads or writes these tables: it holds their DDL (by schema version, assembled
by `migrations`) and the functions the rest of faisceau calls.
"""

from __future__ import annotations

# The tables' DDL by the schema version that created them.
DDL: dict[int, str] = {
    1: """

    CREATE TABLE runs (
        id       TEXT PRIMARY KEY,
        started  TEXT NOT NULL,
        finished TEXT,
        command  TEXT,
        settings TEXT,
        tools    TEXT,
        report   TEXT
    );

    -- every user action that changes the project (retry, tag, merge, export…)
    CREATE TABLE actions (
        id     INTEGER PRIMARY KEY,
        time   TEXT NOT NULL,
        user   TEXT NOT NULL,
        action TEXT NOT NULL,
        detail TEXT
    );
    """,
}
