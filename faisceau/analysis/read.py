"""Reading the analysis: entities, their mentions and company, a document's findings, the timeline.

The CLI commands and the web pages call these same functions.
"""

from __future__ import annotations

import bisect
import datetime as dt
import heapq
import json
from collections.abc import Iterator
from typing import Any

from ..exc import UsageError
from ..index.dates import interval, zone
from ..store import entities as entity_store
from ..store.db import Store
from .names import key
from .plausible import Plausibility

TYPE_NAMES = {"per": "PER", "person": "PER", "persons": "PER", "people": "PER", "org": "ORG",
              "organisation": "ORG", "organization": "ORG", "loc": "LOC", "place": "LOC", "location": "LOC",
              "misc": "MISC"}
CONTEXT = 80   # characters shown each side of a mention


def entity_type(name: str | None) -> str | None:
    if name is None:
        return None
    t = TYPE_NAMES.get(name.strip().lower())
    if t is None:
        raise UsageError(f"unknown entity type {name!r} (person, org, place or misc)")
    return t


def _row(r: Any) -> dict[str, Any]:
    d = dict(r)
    d["variants"] = json.loads(d.get("variants") or "[]")
    d.pop("ignored", None)
    return d


def entities(store: Store, type: str | None = None, q: str | None = None, limit: int | None = 100,
             offset: int = 0) -> list[dict[str, Any]]:
    """Canonical entities, most mentioned first; `q` keeps those with a spelling containing it."""
    return [_row(r) for r in entity_store.list_entities(store, entity_type(type) if type else None, q, limit, offset)]


def entity(store: Store, ident: str) -> dict[str, Any] | None:
    """An entity by id, or by any of its names ("J. Bezos", "Bezos, Jeff")."""
    r = entity_store.entity_by_id(store, ident)
    if r is None:
        r = entity_store.entity_by_key(store, key(ident))
    return _row(r) if r is not None else None


find_entity = entity  # `timeline` has an argument of that name


def _keys(store: Store, entity_id: str) -> list[str]:
    return entity_store.keys_of(store, entity_id)


def mentions(store: Store, entity_id: str, limit: int | None = 50) -> list[dict[str, Any]]:
    """Where an entity is named: document, offsets, the words around; header mentions have no offsets."""
    keys = _keys(store, entity_id)
    if not keys:
        return []
    out: list[dict[str, Any]] = []
    for r in entity_store.mentions_in_context(store, keys, CONTEXT, limit):
        d: dict[str, Any] = dict(r)
        d["context"] = None if d["start"] < 0 else f"{d.pop('before') or ''}[{d['text']}]{d.pop('after') or ''}"
        d.pop("before", None)
        d.pop("after", None)
        if d["start"] < 0:
            d["start"] = d["end"] = None
        out.append(d)
    return out


def cooccurring(store: Store, entity_id: str, limit: int = 20) -> list[dict[str, Any]]:
    """Entities named in the same documents, by the number of documents shared."""
    return [dict(r) for r in entity_store.cooccurring(store, entity_id, limit)]


def documents_of(store: Store, entity_id: str, limit: int | None = 100) -> list[dict[str, Any]]:
    """The documents naming an entity, most mentions first."""
    return [dict(r) for r in entity_store.documents_naming(store, entity_id, limit)]


def document(store: Store, document_id: str) -> dict[str, Any]:
    """What analysis found in one document: mentions (with their entity), identifiers, dates."""
    row = store.document(document_id)
    if row is None or row["sha256"] is None:
        return {"mentions": [], "identifiers": [], "dates": []}
    sha = row["sha256"]
    ments: list[dict[str, Any]] = [dict(r) for r in entity_store.mentions_of(store, sha)]
    for m in ments:
        m["type"] = m["type"] or m["mention_type"]
        if m["start"] < 0:  # named in the e-mail's headers, not in its text
            m["start"] = m["end"] = None
    ids = [dict(r) | {"valid": bool(r["valid"])} for r in entity_store.identifiers_of(store, sha)]
    dates = [dict(r) for r in entity_store.text_dates_of(store, sha)]
    return {"mentions": ments, "identifiers": ids, "dates": dates}


# -- timeline ------------------------------------------------------------------------------------

def timeline(store: Store, date_from: str | None = None, date_to: str | None = None, entity: str | None = None,
             kind: str | None = None, tz: str = "UTC", implausible: bool = False) -> Iterator[dict[str, Any]]:
    """Events in date order: dated sentences (`text`) and document dates (`metadata`), in the range
    [date_from, date_to] (partial dates; a partial event date matches when it overlaps), computed from
    the analysis tables on every call. The command line and the web read the precomputed event table
    instead (`events.timeline`); this stream is the reference it is tested against.

    Implausible dates (placeholders, far from the corpus's years, in the future: `plausible`) are
    left out unless `implausible`; then each event says why in `implausible` (None when plausible).
    On one day, exact events come before vaguer ones (a year alone overlaps every day of it)."""
    zone_ = zone(tz)
    judge = Plausibility.of(entity_store.date_years(store))
    lo = bound(date_from, zone_, 0)
    hi = bound(date_to, zone_, 1)
    if kind not in (None, "text", "metadata"):
        raise UsageError(f"unknown event kind {kind!r} (text or metadata)")
    ent = None
    if entity:
        e = find_entity(store, entity)
        if e is None:
            raise UsageError(f"no entity {entity!r}")
        ent = e["id"]
    streams = []
    if kind in (None, "text"):
        streams.append(_text_events(store, lo, hi, ent, zone_))
    if kind in (None, "metadata"):
        streams.append(_metadata_events(store, lo, hi, ent, zone_))
    merged = heapq.merge(*streams, key=lambda e: (e["_lo"], e["document_id"] or "", e.get("start") or 0))
    judged = _judged(merged, judge, implausible)
    yield from exact_first(judged, lo, zone_)


def _judged(events: Iterator[dict[str, Any]], judge: Plausibility, keep: bool) -> Iterator[dict[str, Any]]:
    """Each event with the reason its date is implausible; those dropped unless `keep`."""
    for e in events:
        year = int(str(e["date"])[:4]) if str(e["date"])[:4].isdigit() else 0
        why = judge.reason(e["_lo"], year, e["kind"] == "metadata")
        if why and not keep:
            continue
        e["implausible"] = why
        yield e


RANK = {"second": 0, "minute": 0, "day": 1, "month": 2, "year": 3}


def exact_first(events: Iterator[dict[str, Any]], lo: int | None, tz: dt.tzinfo) -> Iterator[dict[str, Any]]:
    """Events of one day (counted from the range's start: a year-only event drilled into on a day is
    of that day) with the exact ones first, then months, then years; the order is otherwise kept."""
    day: str | None = None
    group: list[dict[str, Any]] = []
    for e in events:
        start = e["_lo"] if lo is None else max(e["_lo"], lo)
        d = _day(start, tz)
        if d != day and group:
            yield from sorted(group, key=lambda x: RANK.get(x.get("precision") or "day", 1))
            group = []
        day = d
        group.append(e)
    yield from sorted(group, key=lambda x: RANK.get(x.get("precision") or "day", 1))


def _day(t: int, tz: dt.tzinfo) -> str:
    try:
        return dt.datetime.fromtimestamp(t, tz).date().isoformat()
    except (OverflowError, OSError, ValueError):
        return str(t // 86400)


def bound(value: str | None, tz: dt.tzinfo, side: int) -> int | None:
    """The first (side 0) or last (side 1) second of a partial date (YYYY, YYYY-MM, YYYY-MM-DD) in a
    time zone; None for no date. The timeline's CLI and web pages both read their range with it."""
    if not value:
        return None
    iv = interval(value, tz)
    if iv is None:
        raise UsageError(f"not a date: {value[:40]!r} (YYYY, YYYY-MM or YYYY-MM-DD)")
    return iv[0] if side == 0 else iv[1]


def _in(iv: tuple[int, int, str] | None, lo: int | None, hi: int | None) -> bool:
    return iv is not None and (lo is None or iv[1] >= lo) and (hi is None or iv[0] <= hi)


def _text_events(store: Store, lo: int | None, hi: int | None, ent: str | None,
                 tz: dt.tzinfo) -> Iterator[dict[str, Any]]:
    for r in entity_store.dated_sentences(store, ent):
        iv = interval(r["value"][:10], tz)
        if not _in(iv, lo, hi) or r["document_id"] is None:
            continue
        assert iv is not None
        names = _sentence_entities(store, r["sha256"], r["s_start"], r["s_end"])
        if ent and ent not in {n["id"] for n in names}:
            continue
        yield {"_lo": iv[0], "date": r["value"], "precision": r["precision"], "kind": "text",
               "sentence": r["sentence"], "entities": names, "document_id": r["document_id"],
               "page": _page(r["pages"], r["start"]), "start": r["start"], "end": r["end"], "text": r["text"]}


def _sentence_entities(store: Store, sha: str, s: int, e: int) -> list[dict[str, Any]]:
    return [dict(r) for r in entity_store.entities_in_span(store, sha, s, e)]


def _page(pages_json: str | None, start: int) -> int | None:
    pages = json.loads(pages_json or "[]")
    starts = [p["start"] for p in pages]
    i = bisect.bisect_right(starts, start) - 1
    return pages[i].get("number") if i >= 0 else None


META_FIELDS = (("date_utc", "sent"), ("created", "created"), ("modified", "modified"))


def _metadata_events(store: Store, lo: int | None, hi: int | None, ent: str | None,
                     tz: dt.tzinfo) -> Iterator[dict[str, Any]]:
    # one event per content, at its first location: copies of a file are one fact
    events = []
    seen: set[tuple[str, str]] = set()
    for r in entity_store.dated_contents(store, ent):
        meta = json.loads(r["metadata"] or "{}")
        for field, label in META_FIELDS:
            v = meta.get(field)
            if not isinstance(v, str) or (label == "created" and meta.get("date_utc")):
                continue  # an e-mail's sent date is its date; its "created" repeats it
            iv = interval(v, tz)
            if not _in(iv, lo, hi):
                continue
            assert iv is not None
            title = meta.get("subject") or meta.get("title") or r["path"]
            if (r["id"], label) in seen:
                continue
            seen.add((r["id"], label))
            events.append({"_lo": iv[0], "date": v, "precision": iv[2], "kind": "metadata",
                           "sentence": f"{label}: {title}", "field": label, "document_id": r["id"],
                           "entities": _document_entities(store, r["id"]), "page": None, "start": None, "end": None})
    events.sort(key=lambda e: (e["_lo"], e["document_id"]))
    yield from events


def _document_entities(store: Store, doc_id: str, limit: int = 10) -> list[dict[str, Any]]:
    return [dict(r) for r in entity_store.entities_of_document(store, doc_id, limit)]


def public(event: dict[str, Any]) -> dict[str, Any]:
    """An event without its sort key."""
    return {k: v for k, v in event.items() if not k.startswith("_")}
