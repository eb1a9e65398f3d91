"""The second frontier: the stages after searchability, run on stored text (`Ingest` inherits this).

Phase 1 (the orchestrator's extraction) runs only the stages the index needs — extract, OCR,
language — so a document is searchable as soon as it is extracted. Then this phase runs the later
item stages (entities, identifiers, dates, and any stage whose version changed) on the texts the
store holds, contents in batches: a stage with a batched reading (entities: one spaCy call for many
short e-mails) reads a whole batch at once, and a batch that crashes or hangs its worker is split
into contents run alone, so the culprit fails alone. Each result is written in the orchestrator's
transactions; a run killed here and started again finds the contents whose stages are missing or
stale and runs those only, so nothing is lost or written twice (outputs replace their rows).
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..model.document import own_spans
from ..store import documents as docs
from ..store.db import Store
from .executor import Executor, failure
from .faults import fault
from .progress import Progress
from .runlog import RunLog
from .shapes import StageRecord, TaskExtra, WorkerResult, is_partial
from .stages import Stage
from .worker import ItemTask

if TYPE_CHECKING:
    from ..settings import Settings
    from ..store.project import Project

# contents per analysis task: one model call amortised over many short texts, and at most this many
# characters (about what the entity recogniser reads in one call, `ner.BATCH_CHARS`), so a long text
# goes with few others and the last batches, run while other workers may already idle, are short
BATCH_ITEMS = 32
BATCH_CHARS = 64_000
FETCH_CONTENTS = 500     # stored texts read from the store at a time
COMMIT_SECONDS = 0.5     # results written together at most this often


class AnalysisPhase:
    """Phase 2 of an ingest: the later item stages on stored text, in batches (a mixin of `Ingest`)."""

    store: Store
    log: RunLog
    settings: Settings
    project: Project
    progress: Progress
    stages: list[Stage]
    run_id: str
    indexer: Any

    if TYPE_CHECKING:
        def _tick(self, pool: Executor | None = None) -> None: ...
        def _index_step(self) -> None: ...
        def _rel(self, path: str | Path) -> str: ...
        def _blob(self, sha: str) -> tuple[str, tuple[str, int, int] | None]: ...
        def _stamped(self, result: WorkerResult) -> dict[str, StageRecord]: ...
        def _outputs(self, sha: str, result: WorkerResult) -> None: ...

    def _searchable(self) -> None:
        """The first frontier reached: every extracted document is in the index (without what the
        analysis adds yet), before the analysis starts."""
        if self.indexer is None:
            return
        self.indexer.cursor = 0  # documents finished behind the cursor of the steps during extraction
        self.progress.indexed += self.indexer.step(None)
        self.log.event("searchable", documents=self.indexer.index.count(""), seconds=round(self.progress.elapsed, 2))

    def _analyse(self, pool: Executor, meanwhile: Callable[[], None]) -> None:
        """Run every later item stage that has not run at its current version, on stored text;
        `meanwhile` runs in this process once the workers have their first tasks (corpus stages
        that need no analysis).

        OCR run again (also when it was skipped for want of Tesseract, now found, or with OCR off,
        now on) reads the original bytes again, one content per task, and the stages after it run
        too: their text changes. The rest go in batches of contents with their texts."""
        from ..ocr import rerun

        later = [s for s in self.stages if s.name != "extract"]
        with self.store.transaction():  # items without content: nothing to run, only the version to note
            for s in later:
                docs.bump_version_without_content(self.store, s.name, s.version)
        ocr: list[str] = []
        todo: dict[tuple[str, ...], list[str]] = {}   # stage names → contents that need them
        for row in docs.content_stages(self.store):
            sha, done, status = row["sha256"], row["stages"], row["status"]
            names = [s.name for s in later if (done.get(s.name) or {}).get("version") != s.version
                     or (s.name == "ocr" and rerun.again(done.get(s.name), self.settings))]
            if not names or status == "pending":
                continue
            if "ocr" in names:
                ocr.append(sha)
            else:
                todo.setdefault(tuple(names), []).append(sha)
        total = len(ocr) + sum(map(len, todo.values()))
        if not total:
            meanwhile()
            return
        self.progress.to_analyse = total
        self.log.event("analysis-start", contents=total)
        tasks = self._ocr_tasks(ocr, [s.name for s in later])
        for group, shas in todo.items():
            tasks = _chain(tasks, self._batches(list(group), shas))
        self._run_later(pool, tasks, meanwhile)
        self.log.event("analysed", contents=self.progress.analysed, seconds=round(self.progress.elapsed, 2))

    def _ocr_tasks(self, shas: list[str], names: list[str]) -> Iterator[ItemTask]:
        """One task per content whose OCR runs again on its original bytes."""
        from ..ocr import rerun

        texts = self.project.tmp / "texts"
        for sha in shas:
            content = self.store.content(sha)
            assert content is not None
            texts.mkdir(exist_ok=True)
            (texts / sha).write_text(content.get("text") or "", "utf-8", "surrogatepass")
            extra: TaskExtra = {"text_file": self._rel(texts / sha), "size": 0, "language": content.get("language"),
                                "metadata": content.get("metadata") or {},
                                "content_file": self._rel(rerun.content_file(texts, sha, content))}
            file, blob = self._blob(sha)
            if blob is not None:
                extra["blob"] = blob
            else:
                file = self._rel(rerun.original(self.project.root / file, self.store.locations(sha)))
            yield ItemTask(doc_id=sha, sha256=sha, file=file, name=sha, mime_hint=None, depth=0, stages=names,
                           extra=extra)

    def _batches(self, names: list[str], shas: list[str]) -> Iterator[ItemTask]:
        """Batch tasks of contents that need the stages `names`, with their stored texts.

        A text travels with its task, cut to what the analysis reads (`analysis_max_chars`, plus one
        character so the stage still says it read only the first part)."""
        limit = int(self.settings.analysis_max_chars) + 1
        batch: list[ItemTask] = []
        chars = 0
        for i in range(0, len(shas), FETCH_CONTENTS):
            part = shas[i:i + FETCH_CONTENTS]
            rows = docs.contents_by_sha(self.store, part, ("text", "language", "metadata", "segments"))
            for sha in part:
                row = rows.get(sha)
                if row is None:  # deleted since (a retry): nothing to analyse
                    continue
                text = (row["text"] or "")[:limit]
                extra: TaskExtra = {"language": row["language"], "metadata": json.loads(row["metadata"] or "{}")}
                kept = own_spans(json.loads(row["segments"] or "[]"))
                if kept:
                    extra["kept"] = kept
                sub = ItemTask(doc_id=sha, sha256=sha, file="", name=sha, mime_hint=None, depth=0, stages=names,
                               text=text, extra=extra)
                if batch and (len(batch) >= BATCH_ITEMS or chars + len(text) > BATCH_CHARS):
                    yield _batch(batch, names)
                    batch, chars = [], 0
                batch.append(sub)
                chars += len(text)
        if batch:
            yield _batch(batch, names)

    def _run_later(self, pool: Executor, tasks: Iterator[ItemTask], meanwhile: Callable[[], None]) -> None:
        """Keep the pool fed with `tasks`; write results as they come (a failed batch is split)."""
        queue: list[ItemTask] = []     # the contents of failed batches, each to run alone
        buffer: list[tuple[ItemTask, WorkerResult]] = []
        last = time.monotonic()
        more = True
        started = False  # whether `meanwhile` ran
        while more or queue or pool.busy or buffer:
            while pool.capacity > 0 and (queue or more):
                task = queue.pop() if queue else next(tasks, None)
                if task is None:
                    more = False
                    break
                pool.submit(task)
                fault("analysis-dispatch")
            polled = pool.poll(0.05)  # (the first poll hands the first tasks to the workers)
            if not started:
                started = True
                meanwhile()
            for task, result in polled:
                if is_partial(result):  # OCR's "alive" between pages
                    continue
                if task.batch and "batch" not in result and len(task.batch) > 1:
                    # the batch failed as a whole (its worker crashed, hung or ran out of memory):
                    # each content runs alone, so the next failure is the culprit's own
                    self.log.event("analysis-batch-split", contents=len(task.batch), reason=_reason(result))
                    queue += [_batch([sub], sub.stages) for sub in task.batch]
                    continue
                buffer.append((task, result))
            if buffer and (time.monotonic() - last > COMMIT_SECONDS or not pool.busy):
                with self.store.transaction():
                    for task, result in buffer:
                        for sub, r in _per_content(task, result):
                            self._write_stages(sub.sha256, r)
                            fault("analysis-result")
                fault("analysis-commit")
                buffer.clear()
                last = time.monotonic()
                self._tick(pool)
                self._index_step()

    def _write_stages(self, sha: str, result: WorkerResult) -> None:
        """Store the result of later stages run on one content, on every location of it.

        The index is told to read a document again only when its text or language changed (OCR or
        language ran again): the analysis stages' rows reach the index through the corpus stages
        (entity grouping re-indexes the documents whose entities changed)."""
        content = self.store.content(sha, with_text=False)
        if content is None:  # deleted since it was dispatched (not in one ingest: kept for safety)
            return
        stages = dict(content.get("stages") or {})
        fresh = self._stamped(result)
        stages.update(fresh)
        state = result.get("state") or {}
        fields: dict[str, Any] = {"stages": stages}
        if "language" in fresh:
            fields.update(language=state.get("language"), languages=state.get("languages") or [])
        if "ocr" in fresh and state.get("content"):  # OCR read again: its text and pages replace the old
            fields.update({k: state["content"].get(k) for k in ("text", "pages", "segments", "flags")})
            fields["text"] = fields["text"] or ""
        if result.get("traceback"):
            self.log.event("internal-error", document=sha, traceback=result["traceback"])
        self.store.update_content(sha, **fields)
        self._outputs(sha, result)
        reindex = "ocr" in fresh or "language" in fresh
        ids = docs.ids_with_sha(self.store, sha)
        for doc_id in ids:
            for name, st in fresh.items():
                self.store.set_stage(doc_id, name, st["version"], st["status"], st["reason"], self.run_id, st.get("seconds"))
            if reindex:
                self.store.drop_stage(doc_id, "index")
        self.progress.analysed += 1
        self.progress.analysed_documents += len(ids)


def _batch(subs: list[ItemTask], names: list[str]) -> ItemTask:
    """A task running `names` on the contents `subs`; named after them, so a seeded worker fault
    (FAISCEAU_FAULT=worker-crash:SHA) reaches the batch that holds that content."""
    first = subs[0]
    # `isolated`: a batch is a worker's whole load, one at a time. A pool fills a worker with small
    # tasks up to a byte budget, which handed every batch of a small set to the first worker while the
    # other idled (measured: half the analysis phase's worker time lost on 583 e-mails).
    return ItemTask(doc_id=f"batch-{first.sha256}", sha256=first.sha256, file="", name=" ".join(s.name for s in subs),
                    mime_hint=None, depth=0, stages=list(names), extra={"size": 0, "isolated": True}, batch=subs)


def _per_content(task: ItemTask, result: WorkerResult) -> Iterator[tuple[ItemTask, WorkerResult]]:
    """A result for each content of a task: a batch's own results, or the failure of a content that
    failed alone (its first stage failed with the reason, the later ones skipped)."""
    if not task.batch:
        yield task, result
        return
    if "batch" in result:
        yield from zip(task.batch, result["batch"])
        return
    sub = task.batch[0]
    lone = failure(sub, _reason(result))
    if result.get("traceback"):
        lone["traceback"] = result["traceback"]
    yield sub, lone


def _reason(result: WorkerResult) -> str:
    """Why a task failed as a whole: the reason of its failed stage."""
    return next((st["reason"] or "failed" for st in result.get("stages", {}).values() if st["status"] == "failed"),
                "failed")


def _chain(first: Iterator[ItemTask], then: Iterator[ItemTask]) -> Iterator[ItemTask]:
    yield from first
    yield from then
