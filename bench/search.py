#!/usr/bin/env python3
"""Search benchmark (issue 3): faisceau's index against SQLite FTS5, same corpus and queries, same run.

    python bench/search.py                 # 1,000,000 documents, 1,026 queries, 10,000 names (tens of minutes)
    python bench/search.py --docs 200000   # a smaller corpus
    python bench/search.py --tiny          # a smoke run (under a minute; CI runs it)

Corpus: N synthetic documents derived from the Enron mbox and the Assemblée nationale pages
(see `bench/search_corpus.py` for exactly how), generated deterministically in a temporary
folder (`--workdir`, deleted at the end unless `--keep`).

faisceau: `Index.writer()`, every document added, a commit every `--commit-every` documents.
FTS5, set up the way a Datasette / sqlite-utils user would: a `docs` table (facet columns
before the text so reading them never follows overflow pages) with a B-tree index on each facet
column, an external-content `fts(title, text)` table with `unicode61 remove_diacritics 2`
filled by 'rebuild' then 'optimize', ANALYZE, WAL, 1 GiB page cache, 8 GiB mmap.

Queries (deterministic, terms chosen by document frequency in the FTS5 vocabulary of this
very corpus): a third single words in more than 1 % of documents, a third rare words (3–100
documents), a third two words (half `a AND b` from one real document, half a phrase of two
adjacent words), plus match-all. Each faisceau query is `Index.search(q, facets=6 facets,
limit=20, snippets_per_hit=3)`. Each FTS5 query is: count(*) … MATCH; the top 20 by bm25 with
LIMIT; the path, title, kind and date of those 20 rows; one `snippet()` per hit (FTS5 gives one
best fragment per call, so FTS5 does less snippet work than faisceau's three), computed by a
second MATCH restricted to the 20 rowids (computing it in the ranked query would compute it for
every match before the LIMIT); and 6 facet queries `SELECT col, count(*) FROM docs WHERE rowid
IN (SELECT rowid FROM fts WHERE fts MATCH ?) GROUP BY col ORDER BY 2 DESC LIMIT 10`. Match-all
on FTS5 reads the same from `docs` without MATCH (snippet: the first 200 characters).

Batch search: person names (Enron display names as phrases, French capitalised words) → for
each `Index.ids(q, 10)`. Targets (issue 3): p99 ≤ 50 ms; FTS5 p99 ≥ 10 × faisceau p99;
10,000 names in ≤ 120 s at 1M documents. Prints a table, PASS/FAIL per target, one JSON line.
"""

from __future__ import annotations

import sys
from pathlib import Path

# Run as a script, this folder comes first on sys.path; a sibling module named like a standard
# library one would shadow it: drop the folder, and load search_corpus by its path.
_HERE = Path(__file__).resolve().parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != _HERE]

import argparse
import importlib.util
import json
import math
import os
import random
import shutil
import sqlite3
import tempfile
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from faisceau.index import Index, QueryError, dates

if TYPE_CHECKING:
    import search_corpus as sc
else:
    _spec = importlib.util.spec_from_file_location("search_corpus", _HERE / "search_corpus.py")
    sc = importlib.util.module_from_spec(_spec)
    sys.modules["search_corpus"] = sc   # dataclasses look their module up while the class is made
    _spec.loader.exec_module(sc)

ROOT = _HERE.parent
CORPORA = Path(os.environ.get("FAISCEAU_CORPORA", ROOT.parent / "shared" / "corpora"))
FACETS = ["kind", "language", "from", "from_domain", "year", "month"]
FTS_FACETS = ["kind", "language", "from_addr", "from_domain", "year", "month"]


def pct(values: list[float], p: float) -> float:
    """Nearest-rank percentile (no interpolation: p99 of 334 values is the 331st)."""
    if not values:
        return float("nan")
    s = sorted(values)
    return s[max(0, math.ceil(p / 100 * len(s)) - 1)]


def du(path: Path) -> int:
    """Bytes on disk of a file or of every file under a folder."""
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file()) if path.is_dir() else path.stat().st_size


# -- building ------------------------------------------------------------------------------------

def build_faisceau(corpus: sc.Corpus, path: Path, every: int) -> dict[str, float]:
    """Index the corpus; only add/commit/close are timed (generating a chunk is not)."""
    index = Index(path)
    w = index.writer()
    seconds, nbytes, nchars = 0.0, 0, 0
    for chunk in corpus.chunks(every):
        nbytes += sum(len(d.text.encode("utf-8")) + len(d.title.encode("utf-8")) for d in chunk)
        nchars += sum(len(d.text) for d in chunk)
        t0 = time.perf_counter()
        for d in chunk:
            w.add(d)
        w.commit()
        seconds += time.perf_counter() - t0
    t0 = time.perf_counter()
    w.close()
    seconds += time.perf_counter() - t0
    return {"seconds": seconds, "text_mb": nbytes / 1e6, "avg_chars": nchars / corpus.n, "docs_per_s": corpus.n / seconds,
            "mb_per_s": nbytes / 1e6 / seconds, "size_mb": du(path) / 1e6}


def _row(n: int, d: Any) -> tuple:
    year = month = None
    span = dates.interval(d.date, dates.zone("UTC")) if d.date else None
    if span:
        year, month = dates.buckets(span[0], dates.zone("UTC"))
    frm = d.senders[0].address.lower() if d.senders else None
    to = next((a.address.lower() for a in (*d.to, *d.cc) if "@" in a.address), None)
    return (n + 1, d.id, d.kind, d.language, frm, frm.rsplit("@", 1)[1] if frm and "@" in frm else None,
            to.rsplit("@", 1)[1] if to else None, year, month, d.date, d.path, d.title, d.text)


def connect(path: Path) -> sqlite3.Connection:
    """The SQLite file, tuned as a bulk-loading, read-mostly user would (WAL, big cache, mmap)."""
    db = sqlite3.connect(path, isolation_level=None)
    for pragma in ("journal_mode=WAL", "synchronous=NORMAL", "cache_size=-1048576", f"mmap_size={8 << 30}",
                   "temp_store=MEMORY"):
        db.execute(f"PRAGMA {pragma}")
    return db


def build_fts5(corpus: sc.Corpus, path: Path, every: int) -> tuple[sqlite3.Connection, dict[str, float]]:
    """The FTS5 baseline: rows inserted per chunk (timed), then indexes, rebuild, optimize, ANALYZE."""
    db = connect(path)
    db.execute("CREATE TABLE docs (rowid INTEGER PRIMARY KEY, id TEXT, kind TEXT, language TEXT, from_addr TEXT,"
               " from_domain TEXT, to_domain TEXT, year TEXT, month TEXT, date TEXT, path TEXT, title TEXT, text TEXT)")
    db.execute("CREATE VIRTUAL TABLE fts USING fts5(title, text, content='docs', content_rowid='rowid',"
               " tokenize='unicode61 remove_diacritics 2')")
    seconds = 0.0
    for i, chunk in enumerate(corpus.chunks(every)):
        rows = [_row(i * every + j, d) for j, d in enumerate(chunk)]
        t0 = time.perf_counter()
        db.execute("BEGIN")
        db.executemany("INSERT INTO docs VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)", rows)
        db.execute("COMMIT")
        seconds += time.perf_counter() - t0
    phases = {"insert": seconds}
    for name, sql in (("indexes", [f"CREATE INDEX docs_{c} ON docs({c})" for c in FTS_FACETS + ["to_domain"]]),
                      ("rebuild", ["INSERT INTO fts(fts) VALUES('rebuild')"]),
                      ("optimize", ["INSERT INTO fts(fts) VALUES('optimize')"]),
                      ("analyze", ["ANALYZE"])):
        t0 = time.perf_counter()
        for s in sql:
            db.execute(s)
        phases[name] = time.perf_counter() - t0
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    total = sum(phases.values())
    return db, {"seconds": total, "docs_per_s": corpus.n / total, **{f"{k}_s": v for k, v in phases.items()},
                "size_mb": path.stat().st_size / 1e6}


# -- queries -------------------------------------------------------------------------------------

def run_faisceau(index: Index, q: str) -> int:
    """One faisceau query as the web page runs it: 6 facets, 20 hits, 3 snippets each."""
    return index.search(q, facets=FACETS, limit=20, snippets_per_hit=3).total


def run_fts5(db: sqlite3.Connection, q: str | None) -> int:
    """One FTS5 query as described in the module docstring; returns the total."""
    if q is None:
        total = db.execute("SELECT count(*) FROM docs").fetchone()[0]
        db.execute("SELECT rowid, path, title, kind, date, substr(text, 1, 200) FROM docs LIMIT 20").fetchall()
        for col in FTS_FACETS:
            db.execute(f"SELECT {col}, count(*) FROM docs GROUP BY {col} ORDER BY 2 DESC LIMIT 10").fetchall()
        return total
    total = db.execute("SELECT count(*) FROM fts WHERE fts MATCH ?", (q,)).fetchone()[0]
    ids = [r[0] for r in db.execute("SELECT rowid, bm25(fts) FROM fts WHERE fts MATCH ? ORDER BY bm25(fts) LIMIT 20",
                                    (q,))]
    if ids:
        marks = ",".join("?" * len(ids))
        db.execute(f"SELECT rowid, path, title, kind, date FROM docs WHERE rowid IN ({marks})", ids).fetchall()
        db.execute(f"SELECT rowid, snippet(fts, 1, '[', ']', '…', 20) FROM fts WHERE fts MATCH ? AND rowid IN ({marks})",
                   (q, *ids)).fetchall()
    for col in FTS_FACETS:
        db.execute(f"SELECT {col}, count(*) FROM docs WHERE rowid IN (SELECT rowid FROM fts WHERE fts MATCH ?)"
                   f" GROUP BY {col} ORDER BY 2 DESC LIMIT 10", (q,)).fetchall()
    return total


def timed(queries: list[tuple[str, str, str | None]], run: Callable[[tuple[str, str, str | None]], int],
          budget: float = 0.0) -> dict[str, list[float]]:
    """Milliseconds per query type (and "all"); stops when `budget` seconds are spent (0: never)."""
    out: dict[str, list[float]] = {t: [] for t in (*sc.TYPES, "all")}
    start = time.perf_counter()
    for item in queries:
        if budget and time.perf_counter() - start > budget:
            break
        t0 = time.perf_counter()
        run(item)
        ms = (time.perf_counter() - t0) * 1000
        out[item[0]].append(ms)
        out["all"].append(ms)
    return out


# -- the run -------------------------------------------------------------------------------------

def summary(ms: dict[str, list[float]]) -> dict[str, dict[str, float]]:
    """n, p50, p99 and max milliseconds per query type."""
    return {t: {"n": len(v), "p50": round(pct(v, 50), 2), "p99": round(pct(v, 99), 2),
                "max": round(max(v), 2) if v else float("nan")} for t, v in ms.items()}


def verdict(ok: bool) -> str:
    """PASS or FAIL, as the table prints it."""
    return "PASS" if ok else "FAIL"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--tiny", action="store_true", help="a smoke run: a few thousand documents, ~100 queries")
    ap.add_argument("--docs", type=int, default=1_000_000, help="synthetic documents (default 1,000,000)")
    ap.add_argument("--queries", type=int, default=1002, help="word queries, a third of each type (default 1002)")
    ap.add_argument("--match-all", type=int, default=24, help="match-all queries on top (default 24)")
    ap.add_argument("--names", type=int, default=10_000, help="names of the batch search (default 10,000)")
    ap.add_argument("--commit-every", type=int, default=50_000)
    ap.add_argument("--fts5-budget", type=float, default=0.0, metavar="S",
                    help="stop timing FTS5 queries after S seconds (0: run them all); the query list "
                         "interleaves the types, so a cut leaves a sample of each")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--workdir", type=Path, help="where the index and the SQLite file go (default: a new /tmp dir)")
    ap.add_argument("--keep", action="store_true", help="keep the work folder")
    args = ap.parse_args()
    if args.tiny:
        args.docs, args.queries, args.match_all, args.names = min(args.docs, 4000), 99, 6, 200
    enron, assemblee = CORPORA / "enron_mbox" / "mbox", CORPORA / "fr-assemblee-nationale-dossiers"
    if not enron.is_dir() or not assemblee.is_dir():
        raise SystemExit(f"corpus missing under {CORPORA}")
    work = args.workdir or Path(tempfile.mkdtemp(prefix="bench-search-", dir="/tmp"))
    work.mkdir(parents=True, exist_ok=True)
    figures: dict[str, Any] = {"docs": args.docs, "seed": args.seed}
    try:
        t0 = time.perf_counter()
        bases = sc.read_enron(enron, 30 if args.tiny else 0) + sc.read_assemblee(assemblee, 150 if args.tiny else 0)
        n_en = sum(b.language == "en" for b in bases)
        real_avg = sum(b.length for b in bases) / len(bases)
        print(f"real documents: {n_en:,} distinct Enron e-mails + {len(bases) - n_en:,} Assemblée pages, "
              f"{real_avg:,.0f} characters of text on average (read in {time.perf_counter() - t0:.0f} s)")
        corpus = sc.Corpus(bases, args.docs, args.seed)

        fa = build_faisceau(corpus, work / "index", args.commit_every)
        print(f"faisceau index: {args.docs:,} docs in {fa['seconds']:.1f} s = {fa['docs_per_s']:,.0f} docs/s, "
              f"{fa['mb_per_s']:.1f} MB/s of text ({fa['text_mb']:,.0f} MB; {fa['avg_chars']:,.0f} characters of text "
              f"per document); index {fa['size_mb']:,.0f} MB")
        db, fts = build_fts5(corpus, work / "fts.sqlite", args.commit_every)
        print(f"FTS5          : {args.docs:,} docs in {fts['seconds']:.1f} s = {fts['docs_per_s']:,.0f} docs/s "
              f"(insert {fts['insert_s']:.0f} s, indexes {fts['indexes_s']:.0f} s, rebuild {fts['rebuild_s']:.0f} s, "
              f"optimize {fts['optimize_s']:.0f} s, analyze {fts['analyze_s']:.0f} s); file {fts['size_mb']:,.0f} MB")
        figures.update(real_docs=len(bases), real_avg_chars=round(real_avg), synth_avg_chars=round(fa["avg_chars"]),
                       faisceau_index={k: round(v, 2) for k, v in fa.items()}, fts5_index={k: round(v, 2) for k, v in fts.items()})

        t0 = time.perf_counter()
        vocab = sc.vocabulary(db)
        queries = sc.make_queries(vocab, bases, args.docs, args.queries, args.match_all, args.seed)
        print(f"queries: {len(queries):,} ({', '.join(f'{t} {sum(q[0] == t for q in queries)}' for t in sc.TYPES)}); "
              f"vocabulary of {len(vocab):,} words, {sum(df > args.docs / 100 for df in vocab.values()):,} in > 1 % "
              f"of documents ({time.perf_counter() - t0:.0f} s)")

        index = Index(work / "index")
        # correctness on the side: faisceau stems and folds, so it finds at least what FTS5 finds
        rare = [q for q in queries if q[0] == "rare"][:20]
        bad = [(f, n_fa, n_fts) for _, f, s in rare
               if (n_fa := index.count(f)) < (n_fts := db.execute("SELECT count(*) FROM fts WHERE fts MATCH ?", (s,)).fetchone()[0])]
        for f, n_fa, n_fts in bad:
            print(f"  VIOLATION: {f!r}: faisceau {n_fa} < FTS5 {n_fts}")
        n_all = index.count("")
        print(f"check: {len(rare) - len(bad)}/{len(rare)} rare words with faisceau total ≥ FTS5 count; "
              f"match-all totals faisceau {n_all:,}, FTS5 {db.execute('SELECT count(*) FROM docs').fetchone()[0]:,}")
        figures["check"] = {"rare_checked": len(rare), "violations": [list(b) for b in bad], "match_all": n_all}

        warm = random.Random(args.seed + 11).sample(queries, min(50, len(queries)))
        timed(warm, lambda q: run_faisceau(index, q[1]))
        fa_ms = timed(queries, lambda q: run_faisceau(index, q[1]))
        timed(warm, lambda q: run_fts5(db, q[2]))
        fts_ms = timed(queries, lambda q: run_fts5(db, q[2]), args.fts5_budget)
        sf, ss = summary(fa_ms), summary(fts_ms)
        print(f"\n{'query type':<10} {'n':>5} | {'faisceau p50':>12} {'p99':>8} {'max':>8} | {'n':>5} {'FTS5 p50':>9} "
              f"{'p99':>9} {'max':>9} | {'p99 ratio':>9}")
        for t in (*sc.TYPES, "all"):
            a, b = sf[t], ss[t]
            ratio = b["p99"] / a["p99"] if a["n"] and b["n"] else float("nan")
            print(f"{t:<10} {a['n']:>5} | {a['p50']:>10.1f}ms {a['p99']:>6.1f}ms {a['max']:>6.1f}ms | {b['n']:>5} "
                  f"{b['p50']:>7.1f}ms {b['p99']:>7.1f}ms {b['max']:>7.1f}ms | {ratio:>8.1f}x")
        figures.update(faisceau_ms=sf, fts5_ms=ss, fts5_budget_s=args.fts5_budget)

        names = sc.names(bases, args.names, args.seed)
        errors = 0
        found = 0
        t0 = time.perf_counter()
        for q in names:
            try:
                found += index.ids(q, 10)[0] > 0
            except QueryError:
                errors += 1
        batch = time.perf_counter() - t0
        print(f"\nbatch search: {len(names):,} names in {batch:.1f} s = {len(names) / batch:,.0f} names/s "
              f"({found:,} with a hit, {errors} query errors)")
        figures["batch"] = {"names": len(names), "seconds": round(batch, 2), "names_per_s": round(len(names) / batch, 1),
                            "with_hits": found, "errors": errors}

        p99, ratio = sf["all"]["p99"], ss["all"]["p99"] / sf["all"]["p99"]
        scale = "" if args.docs >= 1_000_000 and len(names) >= 10_000 else " (targets are set at 1M documents and 10,000 names)"
        targets = {"p99_le_50ms": p99 <= 50, "fts5_p99_ge_10x": ratio >= 10,
                   "batch_10k_le_120s": batch * 10_000 / max(1, len(names)) <= 120}
        print(f"targets{scale}: p99 ≤ 50 ms: {verdict(targets['p99_le_50ms'])} ({p99:.1f} ms); "
              f"FTS5 p99 ≥ 10× faisceau's: {verdict(targets['fts5_p99_ge_10x'])} ({ratio:.1f}×); "
              f"10,000 names ≤ 120 s: {verdict(targets['batch_10k_le_120s'])} "
              f"({batch * 10_000 / max(1, len(names)):.1f} s per 10,000)")
        figures.update(p99_ratio=round(ratio, 2), targets=targets)
        db.close()
        print(json.dumps(figures))
    finally:
        if args.keep:
            print(f"kept {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
