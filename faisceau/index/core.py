"""`faisceau.index`: the full-text index of a project, and the one API that searches it.

The CLI and the web app both go through `Index.search`, which returns typed results: the exact
total, facet counts, and hits with highlighted snippets. One writer (the ingest or `reindex`)
adds documents; any number of readers search at the same time and see each committed batch.
Tags, stars and notes live in the store and are applied when a query runs, so they are
searchable the moment they are written.
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import orjson
import tantivy

from ..exc import FaisceauError, UsageError
from . import analyzers, dates, schema
from .compile import Compiler, Lookup
from .documents import IndexDoc
from .highlight import Snippet, snippets
from .query import parse

if TYPE_CHECKING:
    from concurrent.futures import ThreadPoolExecutor

META = "faisceau-index.json"
SORTS = ("relevance", "date", "-date", "oldest", "newest")
ALL_BATCH = 50_000
# document ids → (copy group, documents in the group): how a search folds copies into one hit
Collapse = Callable[[list[str]], dict[str, tuple[str, int]]]
MAX_PAGES = 100_000


class IndexOutdated(FaisceauError):
    """The index was written with another schema version: `faisceau reindex` rebuilds it."""


@dataclass(frozen=True)
class Filter:
    """Keep (or, with `exclude`, drop) the documents whose facet has this value."""

    facet: str
    value: str
    exclude: bool = False

    @classmethod
    def parse(cls, spec: str, exclude: bool = False) -> Filter:
        name, sep, value = spec.partition("=")
        if not sep or not name or not value:
            raise UsageError(f"a facet filter is written FACET=VALUE, e.g. kind=email (got {spec!r})")
        if name not in schema.FACETS and name != "tag":
            raise UsageError(f"unknown facet {name!r}: known facets are {', '.join(facet_names())}")
        return cls(name, value, exclude)


@dataclass
class FacetValue:
    value: str
    count: int


@dataclass
class Hit:
    id: str
    score: float
    path: str
    title: str
    kind: str | None
    date: str | None
    language: str | None
    senders: list[str]
    snippets: list[Snippet] = field(default_factory=list)
    pages: list[int] = field(default_factory=list)     # pages matching the query on their own
    copies: int = 1          # documents of the corpus that are this one (same bytes, or the same message)
    copy_group: str = ""     # "m:" + same-message key, "s:" + SHA-256; empty when copies are not folded

    def as_dict(self) -> dict[str, Any]:
        return {"id": self.id, "path": self.path, "title": self.title, "kind": self.kind, "date": self.date,
                "language": self.language, "from": self.senders, "score": round(self.score, 4),
                "pages": self.pages, "snippets": [s.as_dict() for s in self.snippets], "copies": self.copies}


FIRST_WINDOW = 64   # hits read first when folding copies: a result this small gets its exact group count


@dataclass
class SearchResult:
    query: str
    total: int
    hits: list[Hit]
    facets: dict[str, list[FacetValue]]
    offset: int = 0
    notes: list[str] = field(default_factory=list)
    folded: int = 0          # hits left out of [0, offset+limit) as copies of a hit shown before them
    groups: int | None = None   # copy groups among all the hits, when copies are folded and every hit
    # was read on the way to the page (a small result); None when not known

    def head(self) -> dict[str, Any]:
        """The summary object: total and facets (the first line of `--json`)."""
        out: dict[str, Any] = {"total": self.total, "offset": self.offset,
                               "facets": {k: {v.value: v.count for v in vs} for k, vs in self.facets.items()}}
        if self.groups is not None:
            out["groups"] = self.groups
        if self.notes:
            out["notes"] = self.notes
        return out


def facet_names() -> list[str]:
    return sorted([*schema.FACETS, "tag"])


class Index:
    """The index folder of a project (or any folder): open, write, search."""

    def __init__(self, path: Path, tz: str = "UTC", lookup: Lookup | None = None,
                 tag_counts: Callable[[], list[tuple[str, int]]] | None = None) -> None:
        self.path = path
        self.tz = dates.zone(tz)
        self.lookup = lookup
        self.tag_counts = tag_counts
        self.schema = schema.build()
        self.created = False
        self._seen: tuple[int, int, int] | None = None   # the meta.json this reader last loaded
        meta = path / META
        if meta.is_file():
            version = json.loads(meta.read_text("utf-8")).get("schema")
            if version != schema.SCHEMA_VERSION:
                raise IndexOutdated(f"{path}: index schema {version}, this faisceau uses {schema.SCHEMA_VERSION};"
                                    " run `faisceau reindex`")
        else:
            path.mkdir(parents=True, exist_ok=True)
            (path / META).write_text(json.dumps({"schema": schema.SCHEMA_VERSION}) + "\n", "utf-8")
            self.created = True
        try:
            self.tantivy = tantivy.Index(self.schema, path=str(path), reuse=True)
        except ValueError as e:  # written by another build of this schema version
            raise IndexOutdated(f"{path}: the index does not match this faisceau ({e}); run `faisceau reindex`") from None
        analyzers.register(self.tantivy)

    @staticmethod
    def wipe(path: Path) -> None:
        shutil.rmtree(path, ignore_errors=True)

    # -- writing --------------------------------------------------------------------------------

    def writer(self, heap: int = 256 << 20, threads: int = 0) -> Writer:
        return Writer(self, heap, threads)

    # -- reading --------------------------------------------------------------------------------

    def searcher(self) -> tantivy.Searcher:
        """A searcher on the last commit. Every commit rewrites tantivy's meta.json (a new file
        renamed into place), so the reader is reloaded only when that file changed: a reload
        per search cost as much as the search, and dropped the cache of decompressed documents.
        (Tantivy's own watcher also reloads within a second of a commit, whatever the stat says.)"""
        try:
            st = os.stat(self.path / "meta.json")
            seen: tuple[int, int, int] | None = (st.st_ino, st.st_mtime_ns, st.st_size)
        except OSError:
            seen = None
        if seen is None or seen != self._seen:
            self.tantivy.reload()
            self._seen = seen
        return self.tantivy.searcher()

    def num_docs(self) -> int:
        return int(self.searcher().num_docs)

    def compile(self, query: str, filters: Sequence[Filter] = (), stemming: str = "light",
                se: tantivy.Searcher | None = None) -> tuple[tantivy.Query, Compiler]:
        searcher = se or self.searcher()
        cache: dict[str, list[str]] = {}

        def vocabulary(prefix: str) -> list[str]:
            if prefix not in cache:
                cache[prefix] = [t for t, _ in searcher.terms_with_prefix("fold", prefix)]
            return cache[prefix]

        comp = Compiler(self.schema, query, self.tz, self.lookup, stemming, vocabulary)
        q = comp.compile(parse(query))
        clauses = [(tantivy.Occur.Must, q)]
        for f in filters:
            clauses.append((tantivy.Occur.MustNot if f.exclude else tantivy.Occur.Must, self._filter_query(f, comp)))
        comp.matched = tantivy.Query.boolean_query(clauses)
        # page entries stand beside their documents; hits, totals and facets count documents
        return tantivy.Query.boolean_query(
            [*clauses, (tantivy.Occur.MustNot, tantivy.Query.term_query(self.schema, "unit", "page"))]), comp

    def pages(self, se: tantivy.Searcher, comp: Compiler, doc_id: str) -> list[int]:
        """The pages of a document that match the query on their own, in order."""
        assert comp.matched is not None
        q = tantivy.Query.boolean_query([(tantivy.Occur.Must, comp.matched), (tantivy.Occur.Must, tantivy.Query.term_query(
            self.schema, "page_of", doc_id))])
        found, _ = self._run(se, q, "relevance", MAX_PAGES, 0)
        if not found:
            return []
        return sorted(int(p) for p in se.fast_field_values("page", [a for _, a in found]) if p is not None)

    def _filter_query(self, f: Filter, comp: Compiler) -> tantivy.Query:
        if f.facet == "tag":
            if self.lookup is None:
                raise UsageError("tag filters need a project")
            return comp.ids(self.lookup("tag", f.value) or set())
        return tantivy.Query.term_query(self.schema, schema.FACETS[f.facet], f.value)

    def search(self, query: str, *, filters: Sequence[Filter] = (), facets: Sequence[str] = (),
               facet_size: int = 10, sort: str = "relevance", limit: int = 20, offset: int = 0,
               snippets_per_hit: int = 3, stemming: str = "light", collapse: Collapse | None = None) -> SearchResult:
        """Run a query: exact total, `facets` counted over every hit, hits [offset, offset+limit).

        With `collapse` (document ids → (copy group, documents in it)), copies of one document are one
        hit: the best-ranked of the group, with the group's size in `Hit.copies`."""
        if sort not in SORTS:
            raise UsageError(f"unknown sort {sort!r}: use relevance, date (newest first) or -date (oldest first)")
        if limit < 0 or offset < 0:
            raise UsageError("limit and offset are not negative")
        se = self.searcher()
        q, comp = self.compile(query, filters, stemming, se)
        # the facet counts run in another thread (tantivy releases the GIL) while this one ranks
        # the hits and cuts their snippets: a query with a million hits pays once, not twice
        counting = _pool().submit(self._index_facets, se, q, facets, facet_size) if facets else None
        groups: list[tuple[str, int]] = []
        folded, distinct = 0, None
        if collapse is None:
            found, total = self._run(se, q, sort, limit, offset)
        else:
            found, total, groups, folded, distinct = self._collapsed(se, q, sort, limit, offset, collapse)
        matchers: dict[str, Any] = {}   # one matcher per language for every hit of this query
        hits = [self._hit(se, score, addr, comp, snippets_per_hit, matchers) for score, addr in found]
        for h, (group, n) in zip(hits, groups, strict=False):   # no groups: copies not folded
            h.copy_group, h.copies = group, n
        counted = self._tag_facet(se, q, comp, facets, facet_size, counting.result()) if counting else {}
        return SearchResult(query, total, hits, counted, offset, comp.notes, folded, distinct)

    def _collapsed(self, se: tantivy.Searcher, q: tantivy.Query, sort: str, limit: int, offset: int,
                   collapse: Collapse) -> tuple[list[tuple[Any, tantivy.DocAddress]], int,
                                               list[tuple[str, int]], int, int | None]:
        """Hits [offset, offset+limit) counting copies once: the ranking is read in growing windows
        (ids only, no snippets) until offset+limit copy groups are seen, each shown by its best hit;
        the cost follows the depth of the page, not the number of hits. When the windows read held
        every hit, the number of copy groups of the whole result is known too (else None)."""
        want = offset + limit
        seen: set[str] = set()
        reps: list[tuple[Any, tantivy.DocAddress]] = []
        groups: list[tuple[str, int]] = []
        start, batch, folded = 0, max(FIRST_WINDOW, 2 * want), 0
        total, exhausted = 0, False
        while len(reps) < want:
            found, total = self._run(se, q, sort, batch, start)
            ids = [str(se.doc(a).get_first("id")) for _, a in found]
            by_id = collapse(ids)
            for (score, addr), i in zip(found, ids, strict=True):
                group, n = by_id.get(i, ("d:" + i, 1))
                if group in seen:
                    folded += len(reps) < want   # a copy of a hit on or before this page
                    continue
                seen.add(group)   # past the page, still counted: the window is read anyway
                if len(reps) < want:
                    reps.append((score, addr))
                    groups.append((group, n))
            start += len(found)
            if len(found) < batch:
                exhausted = True
                break
            batch *= 2
        if limit == 0:
            total = _count(se, q)
        return reps[offset:want], total, groups[offset:want], folded, len(seen) if exhausted else None

    def iter_hits(self, query: str, *, filters: Sequence[Filter] = (), sort: str = "relevance",
                  snippets_per_hit: int = 0, stemming: str = "light") -> Iterator[Hit]:
        """Every hit, in order, in batches on one snapshot of the index (no cap)."""
        se = self.searcher()
        q, comp = self.compile(query, filters, stemming, se)
        offset = 0
        matchers: dict[str, Any] = {}
        while True:
            found, _ = self._run(se, q, sort, ALL_BATCH, offset)
            for score, addr in found:
                yield self._hit(se, score, addr, comp, snippets_per_hit, matchers)
            offset += len(found)
            if len(found) < ALL_BATCH:
                return

    def count(self, query: str, filters: Sequence[Filter] = (), stemming: str = "light") -> int:
        se = self.searcher()
        q, _ = self.compile(query, filters, stemming, se)
        return _count(se, q)

    def ids(self, query: str, limit: int, filters: Sequence[Filter] = (), stemming: str = "light",
            se: tantivy.Searcher | None = None) -> tuple[int, list[str]]:
        """Total and the ids of the first `limit` hits by relevance: what batch search needs
        (pass one searcher for a whole batch: one snapshot, no reload per row)."""
        se = se or self.searcher()
        q, _ = self.compile(query, filters, stemming, se)
        found, total = self._run(se, q, "relevance", limit, 0)
        return total, [str(se.doc(a).get_first("id")) for _, a in found]

    def _run(self, se: tantivy.Searcher, q: tantivy.Query, sort: str, limit: int,
             offset: int) -> tuple[list[tuple[Any, tantivy.DocAddress]], int]:
        """(score or sort key, address) of hits [offset, offset+limit), and the exact total."""
        if limit == 0:  # only the total (tantivy wants a positive limit)
            return [], _count(se, q)
        if sort == "relevance":
            res = se.search(q, limit, count=True, offset=offset)
        else:
            order = tantivy.Order.Asc if sort in ("-date", "oldest") else tantivy.Order.Desc
            res = se.search(q, limit, count=True, offset=offset, order_by_field="date_lo", order=order)
        return list(res.hits), int(getattr(res, "count", 0) or 0)

    def _hit(self, se: tantivy.Searcher, score: Any, addr: tantivy.DocAddress, comp: Compiler, n: int,
             matchers: dict[str, Any] | None = None) -> Hit:
        doc = se.doc(addr)
        raw = bytes(doc.get_first("shown") or b"{}")
        try:
            shown = orjson.loads(raw)
        except orjson.JSONDecodeError:   # a lone surrogate (stored with surrogatepass): not UTF-8
            shown = json.loads(raw.decode("utf-8", "surrogatepass"))
        snips = []
        if n:
            body = doc.get_first("body")
            text = bytes(body).decode("utf-8", "surrogatepass") if body else ""
            snips = snippets(text, comp.highlights, shown.get("language"),
                             [tuple(p) for p in shown.get("pages") or []], n, stemming=comp.stemming,
                             matchers=matchers, main=[(int(a), int(b)) for a, b in shown.get("main") or []])
        doc_id = str(doc.get_first("id"))
        pages = self.pages(se, comp, doc_id) if len(shown.get("pages") or []) > 1 else []
        return Hit(id=doc_id, score=float(score) if isinstance(score, float) else 0.0,
                   path=shown.get("path") or "", title=shown.get("title") or "", kind=shown.get("kind"),
                   date=shown.get("date"), language=shown.get("language"), senders=shown.get("from") or [],
                   snippets=snips, pages=pages)

    def facets(self, se: tantivy.Searcher, q: tantivy.Query, comp: Compiler, names: Sequence[str],
               size: int) -> dict[str, list[FacetValue]]:
        return self._tag_facet(se, q, comp, names, size, self._index_facets(se, q, names, size))

    def _index_facets(self, se: tantivy.Searcher, q: tantivy.Query, names: Sequence[str],
                      size: int) -> dict[str, list[FacetValue]]:
        """The facets the index counts (safe in another thread: no store access)."""
        aggs = {}
        for name in names:
            if name == "tag":
                continue
            if name not in schema.FACETS:
                raise UsageError(f"unknown facet {name!r}: known facets are {', '.join(facet_names())}")
            aggs[name] = {"terms": {"field": schema.FACETS[name], "size": size}}
        if not aggs:
            return {}
        res = se.aggregate(q, aggs)
        return {name: [FacetValue(str(b["key"]), int(b["doc_count"])) for b in res[name]["buckets"]] for name in aggs}

    def _tag_facet(self, se: tantivy.Searcher, q: tantivy.Query, comp: Compiler, names: Sequence[str], size: int,
                   out: dict[str, list[FacetValue]]) -> dict[str, list[FacetValue]]:
        """Add the tag facet (tags live in the store: this runs in the caller's thread)."""
        if "tag" in names:
            counts = []
            for tag, _ in (self.tag_counts() if self.tag_counts else [])[:200]:
                ids = self.lookup("tag", tag) if self.lookup else set()
                both = tantivy.Query.boolean_query([(tantivy.Occur.Must, q), (tantivy.Occur.Must, comp.ids(ids or set()))])
                n = _count(se, both)
                if n:
                    counts.append(FacetValue(tag, n))
            counts.sort(key=lambda v: (-v.count, v.value))
            out = {**out, "tag": counts[:size]}
        return {name: out[name] for name in names if name in out}


_POOL: ThreadPoolExecutor | None = None


def _pool() -> ThreadPoolExecutor:
    """The facet-counting threads, made on the first faceted search (a CLI search without facets
    does not import concurrent.futures)."""
    global _POOL
    if _POOL is None:
        from concurrent.futures import ThreadPoolExecutor

        _POOL = ThreadPoolExecutor(max_workers=2, thread_name_prefix="faisceau-facets")
    return _POOL


def _count(se: tantivy.Searcher, q: tantivy.Query) -> int:
    return int(getattr(se.search(q, 1, count=True), "count", 0) or 0)


class Writer:
    """The one writer of an index: `add` (replacing any older entry of that id), `commit`."""

    def __init__(self, index: Index, heap: int, threads: int) -> None:
        self.index = index
        self.w = index.tantivy.writer(heap, threads)
        # a brand-new index holds nothing to replace until its first commit: skip the deletes
        # then, except for an id added twice before that commit
        self.fresh = index.created and index.num_docs() == 0
        self.added: set[str] = set()
        self.pending = 0

    def add(self, doc: IndexDoc) -> None:
        if not self.fresh or doc.id in self.added:
            self.delete(doc.id)
        if self.fresh:
            self.added.add(doc.id)
        for entry in doc.to_tantivy(self.index.tz):
            self.w.add_document(entry)
        self.pending += 1

    def delete(self, doc_id: str) -> None:
        self.w.delete_documents_by_term("id", doc_id)
        self.w.delete_documents_by_term("page_of", doc_id)
        self.pending += 1

    def commit(self) -> None:
        self.w.commit()
        self.pending = 0
        self.fresh = False
        self.added.clear()

    def close(self) -> None:
        if self.pending:
            self.w.rollback()
        self.w.wait_merging_threads()
