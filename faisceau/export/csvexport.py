"""Any search (or tag, or list of ids) as CSV with chosen metadata columns: no row cap, streamed.

Hits come from the index in batches and their store rows are read 500 at a time, so memory
stays flat whatever the number of rows; text is never loaded (only the hit's snippet when the
`snippet` column is asked).
"""

from __future__ import annotations

import csv
import json
from collections.abc import Callable, Iterator
from typing import Any, TextIO

from ..exc import UsageError
from ..index import Hit, Index
from ..index.documents import from_store
from ..store.db import Store
from ..store.documents import contents_by_sha, documents_by_id
from ..store.tags import tags_by_document
from .select import Selection, selected

COLUMNS: dict[str, str] = {
    "id": "document id", "path": "provenance path", "name": "file or member name", "title": "title or subject",
    "kind": "kind (email, pdf…)", "mime": "MIME type", "date": "date (as extracted, with its offset)",
    "from": "senders", "to": "recipients", "cc": "copy recipients", "author": "author",
    "language": "language", "sha256": "SHA-256 of the original", "size": "size in bytes", "status": "ok, failed…",
    "reason": "why failed or skipped", "parent_id": "id of the container", "pages": "number of pages",
    "tags": "tags, space-separated", "extractor": "extractor and its version", "score": "search score",
    "hit_pages": "pages matching the query on their own", "page": "page of the snippet",
    "snippet": "first highlighted passage, [marked]",
}
DEFAULT = ("id", "path", "title", "kind", "date", "from", "to", "sha256", "size", "tags")
CHUNK = 500


def parse_columns(spec: str | None) -> list[str]:
    """`id,title,date` → the columns, checked."""
    if not spec:
        return list(DEFAULT)
    cols = [c.strip().lower() for c in spec.split(",") if c.strip()]
    unknown = [c for c in cols if c not in COLUMNS]
    if unknown or not cols:
        raise UsageError(f"unknown column {', '.join(unknown) or '(none)'}: known columns are {', '.join(COLUMNS)}")
    return list(dict.fromkeys(cols))


def _people(addresses: list[Any]) -> str:
    return "; ".join(f"{a.name} <{a.address}>" if a.name and a.address else a.name or a.address for a in addresses)


def _chunks(items: Iterator[tuple[str, Hit | None]]) -> Iterator[list[tuple[str, Hit | None]]]:
    batch: list[tuple[str, Hit | None]] = []
    for item in items:
        batch.append(item)
        if len(batch) >= CHUNK:
            yield batch
            batch = []
    if batch:
        yield batch


def _rows(store: Store, batch: list[tuple[str, Hit | None]], cols: list[str]) -> Iterator[dict[str, Any]]:
    ids = [i for i, _ in batch]
    docs = documents_by_id(store, ids)
    shas = sorted({d["sha256"] for d in docs.values() if d["sha256"]})
    contents: dict[str, dict[str, Any]] = {}
    if shas:
        for sha, r in contents_by_sha(store, shas, ("metadata", "pages", "language", "extractor",
                                                    "extractor_version")).items():
            contents[sha] = {"metadata": json.loads(r["metadata"] or "{}"), "pages": json.loads(r["pages"] or "[]"),
                             "language": r["language"], "extractor": r["extractor"],
                             "extractor_version": r["extractor_version"]}
    tags = tags_by_document(store, ids) if "tags" in cols else {}
    for doc_id, hit in batch:
        row = docs.get(doc_id)
        if row is None:
            continue  # gone from the store since the index was written
        content = contents.get(row["sha256"] or "")
        d = from_store(row, content)
        c = content or {}
        first = hit.snippets[0] if hit and hit.snippets else None
        values = {
            "id": doc_id, "path": row["path"], "name": row["name"], "title": d.title, "kind": row["kind"],
            "mime": row["mime"], "date": d.date, "from": _people(d.senders), "to": _people(d.to), "cc": _people(d.cc),
            "author": d.author, "language": c.get("language"), "sha256": row["sha256"], "size": row["size"],
            "status": row["status"], "reason": row["reason"], "parent_id": row["parent_id"],
            "pages": len(c.get("pages") or []) or "", "tags": " ".join(tags.get(doc_id, [])),
            "extractor": " ".join(x for x in (c.get("extractor"), c.get("extractor_version")) if x),
            "score": round(hit.score, 4) if hit else "", "hit_pages": " ".join(map(str, hit.pages)) if hit else "",
            "page": first.page if first and first.page is not None else "",
            "snippet": " ".join(first.marked().split()) if first else "",
        }
        yield {k: values[k] for k in cols}


def export_csv(store: Store, sel: Selection, open_index: Callable[[], Index], cols: list[str], out: TextIO) -> int:
    """Write the selection as CSV; returns the number of rows."""
    w = csv.DictWriter(out, fieldnames=cols, extrasaction="ignore")
    w.writeheader()
    n = 0
    snippets = 1 if "snippet" in cols or "page" in cols else 0
    for batch in _chunks(selected(store, sel, open_index, snippets)):
        for row in _rows(store, batch, cols):
            w.writerow({k: ("" if v is None else v) for k, v in row.items()})
            n += 1
    return n
