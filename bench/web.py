#!/usr/bin/env python3
"""Web benchmark (issue 6): the search page and the search API under 8 concurrent local clients.

    python bench/web.py                  # 100,000 documents (a few minutes to build)
    python bench/web.py --docs 200000
    python bench/web.py --tiny           # a smoke run: 3,000 documents

Project: a real project folder (project.json, store, index) whose index holds N synthetic
documents made by `bench/search_corpus.py` from the Enron mbox and the Assemblée nationale pages
(the corpus of `bench/search.py`). The server is the real `faisceau serve` in its own process
(one uvicorn process, as a user runs it), on a free loopback port.

Queries (deterministic): words drawn from the corpus text by document frequency — a third
frequent (in > 1 % of a sample), a third rare, a third two words — plus a few match-all. Each
client keeps one HTTP/1.1 connection open and sends its share of `--requests` requests one
after the other; 8 clients run at once. Timed: the request from send to the last byte read.
`/api/search?q=…` returns hits with snippets and 6 facets (the same call as the page);
`/search?q=…` renders the page. Target: API p99 ≤ 100 ms. Prints a table and one JSON line.
"""

from __future__ import annotations

import sys
from pathlib import Path

_HERE = Path(__file__).resolve().parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != _HERE]

import argparse
import http.client
import importlib.util
import json
import os
import random
import re
import shutil
import subprocess
import tempfile
import threading
import time
from collections import Counter
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from faisceau.index import Index
from faisceau.store.db import Store
from faisceau.store.project import Project

if TYPE_CHECKING:
    import search_corpus as sc
else:
    _spec = importlib.util.spec_from_file_location("search_corpus", _HERE / "search_corpus.py")
    sc = importlib.util.module_from_spec(_spec)
    sys.modules["search_corpus"] = sc
    _spec.loader.exec_module(sc)

CORPORA = Path(os.environ.get("FAISCEAU_CORPORA", _HERE.parent.parent / "shared" / "corpora"))


def build(root: Path, corpus: Any) -> float:
    """A project whose index holds the synthetic corpus; returns the seconds spent."""
    t0 = time.perf_counter()
    proj = Project.open(root, create=True)
    Store(proj.store_path).close()  # the store (tags, stars, notes are looked up in it)
    w = Index(root / "index").writer()
    for chunk in corpus.chunks(50_000):
        for d in chunk:
            w.add(d)
        w.commit()
    w.close()
    return time.perf_counter() - t0


def queries(bases: list[Any], n: int, seed: int) -> list[str]:
    rng = random.Random(seed)
    sample = rng.sample(bases, min(3000, len(bases)))
    df: Counter[str] = Counter()
    for b in sample:
        df.update({w for w in sc.words(" ".join(b.paras)) if len(w) > 3 and not w.isdigit()} - sc.SKIP_WORDS)
    common = sorted(w for w, c in df.items() if c > len(sample) / 100)
    rare = sorted(w for w, c in df.items() if c == 1 and re.fullmatch(r"[^\W\d_]+", w))
    out = []
    for i in range(n):
        kind = i % 3
        if kind == 0:
            out.append(rng.choice(common))
        elif kind == 1:
            out.append(rng.choice(rare))
        else:
            out.append(f"{rng.choice(common)} {rng.choice(common)}")
    return out + [""] * max(1, n // 40)


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


def load(port: int, path: str, qs: list[str], clients: int) -> tuple[list[float], int]:
    """Send every query once, spread over `clients` concurrent keep-alive connections; latencies in ms."""
    times: list[float] = []
    errors = 0
    lock = threading.Lock()
    shares = [qs[i::clients] for i in range(clients)]
    start = threading.Barrier(clients)

    def client(mine: list[str]) -> None:
        nonlocal errors
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        start.wait()
        for q in mine:
            t0 = time.perf_counter()
            conn.request("GET", f"{path}?q={quote(q)}", headers={"Host": f"127.0.0.1:{port}"})
            resp = conn.getresponse()
            resp.read()
            dt = (time.perf_counter() - t0) * 1000
            with lock:
                times.append(dt)
                errors += resp.status != 200
        conn.close()

    threads = [threading.Thread(target=client, args=(s,)) for s in shares]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return times, errors


def pct(values: list[float], p: float) -> float:
    v = sorted(values)
    return v[min(len(v) - 1, max(0, round(p / 100 * len(v) + 0.5) - 1))] if v else float("nan")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--docs", type=int, default=100_000)
    ap.add_argument("--requests", type=int, default=800, help="requests per measured endpoint (default 800)")
    ap.add_argument("--clients", type=int, default=8)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--tiny", action="store_true", help="a smoke run: 3,000 documents, 160 requests")
    ap.add_argument("--workdir", type=Path, help="project folder parent (default: a new /tmp dir)")
    ap.add_argument("--keep", action="store_true", help="keep the project")
    args = ap.parse_args()
    if args.tiny:
        args.docs, args.requests = min(args.docs, 3000), 160
    enron, assemblee = CORPORA / "enron_mbox" / "mbox", CORPORA / "fr-assemblee-nationale-dossiers"
    if not enron.is_dir() or not assemblee.is_dir():
        raise SystemExit(f"corpus missing under {CORPORA}")
    work = args.workdir or Path(tempfile.mkdtemp(prefix="bench-web-", dir="/tmp"))
    root = work / "project"
    figures: dict[str, Any] = {"docs": args.docs, "clients": args.clients, "requests": args.requests}
    proc = None
    try:
        bases = sc.read_enron(enron, 30 if args.tiny else 0) + sc.read_assemblee(assemblee, 150 if args.tiny else 0)
        if not (root / "index").is_dir():
            secs = build(root, sc.Corpus(bases, args.docs, args.seed))
            print(f"project: {args.docs:,} documents indexed in {secs:.0f} s")
        qs = queries(bases, args.requests, args.seed)
        proc, port = serve(root)
        load(port, "/api/search", qs[:40], args.clients)  # warm the caches and the thread pool
        print(f"{'endpoint':<14} {'n':>5} {'p50':>8} {'p99':>8} {'max':>8} {'errors':>6}")
        for name, path in (("API", "/api/search"), ("page", "/search")):
            t0 = time.perf_counter()
            ms, errors = load(port, path, qs, args.clients)
            wall = time.perf_counter() - t0
            row = {"n": len(ms), "p50": round(pct(ms, 50), 1), "p99": round(pct(ms, 99), 1),
                   "max": round(max(ms), 1), "errors": errors, "per_s": round(len(ms) / wall, 1)}
            figures[name] = row
            print(f"{name + ' ' + path:<14} {row['n']:>5} {row['p50']:>6.1f}ms {row['p99']:>6.1f}ms "
                  f"{row['max']:>6.1f}ms {errors:>6}   ({row['per_s']} requests/s)")
        ok = figures["API"]["p99"] <= 100 and not figures["API"]["errors"]
        print(f"target API p99 <= 100 ms with {args.clients} clients: {'PASS' if ok else 'FAIL'}")
        figures["pass"] = ok
        print(json.dumps(figures))
    finally:
        if proc is not None:
            proc.terminate()
            proc.wait(timeout=30)
        if not args.keep and not args.workdir:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
