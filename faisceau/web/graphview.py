"""The who-wrote-to-whom graph for the web: selection, server-side layout, SVG.

`select` is the graph the CLI's `faisceau graph` exports (same filters: dates in the project's
time zone, a search query); `layout` places the most connected people with networkx's spring
layout (seeded, so a shared link shows the same picture); `svg` draws it. Labels are escaped
here like everywhere else: a display name in a leak is hostile text.
"""

from __future__ import annotations

import html
import json
import math
import re
from typing import Any

import networkx as nx  # type: ignore[import-untyped]

from ..exc import UsageError
from ..index import QueryError, dates
from ..mail import graph as graph_mod
from ..mail import graphtable, views
from ..store import correspondence
from .workbench import Workbench

MAX_NODES = 150
MAX_EDGES = 600   # links drawn, heaviest first
# one colour per community (the largest first); further communities take the last
COMMUNITY_COLOURS = ("#2c6e9b", "#c0392b", "#27ae60", "#8e44ad", "#d68910", "#16a085", "#7f8c8d", "#a04000",
                     "#1f618d", "#6c3483", "#999999")
SIZE = 1000.0
_PERIOD = re.compile(r"\d{4}(-\d{2}(-\d{2})?)?")


def query_ids(wb: Workbench, query: str) -> set[str]:
    """Documents matching a query, and the messages their copies stand for."""
    store = wb.store()
    try:
        ids = {h.id for h in wb.index().iter_hits(query, snippets_per_hit=0)}
    except QueryError as e:
        raise UsageError(f"bad query: {e.message}") from None
    return views.with_copies(store, ids)


def selection(wb: Workbench, date_from: str | None = None, date_to: str | None = None,
              query: str | None = None) -> correspondence.Selection | None:
    """The selection's bounds as the graph tables read them (None: the whole graph)."""
    tz = dates.zone(str(wb.settings.timezone))
    bounds = []
    for value, name in ((date_from, "from"), (date_to, "to")):
        if value and (not _PERIOD.fullmatch(value) or dates.interval(value, tz) is None):
            raise UsageError(f"{name} takes a date YYYY, YYYY-MM or YYYY-MM-DD, not {value[:40]!r}")
        bounds.append(dates.interval(value, tz) if value else None)
    if not (date_from or date_to or query):
        return None
    since, until = bounds
    sel = graphtable.period(since[0] if since else None, until[1] if until else None)
    if query:
        correspondence.keep_documents(wb.store(), query_ids(wb, query))
        sel["keep"] = True
    return sel


def select(wb: Workbench, date_from: str | None = None, date_to: str | None = None,
           query: str | None = None) -> graph_mod.Graph:
    """The communication graph of the selection (correspondent merges applied), from the graph tables."""
    sel = selection(wb, date_from, date_to, query)
    return graphtable.whole(wb.store()) if sel is None else graphtable.selected(wb.store(), sel)


def drawn(wb: Workbench, date_from: str | None = None, date_to: str | None = None,
          query: str | None = None) -> dict[str, Any]:
    """The graph page's drawing. The whole graph is drawn once (its most connected people and the
    edges between them) and kept in the store until the graph changes; a selection is counted and
    laid out as it is."""
    sel = selection(wb, date_from, date_to, query)
    if sel is not None:
        return layout(graphtable.selected(wb.store(), sel))
    store = wb.store()
    graphtable.fresh(store)
    kept = correspondence.drawing(store)
    if kept is not None:
        out: dict[str, Any] = json.loads(kept)
        return out
    top = correspondence.top_nodes(store, MAX_NODES)
    names = [n["node"] for n in top]
    nodes = {n["node"]: {"label": n["label"], "addresses": n["addresses"], "sent": n["sent"],
                         "received": n["received"]} for n in top}
    g = graph_mod.Graph(nodes, {(s, t, k): w for s, t, k, w in correspondence.edges_among(store, names)})
    total_nodes, total_edges = correspondence.sizes(store)
    out = layout(g, degree={n["node"]: n["degree"] for n in top}) | {
        "total_nodes": total_nodes, "total_edges": total_edges, "cut": total_nodes > len(top)}
    correspondence.save_drawing(store, json.dumps(out, ensure_ascii=False))
    return out


def ego(wb: Workbench, node: str, size: int = 60) -> dict[str, Any] | None:
    """A person and the people they wrote with most (and the links among them), laid out."""
    store = wb.store()
    graphtable.fresh(store)
    me = correspondence.node(store, node) or (
        correspondence.node(store, found) if (found := correspondence.node_of_address(store, node)) else None)
    if me is None:
        return None
    names = [me["node"]] + [p["node"] for p in correspondence.partners(store, me["node"], size)]
    rows = {r["node"]: r for r in correspondence.nodes(store, names)}
    nodes = {n: {"label": r["label"], "addresses": r["addresses"], "sent": r["sent"], "received": r["received"]}
             for n, r in rows.items()}
    g = graph_mod.Graph(nodes, {(s, t, k): w for s, t, k, w in correspondence.edges_among(store, names)})
    out = layout(g, max_nodes=len(names))
    total_nodes, total_edges = correspondence.sizes(store)
    return out | {"ego": me["node"], "total_nodes": total_nodes, "total_edges": total_edges, "cut": True}


def layout(g: graph_mod.Graph, max_nodes: int = MAX_NODES, degree: dict[str, int] | None = None) -> dict[str, Any]:
    """Nodes with x, y in [0, SIZE] and weighted edges between drawn nodes (to, cc, bcc merged);
    `degree` (the whole graph's, when `g` is a part of it) ranks the nodes."""
    counted: dict[str, int] = {n: 0 for n in g.nodes}
    weights: dict[tuple[str, str], int] = {}
    for (s, t, _kind), w in g.edges.items():
        counted[s] = counted.get(s, 0) + w
        counted[t] = counted.get(t, 0) + w
        weights[(s, t)] = weights.get((s, t), 0) + w
    if degree is None:
        degree = counted
    ranks = degree
    keep = sorted(ranks, key=lambda n: (-ranks.get(n, 0), n))[:max_nodes]
    kept = set(keep)
    ug = nx.Graph()
    ug.add_nodes_from(sorted(kept))
    for (s, t), w in sorted(weights.items()):
        if s in kept and t in kept:
            prev = ug.get_edge_data(s, t, {}).get("weight", 0)
            ug.add_edge(s, t, weight=prev + w)
    pos = nx.spring_layout(ug, seed=7, weight=None, k=1.6 / math.sqrt(max(len(ug), 1))) if len(ug) else {}
    # scaled on the bulk of the people (2nd to 98th percentile), the few far out pinned to the edge:
    # one person alone at a corner does not squeeze everyone else into the middle
    xs = sorted(float(p[0]) for p in pos.values()) or [0.0]
    ys = sorted(float(p[1]) for p in pos.values()) or [0.0]
    cut = len(xs) // 50
    x0, x1, y0, y1 = xs[cut], xs[-1 - cut], ys[cut], ys[-1 - cut]
    span = max(x1 - x0, y1 - y0, 1e-9)
    margin = 80.0

    def place(n: str) -> tuple[float, float]:
        x, y = pos[n]
        fx = min(max((float(x) - x0) / span, -0.03), 1.03)
        fy = min(max((float(y) - y0) / span, -0.03), 1.03)
        return (round(margin + fx * (SIZE - 2 * margin), 1), round(margin + fy * (SIZE - 2 * margin), 1))

    community = _communities(ug)
    nodes = []
    for n in keep:
        x, y = place(n)
        a = g.nodes.get(n, {})
        nodes.append({"id": n, "label": a.get("label", n), "addresses": a.get("addresses", n),
                      "sent": a.get("sent", 0), "received": a.get("received", 0), "degree": degree.get(n, 0), "x": x, "y": y,
                      "community": community.get(n, 0)})
    _fit_labels(nodes)
    # the heaviest links first, and only as many as stay readable: the others are in the exports
    drawn_edges = sorted(((s, t, w) for (s, t), w in weights.items() if s in kept and t in kept),
                         key=lambda e: (-e[2], e[0], e[1]))
    edges = [{"source": s, "target": t, "weight": w} for s, t, w in drawn_edges[:MAX_EDGES]]
    return {"nodes": nodes, "edges": edges, "total_nodes": len(g.nodes), "total_edges": len(g.edges),
            "cut": len(g.nodes) > len(keep), "edges_cut": len(drawn_edges) > len(edges)}


def _communities(ug: nx.Graph) -> dict[str, int]:
    """Each drawn person's community (Louvain on the drawn links, seeded), largest community 0."""
    if ug.number_of_edges() == 0:
        return {}
    groups = nx.community.louvain_communities(ug, weight="weight", seed=7)
    ordered = sorted(groups, key=lambda c: (-len(c), min(c)))
    return {n: i for i, c in enumerate(ordered) for n in c}


def _fit_labels(nodes: list[dict[str, Any]]) -> None:
    """Show a label only where it fits: the most connected first, a label that would overlap one
    already shown (or a node) is left to the tooltip. Boxes are estimated from the length."""
    top = max((n["degree"] for n in nodes), default=1) or 1
    taken: list[tuple[float, float, float, float]] = []
    for n in nodes:
        r = radius(n["degree"], top)
        taken.append((n["x"] - r, n["y"] - r, n["x"] + r, n["y"] + r))
    placed: list[tuple[float, float, float, float]] = []
    for n in sorted(nodes, key=lambda n: -n["degree"]):
        r = radius(n["degree"], top)
        x0, y0 = n["x"] + r + 3, n["y"] - 9
        box = (x0, y0, x0 + 7.0 * min(len(n["label"]), 40), y0 + 14)
        own = (n["x"] - r, n["y"] - r, n["x"] + r, n["y"] + r)
        clash = any(_overlap(box, b) for b in placed) or any(_overlap(box, b) for b in taken if b != own)
        n["show_label"] = bool(not clash and box[2] <= SIZE)
        if n["show_label"]:
            placed.append(box)


def _overlap(a: tuple[float, float, float, float], b: tuple[float, float, float, float]) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


# colours of the drawing, in SVG and PNG alike
EDGE_COLOUR = "#88aaaa"
NODE_COLOUR = "#2c6e9b"
LABEL_COLOUR = "#222222"


def radius(degree: int, top: int) -> float:
    """A node's radius in layout units (SVG and PNG): the area grows with the messages."""
    return 5 + 14 * math.sqrt(degree / (top or 1))


def edge_width(weight: int) -> float:
    """An edge's width in layout units (SVG and PNG), capped so that a heavy pair stays readable."""
    return 0.6 + min(weight, 20) * 0.3


def svg(drawn: dict[str, Any], standalone: bool = False) -> str:
    """The laid-out graph as SVG; every label and id is escaped."""
    e = html.escape
    at = {n["id"]: n for n in drawn["nodes"]}
    top = max((n["degree"] for n in drawn["nodes"]), default=1) or 1
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {SIZE:.0f} {SIZE:.0f}" id="graph-svg"'
           f' class="graph" role="img" aria-label="graph">']
    if standalone:
        out.append('<rect width="100%" height="100%" fill="white"/>')
    out.append('<g id="viewport"><g class="edges">')
    for ed in reversed(drawn["edges"]):   # the heaviest drawn last, on top
        a, b = at[ed["source"]], at[ed["target"]]
        width = edge_width(ed["weight"])
        out.append(f'<line x1="{a["x"]}" y1="{a["y"]}" x2="{b["x"]}" y2="{b["y"]}" stroke="{EDGE_COLOUR}" '
                   f'stroke-width="{width:.1f}" data-source="{e(ed["source"])}" data-target="{e(ed["target"])}">'
                   f'<title>{e(a["label"])} → {e(b["label"])}: {ed["weight"]}</title></line>')
    out.append('</g><g class="nodes">')
    for n in drawn["nodes"]:
        r = radius(n["degree"], top)
        colour = COMMUNITY_COLOURS[min(int(n.get("community", 0)), len(COMMUNITY_COLOURS) - 1)]
        label = n.get("show_label", True)
        hide = "" if label else ' visibility="hidden"'   # shown on hover or selection (graph.js)
        out.append(f'<g class="node{"" if label else " unlabelled"}" data-id="{e(n["id"])}"'
                   f' data-community="{int(n.get("community", 0))}" tabindex="0">'
                   f'<circle cx="{n["x"]}" cy="{n["y"]}" r="{r:.1f}" fill="{colour}" stroke="#fff" stroke-width="1.5"/>'
                   f'<text x="{n["x"] + r + 3:.1f}" y="{n["y"] + 4:.1f}" font-size="13" font-family="sans-serif"'
                   f' fill="{LABEL_COLOUR}"{hide}>{e(n["label"])}</text>'
                   f'<title>{e(n["label"])} &lt;{e(n["addresses"])}&gt; · {n["sent"]} / {n["received"]}</title></g>')
    out.append("</g></g></svg>")
    return "".join(out)


def messages_of(wb: Workbench, node: str, date_from: str | None = None, date_to: str | None = None,
                query: str | None = None, limit: int = 200) -> list[dict[str, Any]]:
    """The unique messages of the selection that a person (a graph node) sent or received, each with
    its number of copies."""
    sel = selection(wb, date_from, date_to, query) or {}
    graphtable.fresh(wb.store())
    return [{"id": m["document_id"], "subject": m["subject"] or "", "date": m["date_utc"], "from": m["sender"],
             "role": m["role"], "copies": m["copies"]}
            for m in correspondence.messages_of(wb.store(), node, sel, limit)]
