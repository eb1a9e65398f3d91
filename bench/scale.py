#!/usr/bin/env python3
"""Scale benchmark (issue 18): the two frontiers, against baselines measured in the same run.

    python bench/scale.py                   # the Enron mbox set (minutes)
    python bench/scale.py --limit 2000      # a copy of its first 2,000 messages (a quick run)

1. Time to searchable. Baseline: `faisceau ingest` of the set with the analysis stages skipped
   (`--set skip_stages=entities,identifiers,dates`), wall time of the whole command. Measured: the same
   ingest with every stage, from the command's start to the moment every document is in the index,
   read from the run log's `searchable` event (written right after the index commit that holds every
   extracted document; its document count is checked against the project's final total, and a plain
   word search run after the ingest must find every message). Ratio measured ÷ baseline: target ≤ 1.15.
2. Analysis throughput. Measured: words of the analysed texts ÷ the analysis phase's wall time (run
   log: `analysis-start` to `analysed`; the phase runs entities, identifiers and dates). Baseline:
   bare spaCy — the same small English model with only its entity recogniser, as faisceau loads it,
   `nlp.pipe` over a seeded sample of the same texts (cut as the analysis cuts them), in one process —
   words/s × workers. Ratio measured ÷ baseline: target ≥ 0.9. Words: whitespace-separated tokens.

3. Dask on localhost with 2 single-thread workers ÷ the local pool with 2 workers, whole ingest
   (throughput): target ≥ 0.9.
4. Dask with 2 workers ÷ Dask with 1 worker on the analysis phase: target ≥ 1.8.
   Ratios 3 and 4 are measured by bench/cluster.py's functions (real `dask scheduler` and `dask worker`
   processes, started by `faisceau cluster local`) on the first `--cluster-messages` Enron e-mails;
   `--no-cluster` leaves them out, and `python bench/cluster.py` runs them alone.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import mailbox
import multiprocessing as mp
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
CORPORA = Path(os.environ.get("FAISCEAU_CORPORA", ROOT.parent / "shared" / "corpora"))
SKIP_ANALYSIS = "skip_stages=entities,identifiers,dates"
TARGET_SEARCHABLE = 1.15
TARGET_ANALYSIS = 0.9


def copy_set(src: Path, dest: Path, limit: int | None) -> int:
    """The mbox files of `src` copied to `dest` (a tool never touches the shared corpus), the first
    `limit` messages only if given; returns how many messages were copied."""
    dest.mkdir(parents=True)
    n = 0
    for f in sorted(p for p in src.rglob("*") if p.is_file() and not p.name.endswith(".txt")):
        box = mailbox.mbox(str(f), create=False)
        keys = list(box.keys())
        if limit is None:
            shutil.copyfile(f, dest / f.name)
            n += len(keys)
            continue
        if n >= limit:
            break
        out = mailbox.mbox(str(dest / f.name))
        for k in keys[:limit - n]:
            out.add(box.get_message(k))
        out.close()
        n += min(len(keys), limit - n)
    return n


def ingest(data: Path, project: Path, workers: int, *extra: str) -> tuple[float, float]:
    """Run `faisceau ingest`; (epoch seconds at its start, wall seconds)."""
    t0 = time.time()
    subprocess.run([sys.executable, "-m", "faisceau", "ingest", str(data), "--project", str(project),
                    "--workers", str(workers), *extra], check=True, stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL)
    return t0, time.time() - t0


def events(project: Path) -> dict[str, dict[str, Any]]:
    """The last event of each kind in the project's (only) run log, with `at` in epoch seconds."""
    logs = sorted((project / "logs").glob("*.jsonl"))
    out: dict[str, dict[str, Any]] = {}
    for line in logs[-1].read_text("utf-8").splitlines():
        rec = json.loads(line)
        rec["at"] = dt.datetime.fromisoformat(rec["time"]).timestamp()
        out[rec["event"]] = rec
    return out


def faisceau_json(*args: str) -> list[dict[str, Any]]:
    out = subprocess.run([sys.executable, "-m", "faisceau", *args, "--json"], check=True, capture_output=True,
                         text=True).stdout
    return [json.loads(line) for line in out.splitlines() if line.strip()]


def analysed_texts(project: Path, max_chars: int) -> list[str]:
    """The texts the analysis read (every content with text, cut where the analysis cuts it)."""
    from faisceau.store import documents as docs
    from faisceau.store.db import Store

    store = Store(project / "store.sqlite")
    try:
        shas = [r["sha256"] for r in docs.content_stages(store) if "entities" in r["stages"]]
        rows = docs.contents_by_sha(store, shas, ("text",))
    finally:
        store.close()
    return [(r["text"] or "")[:max_chars] for r in rows.values() if (r["text"] or "").strip()]


def stage_seconds(project: Path, names: tuple[str, ...]) -> float:
    """Seconds the workers spent in these stages, over every content (each content's stage record)."""
    from faisceau.store import documents as docs
    from faisceau.store.db import Store

    store = Store(project / "store.sqlite")
    try:
        return sum(float((r["stages"].get(n) or {}).get("seconds") or 0) for r in docs.content_stages(store)
                   for n in names)
    finally:
        store.close()


def sample(texts: list[str], words: int) -> list[str]:
    """A seeded sample of `texts` holding about `words` words."""
    out: list[str] = []
    n = 0
    for t in random.Random(18).sample(texts, len(texts)):
        if n >= words:
            break
        out.append(t)
        n += len(t.split())
    return out


def bare_spacy(texts: list[str]) -> tuple[int, float]:
    """Bare spaCy — the small English model with its entity recogniser only, as faisceau loads it —
    over `texts` with `nlp.pipe`: (words read, seconds), after an untimed warm-up."""
    import importlib

    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")  # as in faisceau's workers
    from faisceau.analysis.models import KEEP, MODELS, _pipe_names

    module = importlib.import_module(MODELS["en"][1])
    nlp = module.load(exclude=[p for p in _pipe_names(module) if p not in KEEP])
    list(nlp.pipe(texts[:20]))
    t0 = time.perf_counter()
    for _ in nlp.pipe(texts):
        pass
    return sum(len(t.split()) for t in texts), time.perf_counter() - t0


def cluster_ratios(messages: int, work: Path) -> None:
    """Ratios 3 and 4, with bench/cluster.py's functions (loaded by path: bench/ is not a package)."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("bench_cluster", Path(__file__).with_name("cluster.py"))
    assert spec is not None and spec.loader is not None
    cluster = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(cluster)
    work.mkdir(parents=True, exist_ok=True)
    boxes = cluster.mboxes(messages)
    r3 = cluster.dask_vs_pool(boxes, work)
    print(f"  whole ingest of {r3['items']:,} items: local pool (2 workers) {r3['pool_seconds']} s; "
          f"Dask (2 single-thread workers) {r3['dask_seconds']} s")
    print(f"  ratio 3, Dask ÷ local pool (throughput): {r3['ratio']:.2f} "
          f"(target ≥ 0.9: {'met' if r3['ratio'] >= 0.9 else 'NOT met'})")
    r4 = cluster.dask_scaling(boxes, work)
    print(f"  analysis phase of {r4['items']:,} contents: Dask 1 worker {r4['dask1_seconds']} s; "
          f"Dask 2 workers {r4['dask2_seconds']} s")
    print(f"  ratio 4, Dask 2 workers ÷ 1 worker: {r4['ratio']:.2f} "
          f"(target ≥ 1.8: {'met' if r4['ratio'] >= 1.8 else 'NOT met'})")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--corpus", type=Path, default=CORPORA / "enron_mbox", help="a folder of mbox files")
    ap.add_argument("--limit", type=int, default=None, metavar="N", help="only the first N messages (a copy)")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--sample-words", type=int, default=150_000, help="words read by the bare spaCy baseline")
    ap.add_argument("--keep", action="store_true", help="keep the benchmark folder")
    ap.add_argument("--cluster-messages", type=int, default=1500, metavar="N",
                    help="ratios 3 and 4: about this many Enron e-mails (bench/cluster.py --messages)")
    ap.add_argument("--no-cluster", action="store_true", help="leave ratios 3 and 4 (Dask) out")
    args = ap.parse_args()
    if not args.corpus.is_dir():
        sys.exit(f"no corpus at {args.corpus} (set FAISCEAU_CORPORA or --corpus)")
    tmp = Path(tempfile.mkdtemp(prefix="faisceau-scale-"))
    try:
        data = tmp / "data"
        n = copy_set(args.corpus, data, args.limit)
        w = args.workers
        print(f"scale: {n:,} messages of {args.corpus.name}, {w} workers; load average {os.getloadavg()[0]:.1f}")

        # 1. time to searchable
        _, base = ingest(data, tmp / "skip", w, "--set", SKIP_ANALYSIS)
        t0, whole = ingest(data, tmp / "all", w)
        ev = events(tmp / "all")
        total = faisceau_json("status", "--project", str(tmp / "all"))[0]["total"]
        found = faisceau_json("search", "", "--project", str(tmp / "all"), "--limit", "0")[0]["total"]
        searchable = ev["searchable"]["at"] - t0
        assert ev["searchable"]["documents"] == total == found, (ev["searchable"], total, found)
        print(f"  baseline: ingest with analysis skipped ({SKIP_ANALYSIS}): {base:7.1f} s")
        print(f"  ingest with analysis: searchable after             {searchable:7.1f} s "
              f"({total:,} documents; whole ingest {whole:.1f} s)")
        r1 = searchable / base
        print(f"  ratio 1, time to searchable / baseline: {r1:.2f} "
              f"(target ≤ {TARGET_SEARCHABLE}: {'met' if r1 <= TARGET_SEARCHABLE else 'NOT met'})")

        # 2. analysis throughput
        from faisceau import settings as settings_mod

        cut = int(settings_mod.load(tmp / "all").analysis_max_chars)
        texts = analysed_texts(tmp / "all", cut)
        words = sum(len(t.split()) for t in texts)
        phase = ev["analysed"]["at"] - ev["analysis-start"]["at"]
        rate = words / phase
        chosen = sample(texts, args.sample_words)
        sampled, bare_s = bare_spacy(chosen)
        bare = sampled / bare_s
        # the same sample split over `w` processes at once: what `× workers` assumes, on this machine
        with mp.get_context("spawn").Pool(w) as procs:
            parts = procs.map(bare_spacy, [chosen[i::w] for i in range(w)])
        together = sum(p[0] for p in parts) / max(p[1] for p in parts)
        print(f"  analysis phase: {words:,} words of {len(texts):,} texts in {phase:.1f} s = {rate:9,.0f} words/s")
        print(f"  baseline: bare spaCy small (NER only), 1 process: {bare:9,.0f} words/s "
              f"({sampled:,} words in {bare_s:.1f} s) × {w} workers = {bare * w:9,.0f} words/s")
        print(f"  (for reference: the same sample in {w} bare processes at once: {together:9,.0f} words/s; "
              f"analysis phase ÷ that: {rate / together:.2f})")
        busy = stage_seconds(tmp / "all", ("entities", "identifiers", "dates")) / (phase * w)
        print(f"  (the workers spent {busy:.0%} of the phase's {w} x {phase:.1f} s in the analysis stages)")
        r2 = rate / (bare * w)
        print(f"  ratio 2, analysis frontier / (bare spaCy × workers): {r2:.2f} "
              f"(target ≥ {TARGET_ANALYSIS}: {'met' if r2 >= TARGET_ANALYSIS else 'NOT met'})")

        print(f"  (load average at the end: {os.getloadavg()[0]:.1f}; on {os.cpu_count()} cores)")

        if not args.no_cluster:
            cluster_ratios(args.cluster_messages, tmp / "cluster")
    finally:
        if args.keep:
            print(f"kept: {tmp}")
        else:
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
