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


# -- for analysis/curate.py
# (imported here, not at the top, so that this block merges apart from the owner's own changes)
from typing import TYPE_CHECKING, TypedDict  # noqa: E402

if TYPE_CHECKING:
    from .db import Store


class AddressName(TypedDict):
    """How often an address was written with a display name."""

    address: str
    name: str
    count: int


def address_names(store: Store) -> list[AddressName]:
    """Every (address, display name) of the mail, with how often it was used."""
    return [{"address": address, "name": name, "count": n} for address, name, n in store.db.execute(
        "SELECT address, name, COUNT(*) FROM mail_addresses WHERE name IS NOT NULL AND name != ''"
        " GROUP BY address, name")]


def known_addresses(store: Store, addresses: list[str]) -> set[str]:
    """Those of these addresses the mail uses."""
    marks = ",".join("?" * len(addresses))
    return {r[0] for r in store.db.execute(
        f"SELECT DISTINCT address FROM mail_addresses WHERE address IN ({marks})", addresses)}


def add_correspondent_decision(store: Store, a: str, b: str, decision: str, time: str, user: str) -> int:
    """Record that two addresses are (merge) or are not (split) one correspondent; its number."""
    cur = store.db.execute("INSERT INTO correspondent_decisions (a, b, decision, time, user) VALUES (?,?,?,?,?)",
                           (a, b, decision, time, user))
    return int(cur.lastrowid or 0)


def drop_correspondent_decision(store: Store, decision_id: int) -> None:
    store.db.execute("DELETE FROM correspondent_decisions WHERE id = ?", (decision_id,))
