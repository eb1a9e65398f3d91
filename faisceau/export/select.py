"""Which documents an export holds: a tag, a query, a file of ids — each one given narrows the set.

With a query, its hits come in the index's order with their snippets (the cited excerpts of a
pack); without one, documents come in the order they were ingested (or the ids file's order).
Everything is streamed: a selection may be a whole corpus.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..exc import UsageError
from ..index import Filter, Hit, Index, QueryError
from ..store.db import Store
from ..store.documents import finished_ids, unknown_ids
from ..store.tags import tagged, tagged_in_order

_ID = re.compile(r"^[0-9A-Za-z_.:-]{1,200}$")


@dataclass
class Selection:
    """The selectors of one export; `describe()` is what the action log keeps."""

    tag: str | None = None
    query: str | None = None
    ids_file: Path | None = None
    ids: list[str] | None = field(default=None, repr=False)

    def describe(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        if self.tag is not None:
            out["tag"] = self.tag
        if self.query is not None:
            out["query"] = self.query
        if self.ids_file is not None:
            out["ids_file"] = str(self.ids_file)
            out["ids"] = len(self.ids or [])
        return out

    @property
    def empty(self) -> bool:
        return self.tag is None and self.query is None and self.ids_file is None


def read_ids(path: Path) -> list[str]:
    """Document ids, one a line (blank lines and `#` comments ignored; a CSV's first column)."""
    try:
        raw = path.read_text("utf-8-sig")
    except (OSError, UnicodeDecodeError) as e:
        raise UsageError(f"{path}: {getattr(e, 'strerror', None) or e}") from None
    out = []
    for n, line in enumerate(raw.splitlines(), 1):
        value = line.split(",", 1)[0].strip().strip('"')
        if not value or value.startswith("#") or (n == 1 and value.lower() == "id"):
            continue
        if not _ID.match(value):
            raise UsageError(f"{path}:{n}: not a document id: {value[:60]!r}")
        out.append(value)
    return list(dict.fromkeys(out))


def make_selection(store: Store, tag: str | None, query: str | None, ids_file: Path | None) -> Selection:
    """Check the selectors (known ids, non-empty tag) and read the ids file."""
    sel = Selection(tag=tag.strip() if tag is not None else None, query=query, ids_file=ids_file)
    if sel.tag is not None and not sel.tag:
        raise UsageError("--tag needs a name")
    if ids_file is not None:
        sel.ids = read_ids(ids_file)
        missing = unknown_ids(store, sel.ids)
        if missing:
            raise UsageError(f"{ids_file}: no such document: {', '.join(missing[:5])}"
                             + (f" and {len(missing) - 5} more" if len(missing) > 5 else ""))
    return sel


def selected(store: Store, sel: Selection, open_index: Callable[[], Index], snippets: int = 0
             ) -> Iterator[tuple[str, Hit | None]]:
    """(document id, search hit or None) of every selected document, streamed."""
    keep: set[str] | None = None
    if sel.ids is not None:
        keep = set(sel.ids)
    if sel.query is not None:
        filters = [Filter("tag", sel.tag)] if sel.tag is not None else []
        index = open_index()
        try:
            for hit in index.iter_hits(sel.query, filters=filters, snippets_per_hit=snippets):
                if keep is None or hit.id in keep:
                    yield hit.id, hit
        except QueryError as e:
            raise UsageError(f"bad query: {e.message}") from None
        return
    if sel.ids is not None:
        with_tag = tagged(store, sel.tag) if sel.tag is not None else None
        for doc_id in sel.ids:
            if with_tag is None or doc_id in with_tag:
                yield doc_id, None
        return
    if sel.tag is not None:
        for doc_id in tagged_in_order(store, sel.tag):
            yield doc_id, None
        return
    for doc_id in finished_ids(store):
        yield doc_id, None
