"""A document's text cut into annotated pieces: query hits, entity mentions, identifiers, dates.

Each piece knows its offset (code points into the stored text), so the page can map a reader's
selection back to stored offsets (citations) whatever the markup around it. A carriage return
or a NUL is always a piece of its own: the HTML parser turns CR LF into LF and drops NUL, and a
piece that the browser shortens would shift every offset computed inside it.
"""

from __future__ import annotations

import re
from itertools import pairwise
from typing import Any

# characters the HTML parser changes in text; each becomes a piece of its own
_ALTERED = re.compile(r"[\r\x00]")
KINDS = ("entity", "identifier", "date", "cited")


def _spans(analysis: dict[str, Any], lo: int, hi: int) -> list[tuple[int, int, str, dict[str, Any]]]:
    """The findings (and citations) inside [lo, hi) as (start, end, kind, what is shown of it)."""
    out: list[tuple[int, int, str, dict[str, Any]]] = []
    for m in analysis.get("mentions") or []:
        if m.get("start") is not None and m.get("entity_id"):
            out.append((int(m["start"]), int(m["end"]), "entity",
                        {"id": m["entity_id"], "name": m.get("entity") or m["text"], "type": m.get("type")}))
    for i in analysis.get("identifiers") or []:
        out.append((int(i["start"]), int(i["end"]), "identifier",
                    {"type": i["type"], "value": i["value"], "valid": bool(i["valid"])}))
    for d in analysis.get("dates") or []:
        out.append((int(d["start"]), int(d["end"]), "date", {"value": d["value"], "precision": d["precision"]}))
    for c in analysis.get("citations") or []:
        out.append((int(c["start"]), int(c["end"]), "cited", {"id": c["id"]}))
    return [(max(s, lo), min(e, hi), k, w) for s, e, k, w in out if s < hi and e > lo and s < e]


def cut(text: str, base: int, hits: list[tuple[int, int]], analysis: dict[str, Any]) -> list[dict[str, Any]]:
    """`text` (which starts at offset `base` of the stored text) cut into pieces.

    A piece is {"text", "start", "hit"} plus "entity", "identifier", "date" and "cited" when one
    covers it (where findings of a kind overlap, the one that starts first wins), and "anchor"
    (`o` + offset: an address in the page) on the first piece of each.
    """
    lo, hi = base, base + len(text)
    spans = _spans(analysis, lo, hi)
    hit_spans = [(max(a, lo), min(b, hi)) for a, b in hits if a < hi and b > lo and a < b]
    cuts = {lo, hi}
    for s, e, _, _ in spans:
        cuts.update((s, e))
    for a, b in hit_spans:
        cuts.update((a, b))
    for m in _ALTERED.finditer(text):
        cuts.update((base + m.start(), base + m.end()))
    bounds = sorted(cuts)
    spans.sort(key=lambda s: (s[0], -s[1]))
    hit_spans.sort()
    pieces: list[dict[str, Any]] = []
    active: list[tuple[int, int, str, dict[str, Any]]] = []
    si = hi_i = 0
    active_hits: list[tuple[int, int]] = []
    for s, e in pairwise(bounds):
        while si < len(spans) and spans[si][0] <= s:
            active.append(spans[si])
            si += 1
        while hi_i < len(hit_spans) and hit_spans[hi_i][0] <= s:
            active_hits.append(hit_spans[hi_i])
            hi_i += 1
        active = [a for a in active if a[1] > s]
        active_hits = [h for h in active_hits if h[1] > s]
        piece: dict[str, Any] = {"text": text[s - base:e - base], "start": s, "hit": bool(active_hits)}
        for kind in KINDS:
            found = next((a for a in active if a[2] == kind), None)
            if found is not None:
                piece[kind] = found[3]
                if found[0] == s:
                    piece["anchor"] = f"o{s}"
        pieces.append(piece)
    return pieces


def entities_of(analysis: dict[str, Any]) -> list[dict[str, Any]]:
    """The entities a document names, most mentioned first (header-only ones included)."""
    seen: dict[str, dict[str, Any]] = {}
    for m in analysis.get("mentions") or []:
        eid = m.get("entity_id")
        if not eid:
            continue
        e = seen.setdefault(eid, {"id": eid, "name": m.get("entity") or m["text"], "type": m.get("type"),
                                  "mentions": 0, "in_text": 0})
        e["mentions"] += 1
        e["in_text"] += m.get("start") is not None
    return sorted(seen.values(), key=lambda e: (-e["mentions"], e["name"]))
