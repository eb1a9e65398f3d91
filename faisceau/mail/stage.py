"""The e-mail corpus stages: read e-mail documents from the store, keep records, threads, near-dups.

`run_threads` parses only e-mails it has not seen (their records are kept in `mail_messages`),
then threads every record again in memory (linear, dictionaries only) and writes only the rows
whose thread, parent or flags changed, so new mail joins existing threads on the next ingest.
It returns the documents whose thread id changed, for the index to refresh their `thread:` field.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from typing import Any

from ..store import documents, messages
from ..store.db import Store
from . import mailrecord
from .threader import Assignment, MailRecord, thread

BATCH = 500
RECORD_VERSION = "2"   # bump when what `mailrecord.build` extracts changes: every message is parsed again
WINDOW_DAYS = 30.0


def _new_emails(store: Store) -> Iterator[list[messages.EmailToParse]]:
    """E-mail documents without a record (or whose content changed), in batches, by a rowid cursor
    (a query restarting from the top each batch would make the scan quadratic)."""
    cursor = 0
    while True:
        rows = messages.emails_after(store, cursor, BATCH * 4, RECORD_VERSION)
        if not rows:
            return
        cursor = rows[-1]["seq"]
        todo = [r for r in rows if r["todo"]]
        if todo:
            yield todo


def _source(row: messages.EmailToParse) -> str:
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
        contents = documents.metadata_and_text(store, list({r["sha256"] for r in rows}))
        out: list[messages.MessageRow] = []
        addrs: list[messages.AddressRow] = []
        for row in rows:
            c = contents.get(row["sha256"]) or {"metadata": {}, "text": ""}
            meta = c["metadata"]
            rec = mailrecord.build(row["id"], _source(row), meta, c["text"])
            out.append({"document_id": row["id"], "sha256": row["sha256"], "message_id": rec.message_id,
                        "copy_key": rec.copy_key, "date_utc": meta.get("date_utc"), "subject": rec.subject,
                        "record": mailrecord.to_json(rec), "version": RECORD_VERSION})
            xfrom = mailrecord.header(meta, "X-From")
            for role in ("from", "to", "cc", "bcc"):
                for a in mailrecord.addresses(meta, role):
                    addr = mailrecord.address_of(a)
                    name = str(a.get("name") or "")
                    if role == "from" and not name and xfrom:
                        name = _x_from_name(xfrom)   # Enron: the name is only in X-From
                    if addr:
                        addrs.append({"document_id": row["id"], "role": role, "address": addr, "name": name})
        messages.save_records(store, out, addrs)
        n += len(out)
    # documents gone from the store leave no record behind
    messages.drop_orphan_records(store)
    return n


def load_records(store: Store) -> list[MailRecord]:
    """Every stored record, as the threader reads it."""
    return [mailrecord.from_json(r) for r in messages.records(store)]


def _row(doc_id: str, a: Assignment) -> messages.ThreadRow:
    return {"document_id": doc_id, "thread_id": a.thread_id, "parent_id": a.parent_id, "depth": a.depth,
            "via": a.via, "missing_parent": a.missing_parent, "copy_of": a.copy_of, "conflict": int(a.conflict),
            "inclusive": int(a.inclusive)}


def update_threads(store: Store, window_days: float = WINDOW_DAYS) -> set[str]:
    """Thread every record; write the rows that changed; return documents whose thread id changed."""
    result = thread(load_records(store), window_days)
    old = messages.thread_rows(store)
    write: list[messages.ThreadRow] = []
    changed: set[str] = set()
    for doc_id, a in result.assignments.items():
        row = _row(doc_id, a)
        prev = old.pop(doc_id, None)
        if prev != row:
            write.append(row)
            if prev is None or prev["thread_id"] != row["thread_id"]:
                changed.add(doc_id)
    messages.save_threads(store, write, list(old))
    return changed | {i for i in old if store.document(i) is not None}


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
