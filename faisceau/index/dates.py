"""Document dates as intervals: a partial date covers its whole year, month or day.

Dates with an offset are instants. Naive dates and partial dates float: they are read in the
project's time zone (setting `timezone`), as are the year and month buckets.
"""

from __future__ import annotations

import datetime as dt
import re
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from ..exc import UsageError

_PARTIAL = re.compile(r"^(\d{4})(?:-(\d{1,2})(?:-(\d{1,2}))?)?$")


def zone(name: str) -> dt.tzinfo:
    if name.upper() == "UTC":
        return dt.UTC
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise UsageError(f"unknown time zone {name!r} (setting timezone)") from None


def interval(value: str, tz: dt.tzinfo) -> tuple[int, int, str] | None:
    """(first second, last second, precision) of a date string, or None if it is not one.

    Accepts ISO 8601 instants (with or without offset) and partial dates YYYY, YYYY-MM,
    YYYY-MM-DD; precision is one of year, month, day, second.
    """
    value = value.strip()
    m = _PARTIAL.match(value)
    if m:
        year, month, day = int(m[1]), m[2], m[3]
        try:
            if day is not None:
                start = dt.datetime(year, int(month), int(day), tzinfo=tz)
                end, precision = start + dt.timedelta(days=1), "day"
            elif month is not None:
                start = dt.datetime(year, int(month), 1, tzinfo=tz)
                end = dt.datetime(year + (start.month == 12), start.month % 12 + 1, 1, tzinfo=tz)
                precision = "month"
            else:
                start, end, precision = dt.datetime(year, 1, 1, tzinfo=tz), dt.datetime(year + 1, 1, 1, tzinfo=tz), "year"
        except ValueError:
            return None
        return int(start.timestamp()), int(end.timestamp()) - 1, precision
    try:
        d = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    if d.tzinfo is None:
        d = d.replace(tzinfo=tz)
    t = int(d.timestamp())
    return t, t, "second"


def buckets(lo: int, tz: dt.tzinfo) -> tuple[str, str]:
    """The year and month (in the project's time zone) a date falls in."""
    d = dt.datetime.fromtimestamp(lo, tz)
    return f"{d.year:04d}", f"{d.year:04d}-{d.month:02d}"
