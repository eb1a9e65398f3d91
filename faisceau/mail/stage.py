"""The e-mail corpus stages: read e-mail documents from the store, keep records, threads, near-dups.

`run_threads` parses only e-mails it has not seen (their records are kept in `mail_messages`),
then threads every record again in memory (linear, dictionaries only) and writes only the rows
whose thread, parent or flags changed, so new mail joins existing threads on the next ingest.
It returns the documents whose thread id changed, for the index to refresh their `thread:` field.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Iterator
from typing import Any

from ..store.db import Store
from . import records
from .threader import Assignment, MailRecord, thread

BATCH = 500
RECORD_VERSION = "2"   # bump when what `records.build` extracts changes: every message is parsed again
WINDOW_DAYS = 30.0


def _new_emails(store: Store) -> Iterator[list[dict[str, Any]]]:
    """E-mail documents without a record (or whose content changed), in batches, by a rowid cursor
    (a query restarting from the top each batch would make the scan quadratic)."""
    cursor = 0
    while True:
        rows = [dict(r) for r in store.db.execute(
            "SELECT d.rowid AS seq, d.id, d.root_id, d.parent_id, d.sha256,"
            " (m.document_id IS NULL OR m.sha256 != d.sha256 OR m.version != ?) AS todo FROM documents d"
            " LEFT JOIN mail_messages m ON m.document_id = d.id"
            " WHERE d.rowid > ? AND d.kind = 'email' AND d.status = 'ok' AND d.sha256 IS NOT NULL"
            " ORDER BY d.rowid LIMIT ?", (RECORD_VERSION, cursor, BATCH * 4))]
        if not rows:
            return
        cursor = rows[-1]["seq"]
        todo = [r for r in rows if r["todo"]]
        if todo:
            yield todo


def _source(row: dict[str, Any]) -> str:
    """The mailbox a message came from: its container, else the item given on the command line."""
    return str(row.get("parent_id") or row.get("root_id") or "")


def _x_from_name(value: str) -> str:
    """The display name of an X-From header ("Phillip K Allen", "Allen, Phillip </O=ENRON/...>")."""
    return re.sub(r"<[^>]*>|\[mailto:[^\]]*\]|\S+@\S+", " ", value).strip(" \"'") if "@" not in value.split("<")[0] \
        else ""


def update_records(store: Store) -> int:
    """Parse the e-mails not seen yet into `mail_messages` and `mail_addresses`; return how many."""
    n = 0
    for rows in _new_emails(store):
        shas = list({r["sha256"] for r in rows})
        contents: dict[str, dict[str, Any]] = {}
        for r in store.db.execute(f"SELECT sha256, metadata, text FROM contents WHERE sha256 IN ({','.join('?' * len(shas))})",
                                  shas):
            contents[r[0]] = {"metadata": json.loads(r[1] or "{}"), "text": r[2] or ""}
        out, addrs = [], []
        for row in rows:
            c = contents.get(row["sha256"]) or {"metadata": {}, "text": ""}
            meta = c["metadata"]
            rec = records.build(row["id"], _source(row), meta, c["text"])
            out.append((row["id"], row["sha256"], rec.message_id, rec.copy_key, meta.get("date_utc"),
                        rec.subject, json.dumps(records.to_json(rec), ensure_ascii=False), RECORD_VERSION))
            xfrom = records.header(meta, "X-From")
            for role in ("from", "to", "cc", "bcc"):
                for a in records.addresses(meta, role):
                    addr = records.address_of(a)
                    name = str(a.get("name") or "")
                    if role == "from" and not name and xfrom:
                        name = _x_from_name(xfrom)   # Enron: the name is only in X-From
                    if addr:
                        addrs.append((row["id"], role, addr, name))
        with store.transaction():
            store.db.executemany("DELETE FROM mail_addresses WHERE document_id = ?", [(o[0],) for o in out])
            store.db.executemany("INSERT OR REPLACE INTO mail_messages (document_id, sha256, message_id, copy_key,"
                                 " date_utc, subject, record, version) VALUES (?,?,?,?,?,?,?,?)", out)
            store.db.executemany("INSERT OR IGNORE INTO mail_addresses (document_id, role, address, name)"
                                 " VALUES (?,?,?,?)", addrs)
        n += len(out)
    # documents gone from the store leave no record behind
    with store.transaction():
        store.db.execute("DELETE FROM mail_messages WHERE document_id NOT IN (SELECT id FROM documents)")
        store.db.execute("DELETE FROM mail_addresses WHERE document_id NOT IN (SELECT id FROM documents)")
    return n


def load_records(store: Store) -> list[MailRecord]:
    return [records.from_json(json.loads(r[0])) for r in store.db.execute("SELECT record FROM mail_messages")]


def _row(doc_id: str, a: Assignment) -> tuple[Any, ...]:
    return (doc_id, a.thread_id, a.parent_id, a.depth, a.via, a.missing_parent, a.copy_of, int(a.conflict),
            int(a.inclusive))


def update_threads(store: Store, window_days: float = WINDOW_DAYS) -> set[str]:
    """Thread every record; write the rows that changed; return documents whose thread id changed."""
    result = thread(load_records(store), window_days)
    old = {r[0]: tuple(r) for r in store.db.execute(
        "SELECT document_id, thread_id, parent_id, depth, via, missing_parent, copy_of, conflict, inclusive"
        " FROM message_threads")}
    write, changed = [], set()
    for doc_id, a in result.assignments.items():
        row = _row(doc_id, a)
        prev = old.pop(doc_id, None)
        if prev != row:
            write.append(row)
            if prev is None or prev[1] != row[1]:
                changed.add(doc_id)
    with store.transaction():
        store.db.executemany("INSERT OR REPLACE INTO message_threads (document_id, thread_id, parent_id, depth, via,"
                             " missing_parent, copy_of, conflict, inclusive) VALUES (?,?,?,?,?,?,?,?,?)", write)
        store.db.executemany("DELETE FROM message_threads WHERE document_id = ?", [(i,) for i in old])
    return changed | {i for i in old if store.db.execute("SELECT 1 FROM documents WHERE id = ?", (i,)).fetchone()}


def run_threads(ctx: Any) -> set[str]:
    """Corpus stage `threads`: records for new e-mails, then threads, copies and flags."""
    t0 = time.monotonic()
    parsed = update_records(ctx.store)
    t1 = time.monotonic()
    changed = update_threads(ctx.store, float(ctx.settings.thread_window_days))
    ctx.log("mail-threads", parsed=parsed, parse_seconds=round(t1 - t0, 2),
            thread_seconds=round(time.monotonic() - t1, 2), changed=len(changed))
    return changed


def run_neardup(ctx: Any) -> set[str]:
    """Corpus stage `neardup`: MinHash signatures of new texts, LSH buckets on disk, candidate pairs."""
    from . import neardup

    t0 = time.monotonic()
    n = neardup.update(ctx.store, threshold=float(ctx.settings.neardup_threshold))
    ctx.log("mail-neardup", signed=n, seconds=round(time.monotonic() - t0, 2))
    return set()
