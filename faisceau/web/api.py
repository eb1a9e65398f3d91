"""The JSON API under /api: every page is built from these same functions (see /openapi.json)."""

from __future__ import annotations

import asyncio
import contextvars
import json
import re
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any
from urllib.parse import quote

import orjson
from fastapi import APIRouter, Depends, HTTPException, Query, Request
from fastapi.responses import FileResponse, PlainTextResponse, Response, StreamingResponse
from pydantic import BaseModel, Field

from .. import tags
from ..exc import UsageError
from ..mail import graph as graph_mod
from . import graphpng, graphview, reading, render, reporting, safety, searching
from .i18n import COOKIE, choose, translator
from .sanitize import frame_document, sanitize
from .workbench import Workbench

router = APIRouter(prefix="/api")
EXPORTS = {"gexf": "application/gexf+xml", "graphml": "application/graphml+xml", "csv": "text/csv",
           "svg": "image/svg+xml", "png": "image/png"}


def workbench(request: Request) -> Workbench:
    return request.app.state.wb  # type: ignore[no-any-return]


def params(q: str = "", include: list[str] = Query(default=[]), exclude: list[str] = Query(default=[]),
           sort: str = "relevance", page: int = 1, limit: int = 20, copies: str = "") -> searching.Params:
    """The search parameters shared by the search page, the API and the exports (`copies=all`: every
    copy a hit of its own)."""
    return searching.Params(q=q, include=include, exclude=exclude, sort=sort, page=page, limit=limit,
                            all_copies=copies == "all").check()


def attachment(name: str) -> str:
    """A Content-Disposition that no file name from a leak can break out of."""
    ascii_name = re.sub(r"[^A-Za-z0-9._-]+", "_", name)[:120] or "download"
    return f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(name[:200], safe='')}"


def need_document(wb: Workbench, doc_id: str) -> dict[str, Any]:
    row = wb.store().document(doc_id)
    if row is None:
        raise HTTPException(404, f"no document {doc_id[:64]}")
    return row


class TagBody(BaseModel):
    tag: str = Field(max_length=200)


class StarBody(BaseModel):
    starred: bool = True


class NoteBody(BaseModel):
    text: str = Field(max_length=100_000)


class SearchBody(BaseModel):
    q: str = ""
    include: list[str] = []
    exclude: list[str] = []
    sort: str = "relevance"

    def params(self) -> searching.Params:
        return searching.Params(q=self.q, include=self.include, exclude=self.exclude, sort=self.sort).check()


class BulkTagBody(SearchBody):
    tag: str = Field(max_length=200)
    remove: bool = False


class SavedBody(SearchBody):
    name: str = Field(max_length=200)


# -- search ------------------------------------------------------------------------------------

@router.get("/search", summary="Search: hits with snippets, exact total, facets")
async def api_search(request: Request, q: str = "", include: list[str] = Query(default=[]),
                     exclude: list[str] = Query(default=[]), sort: str = "relevance", page: int = 1,
                     limit: int = 20, copies: str = "") -> Response:
    p = params(q, include, exclude, sort, page, limit, copies)
    # Searches take turns on a small pool of their own rather than the shared one: the work is
    # mostly Python under the GIL, so eight searches at once each take eight times as long (and
    # pay the switching); waiting in line, two at a time, the p99 of bench/web.py drops by 15-25 %.
    # The parameters are plain arguments, not a dependency: each sync dependency costs a trip
    # to the thread pool.
    # the request's context goes along (in server mode it names the user, whose stars `star:` reads)
    ctx = contextvars.copy_context()
    body = await asyncio.get_running_loop().run_in_executor(_search_pool(), ctx.run, _search_json, workbench(request), p)
    return Response(body, media_type="application/json")


SEARCH_THREADS = 2
_SEARCHES: ThreadPoolExecutor | None = None


def _search_pool() -> ThreadPoolExecutor:
    global _SEARCHES
    if _SEARCHES is None:
        _SEARCHES = ThreadPoolExecutor(SEARCH_THREADS, thread_name_prefix="faisceau-search")
    return _SEARCHES


def _search_json(wb: Workbench, p: searching.Params) -> bytes:
    """The API's answer, serialised by orjson (faster than FastAPI's encoder or json)."""
    result = searching.search(wb, p)
    try:
        return orjson.dumps(result)
    except (TypeError, orjson.JSONEncodeError):   # a lone surrogate from a damaged text: as before
        return json.dumps(result, ensure_ascii=False).encode("utf-8")


@router.get("/search.csv", summary="Every hit of a search as CSV", response_class=StreamingResponse)
def api_search_csv(p: searching.Params = Depends(params), wb: Workbench = Depends(workbench)) -> StreamingResponse:
    rows: Iterator[str] = searching.export_csv(wb, p)
    first = next(rows)  # errors in the query surface here, as a 400, before the download starts
    return StreamingResponse(_chain(first, rows), media_type="text/csv; charset=utf-8",
                             headers={"Content-Disposition": attachment("faisceau-search.csv")})


def _chain(first: str, rest: Iterator[str]) -> Iterator[str]:
    yield first
    yield from rest


@router.post("/search/tag", summary="Tag (or untag) every hit of a search")
def api_bulk_tag(body: BulkTagBody, wb: Workbench = Depends(workbench)) -> dict[str, Any]:
    return searching.bulk_tag(wb, body.params(), body.tag, body.remove)


@router.get("/saved-searches", summary="Saved searches")
def api_saved(wb: Workbench = Depends(workbench)) -> list[dict[str, Any]]:
    return searching.saved(wb)


@router.post("/saved-searches", summary="Save a search under a name")
def api_save(body: SavedBody, wb: Workbench = Depends(workbench)) -> list[dict[str, Any]]:
    return searching.save_search(wb, body.name, body.params())


@router.delete("/saved-searches/{name}", summary="Delete a saved search")
def api_unsave(name: str, wb: Workbench = Depends(workbench)) -> list[dict[str, Any]]:
    return searching.delete_search(wb, name)


# -- documents ---------------------------------------------------------------------------------

@router.get("/documents/{doc_id}", summary="A document: metadata, provenance, copies, thread, text")
def api_document(doc_id: str, q: str = "", wb: Workbench = Depends(workbench)) -> dict[str, Any]:
    doc = reading.document(wb, doc_id, q)
    if doc is None:
        raise HTTPException(404, f"no document {doc_id[:64]}")
    return doc


@router.get("/documents/{doc_id}/original", summary="The original bytes, as a download",
            response_class=FileResponse)
def api_original(doc_id: str, wb: Workbench = Depends(workbench)) -> FileResponse:
    row = need_document(wb, doc_id)
    path = wb.original(row)
    if path is None:
        raise HTTPException(404, "the original bytes of this document are not in the project")
    wb.store().log_action("export", {"what": "original", "document": doc_id})
    # always a download, never rendered by the browser: the bytes are hostile
    return FileResponse(path, media_type="application/octet-stream", headers={
        "Content-Disposition": attachment(row["name"] or doc_id), "X-Content-SHA256": row["sha256"] or "",
        "Content-Security-Policy": "default-src 'none'; sandbox"})


@router.get("/documents/{doc_id}/html", summary="The document's HTML, sanitised, for a sandboxed frame",
            response_class=Response)
def api_html(doc_id: str, request: Request, wb: Workbench = Depends(workbench)) -> Response:
    need_document(wb, doc_id)
    raw = reading.raw_html(wb, doc_id)
    if raw is None:
        raise HTTPException(404, "this document has no HTML")
    t = translator(choose(request.cookies.get(COOKIE), request.headers.get("accept-language")))
    page = frame_document(sanitize(raw), t("remote_blocked"))
    return Response(page, media_type="text/html; charset=utf-8", headers={
        "Content-Security-Policy": safety.FRAME_CSP, "X-Frame-Options": "SAMEORIGIN"})


@router.get("/documents/{doc_id}/pages/{number}.png", summary="A PDF page as an image",
            response_class=FileResponse)
def api_page(doc_id: str, number: int, wb: Workbench = Depends(workbench)) -> FileResponse:
    row = need_document(wb, doc_id)
    path = wb.original(row)
    if row["kind"] != "pdf" or path is None:
        raise HTTPException(404, "not a PDF with its original bytes")
    try:
        png = render.page_png(path, row["sha256"], number, wb.cache_dir("pages"))
    except (render.RenderError, OSError) as e:
        raise HTTPException(422, str(e)[:300]) from None
    return FileResponse(png, media_type="image/png", headers={"Cache-Control": "private, max-age=3600"})


@router.get("/documents/{doc_id}/thread", summary="The e-mail conversation of a document, as a tree")
def api_thread(doc_id: str, wb: Workbench = Depends(workbench)) -> dict[str, Any]:
    need_document(wb, doc_id)
    doc = reading.document(wb, doc_id)
    if not doc or not doc["thread"]:
        raise HTTPException(404, "not an e-mail of a thread")
    return doc["thread"]  # type: ignore[no-any-return]


@router.post("/documents/{doc_id}/tags", summary="Tag a document")
def api_tag(doc_id: str, body: TagBody, wb: Workbench = Depends(workbench)) -> dict[str, Any]:
    need_document(wb, doc_id)
    tags.add_tag(wb.store(), [doc_id], body.tag)
    return {"id": doc_id, "tags": tags.tags_of(wb.store(), doc_id)}


@router.delete("/documents/{doc_id}/tags/{tag}", summary="Remove a tag from a document")
def api_untag(doc_id: str, tag: str, wb: Workbench = Depends(workbench)) -> dict[str, Any]:
    need_document(wb, doc_id)
    tags.remove_tag(wb.store(), [doc_id], tag)
    return {"id": doc_id, "tags": tags.tags_of(wb.store(), doc_id)}


@router.put("/documents/{doc_id}/star", summary="Star or unstar a document")
def api_star(doc_id: str, body: StarBody, wb: Workbench = Depends(workbench)) -> dict[str, Any]:
    need_document(wb, doc_id)
    tags.set_star(wb.store(), [doc_id], body.starred)
    return {"id": doc_id, "starred": body.starred}


@router.post("/documents/{doc_id}/notes", summary="Add a note to a document")
def api_note(doc_id: str, body: NoteBody, wb: Workbench = Depends(workbench)) -> dict[str, Any]:
    need_document(wb, doc_id)
    note_id = tags.add_note(wb.store(), doc_id, body.text)
    return {"id": doc_id, "note": note_id}


@router.get("/tags", summary="Every tag with its number of documents")
def api_tags(wb: Workbench = Depends(workbench)) -> list[dict[str, Any]]:
    return [{"tag": t, "documents": n} for t, n in tags.tag_counts(wb.store())]


# -- graph -------------------------------------------------------------------------------------

@router.get("/graph", summary="The who-wrote-to-whom graph, laid out")
def api_graph(date_from: str | None = Query(None, alias="from"), date_to: str | None = Query(None, alias="to"),
              q: str | None = None, ego: str | None = None, wb: Workbench = Depends(workbench)) -> dict[str, Any]:
    """The graph laid out; `ego`: a person and the people they wrote with most."""
    if ego:
        found = graphview.ego(wb, ego)
        if found is None:
            raise HTTPException(404, f"no correspondent {ego[:100]}")
        return found
    return graphview.drawn(wb, date_from or None, date_to or None, q or None)


@router.get("/graph/messages", summary="The messages a person of the graph sent or received")
def api_graph_messages(node: str, date_from: str | None = Query(None, alias="from"),
                       date_to: str | None = Query(None, alias="to"), q: str | None = None,
                       wb: Workbench = Depends(workbench)) -> list[dict[str, Any]]:
    return graphview.messages_of(wb, node, date_from or None, date_to or None, q or None)


@router.get("/graph/export.{fmt}", summary="The graph as GEXF, GraphML, CSV, SVG or PNG", response_class=Response)
def api_graph_export(fmt: str, date_from: str | None = Query(None, alias="from"),
                     date_to: str | None = Query(None, alias="to"), q: str | None = None,
                     size: int | None = Query(None, description="PNG only: the side in pixels (200 to 4000)"),
                     wb: Workbench = Depends(workbench)) -> Response:
    if fmt not in EXPORTS:
        raise UsageError(f"unknown format {fmt[:20]!r}: use {', '.join(EXPORTS)}")
    side = graphpng.export_size(fmt, size)
    g = graphview.select(wb, date_from or None, date_to or None, q or None)
    body: str | bytes
    if fmt == "png":
        body = graphpng.png(graphview.layout(g), side)
    elif fmt == "svg":
        body = graphview.svg(graphview.layout(g), standalone=True)
    else:
        body = graph_mod.export(g, fmt)
    wb.store().log_action("export", {"what": f"graph-{fmt}", "from": date_from, "to": date_to, "query": q,
                                     **({"size": side} if side else {})})
    media = EXPORTS[fmt] if isinstance(body, bytes) else EXPORTS[fmt] + "; charset=utf-8"
    return Response(body, media_type=media, headers={"Content-Disposition": attachment(f"faisceau-graph.{fmt}")})


# -- status ------------------------------------------------------------------------------------

@router.get("/status", summary="The ingest report: counts, failures, a running ingest")
def api_status(wb: Workbench = Depends(workbench)) -> dict[str, Any]:
    return reporting.status(wb)


@router.post("/status/retry", summary="Retry the failed items (runs `faisceau ingest --retry-failed`)")
def api_retry(wb: Workbench = Depends(workbench)) -> dict[str, Any]:
    return reporting.retry(wb)


@router.get("/health", summary="The server is up", response_class=PlainTextResponse)
def api_health() -> str:
    return "ok"
