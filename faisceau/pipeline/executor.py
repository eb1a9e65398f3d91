"""The executor seam: how the orchestrator has item tasks run, wherever they run.

The orchestrator depends on the `Executor` protocol only. `pool.Pool` (local worker processes with
time and memory limits) is the first implementation; `InlineExecutor` runs tasks in the calling
process, for tests of the orchestrator and for debugging. Whatever runs a task calls `run_one`, the
per-task body every executor shares.

A container's children may stream back while it is being extracted (a mailbox of a million messages
is never held whole): the task's `emit` sink receives them in chunks (an empty chunk says "alive",
as OCR sends between pages). The pool sends them on its pipe; an executor whose tasks return only once
uses `SpoolSink`, which writes each chunk to a file in the project's spool, and hands the chunks to
the orchestrator before the task's result with `spooled_chunks`.
"""

from __future__ import annotations

import errno
import os
import signal
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import orjson

from ..extract.base import Context
from ..extract.run import MEMORY_REASON, out_of_memory
from ..reasons import internal_error, item_paths
from ..settings import Settings
from ..store.blobs import BlobStore
from .shapes import ChildRecord, PartialResult, PoolEvent, Result, StageResult, WorkerResult
from .worker import ItemTask, process, unpack

ChildSink = Callable[[list[ChildRecord]], None]


class Executor(Protocol):
    """What the orchestrator needs of whatever runs its item tasks."""

    events: list[PoolEvent]  # worker restarts and the like, for the run log (the caller drains it)

    @property
    def capacity(self) -> int:
        """How many more tasks may be submitted now without queueing past what the workers hold."""

    @property
    def busy(self) -> int:
        """Tasks submitted and not yet returned."""

    def submit(self, task: ItemTask) -> None:
        """Queue one task; its result comes back from `poll`."""

    def poll(self, timeout: float) -> list[tuple[ItemTask, Result]]:
        """(task, result) pairs finished within `timeout` seconds; chunks of children come first."""

    def rss(self) -> int:
        """Resident memory of the workers, in bytes (0 when unknown)."""

    def close(self) -> None:
        """Stop the workers; tasks not returned stay pending in the store."""


@dataclass
class WorkerEnv:
    """What a worker holds for every task: settings, the project's blob store, a scratch folder."""

    settings: Settings
    root: Path  # the project folder, as this worker sees it: task paths are relative to it
    blobs: BlobStore
    scratch: Path
    passwords: list[str]
    item_file: Path  # a packed item's bytes, written out for its extractor (one file per worker)
    served: int = 0  # tasks this worker has begun

    @classmethod
    def make(cls, settings: Settings, root: Path, scratch: Path, passwords: list[str]) -> WorkerEnv:
        """The environment of a worker of the project at `root`, with its own scratch folder."""
        scratch.mkdir(parents=True, exist_ok=True)
        return cls(settings, root, BlobStore(root / "blobs"), scratch, passwords,
                   scratch.with_name(scratch.name + ".item"))


def run_one(task: ItemTask, env: WorkerEnv, emit: ChildSink | None = None) -> WorkerResult:
    """Run one task's stages: the body every executor shares.

    A packed item's bytes are written out first; a programming error anywhere becomes this item's
    `failed: internal error: …` with its traceback, and running out of memory its memory reason."""
    started = time.monotonic()
    ctx = Context(settings=env.settings, scratch=env.scratch, passwords=env.passwords, depth=task.depth,
                  name=task.name, deadline=started + unit_time_limit(task, env.settings.time_limit))
    try:
        _locate(task, env.root)
        _worker_fault(task.name, env.served)
        env.served += 1
        unreadable = unpack(task, env.item_file) if task.extra.get("blob") else None
        return failure(task, unreadable) if unreadable else process(task, ctx, env.blobs, emit)
    except Exception as e:  # a programming error: recorded on this item only, with its trace
        if out_of_memory(e):
            return failure(task, MEMORY_REASON)
        result = failure(task, internal_error(e, item_paths(task.file, task.name)))
        result["traceback"] = traceback.format_exc()[-4000:]
        return result


def _locate(task: ItemTask, root: Path) -> None:
    """Make a task's paths, relative to the project folder, this worker's paths (an input file's
    absolute path stays as it is)."""
    if task.file:
        task.file = str(root / task.file)
    extra = task.extra
    if "blob" in extra:
        pack, offset, size = extra["blob"]
        extra["blob"] = (str(root / pack), offset, size)
    for key in ("text_file", "content_file"):
        if key in extra:
            extra[key] = str(root / extra[key])


def unit_time_limit(task: ItemTask, base: float) -> float:
    """A unit's time limit: the base, scaled up for large containers (1x per 100 MB)."""
    size = task.extra.get("size") or 0
    return float(base) * max(1.0, size / (100 << 20))


def failure(task: ItemTask, reason: str) -> WorkerResult:
    """The result of a task that failed as a whole: its first stage failed, the later ones skipped."""
    first = task.stages[0]
    stages: dict[str, StageResult] = {first: {"status": "failed", "reason": reason, "seconds": None}}
    for later in task.stages[1:]:
        stages[later] = {"status": "skipped", "reason": f"{first} failed", "seconds": None}
    return {"doc_id": task.doc_id, "sha256": task.sha256, "stages": stages, "state": {}, "fatal": True}


def _worker_fault(name: str, served: int) -> None:
    """Seeded worker faults for the isolation tests: FAISCEAU_FAULT=KIND:NAME, where KIND is
    worker-crash, worker-hang, worker-oom (the item always exceeds the memory limit) or
    worker-spent (the worker's memory is spent unless the item is its first)."""
    spec = os.environ.get("FAISCEAU_FAULT", "")
    kind, _, needle = spec.partition(":")
    if needle and needle in name:
        if kind == "worker-crash":
            os.kill(os.getpid(), signal.SIGSEGV)
        elif kind == "worker-hang":
            time.sleep(10**6)
        elif kind == "worker-oom":
            raise MemoryError
        elif kind == "worker-spent" and served:
            raise OSError(errno.ENOMEM, os.strerror(errno.ENOMEM))


class SpoolSink:
    """Chunks of one task's children written to files in a spool folder, for executors whose tasks
    return once (a remote worker): `spooled_chunks` reads them back in order. The folder must be outside
    the worker's scratch folder, which extraction empties after each item."""

    def __init__(self, folder: Path, task: ItemTask) -> None:
        self.folder = folder / task.doc_id
        self.doc_id = task.doc_id
        self.offset = 0

    def __call__(self, chunk: list[ChildRecord]) -> None:
        if not chunk:
            return  # "alive": nobody watches a remote task's clock through this sink
        self.folder.mkdir(parents=True, exist_ok=True)
        part = self.folder / f"{self.offset:012d}.json"
        tmp = part.with_suffix(".part")
        tmp.write_bytes(orjson.dumps(chunk))
        os.replace(tmp, part)  # whole or absent: a killed worker leaves no half chunk
        self.offset += len(chunk)


def spooled_chunks(folder: Path, doc_id: str) -> list[PartialResult]:
    """The chunks a `SpoolSink` wrote for a task, in order, as the partial results the pool would send;
    the files are removed."""
    where = folder / doc_id
    if not where.is_dir():
        return []
    out: list[PartialResult] = []
    for part in sorted(where.glob("*.json")):
        out.append({"partial": True, "doc_id": doc_id, "offset": int(part.stem),
                    "children": orjson.loads(part.read_bytes())})
        part.unlink()
    where.rmdir()
    return out


class InlineExecutor:
    """Runs each task in this process when polled, one at a time: no limits, no isolation.

    For tests of the orchestrator (`tests/pipeline/`) and for debugging an extractor under pdb.
    Children stream through a `SpoolSink` in the project's spool, as on a remote executor."""

    def __init__(self, settings: Settings, root: Path, scratch: Path, passwords: list[str] | None = None) -> None:
        self.env = WorkerEnv.make(settings, root, scratch, passwords or [])
        # in the project's tmp/, not in the scratch folder: extraction empties that after each item
        self.spool = root / "tmp" / "spool"
        self.queue: list[ItemTask] = []
        self.events: list[PoolEvent] = []
        self.depth = 64

    @property
    def capacity(self) -> int:
        return max(0, self.depth - len(self.queue))

    @property
    def busy(self) -> int:
        return len(self.queue)

    def submit(self, task: ItemTask) -> None:
        self.queue.append(task)

    def poll(self, timeout: float) -> list[tuple[ItemTask, Result]]:
        """Run the next queued task (at most one per call, so the orchestrator commits as it goes)."""
        if not self.queue:
            return []
        task = self.queue.pop(0)
        result = run_one(task, self.env, SpoolSink(self.spool, task))
        chunks = spooled_chunks(self.spool, task.doc_id)
        result["emitted"] = sum(len(c["children"]) for c in chunks)
        done: list[tuple[ItemTask, Result]] = [(task, chunk) for chunk in chunks]
        done.append((task, result))
        return done

    def rss(self) -> int:
        return 0

    def close(self) -> None:
        self.queue.clear()

