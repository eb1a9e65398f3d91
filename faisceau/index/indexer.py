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
from pathlib import Path
from typing import Any, Callable

from ..ingest.faults import fault
from ..ingest.store import Store, now
from ..pipeline.stages import stage
from ..settings import Settings
from .core import Index, IndexOutdated
from .documents import from_store

BATCH = 2000
COMMIT_SECONDS = 2.0


def index_path(project_root: Path) -> Path:
    return project_root / "index"


def open_index(project_root: Path, settings: Settings, store: Store | None = None) -> Index:
    """The project's index for searching, with tags, stars and notes looked up in `store`."""
    from .. import tags

    lookup = (lambda f, v: tags.lookup(store, f, v)) if store is not None else None
    counts = (lambda: tags.tag_counts(store)) if store is not None else None
    return Index(index_path(project_root), str(settings.timezone), lookup, counts)


def update(project_root: Path, store: Store, settings: Settings, run_id: str | None, *, rebuild: bool = False,
           on_progress: Callable[[int, int], None] | None = None, log: Callable[..., None] | None = None) -> dict[str, Any]:
    """Index what is not indexed yet (everything with `rebuild`); returns counts and time."""
    st = stage("index")
    path = index_path(project_root)
    started = time.monotonic()
    try:
        index = Index(path, str(settings.timezone))
    except IndexOutdated:
        rebuild = True
    if rebuild:
        Index.wipe(path)
        with store.transaction():
            store.db.execute("DELETE FROM stages WHERE stage = ?", (st.name,))
        index = Index(path, str(settings.timezone))
        if log:
            log("index-rebuild", path=str(path))
    db = store.db
    todo = db.execute(
        "SELECT count(*) FROM documents d LEFT JOIN stages s ON s.document_id = d.id AND s.stage = ?"
        " WHERE d.status != 'pending' AND (s.version IS NULL OR s.version != ?)", (st.name, st.version)).fetchone()[0]
    gone = [r[0] for r in db.execute(
        "SELECT s.document_id FROM stages s LEFT JOIN documents d ON d.id = s.document_id"
        " WHERE s.stage = ? AND d.id IS NULL", (st.name,))]
    counts = {"indexed": 0, "failed": 0, "removed": 0}
    if not todo and not gone:
        return counts | {"seconds": round(time.monotonic() - started, 2), "documents": index.num_docs()}
    writer = index.writer()
    try:
        if gone:
            for doc_id in gone:
                writer.delete(doc_id)
            writer.commit()
            with store.transaction():
                db.executemany("DELETE FROM stages WHERE document_id = ? AND stage = ?", [(i, st.name) for i in gone])
            counts["removed"] = len(gone)
        cursor = 0
        batch: list[tuple[str, str, str | None]] = []
        last = time.monotonic()
        while True:
            rows = db.execute(
                "SELECT d.rowid AS seq, d.* FROM documents d LEFT JOIN stages s ON s.document_id = d.id AND s.stage = ?"
                " WHERE d.rowid > ? AND d.status != 'pending' AND (s.version IS NULL OR s.version != ?)"
                " ORDER BY d.rowid LIMIT ?", (st.name, cursor, st.version, BATCH)).fetchall()
            if not rows:
                break
            contents = _contents(store, {r["sha256"] for r in rows if r["sha256"]})
            for row in rows:
                cursor = row["seq"]
                doc = dict(row)
                try:
                    writer.add(from_store(doc, contents.get(doc["sha256"])))
                    batch.append((doc["id"], "ok", None))
                    counts["indexed"] += 1
                except Exception as e:  # one bad document never stops the index
                    batch.append((doc["id"], "failed", f"index: {type(e).__name__}: {e}"[:300]))
                    counts["failed"] += 1
            if time.monotonic() - last > COMMIT_SECONDS or len(batch) >= 10 * BATCH:
                _commit(writer, store, batch, st.name, st.version, run_id)
                batch.clear()
                last = time.monotonic()
                if on_progress:
                    on_progress(counts["indexed"] + counts["failed"], todo)
        _commit(writer, store, batch, st.name, st.version, run_id)
    finally:
        writer.close()
    if on_progress:
        on_progress(counts["indexed"] + counts["failed"], todo)
    return counts | {"seconds": round(time.monotonic() - started, 2), "documents": index.num_docs()}


def _commit(writer: Any, store: Store, batch: list[tuple[str, str, str | None]], name: str, version: str,
            run_id: str | None) -> None:
    if not batch:
        return
    writer.commit()
    fault("index-commit")
    stamp = now()
    with store.transaction():
        store.db.executemany(
            "INSERT OR REPLACE INTO stages (document_id, stage, version, status, reason, run_id, seconds, updated)"
            " VALUES (?,?,?,?,?,?,NULL,?)", [(i, name, version, s, r, run_id, stamp) for i, s, r in batch])


def _contents(store: Store, shas: set[str]) -> dict[str, dict[str, Any]]:
    out: dict[str, dict[str, Any]] = {}
    items = list(shas)
    for i in range(0, len(items), 500):
        part = items[i:i + 500]
        for r in store.db.execute(
                "SELECT sha256, metadata, flags, pages, text, language FROM contents"
                f" WHERE sha256 IN ({','.join('?' * len(part))})", part):
            d = dict(r)
            for k in ("metadata", "flags", "pages"):
                d[k] = json.loads(d[k] or "null")
            out[d["sha256"]] = d
    return out
