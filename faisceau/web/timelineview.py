"""The timeline for the web: events bucketed by year → month → day, filtered, drawn as bars.

Events are those `faisceau timeline` prints: dated sentences and document dates, read from the
precomputed event table (`faisceau.analysis.events`).
A query keeps the events of the documents it finds (the index search `faisceau search` runs),
compared by copy group so that any copy of a document counts, and copies of one event are one
event unless all copies are asked for. Buckets are in the project's time zone; an event less
precise than the level shown (a year alone, on the months of that year) has a bucket of its own
rather than a made-up month.
"""

from __future__ import annotations

import datetime as dt
import html
import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from ..analysis import events
from ..exc import UsageError
from ..index import QueryError
from ..index.dates import interval, zone
from ..store import documents
from ..store import timeline as events_table
from .workbench import Workbench

LEVELS = ("year", "month", "day")
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
    all_copies: bool = False   # every copy's event, not one per copy group
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
             "at": self.at, "copies": "all" if self.all_copies else "",
             "implausible": "1" if self.implausible else ""} | changes
        return path + "?" + urlencode({k: v for k, v in d.items() if v})

    @property
    def level(self) -> str:
        """The buckets shown: years at the top, the months of a year, the days of a month or a day."""
        return LEVELS[min(2, self.at.count("-") + 1)] if self.at else "year"


def _query_documents(wb: Workbench, q: str) -> list[str]:
    """The documents a query finds (the index search `faisceau search` runs)."""
    try:
        _, ids = wb.index().ids(q, MAX_QUERY_DOCS)
    except QueryError as e:
        raise UsageError(f"bad query: {e.message} (at character {e.position + 1})") from None
    return list(ids)


def select(wb: Workbench, p: Params) -> dict[str, Any]:
    """The buckets at the level of `p` and the first `p.limit` events, in date order.

    Read from the precomputed event table (`faisceau.store.timeline`): buckets are counted in SQL and
    only the events shown are fetched, so the cost follows the selection, not the corpus. Copies of
    one event count once unless `p.all_copies`."""
    p.check()
    store = wb.store()
    tz_name = str(wb.settings.timezone)
    lo_s, hi_s = drilled_range(p, zone(tz_name))
    f = events.selection(store, tz_name, lo_s, hi_s, entity=p.entity or None, kind=p.kind or None,
                         all_copies=p.all_copies, implausible=p.implausible)
    if p.q.strip():
        events_table.keep_groups(store, _query_documents(wb, p.q))
        f["keep"] = True
    level = LEVELS.index(p.level)
    counts = events_table.bucket_counts(store, level, f)
    rows = events_table.events(store, f, p.limit) if p.limit else []
    docs: dict[str, dict[str, Any]] = {}
    ids = sorted({r["document_id"] for r in rows})
    for i in range(0, len(ids), 500):
        docs.update(documents.documents_by_id(store, ids[i:i + 500]))
    shown = [_event(_public(store, r), docs.get(r["document_id"], {}).get("path", "")) for r in rows]
    total = sum(n for _, _, n in counts)
    buckets = [{"key": k, "vague": vague, "count": n, "url": p.url(at=k)} for k, vague, n in counts]
    return {"level": p.level, "at": p.at, "total": total, "buckets": buckets, "events": shown,
            "more": total > len(shown), "timezone": tz_name, "all_copies": p.all_copies}


def _public(store: Any, r: dict[str, Any]) -> dict[str, Any]:
    """An event row as the API shows it (what `faisceau timeline` prints), with where its copies are."""
    out = events.public(store, r)
    # exact copies are listed as the content's locations, same-message copies as such
    out["copies_url"] = f"/documents/{r['document_id']}#{'copies' if r['grp'].startswith('m:') else 'locations'}"
    return out


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
