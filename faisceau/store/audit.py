"""Owner of the audit trail: append-only, each entry hash-chained to the one before it.

An entry is canonical JSON (sorted keys, no spaces, UTF-8) of {seq, time, user, project, action,
object, detail}; its `hash` is SHA-256 over the previous entry's hash (hex) followed by the entry.
Editing an entry breaks its hash; removing or reordering entries breaks the chain (and `seq`, part
of the entry, must count up by one). Removing the *last* entries leaves a valid shorter chain, so
each append also writes the head (count and last hash) to a small file beside the database
(`audit.head`), which verification compares with the table.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .serverdb import ServerStore

SERVER_DDL: dict[int, str] = {
    1: """
    CREATE TABLE audit (
        seq    INTEGER PRIMARY KEY,
        entry  TEXT NOT NULL,     -- canonical JSON, seq included
        hash   TEXT NOT NULL      -- sha256(previous hash + entry), hex
    );
    CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit BEGIN SELECT RAISE(ABORT, 'the audit trail is append-only'); END;
    CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit BEGIN SELECT RAISE(ABORT, 'the audit trail is append-only'); END;
    """,
}

GENESIS = "0" * 64


def canonical(entry: dict[str, Any]) -> str:
    """The one JSON text of an entry that its hash covers."""
    return json.dumps(entry, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def chain_hash(previous: str, entry_text: str) -> str:
    """SHA-256 over the previous hash followed by the entry."""
    return hashlib.sha256((previous + entry_text).encode("utf-8")).hexdigest()


def head_path(st: ServerStore) -> Path:
    """The file that keeps the trail's head outside the table."""
    return st.path.with_name("audit.head")


def append(st: ServerStore, entry: dict[str, Any]) -> int:
    """Append an entry (without `seq`: it is given here) and return its number."""
    return append_many(st, [entry])


def append_many(st: ServerStore, entries: list[dict[str, Any]]) -> int:
    """Append entries in one transaction (one disk sync for all); returns the last number."""
    with st.transaction() as db:
        found = db.execute("SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1").fetchall()
        row = found[0] if found else None
        seq, previous = (row[0], row[1]) if row else (0, GENESIS)
        for entry in entries:
            seq += 1
            text = canonical({**entry, "seq": seq})
            previous = chain_hash(previous, text)
            db.execute("INSERT INTO audit (seq, entry, hash) VALUES (?,?,?)", (seq, text, previous))
        # written inside the transaction: the next append waits for it, so heads land in order
        head = head_path(st)
        tmp = head.with_suffix(".part")
        tmp.write_text(json.dumps({"entries": seq, "hash": previous}) + "\n", "utf-8")
        os.replace(tmp, head)
    return seq


def rows(st: ServerStore) -> Iterator[tuple[int, str, str]]:
    """(seq, entry, hash) in table order."""
    for r in st.db.execute("SELECT seq, entry, hash FROM audit ORDER BY rowid"):
        yield int(r[0]), str(r[1]), str(r[2])


def entries(st: ServerStore, user: str | None = None, project: str | None = None, action: str | None = None,
            since: str | None = None, limit: int | None = None) -> list[dict[str, Any]]:
    """Entries, newest first, filtered on the JSON fields (the trail is read rarely; a scan is fine)."""
    sql = "SELECT entry FROM audit WHERE 1=1"
    args: list[Any] = []
    for field, value in (("user", user), ("project", project), ("action", action)):
        if value:
            sql += f" AND json_extract(entry, '$.{field}') = ?"
            args.append(value)
    if since:
        sql += " AND json_extract(entry, '$.time') >= ?"
        args.append(since)
    sql += " ORDER BY seq DESC"
    if limit:
        sql += " LIMIT ?"
        args.append(limit)
    return [json.loads(r[0]) for r in st.db.execute(sql, args)]


def read_head(st: ServerStore) -> dict[str, Any] | None:
    """The head file's {entries, hash}, or None when there is none (an empty trail)."""
    try:
        data = json.loads(head_path(st).read_text("utf-8"))
    except FileNotFoundError:
        return None
    except (OSError, ValueError):
        return {"entries": -1, "hash": ""}
    return data if isinstance(data, dict) else {"entries": -1, "hash": ""}


def verify(st: ServerStore) -> tuple[int, str | None]:
    """(entries checked, None) when the trail is intact, else (number of the first bad entry,
    why). The table is read in insertion order, so moved rows show up too."""
    previous, expected, count = GENESIS, 1, 0
    for seq, text, digest in rows(st):
        try:
            entry = json.loads(text)
        except ValueError:
            return expected, f"entry {expected}: not JSON"
        if seq != expected or entry.get("seq") != expected:
            got = entry.get("seq", seq) if isinstance(entry, dict) else seq
            return expected, f"entry {expected}: missing or out of order (found entry {got} in its place)"
        if canonical(entry) != text or chain_hash(previous, text) != digest:
            return expected, f"entry {expected}: edited (its hash does not match its content and the previous hash)"
        previous, expected, count = digest, expected + 1, count + 1
    head = read_head(st)
    if head is not None and (head.get("entries") != count or head.get("hash") != (previous if count else head.get("hash"))):
        n = head.get("entries")
        if isinstance(n, int) and n > count:
            return count + 1, f"entry {count + 1}: removed (the head records {n} entries, the table has {count})"
        return count, f"the head file does not match entry {count} (head: {n} entries)"
    return count, None
