"""E-mail correspondents for the web: the list, and one person's page (messages sent and received,
correspondents, conversations), read from the graph tables (`faisceau.store.correspondence`)."""

from __future__ import annotations

from typing import Any

from ..exc import UsageError
from ..mail import graphtable
from ..store import correspondence
from .workbench import Workbench

MAX_LIMIT = 500


def people(wb: Workbench, q: str | None = None, page: int = 1, limit: int = 50) -> dict[str, Any]:
    """A page of correspondents, most connected first."""
    if page < 1 or not 1 <= limit <= MAX_LIMIT:
        raise UsageError(f"page starts at 1 and limit is between 1 and {MAX_LIMIT}")
    if q is not None and len(q) > 200:
        raise UsageError("the name filter is longer than 200 characters")
    store = wb.store()
    graphtable.fresh(store)
    rows = correspondence.listing(store, q or None, limit + 1, (page - 1) * limit)
    return {"q": q or "", "page": page, "limit": limit, "more": len(rows) > limit, "people": rows[:limit]}


def person(wb: Workbench, ident: str, limit: int = 100) -> dict[str, Any] | None:
    """One correspondent (by node or by any of their addresses): counts, the unique messages they
    sent and received (each with its copies), who they wrote with, their conversations."""
    store = wb.store()
    graphtable.fresh(store)
    name = ident if correspondence.node(store, ident) else correspondence.node_of_address(store, ident)
    row = correspondence.node(store, name) if name else None
    if row is None:
        return None
    sent = correspondence.messages_of(store, row["node"], {}, limit, sent=True)
    received = correspondence.messages_of(store, row["node"], {}, limit, sent=False)
    return dict(row, addresses_list=row["addresses"].split(), sent_messages=sent, received_messages=received,
                partners=correspondence.partners(store, row["node"], 30),
                threads=correspondence.threads_of(store, row["node"], 30))


def named_like(wb: Workbench, names: list[str]) -> list[dict[str, Any]]:
    """Correspondents named like an entity (its name and spellings): the way from a person found in
    the text to their mail."""
    store = wb.store()
    graphtable.fresh(store)
    return [dict(r) for r in correspondence.named(store, names)]
