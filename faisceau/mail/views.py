"""Reading the e-mail tables back: threads as trees, copy groups, per-message sender and recipients."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from typing import Any

from ..store import documents, messages, neardups
from ..store.db import Store
from ..store.messages import ThreadMessage


def _tree_order(msgs: list[ThreadMessage]) -> list[ThreadMessage]:
    """Depth-first, children by date: the order a reader follows a conversation in; copies follow
    the message they copy."""
    copies: dict[str, list[ThreadMessage]] = defaultdict(list)
    for m in msgs:
        if m["copy_of"]:
            copies[m["copy_of"]].append(m)
    unique = [m for m in msgs if not m["copy_of"]]
    ids = {m["id"] for m in unique}
    kids: dict[str | None, list[ThreadMessage]] = defaultdict(list)
    for m in unique:
        kids[m["parent_id"] if m["parent_id"] in ids else None].append(m)
    for v in kids.values():
        v.sort(key=lambda m: (m["date"] or "~", m["id"]))
    out: list[ThreadMessage] = []
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


def thread_object(thread_id: str, msgs: list[ThreadMessage], participants: dict[str, set[str]]) -> dict[str, Any]:
    ordered = _tree_order(msgs)
    unique = [m for m in ordered if not m["copy_of"]]
    dates = sorted(m["date"] for m in unique if m["date"])
    root: ThreadMessage | None = ordered[0] if ordered else None
    people: set[str] = set()
    for m in unique:
        people |= participants.get(m["id"], set())
    return {
        "thread_id": thread_id,
        "subject": (root["subject"] if root else None) or "",
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


def threads(store: Store, min_count: int = 1) -> Iterator[dict[str, Any]]:
    """Every thread with its messages, largest first."""
    by: dict[str, list[ThreadMessage]] = defaultdict(list)
    for m in messages.thread_messages(store):
        by[m["thread_id"]].append(m)
    parts = messages.addresses_by_document(store)
    order = sorted(by, key=lambda t: (-sum(not m["copy_of"] for m in by[t]), min((m["date"] or "~") for m in by[t]), t))
    for tid in order:
        obj = thread_object(tid, by[tid], parts)
        if obj["count"] >= min_count:
            yield obj


def thread_of(store: Store, doc_id: str) -> dict[str, Any] | None:
    """The conversation an e-mail belongs to (None: not an e-mail, or not threaded yet)."""
    tid = messages.thread_id_of(store, doc_id)
    if tid is None:
        return None
    return thread_object(tid, messages.thread_messages(store, tid), messages.addresses_by_document(store, tid))


def mentions(store: Store, doc_ids: set[str] | None = None, since: int | None = None,
             until: int | None = None) -> list[Any]:
    """Addresses on unique messages (copies left out), optionally within documents and a period
    [since, until] in Unix seconds (a message without a date is outside any period)."""
    import datetime as dt

    from .correspondents import Mention

    out = []
    for row in messages.unique_message_addresses(store):
        date = row["date_utc"]
        if doc_ids is not None and row["document_id"] not in doc_ids:
            continue
        if since is not None or until is not None:
            try:
                t = dt.datetime.fromisoformat(str(date).replace("Z", "+00:00")).timestamp() if date else None
            except ValueError:
                t = None
            if t is None or (since is not None and t < since) or (until is not None and t > until):
                continue
        out.append(Mention(row["document_id"], row["role"], row["address"], row["name"] or "", date))
    return out


def with_copies(store: Store, ids: set[str]) -> set[str]:
    """Documents and the messages their copies stand for (the graph counts a message once, by its original)."""
    return set(ids) | messages.originals_of(store, list(ids))


def decisions(store: Store) -> list[tuple[str, str, str]]:
    """The user's correspondent decisions as (a, b, merge | split), oldest first."""
    return [(d["a"], d["b"], d["decision"]) for d in messages.decisions(store)]


def _locations(store: Store, ids: list[str]) -> list[documents.DocLocation]:
    return sorted(documents.locations_of(store, ids), key=lambda d: d["path"])


def exact_groups(store: Store) -> Iterator[dict[str, Any]]:
    """Byte-identical documents held in several places."""
    for shared in documents.shared_contents(store):
        yield {"type": "exact", "sha256": shared["sha256"], "count": shared["count"],
               "locations": store.locations(shared["sha256"])}


def copy_groups(store: Store) -> Iterator[dict[str, Any]]:
    """Same-message copies: one mail in several folders, with different bytes or Message-IDs."""
    groups: dict[str, list[str]] = defaultdict(list)
    meta: dict[str, tuple[str | None, str | None]] = {}
    for row in messages.copy_keys(store):
        key = row["copy_key"]
        groups[key].append(row["document_id"])
        meta.setdefault(key, (row["subject"], row["date_utc"]))
    for key, docs in sorted(groups.items(), key=lambda kv: (-len(kv[1]), kv[0])):
        if len(docs) > 1:
            locs = _locations(store, docs)
            yield {"type": "same-message", "key": key, "subject": meta[key][0], "date": meta[key][1],
                   "count": len(docs), "distinct_bytes": len({x["sha256"] for x in locs}), "locations": locs}


def message_id_conflicts(store: Store) -> Iterator[dict[str, Any]]:
    """One Message-ID held by messages whose content differs."""
    for shared in messages.shared_message_ids(store):
        docs = messages.with_message_id(store, shared["message_id"])
        yield {"type": "message-id-conflict", "message_id": shared["message_id"], "versions": shared["versions"],
               "locations": _locations(store, docs)}


def near_groups(store: Store, min_similarity: float = 0.0) -> Iterator[dict[str, Any]]:
    """Near-duplicate texts: connected groups of similar contents, each pair with its similarity."""
    up: dict[str, str] = {}

    def find(x: str) -> str:
        up.setdefault(x, x)
        while up[x] != x:
            up[x] = up[up[x]]
            x = up[x]
        return x

    pairs = [(p["a"], p["b"], p["similarity"]) for p in neardups.similar_pairs(store, min_similarity)]
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
