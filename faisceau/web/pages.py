"""The pages: server-rendered Jinja2 templates over the same functions as the API."""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import FileResponse, HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates
from markupsafe import Markup

from ..analysis import read
from ..index import query as query_mod
from . import analysisview, graphview, peopleview, reading, reporting, searching, timelineview
from .api import params, workbench
from .api_analysis import timeline_params
from .i18n import COOKIE, LANGUAGES, choose, translator
from .when import formatter, label
from .workbench import Workbench

TEMPLATES = Jinja2Templates(directory=str(Path(__file__).parent / "templates"))
router = APIRouter(include_in_schema=False)


def page(request: Request, name: str, status_code: int = 200, **context: Any) -> HTMLResponse:
    """Render a template in the reader's language (autoescaped: every value from a leak is text)."""
    lang = choose(request.cookies.get(COOKIE), request.headers.get("accept-language"))
    here = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    wb = getattr(request.app.state, "wb", None)
    tz = str(wb.settings.timezone) if wb is not None else "UTC"
    # `base`: where this app is mounted ("" locally, "/p/<name>" on a server), before every link;
    # `team`: the logged-in user, role and CSRF token on a server (set by faisceau.team.access)
    ctx = {"t": translator(lang), "lang": lang, "here": here, "switch": f"/lang/{'fr' if lang == 'en' else 'en'}?"
           + urlencode({"next": here}), "when": formatter(tz), "tz_label": label(tz), "base": base_of(request),
           "team": request.scope.get("faisceau.team"), **context}
    resp = TEMPLATES.TemplateResponse(request, name, ctx, status_code=status_code)
    resp.headers["Vary"] = "Accept-Language, Cookie"
    return resp


def base_of(request: Request) -> str:
    """The path this app is mounted under ("" when served alone)."""
    return str(request.scope.get("root_path", "")).rstrip("/")


@router.get("/")
def home(request: Request) -> RedirectResponse:
    return RedirectResponse(base_of(request) + "/search", status_code=303)


@router.get("/favicon.ico")
def favicon() -> FileResponse:
    """The icon browsers ask for at this address, whatever the page links (it answered 404)."""
    return FileResponse(Path(__file__).parent / "static" / "favicon.svg", media_type="image/svg+xml",
                        headers={"Cache-Control": "max-age=86400"})


@router.get("/lang/{code}")
def set_language(request: Request, code: str, next: str = "") -> Response:
    """Switch the interface language (a cookie), back to the page the reader was on."""
    # only a path on this server: never an open redirect
    target = next if next.startswith("/") and not next.startswith("//") and "\\" not in next else (
        base_of(request) + "/search")
    resp = RedirectResponse(target, status_code=303)
    if code in LANGUAGES:
        resp.set_cookie(COOKIE, code, max_age=365 * 86400, samesite="strict", httponly=True)
    return resp


@router.get("/search", response_class=HTMLResponse)
def search_page(request: Request, p: searching.Params = Depends(params),
                wb: Workbench = Depends(workbench)) -> HTMLResponse:
    result = searching.search(wb, p, cut=True)
    pages = max(1, -(-result["total"] // p.limit)) if p.limit else 1
    return page(request, "search.html", p=p, r=result, pages=pages, saved=searching.saved(wb),
                syntax=(query_mod.__doc__ or "").strip(), csv_url=p.url("/api/search.csv", page=1))


@router.get("/documents/{doc_id}", response_class=HTMLResponse)
def document_page(request: Request, doc_id: str, q: str = "", wb: Workbench = Depends(workbench)) -> HTMLResponse:
    doc = reading.document(wb, doc_id, q)
    if doc is None:
        return page(request, "error.html", 404, title="not_found", message=f"no document {doc_id[:64]}")
    return page(request, "document.html", d=doc, q=q)


@router.get("/entities", response_class=HTMLResponse)
def entities_page(request: Request, type: str = "", q: str = "", page_no: int = Query(1, alias="page"),
                  wb: Workbench = Depends(workbench)) -> HTMLResponse:
    listing = analysisview.entity_list(wb, type or None, q or None, page_no, 50)
    base = {k: v for k, v in (("type", type), ("q", q)) if v}
    return page(request, "entities.html", r=listing, type=type, q=q, decisions=analysisview.decisions_of(wb)[:50],
                prev_url=f"/entities?{urlencode(base | {'page': page_no - 1})}" if page_no > 1 else None,
                next_url=f"/entities?{urlencode(base | {'page': page_no + 1})}" if listing["more"] else None)


@router.get("/entities/{ident}", response_class=HTMLResponse)
def entity_page(request: Request, ident: str, decided: int | None = None,
                wb: Workbench = Depends(workbench)) -> HTMLResponse:
    e = analysisview.entity_view(wb, ident)
    if e is None:
        return page(request, "error.html", 404, title="not_found", message=f"no entity {ident[:100]}")
    chart = Markup(timelineview.bars(e["timeline"], height=90))  # bars() escapes every label
    done = next((d for d in e["decisions"] if d["id"] == decided), None) if decided else None
    mail = peopleview.named_like(wb, [e["name"], *e["variants"][:10]]) if e["type"] == "PER" else []
    return page(request, "entity.html", e=e, chart=chart, decided=done, mail=mail,
                timeline_url=timelineview.Params(entity=e["id"]).url())


@router.get("/timeline", response_class=HTMLResponse)
def timeline_page(request: Request, p: timelineview.Params = Depends(timeline_params),
                  wb: Workbench = Depends(workbench)) -> HTMLResponse:
    t = timelineview.select(wb, p)
    entity = read.entity(wb.store(), p.entity) if p.entity else None
    crumbs = [("", p.url(at=""))]
    for cut in (4, 7, 10):
        if len(p.at) >= cut:
            crumbs.append((p.at[:cut], p.url(at=p.at[:cut])))
    return page(request, "timeline.html", p=p, tl=t, chart=Markup(timelineview.bars(t["buckets"])),
                entity=entity, crumbs=crumbs)


@router.get("/graph", response_class=HTMLResponse)
def graph_page(request: Request, date_from: str = Query("", alias="from"), date_to: str = Query("", alias="to"),
               q: str = "", ego: str = "", wb: Workbench = Depends(workbench)) -> HTMLResponse:
    found = graphview.ego(wb, ego) if ego else graphview.drawn(wb, date_from or None, date_to or None, q or None)
    if found is None:
        return page(request, "error.html", 404, title="not_found", message=f"no correspondent {ego[:100]}")
    drawn = found
    query = urlencode({k: v for k, v in (("from", date_from), ("to", date_to), ("q", q)) if v})
    return page(request, "graph.html", g=drawn, svg=graphview.svg(drawn), date_from=date_from, date_to=date_to, q=q, ego=ego,
                query=query)


@router.get("/people", response_class=HTMLResponse)
def people_page(request: Request, q: str = "", page_no: int = Query(1, alias="page"),
                wb: Workbench = Depends(workbench)) -> HTMLResponse:
    listing = peopleview.people(wb, q or None, page_no, 50)
    base = {"q": q} if q else {}
    return page(request, "people.html", r=listing,
                prev_url=f"/people?{urlencode(base | {'page': page_no - 1})}" if page_no > 1 else None,
                next_url=f"/people?{urlencode(base | {'page': page_no + 1})}" if listing["more"] else None)


@router.get("/people/{ident:path}", response_class=HTMLResponse)
def person_page(request: Request, ident: str, wb: Workbench = Depends(workbench)) -> HTMLResponse:
    p = peopleview.person(wb, ident)
    if p is None:
        return page(request, "error.html", 404, title="not_found", message=f"no correspondent {ident[:100]}")
    return page(request, "person.html", p=p)


@router.get("/status", response_class=HTMLResponse)
def status_page(request: Request, wb: Workbench = Depends(workbench)) -> HTMLResponse:
    return page(request, "status.html", s=reporting.status(wb))
