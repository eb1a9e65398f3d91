"""Which dates are plausible for this corpus: placeholders, far-off years and future dates are not.

A real leak carries dates no event has: Enron's mail server wrote `1980-01-01` where it had no
date, file systems `1970-01-01` (the Unix epoch), `1601-01-01` (Windows), `1904-01-01` (Mac);
text readers meet "6731" in a reference number and "1148" in a catalogue. On the timeline they
stretched the axis from 1148 to 6731. A date is flagged, with its reason, when:

- it is a placeholder: a document date (metadata) within a day of the first of January of an
  epoch year (a time zone moves midnight UTC by up to 14 hours);
- it is after the end of next year (no leak reports next year's events as facts);
- its year is far from the corpus's own dates: outside the 2nd–98th percentile of the years the
  corpus's dates fall in, widened by `MARGIN` years (or by the width of that range when wider).

Flagged dates are kept in the store and shown on demand (`implausible=True`, the timeline's
"implausible dates" toggle); by default the timeline leaves them out.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass

EPOCH_YEARS = frozenset((1, 1601, 1899, 1900, 1904, 1970, 1980))
MARGIN = 10          # years either side of the corpus's central range that still count as its own
NEAR_MIDNIGHT = 14 * 3600   # the widest UTC offset: a placeholder written in local time


@dataclass(frozen=True)
class Plausibility:
    """The corpus's plausible years and the rules above; `reason(...)` is None for a plausible date."""

    first_year: int
    last_year: int

    @classmethod
    def of(cls, years: Mapping[int, int], today: dt.date | None = None) -> Plausibility:
        """From the corpus's dates counted by year (placeholders and the future left out first)."""
        last_allowed = (today or dt.date.today()).year + 1
        counts = Counter({y: n for y, n in years.items() if y not in EPOCH_YEARS and 0 < y <= last_allowed and n > 0})
        total = sum(counts.values())
        if not total:
            return cls(1, last_allowed)
        lo = _percentile(counts, total, 0.02)
        hi = _percentile(counts, total, 0.98)
        margin = max(MARGIN, hi - lo)
        return cls(max(1, lo - margin), min(last_allowed, hi + margin))

    def reason(self, start: int, year: int, metadata: bool) -> str | None:
        """Why a date (its first second, UTC, and its year) is implausible, or None."""
        if metadata and _near_epoch(start):
            return "placeholder date"
        if year > dt.date.today().year + 1:
            return "in the future"
        if year > self.last_year or year < self.first_year:
            return "far from the corpus's dates"
        return None


def _percentile(counts: Counter[int], total: int, q: float) -> int:
    seen = 0
    for y in sorted(counts):
        seen += counts[y]
        if seen >= q * total:
            return y
    return max(counts)


def _near_epoch(start: int) -> bool:
    """Within 14 hours of midnight UTC on the first of January of an epoch year."""
    try:
        when = dt.datetime.fromtimestamp(start, dt.UTC)
    except (OverflowError, OSError, ValueError):
        return False
    for year in (when.year, min(when.year + 1, dt.MAXYEAR)):
        if year in EPOCH_YEARS:
            midnight = dt.datetime(year, 1, 1, tzinfo=dt.UTC)
            if abs((when - midnight).total_seconds()) <= NEAR_MIDNIGHT:
                return True
    return False
