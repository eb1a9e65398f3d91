"""The correspondence graph kept in the store: built once, read by index, selections in SQL.

`graph.build` merges the addresses of the whole corpus into correspondents and counts who wrote to
whom; at 20,000 messages doing it on every graph request took seconds. Here it is done when the
e-mail tables or the correspondent decisions change (`fresh` compares a fingerprint), and kept in
`faisceau.store.correspondence`: the whole graph is read as it is, a selection (a period, a search)
is counted in SQL over its own unique messages with the same people.
"""

from __future__ import annotations

import datetime as dt
import weakref
from typing import Any

from ..store import correspondence as table
from ..store import timeline as events_table
from ..store.db import Store
from . import graph as graph_mod
from . import views


def period(since: int | None, until: int | None) -> table.Selection:
    """A period in Unix seconds as the e-mail tables' UTC dates compare (ISO text; the last second
    includes its fractions)."""
    def text(t: int) -> str:
        return dt.datetime.fromtimestamp(t, dt.UTC).replace(tzinfo=None).isoformat()

    return {"since": text(since) if since is not None else None,
            "until": text(until) + "~" if until is not None else None}


def of(store: Store, since: int | None = None, until: int | None = None, ids: set[str] | None = None) -> graph_mod.Graph:
    """The graph of a period and of these documents (None: all), as the web and the CLI draw it."""
    if since is None and until is None and ids is None:
        return whole(store)
    sel = period(since, until)
    if ids is not None:
        table.keep_documents(store, ids)
        sel["keep"] = True
    return selected(store, sel)


def build(store: Store) -> graph_mod.Graph:
    """Build the whole graph from the e-mail tables and store it; the graph."""
    stamp = table.fingerprint(store)
    found = views.mentions(store)
    g = graph_mod.build(found, views.decisions(store) if found else [])
    degree = {n: 0 for n in g.nodes}
    for (s, t, _kind), w in g.edges.items():
        degree[s] = degree.get(s, 0) + w
        degree[t] = degree.get(t, 0) + w
    nodes = [(n, a["label"], a["addresses"], a["sent"], a["received"], degree.get(n, 0)) for n, a in g.nodes.items()]
    table.replace_graph(store, sorted(g.people.items()), nodes, [(*k, w) for k, w in g.edges.items()], stamp)
    return g


_CHECKED: weakref.WeakKeyDictionary[Store, int] = weakref.WeakKeyDictionary()


def fresh(store: Store) -> None:
    """Make sure the stored graph matches the e-mail tables and decisions (rebuilt if not). A
    connection that saw no commit since it last checked does not count the tables again; a decision
    made on this connection (`faisceau serve`'s merges) clears the check with `forget`."""
    if _CHECKED.get(store) == events_table.data_version(store):
        return
    if table.stamp(store) != table.fingerprint(store):
        build(store)
    _CHECKED[store] = events_table.data_version(store)


def forget(store: Store) -> None:
    """Check the stored graph again on the next read (after a write on this connection)."""
    _CHECKED.pop(store, None)


def whole(store: Store) -> graph_mod.Graph:
    """The graph of every unique message, read from the store."""
    fresh(store)
    nodes = {r["node"]: {"label": r["label"], "addresses": r["addresses"], "sent": r["sent"],
                         "received": r["received"]} for r in table.all_nodes(store)}
    return graph_mod.Graph(nodes, {(s, t, k): w for s, t, k, w in table.all_edges(store)})


def selected(store: Store, sel: table.Selection) -> graph_mod.Graph:
    """The graph of the unique messages of a selection, with the whole corpus's people and names."""
    fresh(store)
    edges = {(s, t, k): w for s, t, k, w in table.selected_edges(store, sel)}
    sent = table.selected_senders(store, sel)
    received: dict[str, int] = {}
    for (_s, t, _k), w in edges.items():
        received[t] = received.get(t, 0) + w
    used = sorted({n for e in edges for n in e[:2]} | set(sent))
    nodes = {r["node"]: {"label": r["label"], "addresses": r["addresses"], "sent": sent.get(r["node"], 0),
                         "received": received.get(r["node"], 0)} for r in table.nodes(store, used)}
    return graph_mod.Graph(nodes, edges)


def run_graph(ctx: Any) -> set[str]:
    """The `graph` corpus stage: the stored graph rebuilt after threading when the mail or the
    decisions changed (nothing indexed changes)."""
    if table.stamp(ctx.store) != table.fingerprint(ctx.store):
        g = build(ctx.store)
        ctx.log("graph-built", nodes=len(g.nodes), edges=len(g.edges))
    return set()
