"""Curation of entities: merge, split, rename, ignore — stored decisions that survive re-analysis.

A decision names entities by their spellings (keys), never by ids, so it applies again after a new
ingest or analysis regroups the corpus. This module is the domain part: it checks a decision, gathers
its evidence and records it (or its undoing); grouping replays the decisions. Bringing the grouping
and the index up to date, under the project lock, is `faisceau.services.curation`'s work.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..exc import UsageError
from ..store import entities as entity_store
from ..store import messages, runs
from ..store.db import Store, current_user, now
from . import read
from .names import key

ACTIONS = ("merge", "split", "rename", "ignore")


@dataclass(frozen=True)
class Decision:
    """A recorded decision: what the user asked, the evidence shown for it, and whether it named
    two addresses only (correspondents: no entity regroups)."""

    id: int
    action: str
    a: str
    b: str | None
    evidence: dict[str, Any]
    addresses_only: bool = False

    def public(self) -> dict[str, Any]:
        """The decision as the CLI and the web report it."""
        return {"decision": self.id, "action": self.action, "a": self.a, "b": self.b, "evidence": self.evidence}


def record(store: Store, action: str, a: str, b: str | None = None) -> Decision:
    """Check a decision and record it, with the correspondent decision it implies; UsageError when
    it names no entity or cannot apply."""
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
                mail = messages.add_correspondent_decision(store, xa[0], xb[0], action, now(), current_user())
                evidence["addresses"] = {"a": xa, "b": xb}
        decision_id = entity_store.add_decision(store, action, a, b, now(), current_user(), mail)
    return Decision(decision_id, action, a, b, evidence)


def record_undo(store: Store, decision_id: int) -> None:
    """Mark a decision undone (and the correspondent decision it made gone); UsageError when there
    is no such decision or it is undone already."""
    row = entity_store.decision(store, decision_id)
    if row is None:
        raise UsageError(f"no decision {decision_id}")
    if row["undone"]:
        raise UsageError(f"decision {decision_id} is undone already")
    with store.transaction():
        entity_store.mark_undone(store, decision_id)
        if row["mail"] is not None:
            messages.drop_correspondent_decision(store, row["mail"])


def decisions(store: Store) -> list[dict[str, Any]]:
    """Every decision, in the order they apply; `pending` when the entities do not reflect it yet."""
    rows = entity_store.decisions(store)
    through, undone = applied_mark(store)
    late_undo = sum(bool(r["undone"]) for r in rows) > undone
    return [dict(r) | {"undone": bool(r["undone"]),
                       "pending": r["id"] > through or bool(r["undone"]) and late_undo} for r in rows]


# The entities reflect the decisions up to a mark: the last decision a regrouping replayed and how
# many were undone then. Kept in the action log ("curation-applied", written when it moves), so a
# decision recorded while another process held the project shows as pending until one applies it.
APPLIED = "curation-applied"


def applied_mark(store: Store) -> tuple[int, int]:
    """(last decision replayed, undone decisions then) by the latest regrouping; (0, 0) before any."""
    last = runs.last_action(store, APPLIED)
    if last is None:
        return 0, 0
    return int(last["detail"].get("through", 0)), int(last["detail"].get("undone", 0))


def current_mark(store: Store) -> tuple[int, int]:
    """(last decision, undone decisions) as recorded now: what a regrouping starting now replays."""
    rows = entity_store.decisions(store)
    return max((r["id"] for r in rows), default=0), sum(bool(r["undone"]) for r in rows)


def mark_applied(store: Store, mark: tuple[int, int]) -> None:
    """Say that the entities now reflect the decisions up to `mark` (only when the mark moves)."""
    if mark != applied_mark(store):
        with store.transaction():
            store.log_action(APPLIED, {"through": mark[0], "undone": mark[1]})


def pending(store: Store) -> bool:
    """Whether some decision (or undoing) is recorded that the entities do not reflect yet."""
    now_ = current_mark(store)
    return now_ != (0, 0) and now_ != applied_mark(store)


def _addresses(store: Store, entity_id: str) -> list[str]:
    """The e-mail addresses a person entity wrote or received mail under (display name matching one of
    its spellings), most used first."""
    keys = set(read._keys(store, entity_id))
    if not keys:
        return []
    counts: dict[str, int] = {}
    for r in messages.address_names(store):
        if key(r["name"]) in keys:
            counts[r["address"]] = counts.get(r["address"], 0) + r["count"]
    return sorted(counts, key=lambda x: (-counts[x], x))


def _addresses_decision(store: Store, action: str, a: str, b: str) -> Decision:
    """Merge or split two correspondents' addresses (the `faisceau correspondents` people)."""
    known = messages.known_addresses(store, [a, b])
    for x in (a, b):
        if x not in known:
            raise UsageError(f"no correspondent with the address {x!r} (see `faisceau correspondents`)")
    with store.transaction():
        mail = messages.add_correspondent_decision(store, a, b, action, now(), current_user())
        decision_id = entity_store.add_decision(store, action, a, b, now(), current_user(), mail)
    return Decision(decision_id, action, a, b, {"addresses": {"a": [a], "b": [b]}}, addresses_only=True)


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
        out["shared_documents"] = entity_store.shared_documents(store, a["id"], b["id"])
    return out
