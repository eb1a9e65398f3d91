"""Owner of e-mail records, threads, addresses and correspondent decisions (faisceau.mail).

The only module that reads or writes these tables: it holds their DDL (by schema version, assembled
by `migrations`) and the functions the rest of faisceau calls.
"""

from __future__ import annotations

# The tables' DDL by the schema version that created them.
DDL: dict[int, str] = {
    3: """
    -- e-mail intelligence (faisceau.mail): one record per e-mail, threads, addresses, near-duplicates
    CREATE TABLE mail_messages (
        document_id TEXT PRIMARY KEY,
        sha256      TEXT,
        message_id  TEXT,
        copy_key    TEXT,                 -- same-message key: every copy of one mail shares it
        date_utc    TEXT,
        subject     TEXT,
        record      TEXT NOT NULL,        -- JSON: what the threader reads
        version     TEXT NOT NULL         -- of the parsing: another version parses the message again
    );
    CREATE INDEX mail_messages_copy ON mail_messages(copy_key);
    CREATE INDEX mail_messages_mid ON mail_messages(message_id);
    CREATE TABLE message_threads (
        document_id    TEXT PRIMARY KEY,
        thread_id      TEXT NOT NULL,
        parent_id      TEXT,
        depth          INTEGER NOT NULL,
        via            TEXT,
        missing_parent TEXT,
        copy_of        TEXT,
        conflict       INTEGER NOT NULL DEFAULT 0,
        inclusive      INTEGER NOT NULL DEFAULT 0
    );
    CREATE INDEX message_threads_thread ON message_threads(thread_id);
    CREATE TABLE mail_addresses (
        document_id TEXT NOT NULL,
        role        TEXT NOT NULL,        -- from | to | cc | bcc
        address     TEXT NOT NULL,
        name        TEXT,
        PRIMARY KEY (document_id, role, address)
    );
    CREATE INDEX mail_addresses_address ON mail_addresses(address);
    CREATE TABLE correspondent_decisions (
        id       INTEGER PRIMARY KEY,
        a        TEXT NOT NULL,
        b        TEXT NOT NULL,
        decision TEXT NOT NULL,           -- merge | split
        time     TEXT NOT NULL,
        user     TEXT NOT NULL
    );
    """,
}
