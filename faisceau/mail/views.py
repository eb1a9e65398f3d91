"""Reading the e-mail tables back: threads as trees, copy groups, per-message sender and recipients."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from typing import Any

from ..store.db import Store


def has_tables(store: Store) -> bool:
    return store.db.execute(
        "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'message_threads'").fetchone() is not None


def _messages(store: Store, thread_id: str | None = None) -> list[dict[str, Any]]:
    sql = ("SELECT t.document_id AS id, t.thread_id, t.parent_id, t.depth, t.via, t.missing_parent, t.copy_of,"
           " t.conflict, t.inclusive, m.message_id, m.date_utc AS date, m.subject, m.copy_key, d.path,"
           " (SELECT address FROM mail_addresses a WHERE a.document_id = t.document_id AND a.role = 'from'"
           "  LIMIT 1) AS sender"
           " FROM message_threads t JOIN mail_messages m ON m.document_id = t.document_id"
           " JOIN documents d ON d.id = t.document_id")
    args: tuple[Any, ...] = ()
    if thread_id is not None:
        sql += " WHERE t.thread_id = ?"
        args = (thread_id,)
    return [dict(r) for r in store.db.execute(sql, args)]


def _tree_order(msgs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Depth-first, children by date: the order a reader follows a conversation in; copies follow
    the message they copy."""
    copies: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for m in msgs:
        if m["copy_of"]:
            copies[m["copy_of"]].append(m)
    unique = [m for m in msgs if not m["copy_of"]]
    ids = {m["id"] for m in unique}
    kids: dict[str | None, list[dict[str, Any]]] = defaultdict(list)
    for m in unique:
        kids[m["parent_id"] if m["parent_id"] in ids else None].append(m)
    for v in kids.values():
        v.sort(key=lambda m: (m["date"] or "~", m["id"]))
    out: list[dict[str, Any]] = []
    stack = list(reversed(kids[None]))
    seen: set[str] = set()
    while stack:
        m = stack.pop()
        if m["id"] in seen:
            continue
        seen.add(m["id"])
        out.append(m)
        out += sorted(copies.get(m["id"], []), key=lambda c: c["id"])
        seen.update(c["id"] for c in copies.get(m["id"], []))
        stack.extend(reversed(kids.get(m["id"], [])))
    out += [m for m in msgs if m["id"] not in seen]
    return out


def thread_object(thread_id: str, msgs: list[dict[str, Any]], participants: dict[str, set[str]]) -> dict[str, Any]:
    ordered = _tree_order(msgs)
    unique = [m for m in ordered if not m["copy_of"]]
    dates = sorted(m["date"] for m in unique if m["date"])
    root = ordered[0] if ordered else None
    people: set[str] = set()
    for m in unique:
        people |= participants.get(m["id"], set())
    return {
        "thread_id": thread_id,
        "subject": (root or {}).get("subject") or "",
        "root": root["id"] if root else None,
        "count": len(unique),
        "copies": len(ordered) - len(unique),
        "first": dates[0] if dates else None,
        "last": dates[-1] if dates else None,
        "participants": sorted(people),
        "messages": [{"id": m["id"], "message_id": m["message_id"] or None, "parent_id": m["parent_id"],
                      "date": m["date"], "from": m["sender"], "subject": m["subject"], "depth": m["depth"],
                      "via": m["via"], "missing_parent": m["missing_parent"], "copy_of": m["copy_of"],
                      "inclusive": bool(m["inclusive"]), "message_id_conflict": bool(m["conflict"]),
                      "path": m["path"]} for m in ordered],
    }


def _participants(store: Store, thread_id: str | None = None) -> dict[str, set[str]]:
    sql = "SELECT a.document_id, a.address FROM mail_addresses a"
    args: tuple[Any, ...] = ()
    if thread_id is not None:
        sql += " JOIN message_threads t ON t.document_id = a.document_id WHERE t.thread_id = ?"
        args = (thread_id,)
    out: dict[str, set[str]] = defaultdict(set)
    for doc, addr in store.db.execute(sql, args):
        out[doc].add(addr)
    return out


def threads(store: Store, min_count: int = 1) -> Iterator[dict[str, Any]]:
    """Every thread with its messages, largest first."""
    by: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for m in _messages(store):
        by[m["thread_id"]].append(m)
    parts = _participants(store)
    order = sorted(by, key=lambda t: (-sum(not m["copy_of"] for m in by[t]), min((m["date"] or "~") for m in by[t]), t))
    for tid in order:
        obj = thread_object(tid, by[tid], parts)
        if obj["count"] >= min_count:
            yield obj


def thread_of(store: Store, doc_id: str) -> dict[str, Any] | None:
    row = store.db.execute("SELECT thread_id FROM message_threads WHERE document_id = ?", (doc_id,)).fetchone()
    if row is None:
        return None
    return thread_object(row[0], _messages(store, row[0]), _participants(store, row[0]))


def mentions(store: Store, doc_ids: set[str] | None = None, since: int | None = None,
             until: int | None = None) -> list[Any]:
    """Addresses on unique messages (copies left out), optionally within documents and a period
    [since, until] in Unix seconds (a message without a date is outside any period)."""
    import datetime as dt

    from .correspondents import Mention

    out = []
    for doc, role, addr, name, date in store.db.execute(
            "SELECT a.document_id, a.role, a.address, a.name, m.date_utc FROM mail_addresses a"
            " JOIN message_threads t ON t.document_id = a.document_id AND t.copy_of IS NULL"
            " JOIN mail_messages m ON m.document_id = a.document_id"):
        if doc_ids is not None and doc not in doc_ids:
            continue
        if since is not None or until is not None:
            try:
                t = dt.datetime.fromisoformat(str(date).replace("Z", "+00:00")).timestamp() if date else None
            except ValueError:
                t = None
            if t is None or (since is not None and t < since) or (until is not None and t > until):
                continue
        out.append(Mention(doc, role, addr, name or "", date))
    return out


def with_copies(store: Store, ids: set[str]) -> set[str]:
    """Documents and the messages their copies stand for (the graph counts a message once, by its original)."""
    hits = list(ids)
    out = set(ids)
    for i in range(0, len(hits), 500):
        part = hits[i:i + 500]
        out.update(r[0] for r in store.db.execute(
            "SELECT copy_of FROM message_threads WHERE copy_of IS NOT NULL AND document_id IN"
            f" ({','.join('?' * len(part))})", part))
    return out


def decisions(store: Store) -> list[tuple[str, str, str]]:
    return [(a, b, d) for a, b, d in store.db.execute("SELECT a, b, decision FROM correspondent_decisions ORDER BY id")]


def _locations(store: Store, ids: list[str]) -> list[dict[str, Any]]:
    out = []
    for i in range(0, len(ids), 500):
        part = ids[i:i + 500]
        out += [dict(r) for r in store.db.execute(
            f"SELECT id, path, sha256 FROM documents WHERE id IN ({','.join('?' * len(part))})", part)]
    return sorted(out, key=lambda d: d["path"])


def exact_groups(store: Store) -> Iterator[dict[str, Any]]:
    """Byte-identical documents held in several places."""
    for sha, n in store.db.execute("SELECT sha256, count(*) FROM documents WHERE sha256 IS NOT NULL AND status = 'ok'"
                                   " GROUP BY sha256 HAVING count(*) > 1 ORDER BY count(*) DESC, sha256"):
        yield {"type": "exact", "sha256": sha, "count": n, "locations": store.locations(sha)}


def copy_groups(store: Store) -> Iterator[dict[str, Any]]:
    """Same-message copies: one mail in several folders, with different bytes or Message-IDs."""
    groups: dict[str, list[str]] = defaultdict(list)
    meta: dict[str, tuple[str, str]] = {}
    for doc, key, subject, date in store.db.execute(
            "SELECT document_id, copy_key, subject, date_utc FROM mail_messages ORDER BY document_id"):
        groups[key].append(doc)
        meta.setdefault(key, (subject, date))
    for key, docs in sorted(groups.items(), key=lambda kv: (-len(kv[1]), kv[0])):
        if len(docs) > 1:
            locs = _locations(store, docs)
            yield {"type": "same-message", "key": key, "subject": meta[key][0], "date": meta[key][1],
                   "count": len(docs), "distinct_bytes": len({x["sha256"] for x in locs}), "locations": locs}


def message_id_conflicts(store: Store) -> Iterator[dict[str, Any]]:
    """One Message-ID held by messages whose content differs."""
    for mid, n in store.db.execute(
            "SELECT message_id, count(DISTINCT copy_key) FROM mail_messages WHERE message_id != ''"
            " GROUP BY message_id HAVING count(DISTINCT copy_key) > 1 ORDER BY message_id"):
        docs = [r[0] for r in store.db.execute("SELECT document_id FROM mail_messages WHERE message_id = ?", (mid,))]
        yield {"type": "message-id-conflict", "message_id": mid, "versions": n, "locations": _locations(store, docs)}


def near_groups(store: Store, min_similarity: float = 0.0) -> Iterator[dict[str, Any]]:
    """Near-duplicate texts: connected groups of similar contents, each pair with its similarity."""
    up: dict[str, str] = {}

    def find(x: str) -> str:
        up.setdefault(x, x)
        while up[x] != x:
            up[x] = up[up[x]]
            x = up[x]
        return x

    pairs = [tuple(r) for r in store.db.execute(
        "SELECT a, b, similarity FROM neardup_pairs WHERE similarity >= ? ORDER BY a, b", (min_similarity,))]
    for a, b, _ in pairs:
        up[find(a)] = find(b)
    groups: dict[str, list[tuple[str, str, float]]] = defaultdict(list)
    for p in pairs:
        groups[find(p[0])].append(p)
    for members in sorted(groups.values(), key=lambda ps: -len(ps)):
        shas = sorted({x for p in members for x in p[:2]})
        yield {"type": "near", "count": len(shas), "max_similarity": max(p[2] for p in members),
               "min_similarity": min(p[2] for p in members),
               "pairs": [{"a": a, "b": b, "similarity": s} for a, b, s in members],
               "contents": [{"sha256": s, "locations": store.locations(s)} for s in shas]}
