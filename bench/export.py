"""CSV export of 100,000 documents: time and peak RSS, showing memory stays flat as rows grow.

A synthetic project is written straight into a project folder (store rows and contents through
`Store`, index entries through `Index.writer` from `from_store`, as the index stage makes them):
e-mails with a sender, two recipients, a subject, a date and ~600 characters of text drawn from
a fixed vocabulary, seeded. Then `faisceau export csv` runs in a fresh process, once over a
tenth of the documents and once over all of them, for (a) every document (store order) and
(b) a query matching about half of them, with the `snippet` column (index order, snippets cut).
Peak RSS is the child's own (wait4), so the two sizes compare directly. RSS also counts the pages
of the index and store files the export maps and reads; the peak private memory (RssAnon, sampled
every 20 ms) is what streaming keeps flat.

    .venv/bin/python bench/export.py            # 100,000 documents
    .venv/bin/python bench/export.py --docs 20000
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from faisceau.index.core import Index
from faisceau.index.documents import from_store
from faisceau.index.indexer import index_path
from faisceau.store.db import Store
from faisceau.store.project import Project

WORDS = ("badge caméra salle pause registre sécurité contrôle accès rapport réunion salarié direction site "
         "Lyon Amiens retention export données enregistrement vidéo alerte nuit semaine contrat prestataire "
         "juridique conformité audit planning équipe incident accord budget").split()
PEOPLE = [(f"Personne {i}", f"p{i}@example.org") for i in range(200)]


def build(root: Path, n: int, seed: int = 1) -> float:
    """Write n synthetic e-mails into a new project at root; return seconds."""
    t0 = time.monotonic()
    rnd = random.Random(seed)
    proj = Project.open(root, create=True)
    store = Store(proj.store_path)
    index = Index(index_path(proj.root))
    w = index.writer()
    store.db.execute("BEGIN")
    for i in range(n):
        words = [rnd.choice(WORDS) for _ in range(90)]
        if i % 2 == 0:
            words[rnd.randrange(90)] = "vigie"   # the query of the bench matches every other document
        text = " ".join(words) + "\n"
        sha = hashlib.sha256(f"{seed}-{i}".encode()).hexdigest()
        frm, to1, to2 = rnd.sample(PEOPLE, 3)
        meta = {"subject": f"Message {i}: {words[0]} {words[1]}", "title": f"Message {i}",
                "date": f"20{10 + i % 14:02d}-{1 + i % 12:02d}-{1 + i % 28:02d}T10:00:00+02:00",
                "from": [{"name": frm[0], "address": frm[1]}],
                "to": [{"name": to1[0], "address": to1[1]}, {"name": to2[0], "address": to2[1]}]}
        row = {"id": f"s{i:09d}", "parent_id": None, "root_id": f"s{i:09d}", "path": f"synth/{i}.eml", "name": f"{i}.eml",
               "source": None, "sha256": sha, "size": len(text.encode()), "depth": 0, "status": "ok",
               "kind": "email", "mime": "message/rfc822"}
        store.add_document(row)
        content = {"mime": "message/rfc822", "kind": "email", "extractor": "eml", "extractor_version": "1",
                   "metadata": meta, "text": text, "language": "fr"}
        store.put_content(sha, len(text.encode()), "ok", None, content)
        w.add(from_store(row, {**content, "pages": []}))
        if i % 20_000 == 19_999:
            store.db.execute("COMMIT")
            w.commit()
            store.db.execute("BEGIN")
    store.db.execute("COMMIT")
    w.commit()
    w.close()
    store.close()
    return time.monotonic() - t0


def run_export(root: Path, out: Path, args: list[str]) -> dict[str, float]:
    """One `faisceau export csv` in a fresh process: seconds, peak RSS (MB), rows."""
    cmd = [sys.executable, "-m", "faisceau", "export", "csv", "--project", str(root), "-o", str(out), "--json", *args]
    t0 = time.monotonic()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    anon = [0]
    stop = threading.Event()

    def sample() -> None:  # private memory (heap): RSS also counts the mapped index and store files
        while not stop.is_set():
            try:
                for line in Path(f"/proc/{proc.pid}/status").read_text().splitlines():
                    if line.startswith("RssAnon:"):
                        anon[0] = max(anon[0], int(line.split()[1]))
            except (OSError, ValueError):
                pass
            time.sleep(0.02)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    _, status, usage = os.wait4(proc.pid, 0)
    stop.set()
    sampler.join()
    seconds = time.monotonic() - t0
    stdout = proc.stdout.read().decode() if proc.stdout else ""
    if status != 0:
        raise SystemExit(f"export failed: {proc.stderr.read().decode() if proc.stderr else ''}")
    rows = json.loads(stdout)["rows"]
    out.unlink()
    return {"rows": rows, "seconds": round(seconds, 2), "rows_per_s": round(rows / seconds),
            "peak_rss_mb": round(usage.ru_maxrss / 1024, 1), "peak_anon_mb": round(anon[0] / 1024, 1)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--docs", type=int, default=100_000)
    ap.add_argument("--workdir", type=Path, default=None)
    ap.add_argument("--keep", action="store_true")
    a = ap.parse_args()
    work = a.workdir or Path(tempfile.mkdtemp(prefix="faisceau-bench-export-"))
    try:
        results = {}
        for n in (a.docs // 10, a.docs):
            root = work / f"p{n}"
            shutil.rmtree(root, ignore_errors=True)
            built = build(root, n)
            print(f"built {n:,} documents in {built:.1f} s", flush=True)
            for label, args in (("all documents", []),
                                ("query vigie + snippet", ["--query", "vigie", "--columns", "id,path,title,date,from,to,sha256,snippet"])):
                r = run_export(root, work / "out.csv", args)
                results[(n, label)] = r
                print(f"  {label:<24} {r['rows']:>8,} rows  {r['seconds']:>7.2f} s  {r['rows_per_s']:>7,} rows/s"
                      f"  peak RSS {r['peak_rss_mb']:.1f} MB (private {r['peak_anon_mb']:.1f} MB)", flush=True)
            shutil.rmtree(root, ignore_errors=True)
        for label in ("all documents", "query vigie + snippet"):
            small, big = results[(a.docs // 10, label)], results[(a.docs, label)]
            print(f"{label}: peak RSS {small['peak_rss_mb']} MB at {a.docs // 10:,} docs, {big['peak_rss_mb']} MB at"
                  f" {a.docs:,} docs (×{big['peak_rss_mb'] / small['peak_rss_mb']:.2f} for ×10 rows); private memory"
                  f" {small['peak_anon_mb']} → {big['peak_anon_mb']} MB")
    finally:
        if not a.keep:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
