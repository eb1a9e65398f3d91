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
          "mid-commit", "index-commit")

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
    return _point == point
