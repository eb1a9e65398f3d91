"""Entity curation as a user action: record a decision (or its undoing), log it, then regroup the
entities and re-index the documents whose entities changed, under the project lock.

`faisceau entities merge|split|rename|ignore|undo` and the web's curation routes both call this.
When an ingest holds the project, the decision is recorded and logged but not applied: the ingest
regroups (replaying every decision) at its end, and the answer says so.
"""

from __future__ import annotations

from typing import Any

from ..analysis import curate
from ..analysis.grouping import regroup
from ..exc import ProjectError
from ..store.db import Store
from ..store.project import Project

ACTIONS = curate.ACTIONS


def decide(project: Project, store: Store, action: str, a: str, b: str | None = None) -> dict[str, Any]:
    """Record a decision and apply it; returns the decision with its evidence and what changed."""
    d = curate.record(store, action, a, b)
    detail: dict[str, Any] = {"decision": d.id, "a": d.a, "b": d.b}  # addresses as recorded: lower case
    if d.addresses_only:
        # correspondents are grouped when read: nothing to regroup or re-index
        store.log_action(f"entities-{action}", detail | {"addresses": True})
        return d.public() | {"applied": True, "documents_changed": 0}
    store.log_action(f"entities-{action}", detail)
    return d.public() | apply(project, store)


def undo(project: Project, store: Store, decision_id: int) -> dict[str, Any]:
    """Undo a decision and apply the change."""
    curate.record_undo(store, decision_id)
    store.log_action("entities-undo", {"decision": decision_id})
    return {"undone": decision_id, **apply(project, store)}


def decisions(store: Store) -> list[dict[str, Any]]:
    """Every decision, in the order they apply."""
    return curate.decisions(store)


def apply(project: Project, store: Store) -> dict[str, Any]:
    """Regroup and re-index now, or leave it to the ingest that holds the project."""
    try:
        project.lock()
    except ProjectError:
        return {"applied": False, "note": "an ingest is running: it applies the decision when it ends"}
    try:
        # imported here: the index (Tantivy) is only loaded when a decision is applied
        from ..index.indexer import update
        from ..settings import load

        changed = regroup(store)
        if changed:
            with store.transaction():
                for doc_id in changed:
                    store.drop_stage(doc_id, "index")
            update(project.root, store, load(project.root), None)
        return {"applied": True, "documents_changed": len(changed)}
    finally:
        project.unlock()
