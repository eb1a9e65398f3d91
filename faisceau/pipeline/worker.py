"""What a worker does with one item: run the requested item stages in order.

Input in, result out: the worker never opens the store or the index, so the same function runs in
any executor (`executor.run_one` wraps it with what every executor shares).
"""

from __future__ import annotations

import hashlib
import os
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from ..extract.base import Context
from ..extract.run import MEMORY_REASON, out_of_memory
from ..reasons import internal_error, item_paths, scrub
from ..store.blobs import BlobStore, Packed, write_all
from .shapes import ChildRecord, StageResult, StageState, TaskExtra, WorkerResult
from .stages import load_target, stage


def unpack(task: ItemTask, dest: Path) -> str | None:
    """Write a packed item's bytes to `dest` (one file per worker, rewritten for each item) and point
    the task at it; why not, when the pack cannot be read or no longer holds the item's bytes."""
    pack, offset, size = task.extra["blob"]
    try:
        data = Packed(Path(pack), int(offset), int(size)).read()
    except OSError as e:
        return f"original not readable: {e.strerror or e}"
    if hashlib.sha256(data).hexdigest() != task.sha256:
        return "original damaged: its SHA-256 changed in the blob store"
    # Rewritten in place, never truncated to nothing first: on ext4, truncating a file to zero and
    # writing it again allocates its blocks at once (to keep the data of programs that replace
    # files so), which made this as slow as creating a new file, 4,800 a second against 136,000.
    fd = os.open(dest, os.O_WRONLY | os.O_CREAT | getattr(os, "O_CLOEXEC", 0), 0o600)
    try:
        write_all(fd, data)  # from the start: the file is opened without O_APPEND
        os.ftruncate(fd, len(data))
    finally:
        os.close(fd)
    task.file = str(dest)
    return None


def ran_out_of_memory(result: WorkerResult) -> bool:
    """Whether any stage of a result failed on the memory limit."""
    return any(s.get("reason") == MEMORY_REASON for s in result.get("stages", {}).values())


@dataclass
class ItemTask:
    """One item to process; `text` is given when extract is not among the stages."""

    doc_id: str
    sha256: str
    file: str
    name: str
    mime_hint: str | None
    depth: int
    stages: list[str]
    text: str | None = None
    extra: TaskExtra = field(default_factory=lambda: TaskExtra())
    # a batch: the contents whose later stages run together on their stored text (each a task of its
    # own, with `text`); the batch task's `stages` are theirs. Empty for a task of one item.
    batch: list[ItemTask] = field(default_factory=list)


def run_extract(task: ItemTask, state: StageState, ctx: Context, blobs: BlobStore) -> tuple[str, str | None]:
    from ..extract.run import extract_item

    # emit stays in the state: the OCR stage after this one uses it to tell the pool it is alive
    result = extract_item(Path(task.file), task.name, task.mime_hint, ctx, blobs, state.get("emit"))
    state["content"] = result["content"]
    state["children"] = result["children"]
    state["text"] = result["content"]["text"]
    state["extracted"] = result["status"]  # later stages skip what extraction could not read
    return result["status"], result["reason"]


def run_language(task: ItemTask, state: StageState, ctx: Context, blobs: BlobStore) -> tuple[str, str | None]:
    from ..extract.language import detect

    text: str | None
    if "text" in state:
        text = state["text"]
    elif task.extra.get("text_file"):
        text = Path(task.extra["text_file"]).read_text("utf-8", "surrogatepass")
    else:
        text = task.text
    if not text or not text.strip():
        state["language"], state["languages"] = None, []
        return "skipped", "no text"
    lang, langs = detect(text, int(ctx.settings.language_sample))
    state["language"], state["languages"] = lang, langs
    return "ok", None


def _target(name: str) -> Callable[..., tuple[str, str | None]]:
    fn: Callable[..., tuple[str, str | None]] = load_target(stage(name).target)
    return fn


def _run_stage(name: str, task: ItemTask, state: StageState, ctx: Context, blobs: BlobStore, known: dict[str, str],
               errors: list[str]) -> StageResult:
    """One stage on one item; a later stage's exception becomes its own failure (extract's is raised)."""
    t0 = time.monotonic()
    try:
        status, reason = _target(name)(task, state, ctx, blobs)
    except Exception as e:  # a later stage's bug never costs the item its extraction
        if name == "extract":
            raise
        if out_of_memory(e):
            status, reason = "failed", MEMORY_REASON
        else:
            status, reason = "failed", internal_error(e, known)
            errors.append(f"stage {name}: " + traceback.format_exc())
    if reason:  # a stage's reason may quote a library's message naming a file of the machine
        reason = scrub(reason, known)
    return {"status": status, "reason": reason, "seconds": round(time.monotonic() - t0, 4)}


def process(task: ItemTask, ctx: Context, blobs: BlobStore,
            emit: Callable[[list[ChildRecord]], None] | None = None) -> WorkerResult:
    """Run the task's stages in order; one stage's data error never hides another's result.

    `emit` receives a container's children in chunks while it is being extracted. A batch task
    (`task.batch`) runs its contents' stages together: `process_batch`."""
    if task.batch:
        return process_batch(task, ctx, blobs)
    state: StageState = {"emit": emit} if emit is not None else {}
    stages: dict[str, StageResult] = {}
    errors: list[str] = []
    known = item_paths(task.file, task.name)
    for name in task.stages:
        stages[name] = _run_stage(name, task, state, ctx, blobs, known, errors)
    state.pop("emit", None)  # not data: never sent back
    result: WorkerResult = {"doc_id": task.doc_id, "sha256": task.sha256, "stages": stages, "state": state}
    if errors:
        result["traceback"] = "\n".join(errors)  # logged by the orchestrator as an internal error
    return result


def process_batch(task: ItemTask, ctx: Context, blobs: BlobStore) -> WorkerResult:
    """Run the later stages of a batch of contents, stage by stage; one result per content in `batch`.

    A stage declared with a `batch` target reads every content of the batch in one call (entities:
    one model call for many short e-mails, instead of one each). When that call raises, the stage runs
    on each content alone, so a bad text fails its own stage and not its batch-mates'. A memory
    failure asks the pool to run the whole batch again in a new worker first (`stages` of the batch
    task then say so), as for a single item: the worker's memory may have been spent by earlier items."""
    subs = task.batch
    states: list[StageState] = [{} for _ in subs]
    results: list[dict[str, StageResult]] = [{} for _ in subs]
    errors: list[list[str]] = [[] for _ in subs]
    known = [item_paths(sub.file, sub.name) for sub in subs]
    for name in task.stages:
        batched = stage(name).batch
        outcomes: list[tuple[str, str | None]] | None = None
        t0 = time.monotonic()
        if batched:
            try:
                outcomes = load_target(batched)(subs, states, ctx)
            except Exception:  # run alone on each content below: the culprit fails alone
                outcomes = None
        if outcomes is not None:
            share = round((time.monotonic() - t0) / len(subs), 4)  # the call's time, shared out
            for i, (status, reason) in enumerate(outcomes):
                results[i][name] = {"status": status, "reason": scrub(reason, known[i]) if reason else None,
                                    "seconds": share}
            continue
        for i, sub in enumerate(subs):
            results[i][name] = _run_stage(name, sub, states[i], ctx, blobs, known[i], errors[i])
    out: list[WorkerResult] = []
    for sub, state, stages, errs in zip(subs, states, results, errors):
        r: WorkerResult = {"doc_id": sub.doc_id, "sha256": sub.sha256, "stages": stages, "state": state}
        if errs:
            r["traceback"] = "\n".join(errs)
        out.append(r)
    result: WorkerResult = {"doc_id": task.doc_id, "sha256": task.sha256, "stages": {}, "state": {}, "batch": out}
    if not task.extra.get("fresh") and any(ran_out_of_memory(r) for r in out):
        # seen by the pool as the task's memory failure: the batch runs again alone in a new worker
        result["stages"] = {"batch": {"status": "failed", "reason": MEMORY_REASON, "seconds": None}}
    return result
