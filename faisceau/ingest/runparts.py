"""What a run keeps beside its main loop: progress counters, a background helper, stage outputs, probes."""

from __future__ import annotations

import importlib
import os
import threading
import time
from dataclasses import dataclass, field
from typing import Any, Callable


@dataclass
class Progress:
    """Counters of one run, for the progress line and the closing report."""

    started: float = field(default_factory=time.monotonic)
    walked: int = 0
    done: int = 0
    extracted: int = 0
    duplicates: int = 0
    by_status: dict[str, int] = field(default_factory=dict)
    pending: int = 0
    indexed: int = 0
    peak_rss: int = 0

    def count(self, status: str) -> None:
        self.done += 1
        self.by_status[status] = self.by_status.get(status, 0) + 1

    @property
    def elapsed(self) -> float:
        return time.monotonic() - self.started


class Background:
    """Run a function in a thread; `result()` waits for it (and re-raises what it raised)."""

    def __init__(self, func: Callable[[], Any]) -> None:
        self._value: Any = None
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, args=(func,), daemon=True)
        self._thread.start()

    def _run(self, func: Callable[[], Any]) -> None:
        try:
            self._value = func()
        except BaseException as e:  # handed to the caller of result()
            self._error = e

    def result(self) -> Any:
        self._thread.join()
        if self._error is not None:
            raise self._error
        return self._value


_OUTPUTS: dict[str, Callable[..., None]] = {}


def stage_output(target: str) -> Callable[..., None]:
    if target not in _OUTPUTS:
        module, func = target.split(":")
        _OUTPUTS[target] = getattr(importlib.import_module(module), func)
    return _OUTPUTS[target]


def tool_versions() -> dict[str, Any]:
    from ..doctor import tool_versions as versions

    return versions()


def kill_during_commit() -> None:
    """Fault injection: SIGKILL this process a moment after COMMIT starts (it may or may not land)."""
    import signal
    import threading

    threading.Timer(0.0005, os.kill, (os.getpid(), signal.SIGKILL)).start()


def self_rss() -> int:
    import psutil

    return int(psutil.Process().memory_info().rss)
