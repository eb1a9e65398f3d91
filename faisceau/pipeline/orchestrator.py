"""The orchestrator: walk, schedule item stages on the pool, write results, resume.

Two frontiers: the extraction (phase 1) runs only the stages the index needs, so documents are
searchable as they land; the analysis (phase 2, `analysis_phase.AnalysisPhase`) runs the later
item stages on the stored texts afterwards, then the corpus stages that need them, then the index.

Everything is keyed by stable ids and written in transactions, so a run killed at any point
and started again ends with the same store as an uninterrupted one: work that was in flight
is simply still `pending`. Identical bytes are extracted once; every other location of them
gets the same status and the same subtree of children, copied from the stored content.
"""

from __future__ import annotations

import collections
import os
import time
import uuid
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any

from ..settings import Settings
from ..store import documents as docs
from ..store.db import Store, dumps
from ..store.ids import child_path, document_id
from ..store.project import Project
from .analysis_phase import AnalysisPhase
from .background import Background
from .corpus import skipped
from .executor import Executor
from .faults import armed, fault, kill_during_commit
from .pool import Pool
from .progress import Progress as Progress  # Progress: part of Ingest's on_progress signature
from .progress import self_rss
from .runlog import RunLog
from .shapes import PartialResult, Result, RowRef, StageRecord, TaskExtra, WorkerResult, is_partial
from .stages import Stage, corpus_stages, item_stages, load_target, searchable_stages
from .walk import walk
from .worker import ItemTask

BATCH_SECONDS = 0.5   # results are committed together at most this often
INDEX_EVERY = 10.0    # seconds between index steps during extraction (searches see a long ingest grow)
INDEX_BUDGET = 1.0    # seconds one such step may take
FETCH = 500
# a container's children up to this many are dispatched before the items after it, so that an
# expensive attachment is not left for the end of the run; the thousands of messages of a mailbox
# or members of an archive follow in order (interleaving them with the big containers still queued
# was measured 7% slower on the Enron mailboxes)
FIRST_MAX = 64
# declared by name, like the stages: the pipeline never imports the layers above it
TOOL_VERSIONS = "faisceau.doctor:tool_versions"
REANCHOR = "faisceau.citing:reanchor"
INDEXER = "faisceau.index.indexer:Indexer"


class Ingest(AnalysisPhase):
    """One ingest run over a project."""

    def __init__(self, project: Project, settings: Settings, *, workers: int | None = None,
                 passwords: list[str] | None = None, on_progress: Callable[[Progress], None] | None = None,
                 command: str = "ingest", only: tuple[str, ...] | None = None,
                 executor: Callable[[Ingest], Executor] | None = None) -> None:
        self.project = project
        self.settings = settings
        self.workers = workers or settings.workers or os.cpu_count() or 1
        self.passwords = passwords or []
        self.on_progress = on_progress
        self.command = command
        self.executor = executor  # makes the executor for this run; None: the local pool
        self.run_id = uuid.uuid4().hex[:12]
        skip = skipped(settings)
        # `only`: these later stages alone run again where they have not run (`faisceau analyse`)
        self.stages: list[Stage] = [s for s in item_stages() if s.name not in skip
                                    and (only is None or s.name == "extract" or s.name in only)]
        # phase 1 runs these (what the index needs); the others run on stored text in phase 2
        front = {s.name for s in searchable_stages(item_stages())}
        self.front = [s.name for s in self.stages if s.name in front]
        assigned = {k for s in item_stages() if s.name in front for k in s.assigns}
        # corpus stages that need nothing of phase 2 (threads, copies) run before it
        self.early = {s.name for s in corpus_stages() if set(s.requires) <= assigned}
        self.progress = Progress()
        self.index_report: dict[str, Any] = {}
        self.indexer: Any = None
        self.corpus_report: dict[str, Any] = {}
        self._last_index = time.monotonic()
        # a few children found during this run, dispatched before the items after them (FIRST_MAX)
        self._fresh: collections.deque[str] = collections.deque()

    # -- the run -------------------------------------------------------------------------------

    def run(self, inputs: list[Path], retry_failed: bool = False) -> dict[str, Any]:
        self.project.lock()
        try:
            self.project.clean_tmp()
            # the workers' fork server (imports, language model) and the tool versions are
            # made ready in the background while the inputs are walked and hashed
            starting = Background(self._pool)
            tools = Background(load_target(TOOL_VERSIONS))
            self.store = Store(self.project.store_path)
            self.log = RunLog(self.project.logs, self.run_id)
            self.log.event("run-start", command=self.command, inputs=[str(p) for p in inputs],
                           settings=self.settings.as_dict())
            if retry_failed:
                self._reset_failed(bool(inputs))
            self._walk(inputs)
            self._reset_stale()
            self.indexer = self._indexer() if self.settings.index else None
            self.store.start_run(self.run_id, self.command, self.settings.as_dict(), tools.result())
            pool = starting.result()
            try:
                self._extract(pool)          # phase 1: searchable as documents land
                self._searchable()
                # phase 2: the later stages on stored text; the corpus stages that need none of them
                # (threads, copies) run here meanwhile
                self._analyse(pool, lambda: self.corpus_report.update(self._corpus(self.early)))
            finally:
                pool.close()
            self.corpus_report |= self._corpus({s.name for s in corpus_stages()} - self.early)
            self._reanchor()
            if self.indexer is not None:
                self._index(self.indexer)
            report = self.report()
            self.store.finish_run(self.run_id, report)
            self.log.event("run-end", **report)
            self.log.close()
            self.store.close()
            return report
        finally:
            self.project.unlock()

    def _walk(self, inputs: list[Path]) -> None:
        limit = int(self.settings.max_file_size)
        last = time.monotonic()
        with self.store.batches() as commit:
            for f in walk(inputs, own=self.project.root):
                status, reason = f.status, f.reason
                if status == "pending" and f.size is not None and f.size > limit:
                    status, reason = "skipped", f"file size {f.size} over limit {limit}"
                doc_id = document_id(f.sha256 or "", f.key)
                inserted = self.store.add_document({
                    "id": doc_id, "parent_id": None, "root_id": doc_id, "path": f.path,
                    "name": f.path.rsplit("/", 1)[-1], "source": str(f.source.absolute()), "sha256": f.sha256,
                    "size": f.size, "depth": 0, "status": status, "reason": reason,
                    "kind": None if status == "pending" else "link" if "symlink" in (reason or "") else "other",
                })
                if inserted and status != "pending":
                    self._record_without_content(doc_id, status, reason)
                self.progress.walked += 1
                fault("walk")
                if time.monotonic() - last > BATCH_SECONDS or armed("walk-commit"):
                    fault("walk-commit")
                    commit()
                    last = time.monotonic()
                    self._tick()

    def _record_without_content(self, doc_id: str, status: str, reason: str | None) -> None:
        """Stage rows for an item recorded without content (link, FIFO, refused member)."""
        for s in self.stages:
            st, why = (status, reason) if s.name == "extract" else ("skipped", "no content")
            self.store.set_stage(doc_id, s.name, s.version, st, why, self.run_id)
        self.progress.count(status)

    def _reset_failed(self, rewalk: bool) -> None:
        """Make failures (and items skipped for a missing tool) pending again."""
        with self.store.transaction():
            rows = docs.retryable(self.store)
            shas = {r["sha256"] for r in rows if r["sha256"]}
            for sha in shas:
                self.store.delete_content(sha)
                docs.set_pending(self.store, sha)
            if rewalk:  # failures of the walk itself (unreadable files) are found again by the walk
                docs.drop_walk_failures(self.store)
            self.store.log_action("retry-failed", {"documents": len(rows), "contents": len(shas), "run": self.run_id})

    def _reset_stale(self) -> None:
        """Documents whose extract stage ran with another version are extracted again."""
        ext = self.stages[0]
        with self.store.transaction():
            for sha in docs.stale_extractions(self.store, ext.name, ext.version):
                self.store.delete_content(sha)
                docs.set_pending(self.store, sha)

    # -- scheduling ----------------------------------------------------------------------------

    def _pool(self) -> Executor:
        if self.executor is not None:
            return self.executor(self)
        return Pool(self.workers, self.settings.as_dict(), self.project.root, self.project.tmp / "scratch",
                    self.passwords)

    def _rel(self, path: str | Path) -> str:
        """A path inside the project, relative to it: what a task carries (any worker with the project
        mounted finds it); a path outside (an input file) stays as it is."""
        p = Path(path)
        try:
            return str(p.relative_to(self.project.root))
        except ValueError:
            return str(p)

    def _extract(self, pool: Executor) -> None:
        inflight: set[str] = set()           # contents being extracted
        dispatched: set[str] = set()          # documents handed to the pool or waiting
        waiting: dict[str, list[dict[str, Any]]] = {}
        cursor = 0
        buffer: list[tuple[ItemTask, Result]] = []
        last_commit = time.monotonic()
        while True:
            fetched = 0
            if pool.capacity > 0:
                # what the pool can take, and a margin for rows that need no worker (duplicates):
                # rows fetched and not taken are read again next time (4 x capacity read 3 of 4 twice)
                want = min(FETCH, pool.capacity + 64)
                rows = self._fresh_rows(want)
                from_cursor = not rows
                if from_cursor:
                    rows = self.store.pending(cursor, want)
                fetched = len(rows)
                resolved: list[dict[str, Any]] = []
                known = self.store.known_contents({r["sha256"] for r in rows if r["sha256"] not in inflight})
                for taken, row in enumerate(rows, 1):
                    if from_cursor:
                        cursor = row["seq"]
                    if row["id"] in dispatched:
                        continue
                    sha = row["sha256"]
                    if sha in inflight:
                        waiting.setdefault(sha, []).append(row)
                        dispatched.add(row["id"])
                    elif sha in known or row["depth"] > self.settings.max_depth:
                        resolved.append(row)
                    else:
                        pool.submit(self._task(row))
                        fault("dispatch")
                        inflight.add(sha)
                        dispatched.add(row["id"])
                    if pool.capacity == 0:
                        if not from_cursor:  # the rest stay first in line
                            self._fresh.extendleft(r["id"] for r in reversed(rows[taken:]))
                        break
                if resolved:
                    with self.store.transaction():
                        for row in resolved:
                            self._resolve(row)
            buffer += pool.poll(0.05 if fetched else 0.3)
            if buffer and (time.monotonic() - last_commit > BATCH_SECONDS or pool.busy == 0):
                with self.store.transaction():
                    for task, result in buffer:
                        if is_partial(result):
                            self._write_partial(task, result)
                            continue
                        self._write(task, result, waiting.pop(task.sha256, []))
                        inflight.discard(task.sha256)
                    fault("before-commit")
                    if armed("mid-commit"):
                        kill_during_commit()
                fault("after-commit")
                buffer.clear()
                last_commit = time.monotonic()
                self._tick(pool)
                self._index_step()
            if not fetched and pool.busy == 0 and not buffer:
                if self.store.count_pending() == 0:
                    break
                cursor = 0  # children inserted behind the cursor, or duplicates to resolve
                dispatched -= {d["id"] for ds in waiting.values() for d in ds}
                waiting.clear()

    def _fresh_rows(self, limit: int) -> list[dict[str, Any]]:
        """Up to `limit` pending children found in this run (those not taken now the cursor finds later)."""
        ids = [self._fresh.popleft() for _ in range(min(limit, len(self._fresh)))]
        return self.store.pending_ids(ids) if ids else []

    def _reanchor(self) -> None:
        """Cited excerpts follow their text when a document was extracted again (`anchor`: moved, changed)."""
        counts: dict[str, int] = load_target(REANCHOR)(self.store)
        if any(counts.values()):
            self.log.event("citations-reanchored", **counts)

    def _corpus(self, names: set[str]) -> dict[str, Any]:
        """Corpus stages (threads, copies…): reducers over the whole store, after the item stages
        they require."""
        from ..pipeline.corpus import run_all

        return run_all(self.store, self.settings, self.run_id, self.project.root, self.log.event, only=names)

    def _indexer(self) -> Any:
        return load_target(INDEXER)(self.project.root, self.store, self.settings, self.run_id, log=self.log.event)

    def _index_step(self) -> None:
        """During extraction: index what is finished, briefly, so searches see the ingest grow."""
        if self.indexer is not None and time.monotonic() - self._last_index > INDEX_EVERY:
            self.progress.indexed += self.indexer.step(INDEX_BUDGET)
            self._last_index = time.monotonic()

    def _index(self, indexer: Any) -> None:
        """The last stage: the single writer brings the full-text index up to date."""
        def progress(done: int) -> None:
            self.progress.indexed = done
            self._tick()

        self.index_report = indexer.finish(progress)
        self.log.event("indexed", **self.index_report)

    def _task(self, row: dict[str, Any]) -> ItemTask:
        extra: TaskExtra = {"size": row["size"] or 0,
                            "row": {"id": row["id"], "path": row["path"], "root_id": row["root_id"], "depth": row["depth"]}}
        if row["parent_id"] is None:
            file = row["source"]
        else:
            file, blob = self._blob(row["sha256"])
            if blob is not None:
                extra["blob"] = blob
        return ItemTask(doc_id=row["id"], sha256=row["sha256"], file=file, name=row["path"],
                        mime_hint=row["mime_hint"], depth=row["depth"], stages=self.front,
                        extra=extra)

    def _blob(self, sha: str) -> tuple[str, tuple[str, int, int] | None]:
        """A child's bytes for a worker: its blob file, or where it is in a pack (the worker reads it);
        relative to the project folder."""
        blobs = self.project.blobs
        packed = blobs.packed(sha, look=False)  # packs known so far first: no system call
        loose = blobs.loose(sha)
        if packed is None and not os.path.exists(loose):
            packed = blobs.packed(sha)  # a pack line not read yet
        if packed is not None:
            return "", (self._rel(packed.pack), packed.offset, packed.size)
        return self._rel(loose), None

    # -- writing results -------------------------------------------------------------------------

    def _write(self, task: ItemTask, result: WorkerResult, others: list[dict[str, Any]]) -> None:
        """Store one content's result and apply it to every location waiting for it."""
        state = result.get("state") or {}
        stages = self._stamped(result)
        ext = stages.get("extract", {"status": "failed", "reason": "not extracted"})
        content = dict(state.get("content") or {})
        children = state.get("children") or []
        content.update(language=state.get("language"), languages=state.get("languages") or [], stages=stages)
        if result.get("traceback"):
            self.log.event("internal-error", document=task.doc_id, traceback=result["traceback"])
        self.store.put_content(task.sha256, task.extra.get("size"), ext["status"], ext["reason"], content)
        # contents are deleted with their children before a re-extraction, so this one is fresh
        self.store.put_content_children(task.sha256, children, offset=result.get("emitted", 0))
        self._outputs(task.sha256, result)
        fault("result")
        self.progress.extracted += 1
        self._apply(task.extra["row"], ext["status"], ext["reason"], content, stages, children)
        for other in others:
            self._resolve(other)

    def _outputs(self, sha: str, result: WorkerResult) -> None:
        """Stages that store outputs of their own (mentions, identifiers, dates…) write them here."""
        state = result.get("state") or {}
        for s in self.stages:
            if s.output and s.name in result["stages"]:
                load_target(s.output)(self.store, sha, state)

    def _write_partial(self, task: ItemTask, result: PartialResult) -> None:
        """A chunk of a container's children, written as it comes so memory stays bounded."""
        chunk = result["children"]
        self.store.put_content_children(task.sha256, chunk, offset=result["offset"], last=False)
        self._add_children(task.extra["row"], chunk, first=False)

    def _resolve(self, row: dict[str, Any]) -> None:
        """A pending document whose content is known already (or which is nested too deep)."""
        if row["depth"] > self.settings.max_depth:
            reason = f"nesting depth {row['depth']} over limit {self.settings.max_depth}"
            self.store.set_document(row["id"], status="skipped", reason=reason)
            self._record_without_content(row["id"], "skipped", reason)
            self.log.event("skipped", document=row["id"], path=row["path"], reason=reason)
            return
        content = self.store.content(row["sha256"], with_text=False)
        assert content is not None
        fault("resolve")
        self.progress.duplicates += 1
        self._apply(row, content["status"], content["reason"], content, content.get("stages") or {},
                    self.store.content_children(row["sha256"]))

    def _apply(self, row: RowRef | dict[str, Any], status: str, reason: str | None, content: dict[str, Any],
               stages: Mapping[str, Mapping[str, Any]], children: Iterable[Mapping[str, Any]]) -> None:
        doc_id = row["id"]
        self.store.set_document(doc_id, status=status, reason=reason, kind=content.get("kind"), mime=content.get("mime"))
        self.store.set_stages(doc_id, stages, self.run_id)
        self.store.drop_stage(doc_id, "index")  # indexed again with what the stages wrote
        self._add_children(row, children)
        self.progress.count(status)
        if status != "ok":
            self.log.event(status, document=doc_id, path=row["path"], reason=reason)

    def _add_children(self, row: RowRef | dict[str, Any], children: Iterable[Mapping[str, Any]],
                      first: bool = True) -> None:
        """Record an item's children; a few (a document's attachments) are extracted next."""
        doc_id = row["id"]
        fresh: list[str] = []
        for c in children:
            path = child_path(row["path"], c["name"])
            cid = document_id(row["root_id"], path)
            cstatus = c.get("status") or "pending"
            inserted = self.store.add_document({
                "id": cid, "parent_id": doc_id, "root_id": row["root_id"], "path": path, "name": c["name"],
                "name_raw": c.get("name_raw"), "sha256": c.get("sha256"), "size": c.get("size"),
                "depth": row["depth"] + 1, "mime_hint": c.get("mime_hint"),
                "item_meta": dumps(c.get("metadata") or {}), "status": cstatus, "reason": c.get("reason"),
            })
            fault("child")
            if inserted and cstatus == "pending":
                fresh.append(cid)
            elif inserted:
                self._record_without_content(cid, cstatus, c.get("reason"))
                self.log.event(cstatus, document=cid, path=path, reason=c.get("reason"))
        if first and len(fresh) <= FIRST_MAX:
            self._fresh.extend(fresh)

    def _stamped(self, result: WorkerResult) -> dict[str, StageRecord]:
        """A result's stage outcomes with the version of each stage that produced them."""
        return {name: {"version": self._version(name), "status": st["status"], "reason": st["reason"],
                       "seconds": st["seconds"]} for name, st in result.get("stages", {}).items()}

    def _version(self, stage: str) -> str:
        return next(s.version for s in self.stages if s.name == stage)

    # -- reporting -------------------------------------------------------------------------------

    def _tick(self, pool: Executor | None = None) -> None:
        if pool is not None:
            self.progress.peak_rss = max(self.progress.peak_rss, pool.rss() + self_rss())
            for event in pool.events:
                self.log.event(event.get("event", "executor"), **{k: v for k, v in event.items() if k != "event"})
            pool.events.clear()
        self.progress.pending = self.store.count_pending()
        if self.on_progress:
            self.on_progress(self.progress)
        self.log.maybe_progress(self.progress)

    def report(self) -> dict[str, Any]:
        """The closing report: counts by status, kind, reason, stage; time and rate."""
        summary = self.store.summary()
        p = self.progress
        return {
            "run": self.run_id, "seconds": round(p.elapsed, 2), "processed": p.done,
            "extracted": p.extracted, "duplicates": p.duplicates,
            "rate": round(p.done / p.elapsed, 1) if p.elapsed else None,
            "peak_rss_mb": round(p.peak_rss / (1 << 20), 1), "workers": self.workers,
            "corpus": self.corpus_report, "index": self.index_report, **summary,
        }
