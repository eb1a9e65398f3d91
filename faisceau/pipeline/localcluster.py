"""A real Dask cluster on this machine: `dask scheduler` and `dask worker` run as subprocesses.

For trying `--cluster` on one machine (`faisceau cluster local`), for the cluster tests and for
bench/cluster.py. These are Dask's own commands, as a user starts them on several machines
(docs/cluster.md), not an in-process imitation: each worker is its own `dask worker` process (with its
nanny, which starts it again if it dies), so one can be killed alone.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Mapping, Sequence
from pathlib import Path

from ..exc import FaisceauError

# the `dask` command of the Python running faisceau (the one its package installed), whatever PATH holds
DASK = [sys.executable, "-m", "dask"]
START_SECONDS = 90  # a worker imports distributed, then faisceau's stages when the first task arrives


class LocalDask:
    """A scheduler on `host` (`port` 0: a free one) and workers added with `add_worker`; `close` stops all."""

    def __init__(self, host: str = "127.0.0.1", port: int = 0, folder: Path | None = None) -> None:
        self.host, self.port = host, port
        self.own_folder = folder is None
        self.folder = folder or Path(tempfile.mkdtemp(prefix="faisceau-dask-"))
        self.folder.mkdir(parents=True, exist_ok=True)
        self.scheduler: subprocess.Popen[bytes] | None = None
        self.workers: list[subprocess.Popen[bytes]] = []
        self.address = ""

    def start(self, workers: int = 0, threads: int = 1) -> str:
        """Start the scheduler and `workers` workers of `threads` threads; wait for them; the address."""
        info = self.folder / "scheduler.json"
        info.unlink(missing_ok=True)
        self.scheduler = self._spawn([*DASK, "scheduler", "--host", self.host, "--port", str(self.port),
                                      "--no-dashboard", "--scheduler-file", str(info)], "scheduler.log")
        deadline = time.monotonic() + START_SECONDS
        while not self.address:
            if self.scheduler.poll() is not None:
                raise FaisceauError(f"dask scheduler exited ({self.scheduler.returncode}): {self._tail('scheduler.log')}")
            if time.monotonic() > deadline:
                raise FaisceauError(f"dask scheduler did not start within {START_SECONDS} s")
            try:
                self.address = json.loads(info.read_text("utf-8"))["address"]
            except (OSError, ValueError, KeyError):
                time.sleep(0.1)
        for _ in range(workers):
            self.add_worker(threads)
        if workers:
            self.wait_for_workers(workers)
        return self.address

    def add_worker(self, threads: int = 1, env: Mapping[str, str] | None = None, prefix: Sequence[str] = ()) -> \
            subprocess.Popen[bytes]:
        """One more `dask worker` process (with `env` added to its environment, its command after `prefix`)."""
        i = len(self.workers)
        proc = self._spawn([*prefix, *DASK, "worker", self.address, "--nworkers", "1", "--nthreads", str(threads),
                            "--no-dashboard", "--local-directory", str(self.folder / f"worker-{i}")],
                           f"worker-{i}.log", env)
        self.workers.append(proc)
        return proc

    def wait_for_workers(self, n: int, timeout: float = START_SECONDS) -> None:
        """Wait until `n` workers have joined the scheduler."""
        from distributed import Client

        with Client(self.address, timeout=timeout, set_as_default=False) as client:
            try:
                client.wait_for_workers(n, timeout=timeout)
            except TimeoutError:
                logs = "; ".join(self._tail(f"worker-{i}.log") for i in range(len(self.workers)))
                raise FaisceauError(f"{n} Dask workers did not join within {timeout:.0f} s: {logs}") from None

    def _spawn(self, cmd: list[str], log: str, env: Mapping[str, str] | None = None) -> subprocess.Popen[bytes]:
        with open(self.folder / log, "ab") as out:
            # a session of its own: Ctrl-C in the terminal reaches `faisceau cluster local`, which stops
            # the workers before the scheduler, not every process at once. In the cluster's folder:
            # `python -m` puts the working folder first on the path, and a source tree there would be
            # imported instead of the installed faisceau
            return subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT,
                                    env={**os.environ, **(env or {})}, cwd=self.folder, start_new_session=True)

    def _tail(self, log: str) -> str:
        try:
            lines = (self.folder / log).read_text("utf-8", "replace").strip().splitlines()
        except OSError:
            return "(no log)"
        return " | ".join(lines[-3:])

    def alive(self) -> bool:
        """Whether the scheduler and every worker process still run."""
        return all(p.poll() is None for p in [*self.workers, *([self.scheduler] if self.scheduler else [])])

    def close(self) -> None:
        """Stop the workers, then the scheduler (SIGTERM, then SIGKILL after 10 s)."""
        for group in (self.workers, [self.scheduler] if self.scheduler else []):
            for proc in group:
                if proc.poll() is None:
                    proc.send_signal(signal.SIGTERM)
            for proc in group:
                try:
                    proc.wait(10)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait(5)
        self.workers.clear()
        self.scheduler = None
        if self.own_folder:
            shutil.rmtree(self.folder, ignore_errors=True)

    def __enter__(self) -> LocalDask:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
