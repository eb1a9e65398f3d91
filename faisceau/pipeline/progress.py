"""A run's progress counters (the progress line and the closing report) and its memory probe."""

from __future__ import annotations

import time
from dataclasses import dataclass, field


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
    to_analyse: int = 0           # contents the analysis phase found to do
    analysed: int = 0             # …and has done
    analysed_documents: int = 0   # documents those contents are (duplicates included)

    def count(self, status: str) -> None:
        self.done += 1
        self.by_status[status] = self.by_status.get(status, 0) + 1

    @property
    def elapsed(self) -> float:
        return time.monotonic() - self.started


def self_rss() -> int:
    """This process's resident memory, in bytes."""
    import psutil

    return int(psutil.Process().memory_info().rss)
