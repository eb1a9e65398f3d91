"""The JSON API of the analysis: entities and their curation, the timeline, a document's findings,
and citations. The entity and timeline pages, and the document page's highlights, use these calls."""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter, Depends, HTTPException, Query
from pydantic import BaseModel, Field

from .. import citing as citations_mod
from ..analysis import read
from . import analysisview, timelineview
from .api import need_document, workbench
from .workbench import Workbench

router = APIRouter(prefix="/api")


class DecisionBody(BaseModel):
    action: Literal["merge", "split", "rename", "ignore"]
    a: str = Field(max_length=500)
    b: str | None = Field(default=None, max_length=500)


class CitationBody(BaseModel):
    start: int = Field(ge=0)
    end: int = Field(gt=0)
    note: str | None = Field(default=None, max_length=10_000)
    page: int | None = None


def timeline_params(q: str = "", entity: str = "", kind: str = "", date_from: str = Query("", alias="from"),
                    date_to: str = Query("", alias="to"), at: str = "", limit: int = 200,
                    copies: str = "", implausible: bool = False) -> timelineview.Params:
    """The timeline parameters shared by the page and the API (`copies=all`: every copy's events;
    `implausible`: the events whose dates were flagged implausible too)."""
    return timelineview.Params(q=q, entity=entity, kind=kind, date_from=date_from, date_to=date_to, at=at,
                               limit=limit, all_copies=copies == "all", implausible=implausible).check()


# -- entities ----------------------------------------------------------------------------------

@router.get("/entities", summary="Canonical entities, most mentioned first")
def api_entities(type: str | None = None, q: str | None = None, page: int = 1, limit: int = 50,
                 wb: Workbench = Depends(workbench)) -> dict[str, Any]:
    return analysisview.entity_list(wb, type, q, page, limit)


@router.get("/entities/evidence", summary="The evidence for a curation decision, before it is made")
def api_evidence(a: str, b: str | None = None, wb: Workbench = Depends(workbench)) -> dict[str, Any]:
    return analysisview.evidence(wb, a, b or None)


@router.get("/entities/decisions", summary="Curation decisions, newest first")
def api_decisions(wb: Workbench = Depends(workbench)) -> list[dict[str, Any]]:
    return analysisview.decisions_of(wb)


@router.post("/entities/decisions", summary="Merge, split, rename or ignore entities (applied at once unless"
             " another decision is being applied or another process holds the project: then `applied` is"
             " false, `pending` true and `note` says when it applies)")
def api_decide(body: DecisionBody, wb: Workbench = Depends(workbench)) -> dict[str, Any]:
    return analysisview.decide(wb, body.action, body.a, body.b)


@router.post("/entities/decisions/apply", summary="Apply the pending curation decisions now, if the project is free")
def api_apply(wb: Workbench = Depends(workbench)) -> dict[str, Any]:
    return analysisview.apply_pending(wb)


@router.post("/entities/decisions/{decision}/undo", summary="Undo a curation decision")
def api_undo(decision: int, wb: Workbench = Depends(workbench)) -> dict[str, Any]:
    return analysisview.undo(wb, decision)


@router.get("/entities/{ident}", summary="An entity (by id or name): mentions in context, documents,"
            " co-occurring entities, its events by date, the decisions naming it")
def api_entity(ident: str, limit: int = 50, wb: Workbench = Depends(workbench)) -> dict[str, Any]:
    e = analysisview.entity_view(wb, ident, limit)
    if e is None:
        raise HTTPException(404, f"no entity {ident[:100]}")
    return e


# -- timeline ----------------------------------------------------------------------------------

@router.get("/timeline", summary="Events by date (dated sentences and document dates), bucketed by year,"
            " month or day; filtered by query, entity, kind and dates")
def api_timeline(p: timelineview.Params = Depends(timeline_params),
                 wb: Workbench = Depends(workbench)) -> dict[str, Any]:
    return timelineview.select(wb, p)


# -- a document's findings and citations -------------------------------------------------------

@router.get("/documents/{doc_id}/analysis", summary="What analysis found in a document: mentions with their"
            " entity, identifiers with their validity, dates (offsets are code points into the text)")
def api_document_analysis(doc_id: str, wb: Workbench = Depends(workbench)) -> dict[str, Any]:
    need_document(wb, doc_id)
    return read.document(wb.store(), doc_id)


@router.get("/documents/{doc_id}/citations", summary="The cited passages of a document")
def api_citations(doc_id: str, wb: Workbench = Depends(workbench)) -> list[dict[str, Any]]:
    need_document(wb, doc_id)
    return [dict(c) for c in citations_mod.citations(wb.store(), doc_id)]


@router.post("/documents/{doc_id}/citations", summary="Cite text[start:end] of a document with a note")
def api_cite(doc_id: str, body: CitationBody, wb: Workbench = Depends(workbench)) -> dict[str, Any]:
    need_document(wb, doc_id)
    cid = citations_mod.add_citation(wb.store(), doc_id, body.start, body.end, body.note, body.page)
    return {"id": cid, "citations": citations_mod.citations(wb.store(), doc_id)}


@router.delete("/documents/{doc_id}/citations/{citation}", summary="Delete a citation")
def api_uncite(doc_id: str, citation: int, wb: Workbench = Depends(workbench)) -> dict[str, Any]:
    need_document(wb, doc_id)
    if not any(c["id"] == citation for c in citations_mod.citations(wb.store(), doc_id)):
        raise HTTPException(404, f"document {doc_id[:64]} has no citation {citation}")
    citations_mod.delete_citation(wb.store(), citation)
    return {"citations": citations_mod.citations(wb.store(), doc_id)}
