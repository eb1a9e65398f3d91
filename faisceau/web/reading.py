"""One document for the web: what `faisceau show` prints, plus what a reader follows from it.

Provenance up to the root, children, every other location of the same bytes, same-message
copies, near-duplicates, the e-mail conversation, tags, star and notes, and the text cut into
blocks (one per PDF page) with the query's hits and the machine-read (OCR) parts marked.
"""

from __future__ import annotations

import json
from typing import Any

from .. import citing, tags
from ..analysis import read as analysis_read
from ..index import QueryError
from ..index.highlight import snippets
from ..mail import views
from ..store import messages, neardups
from ..store.db import Store
from ..store.tags import is_starred, notes_of
from .marks import cut, entities_of
from .workbench import Workbench

MAX_TEXT = 300_000           # characters shown on the page; the rest is in the original
HIDDEN_META = {"body_html", "headers"}
ADDRESS_FIELDS = ("from", "to", "cc", "bcc", "reply_to", "sender")


def _ancestors(store: Store, row: dict[str, Any]) -> list[dict[str, Any]]:
    chain = []
    parent_id, seen = row["parent_id"], set()
    while parent_id and parent_id not in seen:
        seen.add(parent_id)
        parent = store.document(parent_id)
        if parent is None:
            break
        chain.append({"id": parent["id"], "name": parent["name"], "path": parent["path"], "kind": parent["kind"]})
        parent_id = parent["parent_id"]
    return list(reversed(chain))


def _copies(store: Store, doc_id: str) -> list[dict[str, Any]]:
    return [dict(c) for c in messages.copies_of(store, doc_id, limit=200)]


def _near(store: Store, sha: str) -> list[dict[str, Any]]:
    if not sha:
        return []
    out = []
    for near in neardups.near_of(store, sha, limit=50):
        for loc in store.locations(near["sha256"])[:5]:
            out.append({"id": loc["id"], "path": loc["path"], "similarity": round(near["similarity"], 3)})
    return out


def _address(v: Any) -> str:
    if isinstance(v, dict):
        name, addr = v.get("name") or "", v.get("address") or v.get("x500") or ""
        return f"{name} <{addr}>" if name and addr else str(name or addr)
    return str(v)


def _plain(v: Any) -> str:
    if isinstance(v, list):
        return ", ".join(_address(x) if isinstance(x, dict) else _plain(x) for x in v)
    if isinstance(v, dict):
        return _address(v) if "address" in v else json.dumps(v, ensure_ascii=False)
    return str(v)


def _machine_read(content: dict[str, Any]) -> list[tuple[int, int]]:
    """Ranges of the text that OCR produced (segments or pages marked so by the OCR stage)."""
    ranges = [(int(s["start"]), int(s["end"])) for s in content.get("segments") or []
              if "ocr" in str(s.get("part", "")).lower() or (s.get("attrs") or {}).get("ocr")]
    ranges += [(int(p["start"]), int(p["end"])) for p in content.get("pages") or []
               if p.get("ocr") or (p.get("attrs") or {}).get("ocr") or (p.get("attrs") or {}).get("text_layer") == "ocr"]
    return ranges


def _hits(wb: Workbench, text: str, query: str, language: str | None) -> list[tuple[int, int]]:
    if not query.strip() or not text:
        return []
    try:
        _, comp = wb.index().compile(query)
    except QueryError:
        return []  # the search page shows the problem; the document is still shown
    found = snippets(text, comp.highlights, language, None, count=1, window=len(text) + 1, stemming=comp.stemming)
    return [(found[0].start + a, found[0].start + b) for a, b in found[0].highlights] if found else []


def text_blocks(content: dict[str, Any], hits: list[tuple[int, int]],
                analysis: dict[str, Any] | None = None) -> list[dict[str, Any]]:
    """The text as blocks (one per page when it has pages), each cut into pieces marked with the
    query's hits and the analysis' entities, identifiers and dates (see `marks.cut`)."""
    text = content.get("text") or ""
    shown = text[:MAX_TEXT]
    pages = [p for p in content.get("pages") or [] if int(p.get("start", 0)) < len(shown)]
    spans = [(p.get("number"), int(p["start"]), min(int(p["end"]), len(shown))) for p in pages] or [(None, 0, len(shown))]
    ocr = _machine_read(content)
    blocks = []
    for number, start, end in spans:
        part = shown[start:end]
        blocks.append({"page": number, "start": start, "end": end, "pieces": cut(part, start, hits, analysis or {}),
                       "ocr": any(a < end and b > start for a, b in ocr),
                       "needs_ocr": bool(next((p.get("needs_ocr") for p in pages if p.get("number") == number), False))})
    return blocks


def document(wb: Workbench, doc_id: str, query: str = "") -> dict[str, Any] | None:
    """Everything the document page shows, as one JSON-ready object (None if no such document)."""
    store = wb.store()
    row = store.document(doc_id)
    if row is None:
        return None
    content = store.content(row["sha256"]) if row["sha256"] else None
    meta = dict((content or {}).get("metadata") or {})
    out: dict[str, Any] = {k: row.get(k) for k in ("id", "name", "path", "status", "reason", "kind", "mime", "sha256",
                                                   "size", "parent_id", "depth")}
    out["name_raw"] = row["name_raw"].hex() if row["name_raw"] else None
    out["ancestors"] = _ancestors(store, row)
    out["children"] = [{"id": c["id"], "name": c["name"], "status": c["status"], "reason": c["reason"],
                        "kind": c["kind"], "size": c["size"]} for c in store.children(doc_id)]
    out["locations"] = [loc for loc in store.locations(row["sha256"]) if loc["id"] != doc_id][:200] if row["sha256"] else []
    out["copies"] = _copies(store, doc_id)
    out["near_duplicates"] = _near(store, row["sha256"] or "")
    out["stages"] = {k: {"version": v["version"], "status": v["status"], "reason": v["reason"]}
                     for k, v in store.stages_of(doc_id).items()}
    out["tags"] = tags.tags_of(store, doc_id)
    out["starred"] = is_starred(store, doc_id)
    out["notes"] = [{"id": n["id"], "text": n["text"], "time": n["time"], "user": n["user"]}
                    for n in notes_of(store, doc_id)]
    out["metadata"] = {k: _plain(v) for k, v in sorted(meta.items()) if k not in HIDDEN_META and k not in ADDRESS_FIELDS}
    out["addresses"] = {k: [_address(x) for x in meta[k]] for k in ADDRESS_FIELDS if isinstance(meta.get(k), list)}
    out["headers"] = [[str(h[0]), str(h[1])] for h in meta.get("headers") or [] if isinstance(h, list) and len(h) == 2]
    out["has_html"] = bool(meta.get("body_html")) or (row["kind"] == "html" and row["status"] == "ok")
    out["thread"] = views.thread_of(store, doc_id)
    out["original"] = wb.original(row) is not None
    out["flags"] = (content or {}).get("flags") or []
    out["warnings"] = (content or {}).get("warnings") or []
    out["language"] = (content or {}).get("language")
    text = (content or {}).get("text") or ""
    out["text_length"] = len(text)
    out["text_cut"] = len(text) > MAX_TEXT
    found = analysis_read.document(store, doc_id)
    out["citations"] = citing.citations(store, doc_id)
    found["citations"] = out["citations"]
    out["entities"] = entities_of(found)
    out["identifiers"] = found["identifiers"]
    out["dates"] = found["dates"]
    out["blocks"] = (text_blocks(content, _hits(wb, text[:MAX_TEXT], query, out["language"]), found)
                     if content and text else [])
    out["pages"] = [{"number": p.get("number"), "needs_ocr": p.get("needs_ocr", False)}
                    for p in (content or {}).get("pages") or []]
    out["renders_pages"] = row["kind"] == "pdf" and row["status"] == "ok" and out["original"]
    return out


MAX_HTML_BYTES = 8_000_000   # bytes of an HTML file read for the "as sent" view


def raw_html(wb: Workbench, doc_id: str) -> str | None:
    """The document's own HTML (an e-mail's HTML body, or an HTML file's bytes), unsanitised."""
    store = wb.store()
    row = store.document(doc_id)
    if row is None or not row["sha256"]:
        return None
    content = store.content(row["sha256"], with_text=False) or {}
    body = (content.get("metadata") or {}).get("body_html")
    if body:
        return str(body)
    if row["kind"] == "html":
        path = wb.original(row)
        if path is not None:
            with open(path, "rb") as f:
                data = f.read(MAX_HTML_BYTES + 1)
            # the charset the extraction read the page with (its declared ISO-8859-1, say), so
            # the page shows "Assemblée" as its text does, not "Assembl\ufffde" (issue 22)
            from ..extract.documents.charset import decode_report
            from ..extract.documents.html import declared_charset  # (imported here: its parser is large)

            recorded = (content.get("metadata") or {}).get("encoding")
            declared = recorded if isinstance(recorded, str) else declared_charset(data)
            return decode_report(data[:MAX_HTML_BYTES], declared, partial=len(data) > MAX_HTML_BYTES).text
    return None
