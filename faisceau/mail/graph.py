"""The communication graph: directed edges sender → recipient, weighted by unique messages.

Edges are kept apart by kind (to, cc, bcc); nodes are correspondents (merged addresses). The
graph exports to GEXF and GraphML (through networkx), CSV (one edge a row) and JSON Lines.
"""

from __future__ import annotations

import csv
import io
import json
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import networkx as nx  # type: ignore[import-untyped]

from .correspondents import Mention, identities

FORMATS = ("gexf", "graphml", "csv", "json")


@dataclass
class Graph:
    nodes: dict[str, dict[str, Any]]
    edges: dict[tuple[str, str, str], int]   # (source, target, kind) -> unique messages
    people: dict[str, str] = field(default_factory=dict)   # address -> node (what the graph tables keep)

    def networkx(self) -> nx.MultiDiGraph:
        g = nx.MultiDiGraph()
        for n, attrs in self.nodes.items():
            g.add_node(n, **attrs)
        for (s, t, kind), w in sorted(self.edges.items()):
            g.add_edge(s, t, key=kind, kind=kind, weight=w)
        return g


def build(mentions: Iterable[Mention], decisions: Iterable[tuple[str, str, str]] = ()) -> Graph:
    ms = list(mentions)
    ident, _, names = identities(ms, decisions)
    members: dict[str, list[str]] = defaultdict(list)
    for a, key in ident.items():
        members[key].append(a)
    label = {key: min(addrs, key=lambda a: ("@" not in a, a)) for key, addrs in members.items()}
    by_doc: dict[str, list[Mention]] = defaultdict(list)
    for m in ms:
        by_doc[m.document_id].append(m)
    edges: Counter[tuple[str, str, str]] = Counter()
    sent: Counter[str] = Counter()
    received: Counter[str] = Counter()
    for doc_ms in by_doc.values():
        senders = {label[ident[m.address]] for m in doc_ms if m.role == "from"}
        seen: set[tuple[str, str, str]] = set()
        for m in doc_ms:
            if m.role == "from":
                continue
            r = label[ident[m.address]]
            for s in senders:
                if s != r and (s, r, m.role) not in seen:
                    seen.add((s, r, m.role))
                    edges[(s, r, m.role)] += 1
                    received[r] += 1
        for s in senders:
            sent[s] += 1
    used = {n for e in edges for n in e[:2]} | set(sent)
    nodes = {}
    for key, addrs in members.items():
        n = label[key]
        if n not in used:
            continue
        name_counts: Counter[str] = Counter()
        for a in addrs:
            name_counts.update({x: c for x, c in names[a].items() if x})
        nodes[n] = {"label": name_counts.most_common(1)[0][0] if name_counts else n,
                    "addresses": " ".join(sorted(addrs)), "sent": sent[n], "received": received[n]}
    return Graph(nodes, dict(edges), {a: label[key] for a, key in ident.items()})


def export(g: Graph, fmt: str) -> str:
    """The graph as text in one of FORMATS."""
    if fmt in ("gexf", "graphml"):
        buf = io.BytesIO()
        (nx.write_gexf if fmt == "gexf" else nx.write_graphml)(g.networkx(), buf)
        return buf.getvalue().decode("utf-8")
    if fmt == "csv":
        out = io.StringIO()
        w = csv.writer(out, lineterminator="\n")
        w.writerow(["source", "target", "kind", "weight", "source_label", "target_label"])
        for (s, t, kind), n in sorted(g.edges.items(), key=lambda kv: (-kv[1], kv[0])):
            w.writerow([s, t, kind, n, g.nodes.get(s, {}).get("label", s), g.nodes.get(t, {}).get("label", t)])
        return out.getvalue()
    if fmt == "json":
        lines = [json.dumps({"nodes": len(g.nodes), "edges": len(g.edges)})]
        lines += [json.dumps({"type": "node", "id": n, **a}, ensure_ascii=False) for n, a in sorted(g.nodes.items())]
        lines += [json.dumps({"type": "edge", "source": s, "target": t, "kind": k, "weight": w}, ensure_ascii=False)
                  for (s, t, k), w in sorted(g.edges.items())]
        return "\n".join(lines) + "\n"
    raise ValueError(f"unknown format {fmt!r}")
