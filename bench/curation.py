#!/usr/bin/env python3
"""Curation on a real project: a merge of two persons applied the old way (every entity table
rewritten, every document's entities diffed) and the new way (only the entities it changes),
each on its own copy of the project, same decision, same run.

    .venv/bin/python bench/curation.py --project /path/to/project            # the two persons of 9–13 documents
    .venv/bin/python bench/curation.py --project P --a "Tim Heizenrader" --b "Alan Comnes" --repeat 3
    .venv/bin/python bench/curation.py --project P --store-only   # the grouping alone, both sides

The project is copied to a scratch folder (never written). Baseline: `regroup(store)` after the
decision is recorded, as `faisceau.services.curation` did (the 22.6 s of issue 22 on 22,850
documents); new: `curation.decide` (the decision recorded and applied, index brought up to date).
Both copies' entity tables must come out identical. Prints the seconds and the ratio, and one JSON line.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sqlite3
import sys
import tempfile
import time
from pathlib import Path

from faisceau.analysis import curate
from faisceau.analysis.grouping import regroup
from faisceau.services import curation
from faisceau.store import entities
from faisceau.store.db import Store
from faisceau.store.project import Project

TABLES = ("entities", "entity_keys", "document_entities")


def pick(store: Store) -> tuple[str, str]:
    """Two persons of 9 to 13 documents (the size of the issue's entity), most mentioned first."""
    rows = [r for r in entities.list_entities(store, "PER", limit=None) if 9 <= r["documents"] <= 13]
    if len(rows) < 2:
        sys.exit("bench/curation.py: no two persons of 9-13 documents in this project; give --a and --b")
    return rows[0]["name"], rows[1]["name"]


def tables(root: Path) -> dict[str, list[tuple[object, ...]]]:
    c = sqlite3.connect(root / "store.sqlite")
    try:
        return {t: sorted(c.execute(f"SELECT * FROM {t}").fetchall()) for t in TABLES}
    finally:
        c.close()


def one(project: Path, scratch: Path, a: str, b: str, store_only: bool) -> tuple[float, float, bool]:
    old, new = scratch / "old", scratch / "new"
    for p in (old, new):
        shutil.rmtree(p, ignore_errors=True)
        shutil.copytree(project, p, ignore=shutil.ignore_patterns(".lock"))
    s_old = Store(old / "store.sqlite")
    curate.record(s_old, "merge", a, b)
    t0 = time.perf_counter()
    regroup(s_old)   # the baseline: the full rewrite (re-indexing left out, which favours it)
    t_old = time.perf_counter() - t0
    s_new = Store(new / "store.sqlite")
    t0 = time.perf_counter()
    if store_only:   # the grouping alone, as the baseline: the index left out of both
        curate.record(s_new, "merge", a, b)
        regroup(s_new, incremental=True)
    else:
        out = curation.decide(Project.open(new), s_new, "merge", a, b)
        assert out["applied"], out
    t_new = time.perf_counter() - t0
    return t_old, t_new, tables(old) == tables(new)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--project", type=Path, required=True)
    ap.add_argument("--a")
    ap.add_argument("--b")
    ap.add_argument("--repeat", type=int, default=1)
    ap.add_argument("--store-only", action="store_true",
                    help="time the grouping alone on both sides (no re-index): for a project whose index is not complete")
    args = ap.parse_args()
    store = Store(args.project / "store.sqlite")
    a, b = (args.a, args.b) if args.a and args.b else pick(store)
    docs = store.db.execute("SELECT COUNT(*) FROM documents").fetchone()[0]
    store.close()
    best_old = best_new = float("inf")
    same = True
    with tempfile.TemporaryDirectory(prefix="faisceau-bench-curation-") as tmp:
        for _ in range(args.repeat):
            t_old, t_new, ok = one(args.project, Path(tmp), a, b, args.store_only)
            best_old, best_new, same = min(best_old, t_old), min(best_new, t_new), same and ok
    print(f"merge {a!r} + {b!r} on {docs:,} documents (best of {args.repeat})")
    print(f"  baseline, full regroup (no re-index): {best_old:.2f} s")
    what = "incremental regroup (no re-index)" if args.store_only else "decide (incremental + re-index)"
    print(f"  faisceau, {what}: {best_new:.2f} s  ratio {best_old / best_new:.1f}x faster")
    print(f"  entity tables identical: {same}")
    print(json.dumps({"bench": "curation", "store_only": args.store_only, "documents": docs, "a": a, "b": b, "full_s": round(best_old, 3),
                      "incremental_s": round(best_new, 3), "ratio": round(best_old / best_new, 2), "identical": same}))
    if not same:
        sys.exit(1)


if __name__ == "__main__":
    main()
