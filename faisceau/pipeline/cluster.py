"""Item tasks on a Dask distributed cluster: the `Executor` behind `--cluster ADDRESS`.

The cluster runs only item tasks; the store and the index keep their single writer, the `faisceau
ingest` process, which holds this executor. Each node runs its share through its own local `Pool`
(started once per Dask worker by the `NodePools` worker plugin, so the entity models load once there),
and so keeps the per-item time and memory limits and the culprit isolation of a local run. A Dask
task carries a batch of `ItemTask`s: one scheduler round trip per batch rather than per item.

A container's children cannot stream back through a Dask task, which returns once: the node writes
them to the project's spool (`executor.SpoolSink`) and this process reads them back before the task's
result, as `InlineExecutor` does. Every node therefore needs the project folder on a shared file system,
at the same path, and faisceau at the same version; `connect` checks both before any work is sent.

A Dask worker lost mid-batch (killed, its machine gone) is Dask's to handle: the scheduler runs its
tasks again on another worker. A batch that keeps killing its workers (Dask's `KilledWorker`, after
`distributed.scheduler.allowed-failures` deaths) is split into its items, each sent alone; an item that
kills a worker alone is recorded as failed. Anything else a node cannot do (its disk full, the scheduler
gone) stops the run with a `ClusterError`: what was written stays, what was in flight stays pending, and
`faisceau ingest` again resumes.
"""

from __future__ import annotations

import errno
import hashlib
import json
import logging
import multiprocessing
import os
import queue
import shutil
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable
from concurrent.futures import CancelledError
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypedDict

from distributed import Client, Future, WorkerPlugin, get_worker
from distributed.scheduler import KilledWorker

from .. import __version__
from ..exc import FaisceauError
from ..settings import Settings
from .executor import SpoolSink, failure, spooled_chunks
from .pool import Pool
from .shapes import PoolEvent, Result, WorkerResult, is_partial
from .worker import ItemTask

if TYPE_CHECKING:
    from distributed import Worker

    from .orchestrator import Ingest

MAX_BATCH = 64        # items in one Dask task at most…
BATCH_SECONDS = 1.0   # …and about this many seconds of work, from the items' measured time
BATCH_BYTES = 4 << 20  # a batch's originals, in bytes, unless it holds a single item
DEPTH = 3             # batches queued per Dask thread, so none idles while this process writes
CONNECT_SECONDS = 20  # to reach the scheduler, and for a first worker to join it
REFRESH_SECONDS = 5.0  # how often the count of Dask threads (workers joining, leaving) is read again


class ClusterError(FaisceauError):
    """The Dask cluster cannot run this project's tasks (unreachable, another faisceau version, a node
    without the project folder, a node's disk full, the scheduler gone)."""


class BatchResult(TypedDict):
    """What one Dask task returns: the batch's results in task order, and what its node's pool did."""

    results: list[WorkerResult]
    events: list[PoolEvent]
    worker: str
    rss: int
    seconds: float
    fresh: bool  # the batch started its node's pool (its time includes loading the models)


# -- on the nodes ----------------------------------------------------------------------------------

def node_problem(root: str, created: str, inputs: list[str]) -> str | None:
    """Why this node cannot run the project's tasks (None when it can): the project folder, the same
    project (its creation time), writable (the spool), and the inputs, all at the paths given."""
    meta = Path(root) / "project.json"
    try:
        seen = json.loads(meta.read_text("utf-8")).get("created")
    except (OSError, ValueError):
        return f"does not see the project folder {root} (mount it at the same path on every node)"
    if seen != created:
        return f"sees another project at {root} (created {seen}, not {created}): mount the same folder on every node"
    probe = Path(root) / "tmp" / f".node-{os.uname().nodename}-{os.getpid()}"
    try:
        probe.parent.mkdir(exist_ok=True)
        probe.write_bytes(b"")
        probe.unlink()
    except OSError as e:
        return f"cannot write in the project folder's tmp/ ({e.strerror or e})"
    missing = [p for p in inputs if not os.path.lexists(p)]
    if missing:
        return f"does not see the input {missing[0]} (inputs too must be on the shared file system, at the same path)"
    return None


def check_node(root: str, created: str, inputs: list[str]) -> tuple[str, str | None]:
    """Run on every node at connection: its faisceau version and what stops it, if anything."""
    return __version__, node_problem(root, created, inputs)


class NodePools(WorkerPlugin):
    """Registered once per run on every Dask worker (and on workers that join later): the node's local
    pools, one single-worker `Pool` per Dask thread, started at the first task and kept for the run."""

    def __init__(self, name: str, settings: dict[str, Any], root: str, created: str, passwords: list[str]) -> None:
        self.name = name
        self.settings, self.root, self.created, self.passwords = settings, root, created, passwords
        self.version = __version__  # the ingest process's: a node that joins later compares its own
        self.problem: str | None = None

    def setup(self, worker: Worker) -> None:
        # made here, on the node: the plugin travels pickled, and these do not
        self.free: queue.SimpleQueue[Pool] = queue.SimpleQueue()
        self.pools: list[Pool] = []
        self.lock = threading.Lock()
        # a worker that joins after the connection checks is checked here; its tasks then say why not
        self.problem = node_problem(self.root, self.created, [])
        if __version__ != self.version:
            self.problem = f"runs faisceau {__version__}, the ingest process faisceau {self.version}"
        self.nthreads = worker.state.nthreads
        # node-local scratch (the shared file system is for the project, not for temporary files)
        self.scratch = Path(worker.local_directory) / "faisceau"
        # Dask starts the workers of a nanny as daemonic processes (distributed.worker.daemon), and a
        # daemonic process may not start children; the pool's own workers are daemonic, stopped by
        # teardown, and stop by themselves when their pipe to this process closes (it was killed).
        multiprocessing.current_process().daemon = False

    def take(self) -> tuple[Pool, bool]:
        """A pool for the calling Dask thread: a free one, or a new one (True) while fewer than the threads."""
        with self.lock:
            try:
                return self.free.get_nowait(), False
            except queue.Empty:
                pass
            if len(self.pools) < self.nthreads:
                pool = Pool(1, self.settings, Path(self.root), self.scratch / f"t{len(self.pools)}", self.passwords)
                self.pools.append(pool)
                return pool, True
        return self.free.get(), False

    def teardown(self, worker: Worker) -> None:
        for pool in self.pools:
            pool.close()
        shutil.rmtree(self.scratch, ignore_errors=True)


def run_batch(plugin: str, tasks: list[ItemTask]) -> BatchResult:
    """The Dask task: run a batch through this node's pool; children go to the project's spool."""
    started = time.monotonic()
    worker = get_worker()
    nodes = worker.plugins[plugin]
    assert isinstance(nodes, NodePools)
    if nodes.problem:
        raise ClusterError(f"Dask worker {worker.address} {nodes.problem}")
    spool = Path(nodes.root) / "tmp" / "spool"
    sinks = {t.doc_id: SpoolSink(spool, t) for t in tasks}
    for t in tasks:  # what an earlier try of this task (on a worker since lost) left
        shutil.rmtree(spool / t.doc_id, ignore_errors=True)
    pool, fresh = nodes.take()
    try:
        for t in tasks:
            pool.submit(t)
        results: dict[str, WorkerResult] = {}
        while len(results) < len(tasks):
            for task, result in pool.poll(0.5):
                if is_partial(result):
                    sink = sinks[result["doc_id"]]
                    sink.offset = result["offset"]
                    sink(result["children"])
                else:
                    results[task.doc_id] = result
        events = list(pool.events)
        pool.events.clear()
        rss = pool.rss()
    finally:
        nodes.free.put(pool)
    return {"results": [results[t.doc_id] for t in tasks], "events": events, "worker": worker.address,
            "rss": rss, "seconds": time.monotonic() - started, "fresh": fresh}


# -- in the ingest process -------------------------------------------------------------------------

class Cluster:
    """A checked connection to a Dask scheduler, for one command; `executor` is Ingest's factory."""

    def __init__(self, address: str, root: Path, inputs: Iterable[Path] = ()) -> None:
        self.address = address
        self.root = root
        self.created = str(json.loads((root / "project.json").read_text("utf-8")).get("created"))
        # the client logs its failures to reconnect at ERROR level; the run's own ClusterError says
        # what happened and what to do, in one line (CONTRACTS: one clear line on stderr)
        logging.getLogger("distributed.client").setLevel(logging.CRITICAL)
        try:
            self.client = Client(address, timeout=CONNECT_SECONDS, set_as_default=False)
        except (OSError, TimeoutError) as e:
            raise ClusterError(f"cannot reach the Dask scheduler at {address}: {e}") from None
        try:
            self._check([str(p.absolute()) for p in inputs])
        except BaseException:
            self.close()
            raise

    def _check(self, inputs: list[str]) -> None:
        """Every connected node runs this faisceau version and sees the project folder and the inputs."""
        try:
            self.client.wait_for_workers(1, timeout=CONNECT_SECONDS)
        except TimeoutError:
            raise ClusterError(f"no Dask worker joined the scheduler at {self.address} within "
                               f"{CONNECT_SECONDS} s (start some with `dask worker {self.address}`)") from None
        answers = self.client.run(check_node, str(self.root), self.created, inputs, on_error="return")
        problems = []
        for addr, answer in sorted(answers.items()):
            if isinstance(answer, BaseException):
                problems.append(f"Dask worker {addr} cannot run faisceau ({type(answer).__name__}: {answer}); "
                                f"install faisceau {__version__} there")
                continue
            version, problem = answer
            if version != __version__:
                problems.append(f"Dask worker {addr} runs faisceau {version}, this process faisceau {__version__}: "
                                "install the same version on every node")
            elif problem:
                problems.append(f"Dask worker {addr} {problem}")
        if problems:
            raise ClusterError("; ".join(problems))

    def executor(self, run: Ingest) -> DaskExecutor:
        """The executor of one run (Ingest's `executor` factory)."""
        return DaskExecutor(self.client, self.address, run.settings, self.root, self.created, run.passwords, run.run_id)

    def close(self) -> None:
        try:
            self.client.close(timeout=5)
        except Exception:  # the scheduler may be gone: nothing is left to close then
            pass


def _threads(client: Client) -> int:
    return sum(int(w.get("nthreads", 1)) for w in client.scheduler_info(n_workers=-1)["workers"].values())


class DaskExecutor:
    """Send ItemTasks in batches to a Dask cluster; `poll` returns their results (children first)."""

    def __init__(self, client: Client, address: str, settings: Settings, root: Path, created: str,
                 passwords: list[str], run_id: str) -> None:
        self.client = client
        self.address = address
        # one name per project: a run killed before it could unregister its plugin leaves it on the
        # workers (their pools with their models loaded); the next run's replaces it, and Dask tears the
        # old one down (the project's lock allows one run at a time)
        self.plugin = "faisceau-" + hashlib.sha256(f"{root}\0{created}".encode()).hexdigest()[:12]
        self.run_id = run_id
        client.register_plugin(NodePools(self.plugin, settings.as_dict(), str(root), created, passwords), name=self.plugin)
        self.spool = root / "tmp" / "spool"
        self.queue: deque[ItemTask] = deque()
        self.flying: dict[Future[BatchResult], list[ItemTask]] = {}
        self.finished: queue.SimpleQueue[Future[BatchResult]] = queue.SimpleQueue()
        self.events: list[PoolEvent] = []
        self.per_item = 0.02  # seconds of work per item, measured as batches return
        self.node_rss: dict[str, int] = {}
        self.threads = max(1, _threads(client))
        self._threads_at = time.monotonic()
        self._n = 0

    @property
    def busy(self) -> int:
        return len(self.queue) + sum(len(b) for b in self.flying.values())

    @property
    def capacity(self) -> int:
        now = time.monotonic()
        if now - self._threads_at > REFRESH_SECONDS:
            self._threads_at = now
            try:
                self.threads = max(1, _threads(self.client))
            except Exception:  # the scheduler is unreachable: poll() says so
                pass
        return max(0, self.threads * DEPTH * MAX_BATCH - self.busy)

    def submit(self, task: ItemTask) -> None:
        self.queue.append(task)

    def _batch_size(self) -> int:
        return max(1, min(MAX_BATCH, round(BATCH_SECONDS / max(self.per_item, 1e-4))))

    def _flush(self) -> None:
        """Queued tasks into Dask tasks, DEPTH per Dask thread in flight: the rest wait here, so that the
        batches sent later have a size measured on the ones before (a batch sized on a guess ended an
        analysis run with one worker busy for seconds while the other had nothing left)."""
        size = self._batch_size()
        while self.queue and len(self.flying) < self.threads * DEPTH:
            batch = [self.queue.popleft()]
            held = batch[0].extra.get("size", 0)
            while (self.queue and len(batch) < size and not batch[0].extra.get("isolated")
                   and not self.queue[0].extra.get("isolated") and held + self.queue[0].extra.get("size", 0) < BATCH_BYTES):
                task = self.queue.popleft()
                held += task.extra.get("size", 0)
                batch.append(task)
            self._send(batch)

    def _send(self, batch: list[ItemTask]) -> None:
        self._n += 1
        future: Future[BatchResult] = self.client.submit(run_batch, self.plugin, batch, key=f"faisceau-{self.run_id}-{self._n}",
                                                         pure=False)
        self.flying[future] = batch
        future.add_done_callback(self.finished.put)

    def poll(self, timeout: float) -> list[tuple[ItemTask, Result]]:
        """Send what is queued; the results of the batches that returned within `timeout` seconds."""
        self._flush()
        if not self.flying:
            return []
        ended: list[Future[BatchResult]] = []
        try:
            ended.append(self.finished.get(timeout=timeout))
            while True:
                ended.append(self.finished.get_nowait())
        except queue.Empty:
            pass
        if not ended and self.client.status not in ("running", "connecting"):
            raise ClusterError(f"lost the Dask scheduler at {self.address} ({self.client.status}); the items in "
                               "flight stay pending: run `faisceau ingest` again to resume")
        done: list[tuple[ItemTask, Result]] = []
        for future in ended:
            batch = self.flying.pop(future, None)
            if batch is not None:
                done += self._collect(future, batch)
        self._flush()
        return done

    def _collect(self, future: Future[BatchResult], batch: list[ItemTask]) -> list[tuple[ItemTask, Result]]:
        """One returned batch: its children from the spool, then its results; or what its failure means."""
        lost = (f"the Dask scheduler at {self.address} dropped this run's tasks (restarted?); the items in flight "
                "stay pending: run `faisceau ingest` again to resume")
        if future.status == "cancelled":
            raise ClusterError(lost)
        try:
            # waits if the result was lost with its worker after the task ended, and is made again
            out = future.result()
        except KilledWorker as e:
            return self._isolate(batch, e)
        except ClusterError:
            raise
        except CancelledError as e:
            raise ClusterError(lost) from e
        except OSError as e:
            if e.errno != errno.ENOSPC:
                raise ClusterError(f"a Dask task failed ({type(e).__name__}: {e}); the items in flight stay "
                                   "pending: run `faisceau ingest` again to resume") from e
            raise ClusterError(f"a Dask worker's disk is full ({e}); the items in flight stay pending: free "
                               "space and run `faisceau ingest` again to resume") from e
        except Exception as e:  # a worker's own failure, not an item's (run_one records those on the item)
            raise ClusterError(f"a Dask task failed ({type(e).__name__}: {e}); the items in flight stay "
                               "pending: run `faisceau ingest` again to resume") from e
        future.release()
        self.events += out["events"]
        self.node_rss[out["worker"]] = out["rss"]
        if not out["fresh"]:  # a batch that started its node's pool paid for the models' loading too
            self.per_item = 0.7 * self.per_item + 0.3 * out["seconds"] / len(batch)
        done: list[tuple[ItemTask, Result]] = []
        for task, result in zip(batch, out["results"], strict=True):
            done += [(task, chunk) for chunk in spooled_chunks(self.spool, task.doc_id)]
            done.append((task, result))
        return done

    def _isolate(self, batch: list[ItemTask], error: BaseException) -> list[tuple[ItemTask, Result]]:
        """A batch whose workers kept dying: its items again, each alone; an item alone fails."""
        if len(batch) == 1:
            task = batch[0]
            self.events.append({"event": "worker-lost", "document": task.doc_id,
                                "reason": "Dask workers lost while running it alone", "then": "recorded as failed"})
            return [(task, failure(task, "Dask worker lost while running it (killed, or out of memory)"))]
        self.events.append({"event": "worker-lost", "reason": f"Dask workers lost running a batch of {len(batch)}",
                            "then": "each item sent alone"})
        for task in reversed(batch):
            task.extra["isolated"] = True
            self.queue.appendleft(task)
        return []

    def rss(self) -> int:
        """The nodes' pools' resident memory, as their last batches reported it."""
        return sum(self.node_rss.values())

    def close(self) -> None:
        """Cancel what is in flight (it stays pending in the store) and stop the nodes' pools."""
        try:
            if self.flying:
                self.client.cancel(list(self.flying))
            self.client.unregister_worker_plugin(self.plugin)
        except Exception:  # the scheduler may be gone; its workers then drop the plugin with it
            pass
        self.flying.clear()
        self.queue.clear()


def factory(address: str, root: Path, inputs: Iterable[Path] = ()) -> tuple[Cluster, Callable[[Ingest], DaskExecutor]]:
    """Connect and check (see `Cluster`), then the factory for `Ingest(..., executor=...)`."""
    cluster = Cluster(address, root, inputs)
    return cluster, cluster.executor
