"""Entities for the web: the list, one entity's page, the evidence of a curation, the decisions.

Everything is read with `faisceau.analysis.read` and decided with `faisceau.services.curation`,
the functions `faisceau entities|entity` call. The evidence shown before a decision is built
from the same read functions (curate keeps its own version private and returns it after deciding).
"""

from __future__ import annotations

from typing import Any

from ..analysis import events as event_table
from ..analysis import read
from ..exc import UsageError
from ..mail import graphtable
from ..services import curation
from ..store import entitycache
from ..store import timeline as timeline_table
from . import timelineview
from .workbench import Workbench

MAX_LIMIT = 500
CONTEXTS = 3      # contexts shown per side of a curation's evidence


def entity_list(wb: Workbench, type: str | None = None, q: str | None = None, page: int = 1,
                limit: int = 50) -> dict[str, Any]:
    """A page of canonical entities, most mentioned first."""
    if page < 1 or not 1 <= limit <= MAX_LIMIT:
        raise UsageError(f"page starts at 1 and limit is between 1 and {MAX_LIMIT}")
    if q is not None and len(q) > 200:
        raise UsageError("the name filter is longer than 200 characters")
    kind = read.entity_type(type or None)
    # one more than asked tells whether a next page exists without counting every entity
    rows = read.entities(wb.store(), kind, q or None, limit + 1, (page - 1) * limit)
    return {"type": kind, "q": q or "", "page": page, "limit": limit, "more": len(rows) > limit,
            "entities": rows[:limit]}


def entity_view(wb: Workbench, ident: str, limit: int = 50) -> dict[str, Any] | None:
    """Everything the entity page shows (None when no entity has this id or name)."""
    if not 1 <= limit <= MAX_LIMIT:
        raise UsageError(f"limit is between 1 and {MAX_LIMIT}")
    store = wb.store()
    e = read.entity(store, ident)
    if e is None:
        return None
    eid = e["id"]
    # the page shows 20 events: only those are read (the buckets count the others)
    events = timelineview.select(wb, timelineview.Params(entity=eid, limit=20))
    if len(events["buckets"]) == 1:  # one year: its months say more
        events = timelineview.select(wb, timelineview.Params(entity=eid, at=events["buckets"][0]["key"], limit=20))
    return dict(e, mentions_in_context=read.mentions(store, eid, limit), documents_list=read.documents_of(store, eid, limit),
                cooccurring=_company(wb, eid), timeline=events["buckets"],
                timeline_level=events["level"], events=events["events"][:20], events_total=events["total"],
                decisions=decisions_of(wb, e))


def _company(wb: Workbench, eid: str, limit: int = 20) -> list[dict[str, Any]]:
    """The entities named with this one, counted once per grouping (kept in the store)."""
    store = wb.store()
    # the grouping's fingerprint as the timeline's check (run by the page first) last saw it
    event_table.fresh(store, str(wb.settings.timezone))
    stamp = timeline_table.entity_state(store) or ""
    kept = entitycache.company(store, eid, limit, stamp)
    if kept is None:
        kept = read.cooccurring(store, eid, limit)
        entitycache.keep_company(store, eid, limit, stamp, kept)
    return kept


def evidence(wb: Workbench, a: str, b: str | None = None) -> dict[str, Any]:
    """What a curator sees before deciding: each side's spellings, counts and a few contexts,
    and how many documents name both."""
    store = wb.store()

    def find(name: str) -> dict[str, Any]:
        e = read.entity(store, name)
        if e is None:
            raise UsageError(f"no entity named {name[:100]!r}")
        return e

    def side(e: dict[str, Any]) -> dict[str, Any]:
        contexts = [m["context"] for m in read.mentions(store, e["id"], 20) if m["context"]][:CONTEXTS]
        return {"id": e["id"], "name": e["name"], "type": e["type"], "mentions": e["mentions"],
                "documents": e["documents"], "variants": e["variants"][:10], "contexts": contexts}

    ea = find(a)
    out: dict[str, Any] = {"a": side(ea)}
    if b:
        eb = find(b)
        out["b"] = side(eb)
        docs_a = {d["id"] for d in read.documents_of(store, ea["id"], None)}
        out["shared_documents"] = sum(d["id"] in docs_a for d in read.documents_of(store, eb["id"], None))
        out["same"] = ea["id"] == eb["id"]
    return out


def decide(wb: Workbench, action: str, a: str, b: str | None = None) -> dict[str, Any]:
    """Record and apply a curation decision; says where the entity A now lives."""
    if action not in curation.ACTIONS:
        raise UsageError(f"unknown decision {action[:20]!r}: use {', '.join(curation.ACTIONS)}")
    out = curation.decide(wb.project, wb.store(), action, a, b or None)
    graphtable.forget(wb.store())   # a person's merge may have merged their addresses
    event_table.forget(wb.store())       # the events are linked to the entities as they are now
    return out | {"entity": _now(wb, b if action == "rename" and b else a)}


def undo(wb: Workbench, decision: int) -> dict[str, Any]:
    """Undo a decision; says where the entities it named now live."""
    row = next((d for d in curation.decisions(wb.store()) if d["id"] == decision), None)
    out = curation.undo(wb.project, wb.store(), decision)
    graphtable.forget(wb.store())
    event_table.forget(wb.store())
    return out | {"entity": _now(wb, row["a"]) if row else None}


def apply_pending(wb: Workbench) -> dict[str, Any]:
    """Apply the decisions that are still pending (recorded while another process held the project)."""
    return curation.apply(wb.project, wb.store())


def _now(wb: Workbench, name: str) -> dict[str, Any] | None:
    e = read.entity(wb.store(), name)
    return {"id": e["id"], "name": e["name"], "url": f"/entities/{e['id']}"} if e else None


def decisions_of(wb: Workbench, e: dict[str, Any] | None = None) -> list[dict[str, Any]]:
    """Curation decisions, newest first; with an entity, those naming one of its spellings."""
    rows = curation.decisions(wb.store())
    if e is not None:
        names = {n.casefold() for n in [e["name"], *e["variants"]]}
        rows = [d for d in rows if str(d["a"]).casefold() in names or str(d["b"] or "").casefold() in names]
    return list(reversed(rows))
