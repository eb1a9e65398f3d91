"""Search for the web: the page, the API, the CSV export and bulk tagging share these functions.

They call `Index.search` (the function `faisceau search` calls) with the same facet filters;
a facet value cycles through keep → exclude → no filter when clicked.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from .. import tags
from ..exc import UsageError
from ..index import Filter, Hit, QueryError
from ..pipeline.frontiers import analysis_note
from ..store import messages
from .workbench import Workbench

FACETS = ("kind", "language", "year", "from", "to", "extension", "tag")  # "to": every recipient (to and cc)
MAX_LIMIT = 200
SORTS = ("relevance", "date", "-date")
CSV_FIELDS = ("id", "path", "title", "kind", "date", "from", "score", "pages", "snippet")


@dataclass
class Params:
    """What a search page or API call asks for (also how its links are built)."""

    q: str = ""
    include: list[str] = field(default_factory=list)
    exclude: list[str] = field(default_factory=list)
    sort: str = "relevance"
    page: int = 1
    limit: int = 20
    all_copies: bool = False   # every copy a hit of its own, not one hit per copy group

    def check(self) -> Params:
        if self.sort not in SORTS:
            raise UsageError(f"unknown sort {self.sort[:40]!r}: use relevance, date or -date")
        if self.page < 1 or not 0 <= self.limit <= MAX_LIMIT:
            raise UsageError(f"page starts at 1 and limit is between 0 and {MAX_LIMIT}")
        if len(self.q) > 10_000:
            raise UsageError("the query is longer than 10,000 characters")
        return self

    def filters(self) -> list[Filter]:
        return [Filter.parse(s) for s in self.include] + [Filter.parse(s, exclude=True) for s in self.exclude]

    def url(self, path: str = "/search", **changes: Any) -> str:
        """This search with some parameters changed, as a link."""
        d: dict[str, Any] = {"q": self.q, "include": self.include, "exclude": self.exclude, "sort": self.sort, "page": self.page,
             "limit": self.limit, "all_copies": self.all_copies} | changes
        pairs: list[tuple[str, Any]] = [("q", d["q"])]
        pairs += [("include", v) for v in d["include"]] + [("exclude", v) for v in d["exclude"]]
        if d["sort"] != "relevance":
            pairs.append(("sort", d["sort"]))
        if d["page"] != 1:
            pairs.append(("page", d["page"]))
        if d["limit"] != 20:
            pairs.append(("limit", d["limit"]))
        if d["all_copies"]:
            pairs.append(("copies", "all"))
        return path + "?" + urlencode(pairs)

    def toggle(self, facet: str, value: str) -> str:
        """The link of a facet value: not filtered → kept → excluded → not filtered."""
        spec = f"{facet}={value}"
        inc = [s for s in self.include if s != spec]
        exc = [s for s in self.exclude if s != spec]
        if spec in self.include:
            exc.append(spec)
        elif spec not in self.exclude:
            inc.append(spec)
        return self.url(include=inc, exclude=exc, page=1)

    def state(self, facet: str, value: str) -> str:
        spec = f"{facet}={value}"
        return "include" if spec in self.include else "exclude" if spec in self.exclude else ""


def pieces(text: str, highlights: list[tuple[int, int]] | list[list[int]]) -> list[tuple[str, bool]]:
    """Text cut into (piece, highlighted) pairs, for templates that escape each piece."""
    out: list[tuple[str, bool]] = []
    last = 0
    for s, e in sorted((int(a), int(b)) for a, b in highlights):
        if s < last:
            continue
        if s > last:
            out.append((text[last:s], False))
        out.append((text[s:e], True))
        last = e
    if last < len(text):
        out.append((text[last:], False))
    return out


def hit_dict(h: Hit, cut: bool = False) -> dict[str, Any]:
    """A hit as JSON, with where its copies are listed; with `cut`, each snippet also as (piece,
    highlighted) pairs for the page."""
    d = h.as_dict()
    # same-message copies are listed as such on the document page, the same bytes as its locations
    d["copies_url"] = f"/documents/{h.id}#{'copies' if h.copy_group.startswith('m:') else 'locations'}"
    if cut:
        for s in d["snippets"]:
            s["pieces"] = pieces(s["text"], s["highlights"])
    return d


def _bad_query(e: QueryError) -> UsageError:
    return UsageError(f"bad query: {e.message} (at character {e.position + 1})")


def search(wb: Workbench, p: Params, cut: bool = False) -> dict[str, Any]:
    """One page of hits with facets: what the search page shows and `/api/search` returns."""
    p.check()
    try:
        store = wb.store()
        res = wb.index().search(p.q, filters=p.filters(), facets=FACETS, sort=p.sort, limit=p.limit,
                                offset=(p.page - 1) * p.limit, snippets_per_hit=3,
                                collapse=None if p.all_copies else lambda ids: messages.copy_groups_of(store, ids))
    except QueryError as e:
        raise _bad_query(e) from None
    running = analysis_note(wb.store(), wb.settings, wb.root)
    if running:  # the hits are what is analysed so far
        res.notes.append(running)
    facets = {name: [{"value": v.value, "count": v.count, "state": p.state(name, v.value)} for v in values]
              for name, values in res.facets.items()}
    # a filter whose value has no hit left (an exclusion, typically) stays visible to be undone
    for spec, state in [(s, "include") for s in p.include] + [(s, "exclude") for s in p.exclude]:
        name, _, value = spec.partition("=")
        if not any(v["value"] == value for v in facets.setdefault(name, [])):
            facets[name].append({"value": value, "count": 0, "state": state})
    return {"query": p.q, "include": p.include, "exclude": p.exclude, "sort": p.sort, "page": p.page,
            "limit": p.limit, "total": res.total, "offset": res.offset, "notes": res.notes, "facets": facets,
            "all_copies": p.all_copies, "folded": res.folded, "groups": res.groups, "hits": [hit_dict(h, cut) for h in res.hits]}


def all_hits(wb: Workbench, p: Params) -> Iterator[Hit]:
    p.check()
    try:
        yield from wb.index().iter_hits(p.q, filters=p.filters(), sort=p.sort, snippets_per_hit=1)
    except QueryError as e:
        raise _bad_query(e) from None


def export_csv(wb: Workbench, p: Params) -> Iterator[str]:
    """Every hit of the search as CSV rows (the export is written to the action log)."""
    p.check()
    p.filters()
    wb.store().log_action("export", {"what": "search-csv", "query": p.q, "include": p.include, "exclude": p.exclude})
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(CSV_FIELDS)
    for n, h in enumerate(all_hits(wb, p)):
        first = h.snippets[0] if h.snippets else None
        w.writerow([_cell(x) for x in (h.id, h.path, h.title, h.kind, h.date, "; ".join(h.senders),
                                       round(h.score, 4), " ".join(map(str, h.pages)),
                                       " ".join(first.text.split()) if first else "")])
        if n % 200 == 0:
            yield buf.getvalue()
            buf.seek(0)
            buf.truncate()
    yield buf.getvalue()


def _cell(value: Any) -> str:
    """A CSV cell that a spreadsheet will not run as a formula (a leak's titles are hostile)."""
    s = "" if value is None else str(value)
    return "'" + s if s[:1] in ("=", "+", "-", "@", "\t", "\r") else s


def bulk_tag(wb: Workbench, p: Params, tag: str, remove: bool = False) -> dict[str, Any]:
    """Tag (or untag) every hit of a search."""
    ids = [h.id for h in all_hits(wb, p)]
    if not ids:
        return {"tag": tag, "documents": 0, "changed": 0}
    store = wb.store()
    n = tags.remove_tag(store, ids, tag) if remove else tags.add_tag(store, ids, tag)
    return {"tag": tag, "documents": len(ids), "changed": n}


def save_search(wb: Workbench, name: str, p: Params) -> list[dict[str, Any]]:
    """Save (or replace by name) a search; written to the action log."""
    name = " ".join(name.split())[:100]
    if not name:
        raise UsageError("a saved search needs a name")
    p.check()
    p.filters()
    items = [s for s in wb.saved_searches() if s.get("name") != name]
    items.append({"name": name, "q": p.q, "include": p.include, "exclude": p.exclude, "sort": p.sort})
    wb.write_saved(items)
    wb.store().log_action("save-search", {"name": name, "query": p.q})
    return saved(wb)


def delete_search(wb: Workbench, name: str) -> list[dict[str, Any]]:
    items = wb.saved_searches()
    kept = [s for s in items if s.get("name") != name]
    if len(kept) == len(items):
        raise UsageError(f"no saved search named {name[:100]!r}")
    wb.write_saved(kept)
    wb.store().log_action("delete-search", {"name": name})
    return saved(wb)


def saved(wb: Workbench) -> list[dict[str, Any]]:
    """Saved searches, each with its link."""
    out = []
    for s in wb.saved_searches():
        p = Params(q=str(s.get("q", "")), include=[str(x) for x in s.get("include") or []],
                   exclude=[str(x) for x in s.get("exclude") or []], sort=str(s.get("sort") or "relevance"))
        out.append({"name": str(s.get("name", "")), "q": p.q, "include": p.include, "exclude": p.exclude,
                    "sort": p.sort, "url": p.url()})
    return out
