"""A local process pool where one item's crash, hang or memory blow-up ends only that item.

Each worker is a spawned process with an address-space limit; the parent keeps at most
`DEPTH` tasks in flight per worker, kills a worker whose current task runs past its time
limit, records that task as failed, restarts the worker and re-queues its other tasks.
"""

from __future__ import annotations

import collections
import multiprocessing as mp
import multiprocessing.connection as mpc
import os
import signal
import time
import traceback
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .worker import ItemTask

DEPTH = 16             # tasks queued per worker, so it never idles while the parent writes results…
DEPTH_BYTES = 4 << 20  # …as long as they are small: a big item waits for a worker of its own
GRACE = 5.0  # seconds past the unit's limit before the worker is killed


@dataclass
class _Slot:
    proc: Any
    conn: mpc.Connection
    inflight: collections.deque[tuple[ItemTask, float]] = field(default_factory=collections.deque)
    head_started: float = 0.0


def _worker_main(conn: mpc.Connection, settings: dict[str, Any], spool: str, scratch: str,
                 passwords: list[str]) -> None:
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent decides when to stop
    limit = int(settings.get("memory_limit") or 0)
    if limit > 0:
        import resource

        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    from ..extract.base import Context
    from ..settings import Settings
    from .worker import process

    cfg = Settings(settings)
    scratch_dir = Path(scratch)
    scratch_dir.mkdir(parents=True, exist_ok=True)
    while True:
        try:
            task = conn.recv()
        except EOFError:
            return
        if task is None:
            return
        started = time.monotonic()
        _worker_fault(task.name)
        ctx = Context(settings=cfg, scratch=scratch_dir, passwords=passwords, depth=task.depth, name=task.name,
                      deadline=started + unit_time_limit(task, cfg.time_limit))
        try:
            result = process(task, ctx, Path(spool))
        except MemoryError:
            result = _failure(task, "memory limit exceeded")
        except Exception as e:  # a programming error: recorded on this item only, with its trace
            result = _failure(task, f"internal error: {type(e).__name__}: {e}"[:300])
            result["traceback"] = traceback.format_exc()[-4000:]
        conn.send(result)


def _worker_fault(name: str) -> None:
    """Seeded worker faults for the isolation tests: FAISCEAU_FAULT=worker-crash:NAME or worker-hang:NAME."""
    spec = os.environ.get("FAISCEAU_FAULT", "")
    kind, _, needle = spec.partition(":")
    if needle and needle in name:
        if kind == "worker-crash":
            os.kill(os.getpid(), signal.SIGSEGV)
        elif kind == "worker-hang":
            time.sleep(10**6)


def unit_time_limit(task: ItemTask, base: float) -> float:
    """A unit's time limit: the base, scaled up for large containers (1x per 100 MB)."""
    size = task.extra.get("size") or 0
    return float(base) * max(1.0, size / (100 << 20))


def _failure(task: ItemTask, reason: str) -> dict[str, Any]:
    first = task.stages[0]
    stages = {first: {"status": "failed", "reason": reason, "seconds": None}}
    for later in task.stages[1:]:
        stages[later] = {"status": "skipped", "reason": f"{first} failed", "seconds": None}
    return {"doc_id": task.doc_id, "sha256": task.sha256, "stages": stages, "state": {}, "fatal": True}


class Pool:
    """Run ItemTasks on `n` worker processes; `results()` yields (task, result) as they finish."""

    def __init__(self, n: int, settings: dict[str, Any], spool: Path, scratch: Path, passwords: list[str]) -> None:
        self.n = n
        self.settings = settings
        self.spool, self.scratch, self.passwords = spool, scratch, passwords
        self.ctx = mp.get_context("spawn")
        self.queue: collections.deque[ItemTask] = collections.deque()
        self.slots: list[_Slot] = [self._start(i) for i in range(n)]
        self.restarts = 0

    def _start(self, i: int) -> _Slot:
        parent, child = self.ctx.Pipe()
        proc = self.ctx.Process(target=_worker_main, name=f"faisceau-worker-{i}", daemon=True,
                                args=(child, self.settings, str(self.spool), str(self.scratch / f"w{i}-{time.time_ns()}"),
                                      self.passwords))
        proc.start()
        child.close()
        return _Slot(proc, parent)

    def submit(self, task: ItemTask) -> None:
        self.queue.append(task)

    @property
    def busy(self) -> int:
        return len(self.queue) + sum(len(s.inflight) for s in self.slots)

    @property
    def capacity(self) -> int:
        """How many more tasks may be submitted without growing the queue past the workers."""
        return max(0, self.n * DEPTH - self.busy)

    def _dispatch(self) -> None:
        now = time.monotonic()
        for slot in sorted(self.slots, key=lambda s: len(s.inflight)):
            while self.queue and (not slot.inflight or (
                    len(slot.inflight) < DEPTH
                    and sum(t.extra.get("size", 0) for t, _ in slot.inflight) + self.queue[0].extra.get("size", 0)
                    < DEPTH_BYTES)):
                task = self.queue.popleft()
                if not slot.inflight:
                    slot.head_started = now
                slot.inflight.append((task, now))
                slot.conn.send(task)

    def poll(self, timeout: float = 0.5) -> list[tuple[ItemTask, dict[str, Any]]]:
        """Dispatch queued tasks and collect what finished within `timeout` seconds."""
        self._dispatch()
        done: list[tuple[ItemTask, dict[str, Any]]] = []
        waitables: list[Any] = []
        for s in self.slots:
            if s.inflight:
                waitables += [s.conn, s.proc.sentinel]
        if not waitables:
            return done
        ready = mpc.wait(waitables, timeout)
        now = time.monotonic()
        for i, slot in enumerate(self.slots):
            if slot.conn in ready:
                while slot.inflight and slot.conn.poll():
                    try:
                        result = slot.conn.recv()
                    except (EOFError, OSError):
                        break
                    task, _ = slot.inflight.popleft()
                    done.append((task, result))
                    slot.head_started = now
            if slot.inflight and not slot.proc.is_alive():
                done.append(self._lose(i, _death_reason(slot.proc.exitcode)))
            elif slot.inflight:
                task, _ = slot.inflight[0]
                limit = unit_time_limit(task, self.settings["time_limit"])
                if now - slot.head_started > limit + GRACE:
                    slot.proc.kill()
                    slot.proc.join(5)
                    done.append(self._lose(i, f"time limit {int(limit)} s exceeded"))
        self._dispatch()
        return done

    def _lose(self, i: int, reason: str) -> tuple[ItemTask, dict[str, Any]]:
        """The worker died on its head task: fail that task, re-queue the rest, restart it."""
        slot = self.slots[i]
        task, _ = slot.inflight.popleft()
        for other, _ in reversed(slot.inflight):
            self.queue.appendleft(other)
        slot.inflight.clear()
        slot.conn.close()
        slot.proc.join(1)
        self.slots[i] = self._start(i)
        self.restarts += 1
        return task, _failure(task, reason)

    def close(self) -> None:
        for slot in self.slots:
            try:
                slot.conn.send(None)
            except (OSError, BrokenPipeError):
                pass
        for slot in self.slots:
            slot.proc.join(10)
            if slot.proc.is_alive():
                slot.proc.kill()
                slot.proc.join(5)

    def rss(self) -> int:
        """Summed resident memory of the workers, in bytes."""
        import psutil

        total = 0
        for slot in self.slots:
            try:
                p = psutil.Process(slot.proc.pid)
                total += p.memory_info().rss + sum(c.memory_info().rss for c in p.children(recursive=True))
            except psutil.Error:
                pass
        return total


def _death_reason(exitcode: int | None) -> str:
    if exitcode is not None and exitcode < 0:
        try:
            name = signal.Signals(-exitcode).name
        except ValueError:
            name = f"signal {-exitcode}"
        if name == "SIGKILL":
            return "memory limit exceeded (worker killed)"
        return f"parser crashed ({name})"
    return f"parser crashed (exit {exitcode})"
