"""A JSONL log per run in the project's logs/ folder. Never contains document text."""

from __future__ import annotations

import datetime as dt
import json
import time
from pathlib import Path
from typing import IO, Any

PROGRESS_EVERY = 10.0


class RunLog:
    """Append-only JSON lines: run start/end, every failure and skip, periodic progress."""

    def __init__(self, folder: Path, run_id: str) -> None:
        stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
        self.path = folder / f"{stamp}-{run_id}.jsonl"
        self._f: IO[str] = open(self.path, "a", encoding="utf-8")
        self._last = 0.0

    def event(self, event: str, **fields: Any) -> None:
        rec = {"time": dt.datetime.now(dt.UTC).isoformat(timespec="milliseconds"), "event": event, **fields}
        self._f.write(json.dumps(rec, ensure_ascii=False, default=str) + "\n")

    def maybe_progress(self, progress: Any) -> None:
        if time.monotonic() - self._last >= PROGRESS_EVERY:
            self._last = time.monotonic()
            # indexed and analysed: the two frontiers, whose rates `faisceau status` reads here
            self.event("progress", done=progress.done, pending=progress.pending, by_status=progress.by_status,
                       indexed=progress.indexed, analysed=progress.analysed, to_analyse=progress.to_analyse,
                       seconds=round(progress.elapsed, 1))
            self._f.flush()

    def close(self) -> None:
        self._f.close()
