"""The ingest report for the web: counts, failures, a running ingest's progress, retry."""

from __future__ import annotations

import subprocess
import sys
import threading
from typing import Any

from ..exc import UsageError
from ..pipeline.frontiers import describe, frontiers, lock_held
from ..store import documents as docs
from ..store.runs import last_run
from .workbench import Workbench

MAX_FAILURES = 500
_retry_lock = threading.Lock()
_retries: dict[str, subprocess.Popen[bytes]] = {}


def status(wb: Workbench, failures: int = MAX_FAILURES) -> dict[str, Any]:
    """What `faisceau status` prints, the first failures, and whether an ingest is running."""
    store = wb.store()
    s = store.summary()
    s["last_run"] = last_run(store)
    s["running"] = running(wb)
    s["frontiers"] = frontiers(s, wb.settings, s["last_run"], wb.project.logs, s["running"])
    s["frontiers_line"] = describe(s["frontiers"])
    s["failures"] = docs.first_problems(store, failures)
    s["stage_failures"] = docs.later_stage_failures(store, failures)
    return s


def running(wb: Workbench) -> bool:
    """Whether an ingest holds the project's lock, or a retry started here is still running.

    The lock is looked up in /proc/locks rather than probed: taking it, even for a moment,
    could make an ingest starting at that instant refuse to run.
    """
    proc = _retries.get(str(wb.root))
    if proc is not None and proc.poll() is None:
        return True
    return lock_held(wb.root)


def retry(wb: Workbench) -> dict[str, Any]:
    """Start `faisceau ingest --retry-failed` on this project in the background."""
    with _retry_lock:
        if running(wb):
            raise UsageError("an ingest is already running on this project")
        n = docs.count_retryable(wb.store())
        proc = subprocess.Popen([sys.executable, "-m", "faisceau", "ingest", "--retry-failed", "--project",
                                 str(wb.root)], stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL, start_new_session=True)
        _retries[str(wb.root)] = proc
        # the ingest itself logs `retry-failed` with its counts; this records who asked, from where
        wb.store().log_action("retry-requested", {"via": "web", "items": n, "pid": proc.pid})
    return {"started": True, "items": n, "pid": proc.pid}
