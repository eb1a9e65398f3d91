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


# -- for export/ftm.py and index/storefields.py
# (imports here, not at the top, so this block merges apart from the owner's own changes)

from typing import TYPE_CHECKING as _TYPE_CHECKING, TypedDict as _TypedDict  # noqa: E402

if _TYPE_CHECKING:
    from .db import Store


class AddressRow(_TypedDict):
    """An address in a role (from, to, cc, bcc) of an e-mail, with the name given with it."""

    document_id: str
    role: str
    address: str
    name: str | None


class DecisionRow(_TypedDict):
    """A user's decision that two correspondents are one (merge) or two (split)."""

    a: str
    b: str
    decision: str


def all_addresses(store: Store) -> list[AddressRow]:
    """Every address of every e-mail, by document, role and address."""
    return [{"document_id": r[0], "role": r[1], "address": r[2], "name": r[3]} for r in store.db.execute(
        "SELECT document_id, role, address, name FROM mail_addresses ORDER BY document_id, role, address")]


def correspondent_decisions(store: Store) -> list[DecisionRow]:
    """The users' correspondent decisions, in the order they were made."""
    return [{"a": r[0], "b": r[1], "decision": r[2]} for r in store.db.execute(
        "SELECT a, b, decision FROM correspondent_decisions ORDER BY id")]


def addresses_in_role(store: Store, doc_id: str, role: str) -> list[str]:
    """The addresses of an e-mail in one role (from, to, cc, bcc)."""
    return [r[0] for r in store.db.execute(
        "SELECT address FROM mail_addresses WHERE document_id = ? AND role = ?", (doc_id, role))]


def has_threads(store: Store) -> bool:
    """Whether threading has put any e-mail in a thread yet."""
    return store.db.execute("SELECT 1 FROM message_threads LIMIT 1").fetchone() is not None


def thread_members(store: Store, thread_id: str) -> set[str]:
    """Ids of the e-mails of a thread."""
    return {r[0] for r in store.db.execute("SELECT document_id FROM message_threads WHERE thread_id = ?", (thread_id,))}


def thread_members_with_prefix(store: Store, prefix: str) -> set[str]:
    """Ids of the e-mails of every thread whose id starts with `prefix` (wildcards in it dropped)."""
    return {r[0] for r in store.db.execute("SELECT document_id FROM message_threads WHERE thread_id LIKE ?",
                                           (prefix.replace("%", "").replace("_", "") + "%",))}
