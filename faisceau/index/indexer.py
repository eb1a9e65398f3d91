"""The index stage: the single writer brings the index up to date with the store.

It runs as the last stage of `faisceau ingest` (and alone in `faisceau reindex`). A document
needs indexing when it has no `index` stage row at the current version: earlier stages drop
that row whenever they rewrite a document. Each batch is committed to the index first and then
recorded in the store; a run killed in between re-indexes that batch, and since every add
replaces the entry of the same id, nothing is duplicated.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ..pipeline.faults import fault
from ..pipeline.stages import stage
from ..settings import Settings
from ..store import documents as docs
from ..store.db import Store
from ..store.documents import StageOutcome
from ..store.entities import person_org_place_names
from .core import Index, IndexOutdated, Writer
from .documents import from_store
from .storefields import index_path, open_index

__all__ = ["Indexer", "index_path", "open_index", "update"]

BATCH = 2000
COMMIT_SECONDS = 2.0


class Indexer:
    """The single writer of a project's index during one run.

    `step(budget)` indexes documents finished so far, for at most about `budget` seconds, and
    commits them: the ingest calls it between its own batches, so searches see a long ingest's
    documents as they come. `finish()` indexes everything left and closes the writer.
    """

    def __init__(self, project_root: Path, store: Store, settings: Settings, run_id: str | None, *,
                 rebuild: bool = False, log: Callable[..., None] | None = None) -> None:
        self.stage = stage("index")
        self.store = store
        self.run_id = run_id
        self.busy = 0.0   # seconds spent indexing, over every step
        self.counts = {"indexed": 0, "failed": 0, "removed": 0}
        self.cursor = 0
        path = index_path(project_root)
        try:
            self.index = Index(path, str(settings.timezone))
        except IndexOutdated:
            rebuild = True
        if rebuild:
            Index.wipe(path)
            with store.transaction():
                docs.forget_stage(store, self.stage.name)
            self.index = Index(path, str(settings.timezone))
            if log:
                log("index-rebuild", path=str(path))
        self.writer: Writer | None = None

    def _writer(self) -> Writer:
        if self.writer is None:
            self.writer = self.index.writer()
        return self.writer

    def todo(self) -> int:
        return docs.count_not_at(self.store, self.stage.name, self.stage.version)

    def remove_gone(self) -> None:
        """Drop from the index the documents the store no longer has."""
        name = self.stage.name
        gone = docs.staged_but_gone(self.store, name)
        if not gone:
            return
        w = self._writer()
        for doc_id in gone:
            w.delete(doc_id)
        w.commit()
        with self.store.transaction():
            self.store.drop_stages(gone, name)
        self.counts["removed"] += len(gone)

    def step(self, budget: float | None = None, on_progress: Callable[[int], None] | None = None) -> int:
        """Index finished documents after the cursor (all of them with no budget); commit; return how many."""
        st = self.stage
        t0 = time.monotonic()
        deadline = None if budget is None else t0 + budget
        batch: list[StageOutcome] = []
        last = time.monotonic()
        done = 0
        while deadline is None or time.monotonic() < deadline:
            rows = docs.not_at(self.store, st.name, st.version, self.cursor, BATCH)
            if not rows:
                break
            w = self._writer()
            contents = _contents(self.store, {r["sha256"] for r in rows if r["sha256"]})
            entities = _entities(self.store, [r["id"] for r in rows])
            for row in rows:
                self.cursor = row["seq"]
                doc = row
                try:
                    idoc = from_store(doc, contents.get(doc["sha256"]))
                    for kind, names in entities.get(doc["id"], {}).items():
                        getattr(idoc, {"PER": "persons", "ORG": "orgs", "LOC": "places"}[kind]).extend(names)
                    w.add(idoc)
                    batch.append({"document_id": doc["id"], "status": "ok", "reason": None})
                    self.counts["indexed"] += 1
                except Exception as e:  # one bad document never stops the index
                    batch.append({"document_id": doc["id"], "status": "failed",
                                  "reason": f"index: {type(e).__name__}: {e}"[:300]})
                    self.counts["failed"] += 1
            done += len(rows)
            if time.monotonic() - last > COMMIT_SECONDS or len(batch) >= 10 * BATCH:
                self._commit(batch)
                batch.clear()
                last = time.monotonic()
                if on_progress:
                    on_progress(done)
        self._commit(batch)
        self.busy += time.monotonic() - t0
        return done

    def _commit(self, batch: list[StageOutcome]) -> None:
        if not batch or self.writer is None:
            return
        self.writer.commit()
        fault("index-commit")
        with self.store.transaction():
            self.store.record_stage(self.stage.name, self.stage.version, batch, self.run_id)

    def finish(self, on_progress: Callable[[int], None] | None = None) -> dict[str, Any]:
        """Index everything not indexed yet (from the start: documents finished behind the cursor too)."""
        try:
            self.remove_gone()
            self.cursor = 0
            self.step(None, on_progress)
        finally:
            if self.writer is not None:
                self.writer.close()
                self.writer = None
        return self.counts | {"seconds": round(self.busy, 2), "documents": self.index.count("")}


def update(project_root: Path, store: Store, settings: Settings, run_id: str | None, *, rebuild: bool = False,
           on_progress: Callable[[int], None] | None = None, log: Callable[..., None] | None = None) -> dict[str, Any]:
    """Index what is not indexed yet (everything with `rebuild`); returns counts and time."""
    return Indexer(project_root, store, settings, run_id, rebuild=rebuild, log=log).finish(on_progress)


def _entities(store: Store, ids: list[str]) -> dict[str, dict[str, list[str]]]:
    """Canonical entity names per document and type (PER, ORG, LOC), from the analysis stage's
    table `document_entities` (empty until it has run)."""
    out: dict[str, dict[str, list[str]]] = {}
    for i in range(0, len(ids), 500):
        for e in person_org_place_names(store, ids[i:i + 500]):
            out.setdefault(e["document_id"], {}).setdefault(e["type"], []).append(e["name"])
    return out


def _contents(store: Store, shas: set[str]) -> dict[str, dict[str, Any]]:
    out = docs.contents_by_sha(store, shas, ("metadata", "flags", "pages", "segments", "text", "language"))
    for d in out.values():
        for k in ("metadata", "flags", "pages", "segments"):
            d[k] = json.loads(d[k] or "null")
    return out
