"""The ingest report for the web: counts, failures, a running ingest's progress, retry."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from typing import Any

from ..exc import UsageError
from .workbench import Workbench

MAX_FAILURES = 500
_retry_lock = threading.Lock()
_retries: dict[str, subprocess.Popen[bytes]] = {}


def status(wb: Workbench, failures: int = MAX_FAILURES) -> dict[str, Any]:
    """What `faisceau status` prints, the first failures, and whether an ingest is running."""
    store = wb.store()
    s = store.summary()
    last = store.db.execute(
        "SELECT id, started, finished, command, report FROM runs ORDER BY started DESC LIMIT 1").fetchone()
    s["last_run"] = dict(last) if last else None
    if s["last_run"]:
        rep = json.loads(s["last_run"].pop("report") or "{}")
        s["last_run"].update({k: rep.get(k) for k in ("seconds", "rate", "processed", "peak_rss_mb")})
    s["running"] = running(wb)
    s["failures"] = [dict(r) for r in store.db.execute(
        "SELECT id, path, status, reason, kind FROM documents WHERE status IN ('failed', 'skipped')"
        " ORDER BY rowid LIMIT ?", (max(0, failures),))]
    s["stage_failures"] = [dict(r) for r in store.db.execute(
        "SELECT s.document_id AS id, d.path, s.stage, s.status, s.reason FROM stages s JOIN documents d"
        " ON d.id = s.document_id WHERE s.status = 'failed' AND s.stage != 'extract' ORDER BY d.rowid LIMIT ?",
        (max(0, failures),))]
    return s


def running(wb: Workbench) -> bool:
    """Whether an ingest holds the project's lock, or a retry started here is still running.

    The lock is looked up in /proc/locks rather than probed: taking it, even for a moment,
    could make an ingest starting at that instant refuse to run.
    """
    proc = _retries.get(str(wb.root))
    if proc is not None and proc.poll() is None:
        return True
    try:
        st = os.stat(wb.root / ".lock")
        with open("/proc/locks", encoding="ascii", errors="replace") as f:
            table = f.read()
    except OSError:
        return False
    suffix = f":{st.st_ino}"
    for line in table.splitlines():
        parts = line.split()
        # "1: FLOCK  ADVISORY  WRITE 1234 08:01:123456 0 EOF"
        if len(parts) >= 6 and parts[1] == "FLOCK" and parts[5].endswith(suffix):
            dev = parts[5][: -len(suffix)].split(":")
            if len(dev) == 2 and os.major(st.st_dev) == int(dev[0], 16) and os.minor(st.st_dev) == int(dev[1], 16):
                return True
    return False


def retry(wb: Workbench) -> dict[str, Any]:
    """Start `faisceau ingest --retry-failed` on this project in the background."""
    with _retry_lock:
        if running(wb):
            raise UsageError("an ingest is already running on this project")
        n = wb.store().db.execute("SELECT count(*) FROM documents WHERE status = 'failed'"
                                  " OR (status = 'skipped' AND reason LIKE '% not installed')").fetchone()[0]
        proc = subprocess.Popen([sys.executable, "-m", "faisceau", "ingest", "--retry-failed", "--project",
                                 str(wb.root)], stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL, start_new_session=True)
        _retries[str(wb.root)] = proc
        # the ingest itself logs `retry-failed` with its counts; this records who asked, from where
        wb.store().log_action("retry-requested", {"via": "web", "items": n, "pid": proc.pid})
    return {"started": True, "items": n, "pid": proc.pid}
