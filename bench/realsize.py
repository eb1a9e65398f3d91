#!/usr/bin/env python3
"""Real-size page benchmark (issue 22): every page a journalist spends the day on, against search.

    python bench/realsize.py                          # builds the project into the cache if absent
    python bench/realsize.py --project /path/to/proj  # a project already ingested (copied first)
    python bench/realsize.py --runs 40 --json

Project: 20,000+ documents of the shared corpora (`../shared/corpora`, or FAISCEAU_CORPORA): the
Assemblée nationale pages and the Tika test documents with every stage, then the Enron mailboxes
without entity analysis (spaCy over 23,000 e-mails would take an hour on two cores; the pages' and
documents' entities give the entity pages their material). It is built once with the real CLI into
`--cache` (default: ~/.cache/faisceau-bench/realsize). A `--project` is copied into the cache before
anything opens it: this faisceau may migrate the store and fill its derived tables, and a shared
project is not ours to write.

Server: the real `faisceau serve` in its own process, one keep-alive client, requests one after the
other (the latency a user sees, not a load test). Every URL is requested once untimed (the first
request after an ingest may build the derived tables), then `--runs` times. Baseline: the median of
`/api/search?q=…` over a fixed list of words, measured in the same run; every page is printed as its
p50 and p99 in ms and as a ratio to that median. Target (issue 22): every page ≤ 25× the baseline.
"""

from __future__ import annotations

import sys
from pathlib import Path

_HERE = Path(__file__).resolve().parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != _HERE]

import argparse
import http.client
import json
import os
import re
import shutil
import statistics
import subprocess
import time
from typing import Any
from urllib.parse import quote, urlencode

CORPORA = Path(os.environ.get("FAISCEAU_CORPORA", _HERE.parent.parent / "shared" / "corpora"))
CACHE = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "faisceau-bench" / "realsize"
# words of both languages and both kinds of documents; the baseline is their median
SEARCH_WORDS = ("price", "california", "gas", "meeting", "contract", "loi", "finances", "assemblée", "enron",
                "energy", "commission", "report")
TARGET = 25.0


def cli(*args: str | Path) -> None:
    r = subprocess.run([sys.executable, "-m", "faisceau", *map(str, args)], capture_output=True, text=True)
    if r.returncode != 0:
        raise SystemExit(f"faisceau {' '.join(map(str, args[:2]))} failed:\n{r.stderr[-2000:]}")


def build(root: Path) -> float:
    """The 20,000-document project, ingested with the real CLI; the seconds it took."""
    t0 = time.perf_counter()
    for name in ("fr-assemblee-nationale-dossiers", "docs-tika-test-documents"):
        if (CORPORA / name).is_dir():
            cli("ingest", CORPORA / name, "--project", root, "--ocr", "off")
    cli("ingest", CORPORA / "enron_mbox", "--project", root, "--ocr", "off", "--set", "skip_stages=entities,identifiers")
    return time.perf_counter() - t0


def serve(root: Path) -> tuple[subprocess.Popen[str], int]:
    proc = subprocess.Popen([sys.executable, "-m", "faisceau", "serve", "--project", str(root), "--port", "0"],
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
                            env={**os.environ, "PYTHONUNBUFFERED": "1"})
    assert proc.stdout is not None
    line = proc.stdout.readline()
    m = re.search(r":(\d+)/", line)
    if not m:
        proc.kill()
        raise SystemExit(f"the server did not start: {line!r}")
    return proc, int(m[1])


class Client:
    """One keep-alive connection; `get` returns (status, body, milliseconds)."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=600)

    def get(self, url: str) -> tuple[int, bytes, float]:
        t0 = time.perf_counter()
        self.conn.request("GET", url)
        r = self.conn.getresponse()
        body = r.read()
        return r.status, body, (time.perf_counter() - t0) * 1000

    def json(self, url: str) -> Any:
        status, body, _ = self.get(url)
        if status != 200:
            raise SystemExit(f"{url}: HTTP {status}: {body[:300]!r}")
        return json.loads(body)


def timed(c: Client, urls: list[str], runs: int) -> list[float]:
    """Each URL once untimed, then the list `runs` times over; the latencies in ms."""
    for u in urls:
        status, body, _ = c.get(u)
        if status != 200:
            raise SystemExit(f"{u}: HTTP {status}: {body[:300]!r}")
    out = []
    for _ in range(runs):
        for u in urls:
            status, _, ms = c.get(u)
            if status != 200:
                raise SystemExit(f"{u}: HTTP {status}")
            out.append(ms)
    return out


def p(values: list[float], q: float) -> float:
    s = sorted(values)
    return s[min(len(s) - 1, int(round(q * (len(s) - 1))))]


def pages(c: Client) -> dict[str, list[str]]:
    """The URLs of each page, chosen from the project itself (its busiest entity and correspondent)."""
    people = c.json("/api/entities?" + urlencode({"type": "person", "limit": 3}))["entities"]
    orgs = c.json("/api/entities?" + urlencode({"type": "org", "limit": 2}))["entities"]
    graph = c.json("/api/graph")
    nodes = sorted(graph["nodes"], key=lambda n: -n["degree"])[:3]
    out = {
        "search API": ["/api/search?" + urlencode({"q": w}) for w in SEARCH_WORDS],
        "timeline": ["/timeline"],
        "api/timeline": ["/api/timeline"],
        "api/timeline?q=": ["/api/timeline?q=amiens", "/api/timeline?q=price"],
        "entity page": [f"/entities/{quote(e['id'])}" for e in orgs + people[:1]],
        "graph": ["/graph"],
        "graph person click": ["/api/graph/messages?" + urlencode({"node": n["id"]}) for n in nodes],
        "person page": [f"/people/{quote(n['id'])}" for n in nodes],
        "person entity page": [f"/entities/{quote(e['id'])}" for e in people],
        "ego graph": ["/graph?" + urlencode({"ego": n["id"]}) for n in nodes],
    }
    return {k: v for k, v in out.items() if v}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--project", type=Path, help="an ingested project (copied into the cache first)")
    ap.add_argument("--cache", type=Path, default=CACHE)
    ap.add_argument("--runs", type=int, default=20, help="timed passes over each page's URLs")
    ap.add_argument("--json", action="store_true", help="also print one JSON line")
    a = ap.parse_args()
    a.cache.mkdir(parents=True, exist_ok=True)
    built = 0.0
    if a.project:
        root = a.cache / ("copy-" + a.project.resolve().name)
        if root.exists():
            shutil.rmtree(root)
        shutil.copytree(a.project, root, symlinks=True)
    else:
        root = a.cache / "project"
        if not (root / "project.json").is_file():
            built = build(root)
    proc, port = serve(root)
    try:
        c = Client(port)
        status = c.json("/api/status")
        docs = status.get("documents") or status.get("total") or status
        urls = pages(c)
        results = {name: timed(c, u, a.runs) for name, u in urls.items()}
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    base = statistics.median(results["search API"])
    print(f"project: {root.name}, documents: {json.dumps(docs)[:200]}" + (f", built in {built:.0f} s" if built else ""))
    print(f"baseline: search API median {base:.1f} ms over {len(results['search API'])} requests")
    print(f"{'page':<22} {'n':>5} {'p50 ms':>9} {'p99 ms':>9} {'p50/base':>9} {'p99/base':>9}")
    rows = []
    for name, ms in results.items():
        p50, p99 = p(ms, 0.5), p(ms, 0.99)
        rows.append({"page": name, "n": len(ms), "p50_ms": round(p50, 1), "p99_ms": round(p99, 1),
                     "p50_ratio": round(p50 / base, 1), "p99_ratio": round(p99 / base, 1)})
        flag = "" if p50 / base <= TARGET else "  > target"
        print(f"{name:<22} {len(ms):>5} {p50:>9.1f} {p99:>9.1f} {p50 / base:>8.1f}× {p99 / base:>8.1f}×{flag}")
    if a.json:
        print(json.dumps({"baseline_ms": round(base, 2), "target_ratio": TARGET, "pages": rows}))


if __name__ == "__main__":
    main()
