"""A machine-wide cap on Tesseract processes: N lock files, one held per running process.

Worker processes of one ingest each run a document's pages on threads; the lock files in
the project's tmp folder make them share N slots, so the machine never runs more Tesseract
processes than it has workers, whichever documents they come from. `flock` locks belong to
an open file: a process that dies releases its slot with it.
"""

from __future__ import annotations

import fcntl
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

POLL = 0.01  # seconds between tries when every slot is taken


class Slots:
    """`with slots.hold(): ...` runs its body while holding one of `n` machine-wide slots."""

    def __init__(self, folder: Path, n: int) -> None:
        self.folder = folder
        self.n = max(1, n)
        folder.mkdir(parents=True, exist_ok=True)

    @contextmanager
    def hold(self) -> Iterator[int]:
        """Wait for a free slot, hold it for the body, release it; yields its number."""
        fd, slot = self._take()
        try:
            yield slot
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)
            os.close(fd)

    def _take(self) -> tuple[int, int]:
        start = int.from_bytes(os.urandom(1), "little") % self.n  # spread first tries over the slots
        while True:
            for k in range(self.n):
                i = (start + k) % self.n
                fd = os.open(self.folder / f"slot-{i}.lock", os.O_RDWR | os.O_CREAT, 0o600)
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                except BlockingIOError:
                    os.close(fd)
                    continue
                return fd, i
            time.sleep(POLL)
