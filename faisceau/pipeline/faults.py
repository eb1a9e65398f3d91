"""Seeded crash points, for the kill -9 / resume tests: FAISCEAU_FAULT=point:n.

When set, the n-th time the run passes `point` the process kills itself with SIGKILL —
exactly what an out-of-memory kill or a pulled plug does — so the tests can prove that a
run started again ends with the same store as an uninterrupted one. Unset, it costs a dict
lookup.
"""

from __future__ import annotations

import os
import signal

POINTS = ("walk", "walk-commit", "dispatch", "result", "child", "resolve", "before-commit", "after-commit",
          "mid-commit", "index-commit", "analysis-dispatch", "analysis-result", "analysis-commit")

_spec = os.environ.get("FAISCEAU_FAULT", "")
_point, _, _n = _spec.partition(":")
_target = int(_n) if _n.isdigit() else 1
_seen: dict[str, int] = {}


def fault(point: str) -> None:
    """Kill this process if FAISCEAU_FAULT names this point and this pass."""
    if point != _point:
        return
    _seen[point] = _seen.get(point, 0) + 1
    if _seen[point] == _target:
        os.kill(os.getpid(), signal.SIGKILL)


def armed(point: str) -> bool:
    """Whether FAISCEAU_FAULT names this point (for faults that need setting up beforehand)."""
    return _point == point


def kill_during_commit() -> None:
    """SIGKILL this process a moment after COMMIT starts (it may or may not land)."""
    import threading

    threading.Timer(0.0005, os.kill, (os.getpid(), signal.SIGKILL)).start()
