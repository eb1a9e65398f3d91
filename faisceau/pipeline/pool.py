"""A local process pool where one item's crash, hang or memory blow-up ends only that item.

Each worker is a spawned process with an address-space limit. Tasks travel in batches and
results come back in batches (fewer wake-ups and system calls per item), at most `DEPTH`
small tasks in flight per worker. When a worker dies or runs past its current unit's time
limit, the parent kills and restarts it: if that worker held a single task, the task is
recorded as failed (`parser crashed (SIGSEGV)`, `time limit 120 s exceeded`); if it held
several, they are all queued again *isolated* — each sent alone to a worker — so the next
failure names the one item that causes it and the others go through.
"""

from __future__ import annotations

import collections
import errno
import multiprocessing as mp
import multiprocessing.connection as mpc
import os
import signal
import time
import traceback
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..extract.run import MEMORY_REASON
from ..reasons import internal_error, item_paths
from .worker import ItemTask

DEPTH = 128            # tasks queued per worker, so it never idles while the parent writes results…
DEPTH_BYTES = 4 << 20  # …as long as they are small: a big item waits for a worker of its own
GRACE = 5.0            # seconds past the unit's limit before the worker is killed
FLUSH_ITEMS = 64       # a worker sends its results at least every this many items…
FLUSH_SECONDS = 0.05   # …or this often, and whenever it has nothing left to do
CHILDREN_SECONDS = 3.0  # how often the workers' children are looked for when memory is summed
# A long-lived worker's address space grows (freed memory not returned, libraries' caches) until an
# ordinary item fails on the limit: past this share of the limit, the worker hands back the tasks it
# has not begun and a new one takes over. Read at most every RECYCLE_EVERY seconds.
# A worker does at least RECYCLE_AFTER items, so that a limit too small for the models it loads costs
# one reload per RECYCLE_AFTER items, not one per item.
RECYCLE_SHARE = 0.6
RECYCLE_EVERY = 0.25
RECYCLE_AFTER = 16
PAGE = os.sysconf("SC_PAGE_SIZE")
# forkserver: workers start from a clean, small server process that has already imported the
# extractors and loaded the language model, so a (re)start costs milliseconds, not seconds,
# and never inherits the parent's open database or threads.
PRELOAD = ["faisceau.pipeline.worker", "faisceau.extract.warm"]


@dataclass
class _Slot:
    proc: Any
    conn: mpc.Connection
    inflight: collections.deque[ItemTask] = field(default_factory=collections.deque)
    head_started: float = 0.0


def _worker_main(conn: mpc.Connection, settings: dict[str, Any], blobs_root: str, scratch: str,
                 passwords: list[str]) -> None:
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent decides when to stop
    limit = int(settings.get("memory_limit") or 0)
    if limit > 0:
        import resource

        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    from ..extract.base import Context
    from ..ingest.blobs import BlobStore
    from ..settings import Settings
    from ..extract.run import out_of_memory
    from .worker import process, ran_out_of_memory, unpack

    cfg = Settings(settings)
    blobs = BlobStore(Path(blobs_root))
    scratch_dir = Path(scratch)
    scratch_dir.mkdir(parents=True, exist_ok=True)
    item_file = scratch_dir.with_name(scratch_dir.name + ".item")  # a packed item's bytes, for its extractor
    todo: collections.deque[ItemTask] = collections.deque()
    out: list[dict[str, Any]] = []
    first = 0.0
    served = 0  # items this worker has begun
    measured = 0.0  # when the address space was last read
    try:
        while True:
            if not todo:
                if out:
                    conn.send(out)
                    out = []
                try:
                    batch = conn.recv()
                except EOFError:
                    return
                if batch is None:
                    return
                todo.extend(batch)
            while conn.poll():  # more work arrived while this batch ran
                batch = conn.recv()
                if batch is None:
                    todo.clear()
                    break
                todo.extend(batch)
            if not todo:
                continue
            task = todo.popleft()
            started = time.monotonic()
            ctx = Context(settings=cfg, scratch=scratch_dir, passwords=passwords, depth=task.depth, name=task.name,
                          deadline=started + unit_time_limit(task, cfg.time_limit))
            emitted = 0

            def emit(chunk: list[dict[str, Any]], task: ItemTask = task) -> None:
                nonlocal out, emitted
                if out:  # results stay in task order: what is buffered goes first
                    conn.send(out)
                    out = []
                conn.send([{"partial": True, "doc_id": task.doc_id, "offset": emitted, "children": chunk}])
                emitted += len(chunk)

            try:
                _worker_fault(task.name, served)
                served += 1
                unreadable = unpack(task, item_file) if task.extra.get("blob") else None
                result = _failure(task, unreadable) if unreadable else process(task, ctx, blobs, emit)
            except Exception as e:  # a programming error: recorded on this item only, with its trace
                if out_of_memory(e):
                    result = _failure(task, MEMORY_REASON)
                else:
                    result = _failure(task, internal_error(e, item_paths(task.file, task.name)))
                    result["traceback"] = traceback.format_exc()[-4000:]
            result["emitted"] = emitted  # children already handed on in chunks, before the last ones
            if not out:
                first = started
            out.append(result)
            if ran_out_of_memory(result) and not task.extra.get("fresh"):
                # This worker's address space may be spent by the items before (fragmentation, a
                # library's caches), not by this one: the parent runs it again in a new worker.
                result["retry_fresh"] = True
                conn.send(out)
                return
            now = time.monotonic()
            if limit > 0 and served >= RECYCLE_AFTER and now - measured >= RECYCLE_EVERY:
                measured = now
                if _address_space() > limit * RECYCLE_SHARE:
                    result["recycle"] = True  # the parent starts a new worker for what this one had left
                    conn.send(out)
                    return
            if task.extra.get("isolated") or len(out) >= FLUSH_ITEMS or now - first >= FLUSH_SECONDS:
                conn.send(out)
                out = []
    finally:  # a killed worker's file goes with the next run's tmp/
        item_file.unlink(missing_ok=True)


def _address_space() -> int:
    """This process's mapped address space in bytes (what RLIMIT_AS counts)."""
    with open("/proc/self/statm", "rb") as f:
        return int(f.read().split()[0]) * PAGE


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
    """Run ItemTasks on `n` worker processes; `poll()` returns (task, result) pairs as they finish."""

    def __init__(self, n: int, settings: dict[str, Any], blobs: Path, scratch: Path, passwords: list[str]) -> None:
        self.n = n
        self.settings = settings
        self.blobs, self.scratch, self.passwords = blobs, scratch, passwords
        self.ctx = mp.get_context("forkserver")
        self.ctx.set_forkserver_preload(PRELOAD)
        self.queue: collections.deque[ItemTask] = collections.deque()
        self.slots: list[_Slot] = [self._start(i) for i in range(n)]
        self.events: list[dict[str, Any]] = []  # worker restarts, for the run log (drained by the caller)
        self._children: list[Any] = []  # the workers' children as last found (see rss)
        self._children_at = -CHILDREN_SECONDS

    def _start(self, i: int) -> _Slot:
        parent, child = self.ctx.Pipe()
        proc = self.ctx.Process(target=_worker_main, name=f"faisceau-worker-{i}", daemon=True,
                                args=(child, self.settings, str(self.blobs), str(self.scratch / f"w{i}-{time.time_ns()}"),
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

    def _accepts(self, slot: _Slot, task: ItemTask, held: int) -> bool:
        """Whether `task` may join what `slot` holds (`held`: the bytes of its tasks)."""
        if not slot.inflight:
            return True
        if task.extra.get("isolated") or slot.inflight[0].extra.get("isolated") or len(slot.inflight) >= DEPTH:
            return False
        return held + task.extra.get("size", 0) < DEPTH_BYTES

    def _dispatch(self) -> None:
        now = time.monotonic()
        for slot in sorted(self.slots, key=lambda s: len(s.inflight)):
            batch: list[ItemTask] = []
            held = sum(t.extra.get("size", 0) for t in slot.inflight) if self.queue else 0  # once, not per task
            while self.queue and self._accepts(slot, self.queue[0], held):
                task = self.queue.popleft()
                if not slot.inflight:
                    slot.head_started = now
                slot.inflight.append(task)
                held += task.extra.get("size", 0)
                batch.append(task)
            if batch:
                try:
                    slot.conn.send(batch)
                except OSError:  # the worker has just stopped: poll() finds out why and queues them again
                    pass

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
                        results = slot.conn.recv()
                    except (EOFError, OSError):
                        break
                    for result in results:
                        if result.get("partial"):  # a chunk of the head container's children
                            assert slot.inflight[0].doc_id == result["doc_id"], "chunk out of order"
                            done.append((slot.inflight[0], result))
                            continue
                        task = slot.inflight.popleft()
                        assert task.doc_id == result["doc_id"], "results out of order"
                        if result.get("retry_fresh"):  # the worker stopped after this result
                            self._restart(i, retry=task)
                            break
                        done.append((task, result))
                        if result.get("recycle"):  # likewise
                            self._restart(i)
                            break
                    if self.slots[i] is not slot:
                        break
                    slot.head_started = now
                slot = self.slots[i]
            if slot.inflight and not slot.proc.is_alive():
                done += self._lose(i, _death_reason(slot.proc.exitcode))
            elif slot.inflight:
                limit = unit_time_limit(slot.inflight[0], self.settings["time_limit"])
                if now - slot.head_started > limit + GRACE:
                    slot.proc.kill()
                    slot.proc.join(5)
                    done += self._lose(i, f"time limit {int(limit)} s exceeded")
        self._dispatch()
        return done

    def _replace(self, i: int) -> list[ItemTask]:
        """Start a new worker in slot `i` (the old one is stopped, or made to); the tasks it held."""
        slot = self.slots[i]
        held = list(slot.inflight)
        slot.inflight.clear()
        slot.conn.close()
        slot.proc.join(1)
        if slot.proc.is_alive():
            slot.proc.kill()
            slot.proc.join(5)
        self.slots[i] = self._start(i)
        return held

    def _restart(self, i: int, retry: ItemTask | None = None) -> None:
        """Worker `i` stopped on its own: start a new one and queue the tasks it had not begun again,
        as they were. With `retry` (an item that failed on the memory limit), that item is first
        run again alone in the new worker, where a second memory failure is the item's own."""
        held = self._replace(i)
        fresh = self.slots[i]
        if retry is None:
            self.events.append({"event": "worker-recycled", "reason": "address space over "
                                f"{RECYCLE_SHARE:.0%} of memory_limit"})
        else:
            self.events.append({"event": "worker-restarted", "document": retry.doc_id, "reason": MEMORY_REASON,
                                "then": "run again alone in a new worker"})
            retry.extra["fresh"] = retry.extra["isolated"] = True
            fresh.inflight.append(retry)  # sent at once, so no other task reaches the new worker first
            fresh.head_started = time.monotonic()
            fresh.conn.send([retry])
        self.queue.extendleft(reversed(held))

    def _lose(self, i: int, reason: str) -> list[tuple[ItemTask, dict[str, Any]]]:
        """The worker died or hung: restart it; fail its task if it held one, else isolate them."""
        held = self._replace(i)
        if len(held) == 1:
            return [(held[0], _failure(held[0], reason))]
        for task in reversed(held):
            task.extra["isolated"] = True
            self.queue.appendleft(task)
        return []

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
        """Summed resident memory of the workers and their children (converters, Tesseract), in bytes.

        The workers are read at every call; their children only every CHILDREN_SECONDS, because
        finding them walks all of /proc (measured at 10% of the parent's CPU on an e-mail ingest
        when done at every progress tick). Between two walks the last children are read again."""
        import psutil

        now = time.monotonic()
        if now - self._children_at >= CHILDREN_SECONDS:
            self._children_at = now
            found: list[Any] = []
            for slot in self.slots:
                try:
                    found += psutil.Process(slot.proc.pid).children(recursive=True)
                except psutil.Error:
                    pass
            self._children = found
        total = 0
        for proc in [*(slot.proc.pid for slot in self.slots), *self._children]:
            try:
                total += (psutil.Process(proc) if isinstance(proc, int) else proc).memory_info().rss
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
