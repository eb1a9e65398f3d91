"""The timeline's event table, built once and read by index: dated sentences and document dates.

The events are those `read.timeline` streams (the reference the table is tested against), computed
once after the corpus stages instead of on every page load or `faisceau timeline`: at 20,000
documents walking them in Python took 7–12 s a request. `fresh` rebuilds the table when what it is built from changed or the project's
time zone is another, so a project made before the table existed, or analysed since, reads right.

Copies are one fact: an event is keyed by its copy group (the bytes' SHA-256, or the same-message
key of one e-mail kept in several folders) and by what it says (field, or date and sentence); the
first document of the group carries it, the others' are marked as copies (`dup`).
"""

from __future__ import annotations

import datetime as dt
import json
import time
import weakref
from collections import Counter
from collections.abc import Iterator
from typing import Any

from ..exc import UsageError
from ..index.dates import interval, zone
from ..store import entities as entity_store
from ..store import timeline as table
from ..store.db import Store
from . import read
from .plausible import Plausibility
from .read import META_FIELDS, _page

PRECISION = {"year": 0, "month": 1, "day": 2}     # anything finer (minute, second) is a day's


def _group(place: table.ContentPlace) -> str:
    return f"m:{place['copy_key']}" if place["copy_key"] else f"s:{place['sha256']}"


def rows(store: Store, tz_name: str) -> Iterator[tuple[Any, ...]]:
    """Every event as a row of `timeline_events`, copies marked, implausible dates judged (the same
    judgement as `read.timeline`'s, over the corpus's years)."""
    tz = zone(tz_name)
    judge = Plausibility.of(entity_store.date_years(store))
    places = table.content_places(store)
    size: Counter[str] = Counter()
    for p in places.values():
        size[_group(p)] += p["locations"]
    found: list[tuple[tuple[Any, ...], tuple[Any, ...]]] = []   # (sort key, row without copies/dup)
    for r in table.text_date_rows(store):
        place = places.get(r["sha256"])
        iv = interval(r["value"][:10], tz)
        if place is None or iv is None:
            continue
        found.append(((place["document_id"], r["start"]), (
            iv[0], iv[1], _day(iv[0], tz), _day(iv[1], tz), PRECISION.get(r["precision"], 2), "text", r["sha256"],
            place["document_id"], _group(place), r["value"], r["precision"], None, r["sentence"], r["start"],
            r["end"], r["text"], _page(r["pages"], r["start"]), r["s_start"], r["s_end"])))
    for sha, metadata in table.content_metadata(store):
        place = places.get(sha)
        if place is None:
            continue
        meta = json.loads(metadata or "{}")
        for field, label in META_FIELDS:
            v = meta.get(field)
            if not isinstance(v, str) or (label == "created" and meta.get("date_utc")):
                continue  # an e-mail's sent date is its date; its "created" repeats it
            iv = interval(v, tz)
            if iv is None:
                continue
            title = meta.get("subject") or meta.get("title") or place["path"]
            found.append(((place["document_id"], -1), (
                iv[0], iv[1], _day(iv[0], tz), _day(iv[1], tz), PRECISION.get(iv[2], 2), "metadata", sha, place["document_id"],
                _group(place), v, iv[2], label, f"{label}: {title}", None, None, None, None, None, None)))
    found.sort(key=lambda x: x[0])   # the first location of a group carries its events
    seen: set[tuple[Any, ...]] = set()
    for _, row in found:
        # row: lo hi day last prec kind sha256 document_id grp | date precision field sentence …
        what = (row[8], row[5], row[11]) if row[5] == "metadata" else (
            row[8], row[5], row[9], " ".join((row[12] or "").split()))
        dup = what in seen
        seen.add(what)
        date = str(row[9])
        why = judge.reason(row[0], int(date[:4]) if date[:4].isdigit() else 0, row[5] == "metadata")
        yield (*row[:9], size[row[8]], int(dup), *row[9:], why, int(why is not None))


def local_day(lo: int, tz: dt.tzinfo) -> str:
    """The day (YYYY-MM-DD) of a Unix time in a time zone."""
    return _day(lo, tz)


def _day(lo: int, tz: dt.tzinfo) -> str:
    try:
        return dt.datetime.fromtimestamp(lo, tz).date().isoformat()
    except (OverflowError, OSError, ValueError):
        return dt.datetime.fromtimestamp(lo, dt.UTC).date().isoformat()


def build(store: Store, tz_name: str) -> int:
    """Rebuild the event table in the project's time zone; the number of events."""
    stamp = table.fingerprint(store)
    return table.replace_events(store, rows(store, tz_name), tz_name, stamp)


_CHECKED: weakref.WeakKeyDictionary[Store, tuple[str, int]] = weakref.WeakKeyDictionary()


def fresh(store: Store, tz_name: str) -> None:
    """Make sure the event table matches the store and the time zone (rebuilt if not). A connection
    that saw no other connection's commit since it last checked does not count the tables again."""
    seen = table.data_version(store)
    if _CHECKED.get(store) == (tz_name, seen):
        return
    if table.state(store) != (tz_name, table.fingerprint(store)):
        build(store, tz_name)
    links(store)
    _CHECKED[store] = (tz_name, table.data_version(store))


def links(store: Store) -> None:
    """Link the events to the entities again if the grouping changed (after a curation decision)."""
    stamp = table.entity_fingerprint(store)
    if table.entity_state(store) != stamp:
        table.replace_entity_links(store, stamp)


def forget(store: Store) -> None:
    """Check the table again on the next read (after a write on this connection: a curation)."""
    _CHECKED.pop(store, None)


def run_timeline(ctx: Any) -> set[str]:
    """The `timeline` corpus stage: the event table rebuilt after the other corpus stages when what
    it is built from changed. Nothing it writes is in the full-text index: no document changed."""
    tz_name = str(ctx.settings.timezone)
    if table.state(ctx.store) != (tz_name, table.fingerprint(ctx.store)):
        t0 = time.monotonic()
        n = build(ctx.store, tz_name)
        ctx.log("timeline-built", events=n, seconds=round(time.monotonic() - t0, 2))
    links(ctx.store)
    return set()


def selection(store: Store, tz_name: str, date_from: str | None = None, date_to: str | None = None, *,
              entity: str | None = None, kind: str | None = None, all_copies: bool = False,
              implausible: bool = False) -> table.Filter:
    """What a timeline read keeps, from what the user asked (partial dates, an entity's name or id, a
    kind), with the event table made fresh first: the one reading of a request that the command line,
    the page and the API share."""
    if kind not in (None, "", "text", "metadata"):
        raise UsageError(f"unknown event kind {kind[:40]!r} (text or metadata)")
    tz = zone(tz_name)
    fresh(store, tz_name)
    lo, hi = read.bound(date_from, tz, 0), read.bound(date_to, tz, 1)
    f: table.Filter = {"lo": lo, "hi": hi, "first_day": local_day(lo, tz) if lo is not None else None,
                       "last_day": local_day(hi, tz) if hi is not None else None, "kind": kind or None,
                       "all_copies": all_copies, "implausible": implausible}
    if entity:
        e = read.entity(store, entity)
        if e is None:
            raise UsageError(f"no entity {entity[:100]!r}")
        f["entity_id"] = e["id"]
    return f


def public(store: Store, r: dict[str, Any]) -> dict[str, Any]:
    """An event row as the timeline shows it: its date, sentence or field, entities and copies."""
    if r["kind"] == "text":
        names = [dict(x) for x in entity_store.entities_in_span(store, r["sha256"], r["s_start"], r["s_end"])]
        out = {"date": r["date"], "precision": r["precision"], "kind": "text", "sentence": r["sentence"],
               "entities": names, "document_id": r["document_id"], "page": r["page"], "start": r["start"],
               "end": r["end"], "text": r["text"]}
    else:
        names = [dict(x) for x in entity_store.entities_of_document(store, r["document_id"], 10)]
        out = {"date": r["date"], "precision": r["precision"], "kind": "metadata", "sentence": r["sentence"],
               "field": r["field"], "document_id": r["document_id"], "entities": names, "page": None,
               "start": None, "end": None}
    out["copies"] = r["copies"]
    out["copy"] = bool(r["dup"])
    out["implausible"] = r["implausible"]  # why the date is implausible (shown with the toggle), or None
    return out


def timeline(store: Store, f: table.Filter, limit: int = -1) -> Iterator[dict[str, Any]]:
    """The events `f` keeps, in date order (every one with the default `limit`), as `public` shows
    them: read from the event table by index, one at a time."""
    for r in table.iter_events(store, f, limit):
        yield public(store, r)
