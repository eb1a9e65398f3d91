#!/usr/bin/env python3
"""Server-mode benchmark (issue 19): what authentication, authorisation and the audit trail cost.

    python bench/team.py                 # 100,000 documents, 20 users (a few minutes to build)
    python bench/team.py --tiny          # a smoke run: 3,000 documents, 20 users, fewer rounds

Project: the synthetic corpus of `bench/web.py` (real Enron and Assemblée nationale text, N
documents in the index), with a store row and text for every document so that a document opens
and takes a tag. The same project is served twice, by the real `faisceau serve` in its own process:

- baseline, **auth off**: `faisceau serve --project P` (single user, no login);
- **auth on**: `faisceau serve --server DIR` on a server folder serving P, 20 editor accounts, each
  client logged in through the login form, sending the session cookie and CSRF token; every
  request goes through the access middleware and searches, views and tags are audited.

Each of the 20 clients keeps one keep-alive connection and runs rounds of: the search API, the
search page, a document page, the document API, a tag (POST). Timed from send to the last byte.
The two modes alternate (off, on, off, on) so that a busy machine weighs on both alike. Printed:
p50/p99 per mode for the API calls and for the pages, the ratio on ÷ off of each p99 (target
≤ 1.2), and one JSON line.
"""

from __future__ import annotations

import sys
from pathlib import Path

_HERE = Path(__file__).resolve().parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != _HERE]

import argparse
import hashlib
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
from typing import Any
from urllib.parse import quote, urlencode

from faisceau.store.db import Store
from faisceau.store.project import Project
from faisceau.team.serverdir import Server

_spec = importlib.util.spec_from_file_location("bench_web", _HERE / "web.py")
assert _spec is not None and _spec.loader is not None
web = importlib.util.module_from_spec(_spec)
sys.modules["bench_web"] = web
_spec.loader.exec_module(web)
sc = web.sc

PASSWORD = "bench-password-long-enough"  # noqa: S105 (benchmark accounts on loopback)


def fill_store(root: Path, corpus: Any) -> list[str]:
    """A document row and its text for every synthetic document; returns their ids."""
    store = Store(Project.open(root).store_path)
    ids: list[str] = []
    try:
        with store.batches() as commit:
            for chunk in corpus.chunks(50_000):
                for d in chunk:
                    sha = hashlib.sha256(d.text.encode("utf-8")).hexdigest()
                    store.add_document({"id": d.id, "root_id": d.id, "path": d.path, "name": d.path.rsplit("/", 1)[-1],
                                        "sha256": sha, "size": len(d.text), "depth": 0, "status": "ok",
                                        "kind": d.kind, "mime": d.mime})
                    store.put_content(sha, len(d.text), "ok", None, {"text": d.text, "kind": d.kind, "mime": d.mime,
                                                                    "language": d.language})
                    ids.append(d.id)
                commit()
    finally:
        store.close()
    return ids


def start(args: list[str]) -> tuple[subprocess.Popen[str], int]:
    proc = subprocess.Popen([sys.executable, "-m", "faisceau", "serve", *args, "--port", "0"],
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
    """One user's keep-alive connection (and session, when logged in)."""

    def __init__(self, port: int, prefix: str) -> None:
        self.port, self.prefix = port, prefix
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
        self.headers = {"Host": f"127.0.0.1:{port}"}
        self.csrf = ""

    def request(self, method: str, path: str, body: bytes | None = None,
                extra: dict[str, str] | None = None) -> tuple[int, dict[str, str], bytes]:
        self.conn.request(method, path, body=body, headers={**self.headers, **(extra or {})})
        resp = self.conn.getresponse()
        data = resp.read()
        return resp.status, {k.lower(): v for k, v in resp.getheaders()}, data

    def login(self, name: str) -> None:
        form = urlencode({"name": name, "password": PASSWORD, "next": "/"}).encode()
        status, headers, _ = self.request("POST", "/login", form, {"Content-Type": "application/x-www-form-urlencoded"})
        if status != 303:
            raise SystemExit(f"login of {name} failed: {status}")
        cookie = headers["set-cookie"].split(";", 1)[0]
        self.headers["Cookie"] = cookie
        _, _, page = self.request("GET", "/")
        m = re.search(rb'name="csrf" value="([^"]+)"', page)
        assert m, "no CSRF token on the projects page"
        self.csrf = m.group(1).decode()

    def round(self, q: str, doc: str, tag: str, times: dict[str, list[float]], errors: list[int]) -> None:
        p = self.prefix
        tag_body = json.dumps({"tag": tag}).encode()
        tag_headers = {"Content-Type": "application/json", **({"X-CSRF-Token": self.csrf} if self.csrf else {})}
        for kind, method, path, body, extra in (
                ("api", "GET", f"{p}/api/search?q={quote(q)}", None, None),
                ("page", "GET", f"{p}/search?q={quote(q)}", None, None),
                ("page", "GET", f"{p}/documents/{doc}", None, None),
                ("api", "GET", f"{p}/api/documents/{doc}", None, None),
                ("api", "POST", f"{p}/api/documents/{doc}/tags", tag_body, tag_headers)):
            t0 = time.perf_counter()
            status, _, _ = self.request(method, path, body, extra)
            times[kind].append((time.perf_counter() - t0) * 1000)
            if status != 200:
                errors.append(status)


def run(port: int, prefix: str, users: list[str] | None, work: list[list[tuple[str, str, str]]]
        ) -> tuple[dict[str, list[float]], list[int]]:
    """Every client's rounds at once; latencies (ms) by kind, and the statuses that were not 200."""
    clients = [Client(port, prefix) for _ in work]
    if users:
        for c, name in zip(clients, users, strict=True):
            c.login(name)
    times: dict[str, list[float]] = {"api": [], "page": []}
    errors: list[int] = []
    lock = threading.Lock()
    barrier = threading.Barrier(len(clients))

    def go(c: Client, rounds: list[tuple[str, str, str]]) -> None:
        mine: dict[str, list[float]] = {"api": [], "page": []}
        bad: list[int] = []
        barrier.wait()
        for q, doc, tag in rounds:
            c.round(q, doc, tag, mine, bad)
        with lock:
            for k, v in mine.items():
                times[k].extend(v)
            errors.extend(bad)

    threads = [threading.Thread(target=go, args=(c, w)) for c, w in zip(clients, work, strict=True)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for c in clients:
        c.conn.close()
    return times, errors


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--docs", type=int, default=100_000)
    ap.add_argument("--users", type=int, default=20)
    ap.add_argument("--rounds", type=int, default=12, help="rounds per user per measured pass (5 requests each)")
    ap.add_argument("--passes", type=int, default=2, help="off/on passes, alternating")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--tiny", action="store_true", help="a smoke run: 3,000 documents, 4 rounds, 1 pass")
    ap.add_argument("--workdir", type=Path, help="keep the project and server folder here (reused if present)")
    args = ap.parse_args()
    if args.tiny:
        args.docs, args.rounds, args.passes = min(args.docs, 3000), 4, 1
    enron, assemblee = web.CORPORA / "enron_mbox" / "mbox", web.CORPORA / "fr-assemblee-nationale-dossiers"
    if not enron.is_dir() or not assemblee.is_dir():
        raise SystemExit(f"corpus missing under {web.CORPORA}")
    work_dir = args.workdir or Path(tempfile.mkdtemp(prefix="bench-team-", dir="/tmp"))
    root, server_dir = work_dir / "project", work_dir / "server"
    bases = sc.read_enron(enron, 30 if args.tiny else 0) + sc.read_assemblee(assemblee, 150 if args.tiny else 0)
    corpus = sc.Corpus(bases, args.docs, args.seed)
    if not (root / "index").is_dir():
        t0 = time.perf_counter()
        web.build(root, corpus)
        fill_store(root, corpus)
        print(f"project: {args.docs:,} documents indexed and stored in {time.perf_counter() - t0:.0f} s")
    users = [f"user{i:02d}" for i in range(args.users)]
    if not server_dir.is_dir():
        server = Server.init(server_dir)
        server.add_project(root, "bench")
        for name in users:
            server.change_password(name, server.add_user(name), PASSWORD)
            server.grant(name, "bench", "editor")
    rng = random.Random(args.seed)
    qs = web.queries(bases, args.users * args.rounds, args.seed)
    doc_ids = [f"synth-{i}" for i in range(args.docs)]

    def workload() -> list[list[tuple[str, str, str]]]:
        return [[(rng.choice(qs), rng.choice(doc_ids), f"t{rng.randint(0, 9)}") for _ in range(args.rounds)]
                for _ in users]

    figures: dict[str, Any] = {"docs": args.docs, "users": args.users, "rounds": args.rounds, "passes": args.passes}
    samples: dict[str, dict[str, list[float]]] = {"off": {"api": [], "page": []}, "on": {"api": [], "page": []}}
    errors: dict[str, list[int]] = {"off": [], "on": []}
    procs: list[subprocess.Popen[str]] = []
    try:
        off, off_port = start(["--project", str(root)])
        on, on_port = start(["--server", str(server_dir)])
        procs = [off, on]
        # warm both: caches, thread pools, the index readers
        run(off_port, "", None, workload()[:4])
        run(on_port, "/p/bench", users[:4], workload()[:4])
        for _ in range(args.passes):
            for mode, port, prefix, who in (("off", off_port, "", None), ("on", on_port, "/p/bench", users)):
                t, e = run(port, prefix, who, workload())
                for k in t:
                    samples[mode][k].extend(t[k])
                errors[mode].extend(e)
        print(f"{'mode':<10} {'kind':<5} {'n':>6} {'p50':>9} {'p99':>9} {'errors':>6}")
        for mode in ("off", "on"):
            for kind in ("api", "page"):
                ms = samples[mode][kind]
                row = {"n": len(ms), "p50": round(web.pct(ms, 50), 1), "p99": round(web.pct(ms, 99), 1)}
                figures[f"{mode}_{kind}"] = row
                print(f"{'auth ' + mode:<10} {kind:<5} {row['n']:>6} {row['p50']:>7.1f}ms {row['p99']:>7.1f}ms "
                      f"{len(errors[mode]) if kind == 'api' else '':>6}")
        ok = True
        for kind in ("api", "page"):
            ratio = figures[f"on_{kind}"]["p99"] / figures[f"off_{kind}"]["p99"]
            figures[f"ratio_{kind}"] = round(ratio, 2)
            ok = ok and ratio <= 1.2
            print(f"p99 {kind}: auth on / auth off = {ratio:.2f}  (target <= 1.2)")
        figures["errors"] = {m: len(e) for m, e in errors.items()}
        figures["pass"] = ok and not any(errors.values())
        print(f"target: {'PASS' if figures['pass'] else 'FAIL'}")
        print(json.dumps(figures))
    finally:
        for p in procs:
            p.terminate()
            p.wait(timeout=30)
        if not args.workdir:
            shutil.rmtree(work_dir, ignore_errors=True)


if __name__ == "__main__":
    main()
