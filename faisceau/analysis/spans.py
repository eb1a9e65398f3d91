"""Choosing among overlapping candidate spans: the best ones first, no two overlapping."""

from __future__ import annotations

import bisect
from collections.abc import Callable, Iterable
from typing import Any, TypeVar

C = TypeVar("C", bound=tuple[Any, ...])


def non_overlapping(cands: Iterable[C], rank: Callable[[C], Any], blocked: Iterable[tuple[int, int]] = ()) -> list[C]:
    """The candidates (start, end, …) kept best-ranked first (lowest `rank`), skipping any that
    overlaps one already kept or a `blocked` interval; returned in text order."""
    starts: list[int] = []
    ends: list[int] = []
    for s, e in sorted(blocked):  # merged, so that every interval kept below is disjoint
        if ends and s < ends[-1]:
            ends[-1] = max(ends[-1], e)
        else:
            starts.append(s)
            ends.append(e)
    kept: list[C] = []
    for c in sorted(cands, key=rank):
        i = bisect.bisect_right(starts, c[0])
        if (i < len(starts) and starts[i] < c[1]) or (i > 0 and ends[i - 1] > c[0]):
            continue
        starts.insert(i, c[0])
        ends.insert(i, c[1])
        kept.append(c)
    return sorted(kept)
