"""Curation of entities: merge, split, rename, ignore — stored decisions that survive re-analysis.

A decision names entities by their spellings (keys), never by ids, so it applies again after a new
ingest or analysis regroups the corpus. Each is in the action log, shows its evidence, and can be
undone. When no ingest holds the project, the grouping and the index are brought up to date at once;
otherwise the running ingest applies the decision at its end.
"""

from __future__ import annotations

from typing import Any

from ..exc import ProjectError, UsageError
from ..store.project import Project
from ..store.db import Store, current_user, now
from . import read
from .grouping import regroup

ACTIONS = ("merge", "split", "rename", "ignore")


def decide(project: Project, store: Store, action: str, a: str, b: str | None = None) -> dict[str, Any]:
    """Record a decision and apply it; returns the decision with its evidence and what changed."""
    if action not in ACTIONS:
        raise UsageError(f"unknown decision {action!r}")
    if action in ("merge", "split") and a and b and "@" in a and "@" in b:
        return _addresses_decision(store, action, a.strip().lower(), b.strip().lower())
    ea = _known(store, a)
    eb = _known(store, b) if action in ("merge", "split") and b is not None else None
    if action in ("merge", "split") and (b is None or eb is None):
        raise UsageError(f"{action} takes two names")
    if action == "rename" and not (b and b.strip()):
        raise UsageError("rename takes a name and the new name")
    if action == "merge" and eb is not None and ea["id"] == eb["id"]:
        raise UsageError(f"{a!r} and {b!r} are one entity already")
    if action == "split" and eb is not None and ea["id"] != eb["id"]:
        raise UsageError(f"{a!r} and {b!r} are not one entity")
    evidence = _evidence(store, ea, eb)
    with store.transaction():
        mail = None
        if eb is not None:  # correspondents are the same people: their addresses follow the decision
            xa, xb = _addresses(store, ea["id"]), _addresses(store, eb["id"])
            if xa and xb:
                mail = store.db.execute(
                    "INSERT INTO correspondent_decisions (a, b, decision, time, user) VALUES (?,?,?,?,?)",
                    (xa[0], xb[0], action, now(), current_user())).lastrowid
                evidence["addresses"] = {"a": xa, "b": xb}
        cur = store.db.execute("INSERT INTO entity_decisions (action, a, b, time, user, mail) VALUES (?,?,?,?,?,?)",
                               (action, a, b, now(), current_user(), mail))
        decision_id = cur.lastrowid
    store.log_action(f"entities-{action}", {"decision": decision_id, "a": a, "b": b})
    return {"decision": decision_id, "action": action, "a": a, "b": b, "evidence": evidence,
            **apply(project, store)}


def undo(project: Project, store: Store, decision_id: int) -> dict[str, Any]:
    row = store.db.execute("SELECT * FROM entity_decisions WHERE id = ?", (decision_id,)).fetchone()
    if row is None:
        raise UsageError(f"no decision {decision_id}")
    if row["undone"]:
        raise UsageError(f"decision {decision_id} is undone already")
    with store.transaction():
        store.db.execute("UPDATE entity_decisions SET undone = 1 WHERE id = ?", (decision_id,))
        if row["mail"] is not None:
            store.db.execute("DELETE FROM correspondent_decisions WHERE id = ?", (row["mail"],))
    store.log_action("entities-undo", {"decision": decision_id})
    return {"undone": decision_id, **apply(project, store)}


def decisions(store: Store) -> list[dict[str, Any]]:
    return [dict(r) | {"undone": bool(r["undone"])} for r in store.db.execute(
        "SELECT * FROM entity_decisions ORDER BY id")]


def apply(project: Project, store: Store) -> dict[str, Any]:
    """Regroup and re-index now, or leave it to the ingest that holds the project."""
    try:
        project.lock()
    except ProjectError:
        return {"applied": False, "note": "an ingest is running: it applies the decision when it ends"}
    try:
        from ..index.indexer import update
        from ..settings import load

        changed = regroup(store)
        if changed:
            with store.transaction():
                store.db.executemany("DELETE FROM stages WHERE document_id = ? AND stage = 'index'",
                                     [(d,) for d in changed])
            update(project.root, store, load(project.root), None)
        return {"applied": True, "documents_changed": len(changed)}
    finally:
        project.unlock()


def _addresses(store: Store, entity_id: str) -> list[str]:
    """The e-mail addresses a person entity wrote or received mail under (display name matching one of
    its spellings), most used first."""
    from .names import key

    keys = set(read._keys(store, entity_id))
    if not keys or store.db.execute("SELECT 1 FROM sqlite_master WHERE name = 'mail_addresses'").fetchone() is None:
        return []
    counts: dict[str, int] = {}
    for address, name, n in store.db.execute(
            "SELECT address, name, COUNT(*) FROM mail_addresses WHERE name IS NOT NULL AND name != ''"
            " GROUP BY address, name"):
        if key(name) in keys:
            counts[address] = counts.get(address, 0) + n
    return sorted(counts, key=lambda x: (-counts[x], x))


def _addresses_decision(store: Store, action: str, a: str, b: str) -> dict[str, Any]:
    """Merge or split two correspondents' addresses (the `faisceau correspondents` people)."""
    known = {r[0] for r in store.db.execute(
        "SELECT DISTINCT address FROM mail_addresses WHERE address IN (?, ?)", (a, b))}
    for x in (a, b):
        if x not in known:
            raise UsageError(f"no correspondent with the address {x!r} (see `faisceau correspondents`)")
    with store.transaction():
        mail = store.db.execute("INSERT INTO correspondent_decisions (a, b, decision, time, user) VALUES (?,?,?,?,?)",
                                (a, b, action, now(), current_user())).lastrowid
        decision_id = store.db.execute(
            "INSERT INTO entity_decisions (action, a, b, time, user, mail) VALUES (?,?,?,?,?,?)",
            (action, a, b, now(), current_user(), mail)).lastrowid
    store.log_action(f"entities-{action}", {"decision": decision_id, "a": a, "b": b, "addresses": True})
    return {"decision": decision_id, "action": action, "a": a, "b": b,
            "evidence": {"addresses": {"a": [a], "b": [b]}}, "applied": True, "documents_changed": 0}


def _known(store: Store, name: str | None) -> dict[str, Any]:
    e = read.entity(store, name or "")
    if e is None:
        raise UsageError(f"no entity named {name!r} (see `faisceau entities`)")
    return e


def _evidence(store: Store, a: dict[str, Any], b: dict[str, Any] | None) -> dict[str, Any]:
    """What a curator sees before deciding: each side's spellings, counts and a few contexts, and the
    documents they share."""
    def side(e: dict[str, Any]) -> dict[str, Any]:
        return {"id": e["id"], "name": e["name"], "type": e["type"], "mentions": e["mentions"],
                "documents": e["documents"], "variants": e["variants"][:10],
                "contexts": [m["context"] for m in read.mentions(store, e["id"], 20) if m["context"]][:3]}

    out: dict[str, Any] = {"a": side(a)}
    if b is not None:
        out["b"] = side(b)
        out["shared_documents"] = store.db.execute(
            "SELECT COUNT(*) FROM document_entities x JOIN document_entities y ON y.document_id = x.document_id"
            " WHERE x.entity_id = ? AND y.entity_id = ?", (a["id"], b["id"])).fetchone()[0]
    return out
