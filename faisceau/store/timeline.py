"""Owner of the timeline's event table: every dated fact of the corpus, precomputed, one row an event.

The timeline page, its API and the entity pages read the events from here with indexed SQL (date
range, buckets counted by `GROUP BY`, a `LIMIT` pushed down) instead of walking every dated sentence
in Python on each request. The table is derived data: `faisceau.analysis.events` fills it after the
corpus stages, and again when what it was built from changed (its `timeline_state` fingerprint) or
when the project's time zone is another (buckets are local days).

Copies are one fact: each event belongs to a copy group (the content's SHA-256, or the same-message
key of an e-mail held in several folders); the first document of a group carries the event, the
others' events are kept with `dup = 1` for the "all copies" view.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING, Any, TypedDict

if TYPE_CHECKING:
    from .db import Store

# The tables' DDL by the schema version that created them.
DDL: dict[int, str] = {
    5: """
    -- timeline (derived, rebuilt from text_dates, contents and mail_messages): one row per event
    CREATE TABLE timeline_events (
        seq         INTEGER PRIMARY KEY,
        lo          INTEGER NOT NULL,     -- first and last second the date covers (Unix, UTC)
        hi          INTEGER NOT NULL,
        day         TEXT NOT NULL,        -- the local day of lo in the project's time zone: bucket keys
        last        TEXT NOT NULL,        -- the local day of hi
        prec        INTEGER NOT NULL,     -- 0 year, 1 month, 2 day or finer
        kind        TEXT NOT NULL,        -- text | metadata
        sha256      TEXT NOT NULL,
        document_id TEXT NOT NULL,        -- the first location of the content
        grp         TEXT NOT NULL,        -- copy group: "s:" + SHA-256, or "m:" + same-message key
        copies      INTEGER NOT NULL,     -- documents holding the group
        dup         INTEGER NOT NULL,     -- 1: the same event of another copy of the group
        date        TEXT NOT NULL,
        precision   TEXT,
        field       TEXT,
        sentence    TEXT,
        start       INTEGER,
        end         INTEGER,
        text        TEXT,
        page        INTEGER,
        s_start     INTEGER,
        s_end       INTEGER
    );
    CREATE INDEX timeline_events_lo ON timeline_events(dup, lo, document_id);
    CREATE INDEX timeline_events_sha ON timeline_events(sha256);
    CREATE INDEX timeline_events_grp ON timeline_events(grp);
    -- the events counted by (first day, last day, precision, kind, copy): the buckets of an
    -- unfiltered timeline, at any level and over any range of days, without reading the events
    CREATE TABLE timeline_days (
        day  TEXT NOT NULL,
        last TEXT NOT NULL,
        prec INTEGER NOT NULL,
        kind TEXT NOT NULL,
        dup  INTEGER NOT NULL,
        n    INTEGER NOT NULL
    );
    CREATE INDEX timeline_days_day ON timeline_days(day);
    -- the events naming each entity (a dated sentence naming it, a date of a content naming it),
    -- with what the buckets need: an entity's timeline is read by index, rebuilt after grouping
    CREATE TABLE timeline_entities (
        entity_id TEXT NOT NULL,
        dup       INTEGER NOT NULL,
        lo        INTEGER NOT NULL,
        hi        INTEGER NOT NULL,
        day       TEXT NOT NULL,
        prec      INTEGER NOT NULL,
        kind      TEXT NOT NULL,
        seq       INTEGER NOT NULL
    );
    CREATE INDEX timeline_entities_entity ON timeline_entities(entity_id, dup, lo);
    CREATE TABLE timeline_state (
        id          INTEGER PRIMARY KEY CHECK (id = 1),
        timezone    TEXT NOT NULL,
        fingerprint TEXT NOT NULL,
        entities    TEXT                  -- the grouping the entity links were made from
    );
    """,
    6: """
    -- the date's plausibility for the corpus (analysis/plausible.py): a flagged event is kept and shown
    -- on demand; the buckets and the entity links carry the flag so the default reads leave it out
    ALTER TABLE timeline_events ADD COLUMN implausible TEXT;     -- why the date is implausible, or NULL
    ALTER TABLE timeline_events ADD COLUMN odd INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE timeline_days ADD COLUMN odd INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE timeline_entities ADD COLUMN odd INTEGER NOT NULL DEFAULT 0;
    DELETE FROM timeline_state;   -- built again, dates judged
    """,
}

COLUMNS = ("lo", "hi", "day", "last", "prec", "kind", "sha256", "document_id", "grp", "copies", "dup", "date", "precision",
           "field", "sentence", "start", "end", "text", "page", "s_start", "s_end", "implausible", "odd")
_PART = 500
_CUTS = (4, 7, 10)
# the widest event is a year (a date written "2001"): an event overlapping a range starts at most
# this long before it, which gives the date index a lower bound
WIDEST = 367 * 86400


class ContentPlace(TypedDict):
    """A content with its first location, its copy group and how many documents hold it."""

    sha256: str
    document_id: str
    path: str
    copy_key: str | None
    locations: int


class Filter(TypedDict, total=False):
    """What a timeline read keeps: a date range (in seconds, and the same as local days), a kind, an
    entity, the groups a search found."""

    lo: int | None
    hi: int | None
    first_day: str | None
    last_day: str | None
    kind: str | None
    entity_id: str | None  # only the events naming this entity
    keep: bool            # only the groups put in `temp.timeline_keep` by `keep_groups`
    all_copies: bool
    implausible: bool     # the events whose dates are implausible too


# -- state ---------------------------------------------------------------------------------------

def fingerprint(store: Store) -> str:
    """What the events are built from, summed up cheaply: a change in it means rebuild."""
    parts = []
    for table in ("text_dates", "documents", "contents", "mail_messages"):
        n, top = store.db.execute(f"SELECT COUNT(*), MAX(rowid) FROM {table}").fetchone()
        parts.append(f"{n}.{top or 0}")
    ok = store.db.execute("SELECT COUNT(*) FROM documents WHERE status = 'ok'").fetchone()[0]
    return "/".join(parts) + f"/{ok}"


def data_version(store: Store) -> int:
    """SQLite's count of other connections' commits seen by this one (it moves when they write)."""
    return int(store.db.execute("PRAGMA data_version").fetchone()[0])


def entity_fingerprint(store: Store) -> str:
    """The grouping and the mentions the entity links are made from, summed up cheaply."""
    parts = []
    for table in ("entity_keys", "mentions"):
        n, top = store.db.execute(f"SELECT COUNT(*), MAX(rowid) FROM {table}").fetchone()
        parts.append(f"{n}.{top or 0}")
    return "/".join(parts)


def entity_state(store: Store) -> str | None:
    r = store.db.execute("SELECT entities FROM timeline_state WHERE id = 1").fetchone()
    return str(r[0]) if r and r[0] else None


def replace_entity_links(store: Store, stamp: str) -> None:
    """Link every event to the entities it names: a dated sentence to those named inside it, a
    content's date to every entity of the content."""
    with store.transaction():
        store.db.execute("DELETE FROM timeline_entities")
        store.db.execute(
            "INSERT INTO timeline_entities (entity_id, dup, lo, hi, day, prec, kind, seq, odd)"
            " SELECT DISTINCT k.entity_id, e.dup, e.lo, e.hi, e.day, e.prec, e.kind, e.seq, e.odd FROM timeline_events e"
            " JOIN mentions m ON m.sha256 = e.sha256 JOIN entity_keys k ON k.key = m.key"
            " WHERE e.kind = 'metadata' OR (m.start >= e.s_start AND m.end <= e.s_end)")
        store.db.execute("UPDATE timeline_state SET entities = ? WHERE id = 1", (stamp,))


def state(store: Store) -> tuple[str, str] | None:
    """(time zone, fingerprint) the events were built with, or None if never built."""
    r = store.db.execute("SELECT timezone, fingerprint FROM timeline_state WHERE id = 1").fetchone()
    return (str(r[0]), str(r[1])) if r else None


def replace_events(store: Store, rows: Iterable[tuple[Any, ...]], timezone: str, stamp: str) -> int:
    """Every event in place of the old ones, with the state they were built in, in one transaction."""
    n = 0
    with store.transaction():
        store.db.execute("DELETE FROM timeline_events")
        cur = store.db.executemany(
            f"INSERT INTO timeline_events ({', '.join(COLUMNS)}) VALUES ({', '.join('?' * len(COLUMNS))})", rows)
        n = cur.rowcount
        store.db.execute("DELETE FROM timeline_days")
        store.db.execute("INSERT INTO timeline_days (day, last, prec, kind, dup, odd, n)"
                         " SELECT day, last, prec, kind, dup, odd, COUNT(*) FROM timeline_events"
                         " GROUP BY day, last, prec, kind, dup, odd")
        store.db.execute("INSERT OR REPLACE INTO timeline_state (id, timezone, fingerprint, entities)"
                         " VALUES (1, ?, ?, NULL)", (timezone, stamp))
    return n


# -- what the build reads ------------------------------------------------------------------------

def content_places(store: Store) -> dict[str, ContentPlace]:
    """Each extracted content: first location (id and path), same-message key, number of locations."""
    return {r[0]: ContentPlace(sha256=r[0], document_id=r[1], path=r[2], copy_key=r[3], locations=r[4])
            for r in store.db.execute(
                "SELECT d.sha256, MIN(d.id), MIN(d.path), MIN(m.copy_key), COUNT(*) FROM documents d"
                " LEFT JOIN mail_messages m ON m.document_id = d.id"
                " WHERE d.status = 'ok' AND d.sha256 IS NOT NULL GROUP BY d.sha256")}


def text_date_rows(store: Store) -> Iterator[dict[str, Any]]:
    """Every date found in a text, with its sentence and the content's pages."""
    for r in store.db.execute(
            "SELECT t.sha256, t.start, t.end, t.text, t.value, t.precision, t.s_start, t.s_end,"
            " substr(c.text, t.s_start + 1, t.s_end - t.s_start) AS sentence, c.pages"
            " FROM text_dates t JOIN contents c ON c.sha256 = t.sha256"):
        yield dict(r)


def content_metadata(store: Store) -> Iterator[tuple[str, str | None]]:
    """(SHA-256, metadata JSON) of every content."""
    for r in store.db.execute("SELECT sha256, metadata FROM contents"):
        yield r[0], r[1]


# -- reading -------------------------------------------------------------------------------------

def keep_groups(store: Store, doc_ids: list[str]) -> None:
    """Put the copy groups of these documents in `temp.timeline_keep` (this connection only) for a
    read with `keep`; the groups are what the events carry, so any copy found keeps its event."""
    db = store.db
    db.execute("CREATE TEMP TABLE IF NOT EXISTS timeline_keep (grp TEXT PRIMARY KEY)")
    db.execute("DELETE FROM temp.timeline_keep")
    for i in range(0, len(doc_ids), _PART):
        part = doc_ids[i:i + _PART]
        db.execute(
            "INSERT OR IGNORE INTO temp.timeline_keep (grp)"
            " SELECT CASE WHEN m.copy_key IS NOT NULL THEN 'm:' || m.copy_key ELSE 's:' || d.sha256 END"
            " FROM documents d LEFT JOIN mail_messages m ON m.document_id = d.id"
            f" WHERE d.sha256 IS NOT NULL AND d.id IN ({','.join('?' * len(part))})", part)


def _from_where(f: Filter) -> tuple[str, str, list[Any]]:
    """(FROM, WHERE, arguments): a selection drives the read (its contents or groups first, then
    their events by index) so that the cost follows the selection, not the corpus."""
    src = "timeline_events e"
    sql, args = ["1=1"], list[Any]()
    if f.get("entity_id"):
        src = "timeline_entities x CROSS JOIN timeline_events e ON e.seq = x.seq"
        sql.append("x.entity_id = ?")
        args.append(f["entity_id"])
        if f.get("keep"):
            sql.append("e.grp IN (SELECT grp FROM temp.timeline_keep)")
    elif f.get("keep"):
        src = "temp.timeline_keep k CROSS JOIN timeline_events e ON e.grp = k.grp"
    if not f.get("all_copies"):
        sql.append("e.dup = 0")
    if not f.get("implausible"):
        sql.append("e.odd = 0")
    if f.get("lo") is not None:
        sql.append("e.hi >= ? AND e.lo >= ?")
        args += [f["lo"], int(f["lo"] or 0) - WIDEST]
    if f.get("hi") is not None:
        sql.append("e.lo <= ?")
        args.append(f["hi"])
    if f.get("kind"):
        sql.append("e.kind = ?")
        args.append(f["kind"])
    return src, " AND ".join(sql), args


def _bucket(level: int, alias: str) -> str:
    return (f"substr({alias}.day, 1, CASE WHEN {alias}.prec >= {level} THEN {_CUTS[level]}"
            f" WHEN {alias}.prec = 0 THEN 4 ELSE 7 END)")


def bucket_counts(store: Store, level: int, f: Filter) -> list[tuple[str, bool, int]]:
    """(bucket key, vaguer than the level, events) at a level (0 years, 1 months, 2 days): an event
    less precise than the level falls in a bucket of its own precision. Without an entity or a
    search, counted from `timeline_days` (a few rows a day) instead of the events."""
    if f.get("entity_id") and not f.get("keep"):
        # the entity's links hold what the buckets need: its events are not read
        where, args = ["x.entity_id = ?"], list[Any]([f["entity_id"]])
        if not f.get("all_copies"):
            where.append("x.dup = 0")
        if not f.get("implausible"):
            where.append("x.odd = 0")
        if f.get("lo") is not None:
            where.append("x.hi >= ? AND x.lo >= ?")
            args += [f["lo"], int(f["lo"] or 0) - WIDEST]
        if f.get("hi") is not None:
            where.append("x.lo <= ?")
            args.append(f["hi"])
        if f.get("kind"):
            where.append("x.kind = ?")
            args.append(f["kind"])
        rows = store.db.execute(
            f"SELECT {_bucket(level, 'x')} AS k, x.prec < {level} AS vague, COUNT(*) FROM timeline_entities x"
            f" WHERE {' AND '.join(where)} GROUP BY k, vague ORDER BY k, vague", args)
    elif not f.get("entity_id") and not f.get("keep"):
        where, args = ["1=1"], list[Any]()
        if not f.get("all_copies"):
            where.append("d.dup = 0")
        if not f.get("implausible"):
            where.append("d.odd = 0")
        if f.get("first_day"):
            where.append("d.last >= ? AND d.day >= ?")
            args += [f["first_day"], f"{int(str(f['first_day'])[:4]) - 2:04d}"]
        if f.get("last_day"):
            where.append("d.day <= ?")
            args.append(f["last_day"])
        if f.get("kind"):
            where.append("d.kind = ?")
            args.append(f["kind"])
        rows = store.db.execute(
            f"SELECT {_bucket(level, 'd')} AS k, d.prec < {level} AS vague, SUM(d.n) FROM timeline_days d"
            f" WHERE {' AND '.join(where)} GROUP BY k, vague ORDER BY k, vague", args)
    else:
        src, where_sql, args = _from_where(f)
        rows = store.db.execute(
            f"SELECT {_bucket(level, 'e')} AS k, e.prec < {level} AS vague, COUNT(*) FROM {src}"
            f" WHERE {where_sql} GROUP BY k, vague ORDER BY k, vague", args)
    return [(str(k), bool(v), int(n)) for k, v, n in rows]


def events(store: Store, f: Filter, limit: int) -> list[dict[str, Any]]:
    """The first `limit` events in date order (then document, then offset). On one day the exact
    events come first, then those known to the month, then to the year: a year-only event overlapping a
    range counts from the range's first day, where it would otherwise come before every exact one."""
    return list(iter_events(store, f, limit))


def iter_events(store: Store, f: Filter, limit: int = -1) -> Iterator[dict[str, Any]]:
    """`events` one row at a time from the cursor (every event with the default `limit`, -1: the
    command line prints a whole timeline without holding it)."""
    src, where, args = _from_where(f)
    first = f.get("first_day")
    if not first:  # no range: date order is the index's (a vague event starts its year or month anyway)
        cur = store.db.execute(
            f"SELECT e.* FROM {src} WHERE {where} ORDER BY e.lo, e.document_id, COALESCE(e.start, 0) LIMIT ?",
            [*args, limit])
    else:
        cur = store.db.execute(
            f"SELECT e.* FROM {src} WHERE {where} ORDER BY MAX(e.day, ?), e.prec DESC, e.lo, e.document_id,"
            " COALESCE(e.start, 0) LIMIT ?", [*args, first, limit])
    for r in cur:
        yield dict(r)
