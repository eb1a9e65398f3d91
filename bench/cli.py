#!/usr/bin/env python3
"""CLI start-up benchmark (issue 17): `faisceau search` from the shell, against Python's own start-up.

    python bench/cli.py                     # builds the demo project in a temporary folder
    python bench/cli.py --project P         # an existing project
    python bench/cli.py --tiny              # fewer runs (CI smoke)

Each command runs `--runs` times after two warm-up runs (the page cache and Python's bytecode are
warm, as for a user typing one search after another); the median and the 90th percentile of the wall
time are printed. Baselines measured in the same run: `python -c pass` (what any Python command pays
before its first line) and `python -c "import tantivy"` (the index library a search cannot do without).
Target: `faisceau search` median under 100 ms on a warm cache.

"Warm" includes Python's bytecode cache: the commands run with PYTHONDONTWRITEBYTECODE removed from
their environment (a sandbox or CI may set it; a user's shell does not, and `pip install` writes the
bytecode of a wheel anyway), so the warm-up runs write `__pycache__` and the timed runs read it instead
of compiling faisceau's source each time.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

TARGET_MS = 100.0
ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}


def timed(cmd: list[str], runs: int) -> list[float]:
    """Wall times in ms of `runs` runs of `cmd`, after two untimed ones."""
    out = []
    for i in range(runs + 2):
        t0 = time.perf_counter()
        subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=ENV)
        if i >= 2:
            out.append((time.perf_counter() - t0) * 1000)
    return out


def row(name: str, ms: list[float], base: float) -> dict[str, float | str]:
    ms = sorted(ms)
    med = statistics.median(ms)
    p90 = ms[min(len(ms) - 1, int(0.9 * len(ms)))]
    print(f"{name:<34} median {med:7.1f} ms   p90 {p90:7.1f} ms   {med / base:5.2f}× python -c pass")
    return {"name": name, "median_ms": round(med, 1), "p90_ms": round(p90, 1)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--project", type=Path, help="an ingested project (default: the demo, built here)")
    ap.add_argument("--runs", type=int, default=30)
    ap.add_argument("--tiny", action="store_true", help="5 runs each")
    args = ap.parse_args()
    runs = 5 if args.tiny else args.runs
    py = sys.executable
    with tempfile.TemporaryDirectory() as tmp:
        project = args.project
        if project is None:
            subprocess.run([py, "-m", "faisceau", "demo", "--no-serve", "--dir", f"{tmp}/demo"], check=True,
                           stdout=subprocess.DEVNULL)
            project = Path(tmp) / "demo" / "project"
        bare = timed([py, "-c", "pass"], runs)
        floor = statistics.median(bare)
        rows = [row("python -c pass", bare, floor),
                row("python -c 'import tantivy'", timed([py, "-c", "import tantivy"], runs), floor)]
        search = row("faisceau search (3 hits, facets)",
                     timed([py, "-m", "faisceau", "search", "badge OR vigie", "--facet", "kind", "--limit", "3",
                            "--project", str(project)], runs), floor)
        rows.append(search)
    ok = float(search["median_ms"]) < TARGET_MS
    print(f"target: faisceau search median < {TARGET_MS:.0f} ms: {'PASS' if ok else 'FAIL'}")
    print(json.dumps({"bench": "cli", "runs": runs, "rows": rows, "pass": ok}))


if __name__ == "__main__":
    main()
