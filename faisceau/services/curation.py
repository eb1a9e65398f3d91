"""Entity curation as a user action: record a decision (or its undoing), log it, then regroup the
entities and re-index the documents whose entities changed, under the project lock.

`faisceau entities merge|split|rename|ignore|undo` and the web's curation routes both call this.

A decision is applied or visibly pending, never stuck. The web serves requests on threads: a rename
sent while a merge was still being applied (22.6 s on a real project) found the project lock taken
by that merge, in the same process, and answered "an ingest is running" though none ran; nothing
applied it later and nothing marked it pending. Now one applier per project runs in a process at a
time; a decision recorded meanwhile answers "pending" and the running applier regroups again
before it lets go (it loops while the decisions recorded are ahead of what the entities reflect).
When another process holds the project (an ingest), the decision stays pending, marked so
(`curate.decisions(...)["pending"]`): the ingest replays every decision at its end, and the next
decision or `apply` applies whatever is left.
"""

from __future__ import annotations

import threading
from pathlib import Path
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


_GUARD = threading.Lock()
_applying: set[Path] = set()     # projects this process is applying decisions to right now


def apply(project: Project, store: Store) -> dict[str, Any]:
    """Regroup and re-index now; or say the decision is pending (another thread of this process is
    applying and will take it in, or another process holds the project)."""
    root = project.root
    with _GUARD:
        if root in _applying:
            return {"applied": False, "pending": True,
                    "note": "another decision is being applied: this one is applied right after it"}
        _applying.add(root)
    try:
        done = 0
        while True:
            out = _apply_once(project, store)
            if not out["applied"]:
                return out
            done += out["documents_changed"]
            # decisions recorded while this one was applied (by another thread or process) follow now
            if not curate.pending(store):
                return out | {"documents_changed": done}
    finally:
        with _GUARD:
            _applying.discard(root)


def _apply_once(project: Project, store: Store) -> dict[str, Any]:
    try:
        project.lock()
    except ProjectError:
        return {"applied": False, "pending": True,
                "note": "another faisceau process (an ingest?) is writing to the project: the decision is "
                        "recorded and pending; it applies when that process ends or with the next decision"}
    try:
        # imported here: the index (Tantivy) is only loaded when a decision is applied
        from ..index.indexer import update
        from ..settings import load

        changed = regroup(store, incremental=True)
        if changed:
            with store.transaction():
                for doc_id in changed:
                    store.drop_stage(doc_id, "index")
            update(project.root, store, load(project.root), None)
        return {"applied": True, "documents_changed": len(changed)}
    finally:
        project.unlock()
