#!/usr/bin/env python3
"""Dask against the local pool, measured in the same run (issue 18, ratios 3 and 4).

    python bench/cluster.py                      # every Enron mbox (long: four runs over 10,000+ e-mails)
    python bench/cluster.py --messages 3000      # the first Enron mboxes, by name, up to ~3,000 e-mails
    python bench/cluster.py --tiny               # a smoke run on the smallest mboxes (~40 e-mails)
    python bench/cluster.py --only 4 --reference # ratio 4, and the local pool's 2 ÷ 1 in the same run

Ratio 3, target ≥ 0.9: items/s of a whole `faisceau ingest` (every stage, analysis included) on a
real Dask cluster on localhost with 2 single-thread workers ÷ the same ingest on the local pool with 2
workers. Ratio 4, target ≥ 1.8: items/s of the analysis phase with Dask 2 workers ÷ Dask 1 worker:
`faisceau analyse --cluster` of a project ingested with the analysis stages skipped, its item stages
only (the command's time less its corpus stages and index, which run in the ingest process alike).

The clusters are Dask's own `dask scheduler` and `dask worker` processes (faisceau.pipeline.localcluster),
started before the clock starts, as a cluster is running before a user ingests; each run starts its
own pools on them (models loaded within the run, as the local pool loads them). bench/scale.py calls
`dask_vs_pool` and `dask_scaling`.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
CORPORA = Path(os.environ.get("FAISCEAU_CORPORA", ROOT.parent / "shared" / "corpora"))
ANALYSIS = "entities,identifiers,dates"
sys.path.insert(0, str(ROOT))

from faisceau.pipeline.localcluster import LocalDask


def mboxes(messages: int | None, smallest: bool = False) -> list[Path]:
    """The Enron mboxes by name (or smallest first), the first ones holding about `messages` e-mails
    (None: all)."""
    found = sorted((CORPORA / "enron_mbox" / "mbox").glob("enron.*"),
                   key=(lambda p: (p.stat().st_size, p.name)) if smallest else None)
    if not found:
        sys.exit(f"bench: no Enron mboxes under {CORPORA / 'enron_mbox' / 'mbox'}")
    if messages is None:
        return found
    out, n = [], 0
    for box in found:
        if n >= messages:
            break
        with open(box, "rb") as f:
            n += sum(1 for line in f if line.startswith(b"From "))
        out.append(box)
    return out


def _faisceau(*args: str | Path) -> tuple[dict[str, Any], float]:
    """Run the faisceau command; its --json report (last line) and its wall time in seconds."""
    started = time.monotonic()
    proc = subprocess.run([sys.executable, "-m", "faisceau", *map(str, args), "--json"], capture_output=True,
                          text=True)
    seconds = time.monotonic() - started
    if proc.returncode != 0:
        sys.exit(f"bench: faisceau {' '.join(map(str, args))} failed:\n{proc.stderr[-3000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1]), seconds


def _leak(boxes: list[Path], work: Path) -> Path:
    leak = work / "leak"
    leak.mkdir()
    for box in boxes:  # a copy: the corpora are read-only and shared
        shutil.copyfile(box, leak / box.name)
    return leak


def dask_vs_pool(boxes: list[Path], work: Path, workers: int = 2) -> dict[str, Any]:
    """Ratio 3: a whole ingest on Dask (`workers` single-thread workers) ÷ on the local pool, items/s."""
    leak = _leak(boxes, work)
    pool, pool_s = _faisceau("ingest", leak, "--project", work / "pool", "--workers", str(workers))
    with LocalDask(folder=work / "dask") as dask:
        address = dask.start(workers, threads=1)
        dasked, dask_s = _faisceau("ingest", leak, "--project", work / "dasked", "--cluster", address)
    assert pool["total"] == dasked["total"] and dasked["documents"]["pending"] == 0
    items = pool["total"]
    return {"items": items, "pool_seconds": round(pool_s, 1), "dask_seconds": round(dask_s, 1),
            "pool_rate": round(items / pool_s, 1), "dask_rate": round(items / dask_s, 1),
            "ratio": round(pool_s / dask_s, 3)}


def _item_phase(report: dict[str, Any], wall: float) -> float:
    """An `analyse` run's item-stage time: its time less its corpus stages and index."""
    rest = sum(float(s.get("seconds") or 0) for s in (report.get("corpus") or {}).values())
    return wall - rest - float((report.get("index") or {}).get("seconds") or 0)


def _analyse(project: Path, *args: str, env: dict[str, str] | None = None) -> tuple[dict[str, Any], float]:
    if env is None:
        return _faisceau("analyse", "--project", project, *args)
    saved = {k: os.environ.get(k) for k in env}
    os.environ.update(env)
    try:
        return _faisceau("analyse", "--project", project, *args)
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


def dask_scaling(boxes: list[Path], work: Path, reference: bool = False) -> dict[str, Any]:
    """Ratio 4: the analysis phase on Dask with 2 workers ÷ with 1 worker, items/s. With `reference`,
    the local pool's 2 workers ÷ 1 too, on the same project, right after each Dask run: what this
    machine allows at that moment (other work on it takes cores from the second worker)."""
    leak = _leak(boxes, work) if not (work / "leak").exists() else work / "leak"
    base = work / "unanalysed"
    _faisceau("ingest", leak, "--project", base, "--workers", "2", "--set", f"skip_stages={ANALYSIS}")
    out: dict[str, Any] = {}
    with LocalDask(folder=work / "dask-scaling") as dask:
        address = dask.start(1, threads=1)
        for n in (1, 2):
            if n == 2:
                dask.add_worker(1)
                dask.wait_for_workers(2)
            project = work / f"analysed-{n}"
            shutil.copytree(base, project)
            report, wall = _analyse(project, "--cluster", address)
            out[f"dask{n}_seconds"] = round(_item_phase(report, wall), 1)
            out[f"dask{n}_wall"] = round(wall, 1)
            out["items"] = report["by_stage"]["entities"].get("ok", 0)
            if reference:
                project = work / f"pool-analysed-{n}"
                shutil.copytree(base, project)
                report, wall = _analyse(project, env={"FAISCEAU_WORKERS": str(n)})
                out[f"pool{n}_seconds"] = round(_item_phase(report, wall), 1)
    out["ratio"] = round(out["dask1_seconds"] / out["dask2_seconds"], 3)
    if reference:
        out["pool_ratio"] = round(out["pool1_seconds"] / out["pool2_seconds"], 3)
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--messages", type=int, default=None, help="about this many Enron e-mails (default: all)")
    ap.add_argument("--tiny", action="store_true", help="a smoke run on the smallest mboxes")
    ap.add_argument("--keep", action="store_true", help="keep the benchmark folder")
    ap.add_argument("--only", choices=("3", "4"), help="measure ratio 3 or ratio 4 alone")
    ap.add_argument("--reference", action="store_true",
                    help="ratio 4: also the local pool's 2 workers ÷ 1 on the same project, in the same run")
    args = ap.parse_args()
    boxes = mboxes(40, smallest=True) if args.tiny else mboxes(args.messages)
    work = Path(tempfile.mkdtemp(prefix="faisceau-bench-cluster-"))
    try:
        print(f"{len(boxes)} Enron mboxes, {sum(b.stat().st_size for b in boxes) / 1e6:.1f} MB; {os.cpu_count()} cores, "
              f"load average {os.getloadavg()[0]:.1f}")
        if args.only != "4":
            r3 = dask_vs_pool(boxes, work)
            print(f"whole ingest, {r3['items']:,} items: local pool (2 workers) {r3['pool_seconds']} s "
                  f"({r3['pool_rate']}/s); Dask (2 single-thread workers) {r3['dask_seconds']} s ({r3['dask_rate']}/s)")
            print(f"  ratio 3, Dask ÷ local pool: {r3['ratio']:.2f} (target ≥ 0.9)")
        if args.only != "3":
            r4 = dask_scaling(boxes, work, reference=args.reference)
            print(f"analysis phase, {r4['items']:,} contents: Dask 1 worker {r4['dask1_seconds']} s (command "
                  f"{r4['dask1_wall']} s); Dask 2 workers {r4['dask2_seconds']} s (command {r4['dask2_wall']} s)")
            print(f"  ratio 4, Dask 2 workers ÷ 1 worker: {r4['ratio']:.2f} (target ≥ 1.8)")
            if args.reference:
                print(f"  reference, local pool 2 workers ÷ 1 worker: {r4['pool_ratio']:.2f} "
                      f"({r4['pool1_seconds']} s and {r4['pool2_seconds']} s)")
    finally:
        if args.keep:
            print(f"kept {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
