"""Owner of e-mail records, threads, addresses and correspondent decisions (faisceau.mail).

The only module that reads or writes these tables: it holds their DDL (by schema version, assembled
by `migrations`) and the functions the rest of faisceau calls.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any, TypedDict

if TYPE_CHECKING:
    from .db import Store

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
    # the copies of a message, counted where a list shows "n copies"
    5: """
    CREATE INDEX message_threads_copy ON message_threads(copy_of);
    """,
}


# Row shapes crossing the seam.

class EmailToParse(TypedDict):
    """An e-mail document as the records pass scans it: `todo` when it has no record of this version."""

    seq: int
    id: str
    root_id: str
    parent_id: str | None
    sha256: str
    todo: bool


class MessageRow(TypedDict):
    """One e-mail's record as kept in `mail_messages` (`record`: what the threader reads, as JSON)."""

    document_id: str
    sha256: str
    message_id: str
    copy_key: str
    date_utc: str | None
    subject: str
    record: dict[str, Any]
    version: str


class AddressRow(TypedDict):
    """One address on one e-mail, with its role (from, to, cc, bcc)."""

    document_id: str
    role: str
    address: str
    name: str


class ThreadRow(TypedDict):
    """Where one e-mail sits in its conversation (a row of `message_threads`)."""

    document_id: str
    thread_id: str
    parent_id: str | None
    depth: int
    via: str | None
    missing_parent: str | None
    copy_of: str | None
    conflict: int
    inclusive: int


class ThreadMessage(TypedDict):
    """One threaded e-mail with what a conversation view shows of it."""

    id: str
    thread_id: str
    parent_id: str | None
    depth: int
    via: str | None
    missing_parent: str | None
    copy_of: str | None
    conflict: int
    inclusive: int
    message_id: str | None
    date: str | None
    subject: str | None
    copy_key: str | None
    path: str
    sender: str | None


class AddressMention(TypedDict):
    """An address on a unique (not a copy) message, with the message's date."""

    document_id: str
    role: str
    address: str
    name: str | None
    date_utc: str | None


class MessageSummary(TypedDict):
    """An e-mail in a list: subject, date and sender."""

    document_id: str
    subject: str | None
    date_utc: str | None
    sender: str | None


class CopyKeyRow(TypedDict):
    """An e-mail with its same-message key, subject and date."""

    document_id: str
    copy_key: str
    subject: str | None
    date_utc: str | None


class MessageIdVersions(TypedDict):
    """A Message-ID and how many different messages (copy keys) carry it."""

    message_id: str
    versions: int


class Decision(TypedDict):
    """A user's correspondent decision on a pair of addresses: merge or split."""

    a: str
    b: str
    decision: str


class DocPath(TypedDict):
    """A document by id and provenance path."""

    id: str
    path: str


_PART = 500   # ids per `IN (…)` query: well under SQLite's bound on parameters


# -- records (`mail_messages`, `mail_addresses`), written by the threads stage ----------------

def emails_after(store: Store, seq: int, limit: int, version: str) -> list[EmailToParse]:
    """The next `limit` e-mail documents after rowid `seq` (ok, with content), each marked `todo` when
    it has no record, its content changed, or its record is of another `version`."""
    return [EmailToParse(seq=r["seq"], id=r["id"], root_id=r["root_id"], parent_id=r["parent_id"],
                         sha256=r["sha256"], todo=bool(r["todo"])) for r in store.db.execute(
        "SELECT d.rowid AS seq, d.id, d.root_id, d.parent_id, d.sha256,"
        " (m.document_id IS NULL OR m.sha256 != d.sha256 OR m.version != ?) AS todo FROM documents d"
        " LEFT JOIN mail_messages m ON m.document_id = d.id"
        " WHERE d.rowid > ? AND d.kind = 'email' AND d.status = 'ok' AND d.sha256 IS NOT NULL"
        " ORDER BY d.rowid LIMIT ?", (version, seq, limit))]


def save_records(store: Store, messages: list[MessageRow], addresses: list[AddressRow]) -> None:
    """Replace the records and addresses of these e-mails, in one transaction."""
    with store.transaction():
        store.db.executemany("DELETE FROM mail_addresses WHERE document_id = ?",
                             [(m["document_id"],) for m in messages])
        store.db.executemany(
            "INSERT OR REPLACE INTO mail_messages (document_id, sha256, message_id, copy_key, date_utc, subject,"
            " record, version) VALUES (?,?,?,?,?,?,?,?)",
            [(m["document_id"], m["sha256"], m["message_id"], m["copy_key"], m["date_utc"], m["subject"],
              json.dumps(m["record"], ensure_ascii=False), m["version"]) for m in messages])
        store.db.executemany("INSERT OR IGNORE INTO mail_addresses (document_id, role, address, name)"
                             " VALUES (:document_id, :role, :address, :name)", addresses)


def drop_orphan_records(store: Store) -> None:
    """Forget the records and addresses of documents gone from the store."""
    with store.transaction():
        store.db.execute("DELETE FROM mail_messages WHERE document_id NOT IN (SELECT id FROM documents)")
        store.db.execute("DELETE FROM mail_addresses WHERE document_id NOT IN (SELECT id FROM documents)")


def records(store: Store) -> list[dict[str, Any]]:
    """Every stored record, decoded from its JSON (what `save_records` was given)."""
    return [json.loads(r[0]) for r in store.db.execute("SELECT record FROM mail_messages")]


# -- threads (`message_threads`) ---------------------------------------------------------------

_THREAD_COLUMNS = ("document_id", "thread_id", "parent_id", "depth", "via", "missing_parent", "copy_of",
                   "conflict", "inclusive")


def thread_rows(store: Store) -> dict[str, ThreadRow]:
    """Every e-mail's place in its thread, by document id."""
    return {r["document_id"]: ThreadRow(
        document_id=r["document_id"], thread_id=r["thread_id"], parent_id=r["parent_id"], depth=r["depth"],
        via=r["via"], missing_parent=r["missing_parent"], copy_of=r["copy_of"], conflict=r["conflict"],
        inclusive=r["inclusive"]) for r in store.db.execute(f"SELECT {', '.join(_THREAD_COLUMNS)} FROM message_threads")}


def save_threads(store: Store, rows: list[ThreadRow], drop: list[str]) -> None:
    """Write these thread rows and forget those of the `drop` documents, in one transaction."""
    with store.transaction():
        store.db.executemany(
            f"INSERT OR REPLACE INTO message_threads ({', '.join(_THREAD_COLUMNS)})"
            f" VALUES ({', '.join(':' + c for c in _THREAD_COLUMNS)})", rows)
        store.db.executemany("DELETE FROM message_threads WHERE document_id = ?", [(i,) for i in drop])


def thread_id_of(store: Store, doc_id: str) -> str | None:
    """The thread an e-mail belongs to (None: not an e-mail, or not threaded yet)."""
    row = store.db.execute("SELECT thread_id FROM message_threads WHERE document_id = ?", (doc_id,)).fetchone()
    return str(row[0]) if row else None


def thread_members(store: Store, thread_id: str, prefix: bool = False) -> set[str]:
    """The documents of a thread, or with `prefix` of every thread whose id starts with `thread_id`."""
    if prefix:
        # thread ids are "t" and hex digits: LIKE's wildcards in a value are dropped rather than escaped
        return {r[0] for r in store.db.execute("SELECT document_id FROM message_threads WHERE thread_id LIKE ?",
                                               (thread_id.replace("%", "").replace("_", "") + "%",))}
    return {r[0] for r in store.db.execute("SELECT document_id FROM message_threads WHERE thread_id = ?",
                                           (thread_id,))}


def thread_messages(store: Store, thread_id: str | None = None) -> list[ThreadMessage]:
    """The threaded e-mails (of one thread, or all) with date, subject, path and first sender."""
    sql = ("SELECT t.document_id AS id, t.thread_id, t.parent_id, t.depth, t.via, t.missing_parent, t.copy_of,"
           " t.conflict, t.inclusive, m.message_id, m.date_utc AS date, m.subject, m.copy_key, d.path,"
           " (SELECT address FROM mail_addresses a WHERE a.document_id = t.document_id AND a.role = 'from'"
           "  LIMIT 1) AS sender"
           " FROM message_threads t JOIN mail_messages m ON m.document_id = t.document_id"
           " JOIN documents d ON d.id = t.document_id")
    args: tuple[str, ...] = ()
    if thread_id is not None:
        sql += " WHERE t.thread_id = ?"
        args = (thread_id,)
    return [ThreadMessage(
        id=r["id"], thread_id=r["thread_id"], parent_id=r["parent_id"], depth=r["depth"], via=r["via"],
        missing_parent=r["missing_parent"], copy_of=r["copy_of"], conflict=r["conflict"], inclusive=r["inclusive"],
        message_id=r["message_id"], date=r["date"], subject=r["subject"], copy_key=r["copy_key"], path=r["path"],
        sender=r["sender"]) for r in store.db.execute(sql, args)]


def addresses_by_document(store: Store, thread_id: str | None = None) -> dict[str, set[str]]:
    """The addresses on each e-mail (of one thread, or all), every role together."""
    sql = "SELECT a.document_id, a.address FROM mail_addresses a"
    args: tuple[str, ...] = ()
    if thread_id is not None:
        sql += " JOIN message_threads t ON t.document_id = a.document_id WHERE t.thread_id = ?"
        args = (thread_id,)
    out: dict[str, set[str]] = defaultdict(set)
    for doc, addr in store.db.execute(sql, args):
        out[doc].add(addr)
    return out


def unique_message_addresses(store: Store) -> Iterator[AddressMention]:
    """Every address on a threaded e-mail that is not a copy of another, with the e-mail's date."""
    for r in store.db.execute(
            "SELECT a.document_id, a.role, a.address, a.name, m.date_utc FROM mail_addresses a"
            " JOIN message_threads t ON t.document_id = a.document_id AND t.copy_of IS NULL"
            " JOIN mail_messages m ON m.document_id = a.document_id"):
        yield AddressMention(document_id=r[0], role=r[1], address=r[2], name=r[3], date_utc=r[4])


def originals_of(store: Store, ids: list[str]) -> set[str]:
    """The messages that these documents are copies of (those that are copies)."""
    out: set[str] = set()
    for i in range(0, len(ids), _PART):
        part = ids[i:i + _PART]
        out.update(r[0] for r in store.db.execute(
            "SELECT copy_of FROM message_threads WHERE copy_of IS NOT NULL AND document_id IN"
            f" ({','.join('?' * len(part))})", part))
    return out


# -- reading messages back: copies, Message-IDs, summaries -----------------------------------

def copies_of(store: Store, doc_id: str, limit: int = 200) -> list[DocPath]:
    """The other e-mails with the same-message key as this one, by path."""
    return [DocPath(id=r["id"], path=r["path"]) for r in store.db.execute(
        "SELECT d.id, d.path FROM mail_messages m JOIN mail_messages o ON o.copy_key = m.copy_key"
        " JOIN documents d ON d.id = o.document_id WHERE m.document_id = ? AND o.document_id != ?"
        " ORDER BY d.path LIMIT ?", (doc_id, doc_id, limit))]


def copy_keys(store: Store) -> list[CopyKeyRow]:
    """Every e-mail's same-message key, subject and date, by document id."""
    return [CopyKeyRow(document_id=r[0], copy_key=r[1], subject=r[2], date_utc=r[3]) for r in store.db.execute(
        "SELECT document_id, copy_key, subject, date_utc FROM mail_messages ORDER BY document_id")]


def shared_message_ids(store: Store) -> list[MessageIdVersions]:
    """Message-IDs carried by messages whose content differs (several copy keys), by Message-ID."""
    return [MessageIdVersions(message_id=r[0], versions=r[1]) for r in store.db.execute(
        "SELECT message_id, count(DISTINCT copy_key) FROM mail_messages WHERE message_id != ''"
        " GROUP BY message_id HAVING count(DISTINCT copy_key) > 1 ORDER BY message_id")]


def with_message_id(store: Store, message_id: str) -> list[str]:
    """The e-mails carrying this Message-ID."""
    return [r[0] for r in store.db.execute("SELECT document_id FROM mail_messages WHERE message_id = ?",
                                           (message_id,))]


def summaries(store: Store, ids: list[str]) -> list[MessageSummary]:
    """Subject, date and first sender of these e-mails (those that have a record)."""
    out: list[MessageSummary] = []
    for i in range(0, len(ids), _PART):
        part = ids[i:i + _PART]
        out += [MessageSummary(document_id=r[0], subject=r[1], date_utc=r[2], sender=r[3]) for r in store.db.execute(
            "SELECT m.document_id, m.subject, m.date_utc, (SELECT address FROM mail_addresses a WHERE"
            " a.document_id = m.document_id AND a.role = 'from' LIMIT 1) FROM mail_messages m"
            f" WHERE m.document_id IN ({','.join('?' * len(part))})", part)]
    return out


# -- correspondent decisions -------------------------------------------------------------------

def decisions(store: Store) -> list[Decision]:
    """The user's merge and split decisions on correspondents, oldest first."""
    return [Decision(a=r[0], b=r[1], decision=r[2])
            for r in store.db.execute("SELECT a, b, decision FROM correspondent_decisions ORDER BY id")]


def all_addresses(store: Store) -> list[AddressRow]:
    """Every address of every e-mail, by document, role and address."""
    return [AddressRow(document_id=r[0], role=r[1], address=r[2], name=r[3]) for r in store.db.execute(
        "SELECT document_id, role, address, name FROM mail_addresses ORDER BY document_id, role, address")]


def addresses_in_role(store: Store, doc_id: str, role: str) -> list[str]:
    """The addresses of an e-mail in one role (from, to, cc, bcc)."""
    return [r[0] for r in store.db.execute(
        "SELECT address FROM mail_addresses WHERE document_id = ? AND role = ?", (doc_id, role))]


def has_threads(store: Store) -> bool:
    """Whether threading has put any e-mail in a thread yet."""
    return store.db.execute("SELECT 1 FROM message_threads LIMIT 1").fetchone() is not None


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


def copy_groups_of(store: Store, ids: list[str]) -> dict[str, tuple[str, int]]:
    """Each document's copy group and the number of documents in it: "m:" and the same-message key
    for an e-mail (the copies in every folder), "s:" and the SHA-256 otherwise (the same bytes)."""
    out: dict[str, tuple[str, int]] = {}
    for i in range(0, len(ids), _PART):
        part = ids[i:i + _PART]
        for doc, group, n in store.db.execute(
                "SELECT d.id, CASE WHEN m.copy_key IS NOT NULL THEN 'm:' || m.copy_key ELSE 's:' || d.sha256 END,"
                " CASE WHEN m.copy_key IS NOT NULL"
                "  THEN (SELECT COUNT(*) FROM mail_messages o WHERE o.copy_key = m.copy_key)"
                "  ELSE (SELECT COUNT(*) FROM documents o WHERE o.sha256 = d.sha256) END"
                " FROM documents d LEFT JOIN mail_messages m ON m.document_id = d.id"
                f" WHERE d.sha256 IS NOT NULL AND d.id IN ({','.join('?' * len(part))})", part):
            out[doc] = (group, n)
    return out
