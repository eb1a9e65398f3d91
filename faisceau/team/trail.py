"""Audit entries of web requests, written by one thread in batches, off the requests' path.

Writing an entry costs a transaction and a disk sync; paid inside each request, it tripled the
median latency of 20 busy users (bench/team.py). Requests hand their entries to this writer, which
appends whatever has gathered in one transaction (their order kept), at most `interval` later.
`flush()` waits until everything handed over is written (the audit page calls it first; the server
calls it at shutdown).
"""

from __future__ import annotations

import queue
import threading
import time
from typing import Any

from ..store import audit
from ..store.values import now
from .serverdir import Server


class AuditWriter:
    """A background writer of audit entries for one server."""

    def __init__(self, server: Server, interval: float = 0.05, batch: int = 500) -> None:
        self.server = server
        self.interval = interval
        self.batch = batch
        self.queue: queue.Queue[dict[str, Any] | None] = queue.Queue()
        self.thread: threading.Thread | None = None
        self.lock = threading.Lock()

    def submit(self, user: str | None, action: str, project: str | None, obj: str | None,
               detail: dict[str, Any]) -> None:
        """Queue an entry, stamped now (the time of the action, not of the write)."""
        self._start()
        self.queue.put({"time": now(), "user": user, "project": project, "action": action, "object": obj,
                        "detail": {k: v for k, v in detail.items() if v is not None}})

    def flush(self, timeout: float = 30.0) -> None:
        """Return once every entry submitted so far is in the database."""
        if self.thread is None:
            return
        done = threading.Event()
        self.queue.put({"__flush__": done})
        done.wait(timeout)

    def close(self) -> None:
        """Write what is left and stop the thread."""
        if self.thread is not None:
            self.queue.put(None)
            self.thread.join(timeout=30)
            self.thread = None

    def _start(self) -> None:
        if self.thread is None:
            with self.lock:
                if self.thread is None:
                    self.thread = threading.Thread(target=self._run, name="faisceau-audit", daemon=True)
                    self.thread.start()

    def _run(self) -> None:
        stop = False
        while not stop:
            items = [self.queue.get()]
            # let the batch gather, then take it whole: one wake-up per batch, not one per entry (a
            # thread that keeps waking to take one entry at a time competes for the GIL with the
            # event loop and slowed every request)
            if items[0] is not None and "__flush__" not in items[0]:
                time.sleep(self.interval)
            try:
                while len(items) < self.batch:
                    items.append(self.queue.get_nowait())
            except queue.Empty:
                pass
            entries = [i for i in items if i is not None and "__flush__" not in i]
            if entries:
                audit.append_many(self.server.store(), entries)
            for i in items:
                if i is None:
                    stop = True
                elif "__flush__" in i:
                    i["__flush__"].set()
