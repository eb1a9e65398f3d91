"""The redaction review page and its API, in one router (easy to declare in a route table):

    GET  /redact/{doc_id}                   the page: the document's pages as images with the boxes
    GET  /redact/{doc_id}/pages/{n}.png     one page of the document's PDF (the one apply burns)
    GET  /api/redact/{doc_id}               its proposals and decisions, page sizes, the grounds
    POST /api/redact/{doc_id}/decide        accept or reject by ids, or every one of a kind
    POST /api/redact/{doc_id}/boxes         a box drawn by the reviewer (accepted on a ground)
    POST /api/redact/{doc_id}/spans         a passage selected in the document's stored text (accepted on a ground)

A selected passage is redacted wherever the document's PDF shows it, not in the one place selected:
the stored text and the PDF pages are different readings of the document (an e-mail's PDF adds its
headers, a scan's text is OCR), so a place in one is no place in the other; and `apply` proves a
string gone only when every occurrence of it is accepted — a name hidden once and left visible on the
next line is not hidden. It is located like a proposal (`propose_pdf`, pages with images read by OCR)
and keyed like one, so a proposal of the same string is the same row and becomes accepted too.

Decisions are those of `faisceau redact accept|reject`, in the same table: keyed on the content and
the string, recorded with the reviewer (the local user) and the time.
"""

from __future__ import annotations

import io
from dataclasses import replace
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import BaseModel, Field

from ..exc import ExtractionError, Skipped
from ..redact.fold import fold, fold_char
from ..redact.propose import OcrOptions, Rules, propose_pdf, rendered
from ..redact.publish import parse_grounds
from ..store import redactions as red
from .api import workbench
from .pages import page
from .reading import MAX_TEXT
from .workbench import Workbench

router = APIRouter()
ROUTES = (("GET", "/redact/{doc_id}"), ("GET", "/redact/{doc_id}/pages/{number}.png"),
          ("GET", "/api/redact/{doc_id}"), ("POST", "/api/redact/{doc_id}/decide"),
          ("POST", "/api/redact/{doc_id}/boxes"), ("POST", "/api/redact/{doc_id}/spans"))
PAGE_DPI = 100  # page images for review: legible, and light enough for a 300-page document
MAX_SPAN = 500  # characters of one selected passage: a name, an address, a sentence — not a chapter


class DecideBody(BaseModel):
    """Accept or reject: these ids, or every proposal of a kind still undecided."""

    status: str = Field(pattern="^(accepted|rejected)$")
    ids: list[int] = Field(default_factory=list, max_length=10_000)
    kind: str | None = Field(default=None, max_length=40)
    ground: str | None = Field(default=None, max_length=80)


class BoxBody(BaseModel):
    """A box drawn on a page, in PDF points from the page's top left."""

    page: int = Field(ge=1)
    rect: list[float] = Field(min_length=4, max_length=4)
    ground: str = Field(max_length=80)


class SpanBody(BaseModel):
    """A passage selected in the document's stored text: code-point offsets, redacted on a ground."""

    start: int = Field(ge=0)
    end: int = Field(ge=1)
    ground: str = Field(max_length=80)


def _doc(wb: Workbench, doc_id: str) -> dict[str, Any]:
    doc = wb.store().document(doc_id)
    if doc is None or not doc["sha256"]:
        raise HTTPException(404, f"no document {doc_id[:64]}")
    return doc


def _pdf(wb: Workbench, doc: dict[str, Any]) -> Path:
    try:
        return rendered(wb.project, wb.store(), doc, wb.settings)
    except (ExtractionError, Skipped) as e:
        raise HTTPException(422, f"this document cannot be redacted: {e}") from None


def _grounds(wb: Workbench) -> dict[str, str]:
    return parse_grounds(wb.settings.redaction_grounds)


def review(wb: Workbench, doc_id: str) -> dict[str, Any]:
    """What the review page shows: page sizes in points, every redaction of the content, the grounds."""
    import pypdfium2 as pdfium

    doc = _doc(wb, doc_id)
    pdf = pdfium.PdfDocument(_pdf(wb, doc))
    try:
        sizes = [list(pdf.get_page_size(i)) for i in range(len(pdf))]
    finally:
        pdf.close()
    rows = red.redactions(wb.store(), sha256s=[doc["sha256"]])
    return {"document": {"id": doc_id, "path": doc["path"], "name": doc["name"]}, "pages": sizes,
            "grounds": _grounds(wb), "redactions": [{k: r[k] for k in ("id", "kind", "text", "page", "boxes",  # type: ignore[literal-required]
                                                                     "status", "ground", "user", "time")}
                                                    for r in rows]}


def stored_text(wb: Workbench, doc: dict[str, Any]) -> str:
    """The document's stored text as the document page shows it (offsets of a selection are into this)."""
    content = wb.store().content(doc["sha256"]) or {}
    return str(content.get("text") or "")[:MAX_TEXT]


def snap(text: str, start: int, end: int) -> tuple[int, int]:
    """A selection widened to whole words and trimmed of the spaces and signs at its ends: a reviewer who
    selects "oé Marti" means "Zoé Martin", and a part of a word is never located (see `locate.occurrences`)."""
    start, end = max(0, start), min(len(text), end)
    while 0 < start < len(text) and text[start - 1].isalnum() and text[start].isalnum():
        start -= 1
    while 0 < end < len(text) and text[end - 1].isalnum() and text[end].isalnum():
        end += 1
    while start < end and not fold_char(text[start]):
        start += 1
    while end > start and not fold_char(text[end - 1]):
        end -= 1
    return start, end


@router.get("/redact/{doc_id}", response_class=HTMLResponse, include_in_schema=False)
def review_page(request: Request, doc_id: str, wb: Workbench = Depends(workbench)) -> HTMLResponse:
    data = review(wb, doc_id)
    text = stored_text(wb, _doc(wb, doc_id))
    return page(request, "redact.html", d=data["document"], pages=data["pages"], grounds=data["grounds"], text=text)


@router.get("/redact/{doc_id}/pages/{number}.png", include_in_schema=False)
def page_image(doc_id: str, number: int, wb: Workbench = Depends(workbench)) -> Response:
    import pypdfium2 as pdfium

    pdf = pdfium.PdfDocument(_pdf(wb, _doc(wb, doc_id)))
    try:
        if not 1 <= number <= len(pdf):
            raise HTTPException(404, f"no page {number}")
        img = pdf[number - 1].render(scale=PAGE_DPI / 72).to_pil()
    finally:
        pdf.close()
    buf = io.BytesIO()
    img.save(buf, "PNG")
    return Response(buf.getvalue(), media_type="image/png", headers={"Cache-Control": "private, max-age=300"})


@router.get("/api/redact/{doc_id}", summary="A document's redaction proposals and decisions")
def api_review(doc_id: str, wb: Workbench = Depends(workbench)) -> dict[str, Any]:
    return review(wb, doc_id)


@router.post("/api/redact/{doc_id}/decide", summary="Accept or reject redactions of a document")
def api_decide(doc_id: str, body: DecideBody, wb: Workbench = Depends(workbench)) -> dict[str, Any]:
    doc = _doc(wb, doc_id)
    if body.status == "accepted" and body.ground not in _grounds(wb):
        raise HTTPException(400, "choose a ground: " + ", ".join(_grounds(wb)))
    if not body.ids and not body.kind:
        raise HTTPException(400, "choose redactions: ids or a kind")
    store = wb.store()
    with store.transaction():
        n = red.decide(store, body.status, body.ground if body.status == "accepted" else None, ids=body.ids,
                       kinds=[body.kind] if body.kind else [], sha256s=[doc["sha256"]], only_proposed=not body.ids)
    store.log_action(f"redact {body.status[:-2]}", {"document": doc_id, "ids": body.ids, "kind": body.kind,
                                                    "ground": body.ground, "changed": n, "from": "web"})
    return {"changed": n, **review(wb, doc_id)}


@router.post("/api/redact/{doc_id}/boxes", summary="Add a box drawn by the reviewer")
def api_box(doc_id: str, body: BoxBody, wb: Workbench = Depends(workbench)) -> dict[str, Any]:
    doc = _doc(wb, doc_id)
    if body.ground not in _grounds(wb):
        raise HTTPException(400, "choose a ground: " + ", ".join(_grounds(wb)))
    x0, y0, x1, y1 = body.rect
    if not (x1 > x0 and y1 > y0):
        raise HTTPException(400, "an empty box")
    store = wb.store()
    with store.transaction():
        new = red.draw(store, doc["sha256"], body.page, [x0, y0, x1, y1], body.ground)
    store.log_action("redact box", {"document": doc_id, "page": body.page, "id": new, "ground": body.ground})
    return {"id": new, **review(wb, doc_id)}


@router.post("/api/redact/{doc_id}/spans", summary="Redact a passage selected in the document's text")
def api_span(doc_id: str, body: SpanBody, wb: Workbench = Depends(workbench)) -> dict[str, Any]:
    """Accept, on a ground, every occurrence on the document's PDF pages of the passage `start:end` of
    its stored text (widened to whole words)."""
    doc = _doc(wb, doc_id)
    if body.ground not in _grounds(wb):
        raise HTTPException(400, "choose a ground: " + ", ".join(_grounds(wb)))
    text = stored_text(wb, doc)
    if not body.start < body.end <= len(text):
        raise HTTPException(400, f"select a passage of the document's text (0 to {len(text)})")
    start, end = snap(text, body.start, body.end)
    string = text[start:end]
    if not fold(string):
        raise HTTPException(400, "nothing to redact in that selection (spaces and signs only)")
    if len(string) > MAX_SPAN:
        raise HTTPException(400, f"select at most {MAX_SPAN} characters")
    cfg = wb.settings
    try:
        found = propose_pdf(_pdf(wb, doc), doc["sha256"], None, Rules(terms=[string]),
                            OcrOptions(cfg.tesseract, cfg.ocr_lang, float(cfg.ocr_time_limit)))
    except (ExtractionError, Skipped) as e:
        raise HTTPException(422, f"this document cannot be redacted: {e}") from None
    if not found:
        # the stored text holds what the pages may not show (metadata, a message's other parts)
        raise HTTPException(422, "that passage is not on the document's pages: draw a box instead")
    store = wb.store()
    with store.transaction():
        red.propose(store, [replace(p, kind="span") for p in found])
        n = red.decide(store, "accepted", body.ground, keys=[found[0].key], sha256s=[doc["sha256"]])
    store.log_action("redact span", {"document": doc_id, "start": start, "end": end, "occurrences": len(found),
                                     "ground": body.ground, "changed": n})
    return {"text": string, "start": start, "end": end, "occurrences": len(found), "changed": n,
            **review(wb, doc_id)}
