"""One time-zone rule for every time the interface prints: the project's `timezone` setting, named.

The result list printed the sender's local time, the conversation panel the same message in UTC
and the timeline UTC, none of them labelled. Now an instant (a time with its offset) is shown in
the project's time zone with the zone's name beside it ("2001-05-03 10:15 UTC",
"2001-05-03 12:15 Europe/Paris"); a date alone, or a time written without an offset (floating),
is shown as written, since no zone can be claimed for it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from ..index.dates import zone


def shown(value: object, tz_name: str) -> str:
    """`value` (ISO 8601) as the interface prints it under the rule above; "" for nothing."""
    if not isinstance(value, str) or not value:
        return ""
    text = value.strip()
    if len(text) <= 10 or "T" not in text and " " not in text:
        return text   # YYYY, YYYY-MM, YYYY-MM-DD: a date, not an instant
    try:
        d = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return text[:16].replace("T", " ")
    if d.tzinfo is None:
        return d.strftime("%Y-%m-%d %H:%M")   # floating: as written, no zone claimed
    try:
        local = d.astimezone(zone(tz_name))
    except (OverflowError, ValueError):
        return text[:16].replace("T", " ")
    return f"{local.strftime('%Y-%m-%d %H:%M')} {label(tz_name)}"


def label(tz_name: str) -> str:
    """The zone's name as printed beside times: "UTC" or the IANA name."""
    return "UTC" if tz_name.upper() == "UTC" else tz_name


def formatter(tz_name: str) -> Callable[[object], str]:
    """`shown` bound to the project's zone, for the templates."""
    return lambda value: shown(value, tz_name)
