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


def process(task: ItemTask, ctx: Context, blobs: BlobStore,
            emit: Callable[[list[ChildRecord]], None] | None = None) -> WorkerResult:
    """Run the task's stages in order; one stage's data error never hides another's result.

    `emit` receives a container's children in chunks while it is being extracted."""
    state: StageState = {"emit": emit} if emit is not None else {}
    stages: dict[str, StageResult] = {}
    errors: list[str] = []
    known = item_paths(task.file, task.name)
    for name in task.stages:
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
        stages[name] = {"status": status, "reason": reason, "seconds": round(time.monotonic() - t0, 4)}
    state.pop("emit", None)  # not data: never sent back
    result: WorkerResult = {"doc_id": task.doc_id, "sha256": task.sha256, "stages": stages, "state": state}
    if errors:
        result["traceback"] = "\n".join(errors)  # logged by the orchestrator as an internal error
    return result
