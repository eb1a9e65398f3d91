"""Reading the analysis: entities, their mentions and company, a document's findings, the timeline.

The CLI commands and the web pages call these same functions.
"""

from __future__ import annotations

import bisect
import datetime as dt
import heapq
import json
from typing import Any, Iterator

from ..exc import UsageError
from ..index.dates import interval, zone
from ..store.db import Store
from .names import key

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
    sql, args = "SELECT * FROM entities WHERE 1=1", list[Any]()
    if type:
        sql += " AND type = ?"
        args.append(entity_type(type))
    if q:
        sql += " AND (name LIKE ? OR variants LIKE ?)"
        args += [f"%{q}%", f"%{q}%"]
    sql += " ORDER BY mentions DESC, name LIMIT ? OFFSET ?"
    args += [-1 if limit is None else limit, offset]
    return [_row(r) for r in store.db.execute(sql, args)]


def entity(store: Store, ident: str) -> dict[str, Any] | None:
    """An entity by id, or by any of its names ("J. Bezos", "Bezos, Jeff")."""
    r = store.db.execute("SELECT * FROM entities WHERE id = ?", (ident,)).fetchone()
    if r is None:
        r = store.db.execute("SELECT e.* FROM entity_keys k JOIN entities e ON e.id = k.entity_id WHERE k.key = ?",
                             (key(ident),)).fetchone()
    return _row(r) if r is not None else None


find_entity = entity  # `timeline` has an argument of that name


def _keys(store: Store, entity_id: str) -> list[str]:
    return [k for (k,) in store.db.execute("SELECT key FROM entity_keys WHERE entity_id = ?", (entity_id,))]


def mentions(store: Store, entity_id: str, limit: int | None = 50) -> list[dict[str, Any]]:
    """Where an entity is named: document, offsets, the words around; header mentions have no offsets."""
    keys = _keys(store, entity_id)
    if not keys:
        return []
    out: list[dict[str, Any]] = []
    marks = ",".join("?" * len(keys))
    rows = store.db.execute(
        f"SELECT m.sha256, m.start, m.end, m.text, m.source,"
        f" (SELECT MIN(id) FROM documents d WHERE d.sha256 = m.sha256) AS document_id,"
        f" CASE WHEN m.start >= 0 THEN substr(c.text, max(1, m.start + 1 - {CONTEXT}), m.start - max(0, m.start - {CONTEXT}))"
        f" END AS before,"
        f" CASE WHEN m.start >= 0 THEN substr(c.text, m.end + 1, {CONTEXT}) END AS after"
        f" FROM mentions m JOIN contents c ON c.sha256 = m.sha256 WHERE m.key IN ({marks})"
        f" ORDER BY m.sha256, m.start LIMIT ?", [*keys, -1 if limit is None else limit])
    for r in rows:
        d = dict(r)
        d["context"] = None if d["start"] < 0 else f"{d.pop('before') or ''}[{d['text']}]{d.pop('after') or ''}"
        d.pop("before", None)
        d.pop("after", None)
        if d["start"] < 0:
            d["start"] = d["end"] = None
        out.append(d)
    return out


def cooccurring(store: Store, entity_id: str, limit: int = 20) -> list[dict[str, Any]]:
    """Entities named in the same documents, by the number of documents shared."""
    return [dict(r) for r in store.db.execute(
        "SELECT e.id, e.type, e.name, COUNT(*) AS documents FROM document_entities a"
        " JOIN document_entities b ON b.document_id = a.document_id AND b.entity_id != a.entity_id"
        " JOIN entities e ON e.id = b.entity_id WHERE a.entity_id = ?"
        " GROUP BY e.id ORDER BY documents DESC, e.name LIMIT ?", (entity_id, limit))]


def documents_of(store: Store, entity_id: str, limit: int | None = 100) -> list[dict[str, Any]]:
    return [dict(r) for r in store.db.execute(
        "SELECT d.id, d.path, d.kind, de.count FROM document_entities de JOIN documents d ON d.id = de.document_id"
        " WHERE de.entity_id = ? ORDER BY de.count DESC, d.path LIMIT ?", (entity_id, -1 if limit is None else limit))]


def document(store: Store, document_id: str) -> dict[str, Any]:
    """What analysis found in one document: mentions (with their entity), identifiers, dates."""
    row = store.db.execute("SELECT sha256 FROM documents WHERE id = ?", (document_id,)).fetchone()
    if row is None or row[0] is None:
        return {"mentions": [], "identifiers": [], "dates": []}
    sha = row[0]
    ments = [dict(r) for r in store.db.execute(
        "SELECT m.start, m.end, m.text, m.type AS mention_type, m.source, k.entity_id, e.name AS entity, e.type"
        " FROM mentions m LEFT JOIN entity_keys k ON k.key = m.key LEFT JOIN entities e ON e.id = k.entity_id"
        " WHERE m.sha256 = ? ORDER BY m.start", (sha,))]
    for m in ments:
        m["type"] = m["type"] or m["mention_type"]
        if m["start"] < 0:  # named in the e-mail's headers, not in its text
            m["start"] = m["end"] = None
    ids = [dict(r) | {"valid": bool(r["valid"])} for r in store.db.execute(
        "SELECT start, end, text, type, value, valid FROM identifiers WHERE sha256 = ? ORDER BY start", (sha,))]
    dates = [dict(r) for r in store.db.execute(
        "SELECT start, end, text, value, precision FROM text_dates WHERE sha256 = ? ORDER BY start", (sha,))]
    return {"mentions": ments, "identifiers": ids, "dates": dates}


# -- timeline ------------------------------------------------------------------------------------

def timeline(store: Store, date_from: str | None = None, date_to: str | None = None, entity: str | None = None,
             kind: str | None = None, tz: str = "UTC") -> Iterator[dict[str, Any]]:
    """Events in date order: dated sentences (`text`) and document dates (`metadata`), in the range
    [date_from, date_to] (partial dates; a partial event date matches when it overlaps)."""
    zone_ = zone(tz)
    lo = _bound(date_from, zone_, 0)
    hi = _bound(date_to, zone_, 1)
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
    yield from heapq.merge(*streams, key=lambda e: (e["_lo"], e["document_id"] or "", e.get("start") or 0))


def _bound(value: str | None, tz: dt.tzinfo, side: int) -> int | None:
    if not value:
        return None
    iv = interval(value, tz)
    if iv is None:
        raise UsageError(f"not a date: {value!r} (YYYY, YYYY-MM or YYYY-MM-DD)")
    return iv[0] if side == 0 else iv[1]


def _in(iv: tuple[int, int, str] | None, lo: int | None, hi: int | None) -> bool:
    return iv is not None and (lo is None or iv[1] >= lo) and (hi is None or iv[0] <= hi)


def _text_events(store: Store, lo: int | None, hi: int | None, ent: str | None,
                 tz: dt.tzinfo) -> Iterator[dict[str, Any]]:
    sql = ("SELECT t.sha256, t.start, t.end, t.text, t.value, t.precision, t.s_start, t.s_end,"
           " substr(c.text, t.s_start + 1, t.s_end - t.s_start) AS sentence, c.pages,"
           " (SELECT MIN(id) FROM documents d WHERE d.sha256 = t.sha256) AS document_id"
           " FROM text_dates t JOIN contents c ON c.sha256 = t.sha256")
    args: list[Any] = []
    if ent:
        sql += " WHERE t.sha256 IN (SELECT m.sha256 FROM mentions m JOIN entity_keys k ON k.key = m.key WHERE k.entity_id = ?)"
        args.append(ent)
    sql += " ORDER BY t.value"
    for r in store.db.execute(sql, args):
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
    return [dict(r) for r in store.db.execute(
        "SELECT DISTINCT en.id, en.type, en.name FROM mentions m JOIN entity_keys k ON k.key = m.key"
        " JOIN entities en ON en.id = k.entity_id WHERE m.sha256 = ? AND m.start >= ? AND m.end <= ?"
        " ORDER BY m.start", (sha, s, e))]


def _page(pages_json: str | None, start: int) -> int | None:
    pages = json.loads(pages_json or "[]")
    starts = [p["start"] for p in pages]
    i = bisect.bisect_right(starts, start) - 1
    return pages[i].get("number") if i >= 0 else None


META_FIELDS = (("date_utc", "sent"), ("created", "created"), ("modified", "modified"))


def _metadata_events(store: Store, lo: int | None, hi: int | None, ent: str | None,
                     tz: dt.tzinfo) -> Iterator[dict[str, Any]]:
    # one event per content, at its first location: copies of a file are one fact
    sql = ("SELECT MIN(d.id) AS id, MIN(d.path) AS path, c.metadata FROM documents d"
           " JOIN contents c ON c.sha256 = d.sha256 WHERE d.status = 'ok'")
    args: list[Any] = []
    if ent:
        sql += " AND d.id IN (SELECT document_id FROM document_entities WHERE entity_id = ?)"
        args.append(ent)
    sql += " GROUP BY d.sha256"
    events = []
    seen: set[tuple[str, str]] = set()
    for r in store.db.execute(sql, args):
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
    return [dict(r) for r in store.db.execute(
        "SELECT entity_id AS id, type, name FROM document_entities WHERE document_id = ? ORDER BY count DESC, name"
        " LIMIT ?", (doc_id, limit))]


def public(event: dict[str, Any]) -> dict[str, Any]:
    """An event without its sort key."""
    return {k: v for k, v in event.items() if not k.startswith("_")}
