"""The timeline for the web: events bucketed by year → month → day, filtered, drawn as bars.

Events come from `faisceau.analysis.read.timeline` (what `faisceau timeline` prints): dated
sentences and document dates. A query keeps the events of the documents it finds (the index
search `faisceau search` runs), compared by content so that any copy of a document counts.
Buckets are in the project's time zone; an event less precise than the level shown (a year
alone, on the months of that year) has a bucket of its own rather than a made-up month.
"""

from __future__ import annotations

import datetime as dt
import html
import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from ..analysis import read
from ..exc import UsageError
from ..index import QueryError
from ..index.dates import interval, zone
from .workbench import Workbench

LEVELS = ("year", "month", "day")
PRECISION = {"year": 0, "month": 1, "day": 2}     # anything finer (second, minute) counts as a day
MAX_EVENTS = 1000
MAX_QUERY_DOCS = 200_000
_AT = re.compile(r"^\d{4}(?:-\d{2}(?:-\d{2})?)?$")


@dataclass
class Params:
    """What the timeline page or API asks for (also how its links are built)."""

    q: str = ""
    entity: str = ""
    kind: str = ""
    date_from: str = ""
    date_to: str = ""
    at: str = ""        # the bucket drilled into: YYYY, YYYY-MM or YYYY-MM-DD
    limit: int = 200
    implausible: bool = False   # also the implausible dates (placeholders, far-off years, the future)

    def check(self) -> Params:
        if self.at and not _AT.match(self.at):
            raise UsageError(f"not a bucket: {self.at[:40]!r} (YYYY, YYYY-MM or YYYY-MM-DD)")
        if self.kind not in ("", "text", "metadata"):
            raise UsageError(f"unknown event kind {self.kind[:40]!r} (text or metadata)")
        if not 0 <= self.limit <= MAX_EVENTS:
            raise UsageError(f"limit is between 0 and {MAX_EVENTS}")
        if len(self.q) > 10_000:
            raise UsageError("the query is longer than 10,000 characters")
        return self

    def url(self, path: str = "/timeline", **changes: Any) -> str:
        d = {"q": self.q, "entity": self.entity, "kind": self.kind, "from": self.date_from, "to": self.date_to,
             "at": self.at, "implausible": "1" if self.implausible else ""} | changes
        return path + "?" + urlencode({k: v for k, v in d.items() if v})

    @property
    def level(self) -> str:
        """The buckets shown: years at the top, the months of a year, the days of a month or a day."""
        return LEVELS[min(2, self.at.count("-") + 1)] if self.at else "year"


def _key(lo: int, precision: str, level: str, tz: dt.tzinfo) -> tuple[str, bool]:
    """(bucket, whether the event is less precise than the level)."""
    day = dt.datetime.fromtimestamp(lo, tz).date().isoformat()
    want = LEVELS.index(level)
    has = PRECISION.get(precision, 2)
    cut = (4, 7, 10)[min(want, has)]
    return day[:cut], has < want


def _query_contents(wb: Workbench, q: str) -> set[str]:
    """The contents (SHA-256) of the documents a query finds."""
    try:
        _, ids = wb.index().ids(q, MAX_QUERY_DOCS)
    except QueryError as e:
        raise UsageError(f"bad query: {e.message} (at character {e.position + 1})") from None
    store = wb.store()
    shas = set()
    for i in ids:
        row = store.document(i)
        if row is not None and row["sha256"]:
            shas.add(row["sha256"])
    return shas


def select(wb: Workbench, p: Params) -> dict[str, Any]:
    """The buckets at the level of `p` and the first `p.limit` events, in date order."""
    p.check()
    store = wb.store()
    tz_name = str(wb.settings.timezone)
    tz = zone(tz_name)
    lo, hi = drilled_range(p, tz)
    events = read.timeline(store, lo, hi, p.entity or None, p.kind or None, tz_name, p.implausible)
    keep = _query_contents(wb, p.q) if p.q.strip() else None
    sha_of: dict[str, str | None] = {}
    counts: dict[tuple[str, bool], int] = {}
    shown: list[dict[str, Any]] = []
    total = 0
    for ev in events:
        doc = ev["document_id"]
        if keep is not None:
            if doc not in sha_of:
                row = store.document(doc)
                sha_of[doc] = row["sha256"] if row else None
            if sha_of[doc] not in keep:
                continue
        total += 1
        k = _key(ev["_lo"], ev["precision"] or "day", p.level, tz)
        counts[k] = counts.get(k, 0) + 1
        if len(shown) < p.limit:
            row = store.document(doc)
            shown.append(_event(read.public(ev), row["path"] if row else ""))
    buckets = [{"key": k, "vague": vague, "count": n, "url": p.url(at=k)}
               for (k, vague), n in sorted(counts.items())]
    return {"level": p.level, "at": p.at, "total": total, "buckets": buckets, "events": shown,
            "more": total > len(shown), "timezone": tz_name}


def drilled_range(p: Params, tz: dt.tzinfo) -> tuple[str | None, str | None]:
    """The dates asked for: the bucket drilled into, narrowed by the from/to range, which survives
    drilling (a year opened from "2001-05 → 2001-08" shows those months of it, not all twelve)."""
    lo, hi = p.date_from or None, p.date_to or None
    if not p.at:
        return lo, hi
    at = interval(p.at, tz)
    if at is None:
        return p.at, p.at
    lo_iv, hi_iv = interval(lo, tz) if lo else None, interval(hi, tz) if hi else None
    return (lo if lo_iv and lo_iv[0] > at[0] else p.at), (hi if hi_iv and hi_iv[1] < at[1] else p.at)


def _event(e: dict[str, Any], path: str) -> dict[str, Any]:
    """An event with its document's path, its sentence cut around the date it cites, and the
    address of that place in the document page."""
    e["path"] = path
    sentence = e.get("sentence") or ""
    text = e.get("text") or ""
    i = sentence.find(text) if text else -1
    e["pieces"] = ([(sentence[:i], False), (text, True), (sentence[i + len(text):], False)] if i >= 0
                   else [(sentence, False)])
    link = f"/documents/{e['document_id']}"
    if e.get("start") is not None:
        link += f"#o{e['start']}"
    elif e.get("page"):
        link += f"#page-{e['page']}"
    e["link"] = link
    return e


def bars(buckets: list[dict[str, Any]], width: int = 900, height: int = 120) -> str:
    """The buckets as an SVG bar chart whose bars link to the bucket (every label escaped)."""
    if not buckets:
        return ""
    top = max(b["count"] for b in buckets)
    step = width / len(buckets)
    bar = max(2.0, min(60.0, step * 0.8))
    chart = height - 20
    parts = [(f'<svg class="bars" id="timeline-bars" viewBox="0 0 {width} {height}" role="img"'
              f' xmlns="http://www.w3.org/2000/svg" preserveAspectRatio="none">')]
    every = max(1, len(buckets) // 12)   # labels for about a dozen bars, the rest in tooltips
    for n, b in enumerate(buckets):
        h = max(1.0, chart * b["count"] / top)
        x = n * step + (step - bar) / 2
        label = html.escape(b["key"] + (" ~" if b["vague"] else ""))
        parts.append(f'<a href="{html.escape(b["url"])}" class="bucket{" vague" if b["vague"] else ""}"'
                     f' data-key="{html.escape(b["key"])}" data-count="{b["count"]}">'
                     f'<title>{label}: {b["count"]}</title>'
                     f'<rect x="{x:.1f}" y="{chart - h:.1f}" width="{bar:.1f}" height="{h:.1f}"></rect>')
        if n % every == 0:
            parts.append(f'<text x="{x + bar / 2:.1f}" y="{height - 5}" text-anchor="middle">{label}</text>')
        parts.append("</a>")
    parts.append("</svg>")
    return "".join(parts)
