"""Owner of redactions: what is proposed for hiding in each document, and what a reviewer decided.

A row is keyed on the content it redacts (SHA-256), the string's folded form and its occurrence in
that content, never on a row id: re-analysis renumbers entities and mentions, and re-proposing updates
the boxes of a known occurrence without touching its decision (status, ground, reviewer, time). A box
drawn by hand has the key `box:<page>:<x0>,<y0>,<x1>,<y1>`.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, TypedDict

from .values import current_user, now

if TYPE_CHECKING:
    from .db import Store

# The tables' DDL by the schema version that created them.
DDL: dict[int, str] = {
    8: """
    -- redactions proposed and decided (faisceau redact); decisions follow the content, not row ids
    CREATE TABLE redactions (
        id         INTEGER PRIMARY KEY,
        sha256     TEXT NOT NULL,          -- the content redacted
        key        TEXT NOT NULL,          -- folded string, or box:<page>:<rect> for a drawn box
        occurrence INTEGER NOT NULL,       -- 0-based occurrence of the key in the content's pages
        text       TEXT NOT NULL,          -- the string as found ('' for a drawn box)
        kind       TEXT NOT NULL,          -- person, org, place, email, phone, iban, nir, term, regex, name, box…
        page       INTEGER NOT NULL,       -- 1-based page of the document's PDF rendering
        boxes      TEXT NOT NULL,          -- JSON [[x0, y0, x1, y1], …] in PDF points, top-left origin
        status     TEXT NOT NULL,          -- proposed | accepted | rejected
        ground     TEXT,                   -- the legal ground of an accepted redaction
        user       TEXT,                   -- who decided
        time       TEXT,                   -- when it was decided
        proposed   TEXT NOT NULL,          -- when it was (last) proposed
        UNIQUE (sha256, key, occurrence)
    );
    CREATE INDEX redactions_status ON redactions(status, kind);
    """,
}

STATUSES = ("proposed", "accepted", "rejected")


@dataclass(frozen=True)
class Proposal:
    """One occurrence to propose for redaction."""

    sha256: str
    key: str
    occurrence: int
    text: str
    kind: str
    page: int
    boxes: Sequence[Sequence[float]]


class RedactionRow(TypedDict):
    """A stored redaction with its decision."""

    id: int
    sha256: str
    key: str
    occurrence: int
    text: str
    kind: str
    page: int
    boxes: list[list[float]]
    status: str
    ground: str | None
    user: str | None
    time: str | None
    proposed: str


def propose(store: Store, proposals: Iterable[Proposal]) -> tuple[int, int]:
    """Store proposals: (new ones, known ones whose boxes were refreshed and decision kept)."""
    stamp = now()
    new = known = 0
    for p in proposals:
        seen = store.db.execute("SELECT 1 FROM redactions WHERE sha256 = ? AND key = ? AND occurrence = ?",
                                (p.sha256, p.key, p.occurrence)).fetchone()
        store.db.execute(
            "INSERT INTO redactions (sha256, key, occurrence, text, kind, page, boxes, status, proposed)"
            " VALUES (?,?,?,?,?,?,?,'proposed',?)"
            " ON CONFLICT (sha256, key, occurrence) DO UPDATE SET page = excluded.page, boxes = excluded.boxes,"
            " text = excluded.text, proposed = excluded.proposed",
            (p.sha256, p.key, p.occurrence, p.text, p.kind, p.page, json.dumps([list(b) for b in p.boxes]), stamp))
        if seen:
            known += 1
        else:
            new += 1
    return new, known


def decide(store: Store, status: str, ground: str | None, *, ids: Sequence[int] = (), kinds: Sequence[str] = (),
           sha256s: Sequence[str] | None = None, only_proposed: bool = False, user: str | None = None,
           keys: Sequence[str] = ()) -> int:
    """Accept or reject redactions chosen by id, by kind, by key (every occurrence of a folded string), or all
    (of these contents); returns how many changed."""
    if status not in STATUSES:
        raise ValueError(f"unknown status {status!r}")
    where, args = _where(ids=ids, kinds=kinds, sha256s=sha256s, keys=keys)
    if only_proposed:
        where.append("status = 'proposed'")
    sql = "UPDATE redactions SET status = ?, ground = ?, user = ?, time = ?"
    if where:
        sql += " WHERE " + " AND ".join(where)
    return store.db.execute(sql, (status, ground, user or current_user(), now(), *args)).rowcount


def redactions(store: Store, *, sha256s: Sequence[str] | None = None, status: str | None = None,
               kinds: Sequence[str] = (), ids: Sequence[int] = ()) -> list[RedactionRow]:
    """Redactions (of these contents, with this status and kinds), by content, page and position."""
    where, args = _where(ids=ids, kinds=kinds, sha256s=sha256s)
    if status is not None:
        where.append("status = ?")
        args.append(status)
    sql = "SELECT * FROM redactions" + (" WHERE " + " AND ".join(where) if where else "")
    rows = store.db.execute(sql + " ORDER BY sha256, page, id", args).fetchall()
    return [RedactionRow(**(dict(r) | {"boxes": json.loads(r["boxes"])})) for r in rows]  # type: ignore[typeddict-item]


def hidden_strings(store: Store, sha256s: Sequence[str]) -> list[str]:
    """Every string an accepted redaction of these contents hides, sorted."""
    rows = redactions(store, sha256s=sorted(set(sha256s)), status="accepted") if sha256s else []
    return sorted({r["text"] for r in rows if r["text"]})


def draw(store: Store, sha256: str, page: int, rect: Sequence[float], ground: str, user: str | None = None) -> int:
    """A box drawn by a reviewer (accepted at once, with its ground); returns its id."""
    key = f"box:{page}:" + ",".join(f"{v:.1f}" for v in rect)
    stamp = now()
    row = store.db.execute(
        "INSERT INTO redactions (sha256, key, occurrence, text, kind, page, boxes, status, ground, user, time, proposed)"
        " VALUES (?,?,0,'','box',?,?,'accepted',?,?,?,?) ON CONFLICT (sha256, key, occurrence) DO UPDATE SET"
        " status = 'accepted', ground = excluded.ground, user = excluded.user, time = excluded.time RETURNING id",
        (sha256, key, page, json.dumps([list(rect)]), ground, user or current_user(), stamp, stamp)).fetchone()
    return int(row[0])


def _where(*, ids: Sequence[int], kinds: Sequence[str], sha256s: Sequence[str] | None,
           keys: Sequence[str] = ()) -> tuple[list[str], list[object]]:
    where: list[str] = []
    args: list[object] = []
    if keys:
        where.append(f"key IN ({','.join('?' * len(keys))})")
        args += list(keys)
    if ids:
        where.append(f"id IN ({','.join('?' * len(ids))})")
        args += list(ids)
    if kinds:
        where.append(f"kind IN ({','.join('?' * len(kinds))})")
        args += list(kinds)
    if sha256s is not None:
        where.append(f"sha256 IN ({','.join('?' * len(sha256s))})" if sha256s else "0")
        args += list(sha256s)
    return where, args
