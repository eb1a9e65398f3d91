#!/usr/bin/env python3
"""E-mail intelligence benchmark: threading, same-message copies and near-duplicates, ×1 and ×N.

    python bench/mail.py                       # enron_mbox ingested here, then ×1 and ×10 (minutes)
    python bench/mail.py --project P           # reuse a project that already holds enron_mbox
    python bench/mail.py --scale 3 --limit 3000   # a quick run
    python bench/mail.py --threading-only      # only the threading scores against the subject baseline (seconds)

The corpus stages are timed on their own, outside the ingest: each run copies the e-mail
documents (metadata and text, as the extractor stored them) into a fresh store and runs
`update_records` (parse bodies, quotes, keys), `update_threads` (thread everything, write rows)
and `neardup.update` (MinHash + LSH buckets on disk), then reads the copy groups back.
The ×N store holds N replicas of the corpus. Every replica but the first has its own words
(each word of texts, subjects and names gets the replica number appended), addresses, Message-IDs
and dates (shifted by 400 days a replica): N times the data with the same structure, not N copies
of it. Target of the e-mail issue: ×10 data in ≤ ×13 time.

Threading quality is scored by the shared scorer (`tools/thread_score.py`, called as a script,
not copied) on the notmuch LKML set, with its headers and with In-Reply-To/References/Thread-Index
stripped, beside the scorer's normalised-subject baseline on the same copies in the same run:
faisceau must never be below that baseline.
"""

from __future__ import annotations

import sys
from pathlib import Path

# run as a script, this file's folder comes first on sys.path, where it would hide the stdlib `email`
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]

import argparse
import json
import os
import re
import shlex
import shutil
import subprocess
import tempfile
import time
from datetime import datetime, timedelta
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
CORPORA = Path(os.environ.get("FAISCEAU_CORPORA", ROOT.parent / "shared" / "corpora"))
SCORER = CORPORA.parent / "tools" / "thread_score.py"

from faisceau.mail import neardup, stage, views
from faisceau.store.db import Store
from faisceau.store.project import Project

_WORD = re.compile(r"[^\W\d_]{2,}", re.UNICODE)


# left alone so that quoted dates still parse and "Re:"/"Fw:"/"wrote" still read as such
_KEEP = {w for w in ["january", "february", "march", "april", "may", "june", "july", "august", "september", "october", "november", "december", "jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept", "oct", "nov", "dec", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday", "mon", "tue", "wed", "thu", "fri", "sat", "sun", "am", "pm", "re", "fw", "fwd", "tr", "aw", "wg", "from", "sent", "to", "cc", "bcc", "subject", "date", "original", "message", "forwarded", "by", "on", "wrote", "de", "envoyé", "objet", "le", "écrit", "patch"]}


def _words(text: str, r: int) -> str:
    if not r:
        return text
    return _WORD.sub(lambda m: m.group(0) if m.group(0).lower() in _KEEP else f"{m.group(0)}{r}", text)


def _addr(a: str, r: int) -> str:
    if not r or "@" not in a:
        return a
    local, domain = a.split("@", 1)
    renamed = _words(local, r)
    return f"{renamed if renamed != local else local + str(r)}@{domain}"


def _date(iso: str | None, r: int) -> str | None:
    if not iso or not r:
        return iso
    try:
        d = datetime.fromisoformat(iso) + timedelta(days=400 * r)
    except ValueError:
        return iso
    return d.isoformat().replace("+00:00", "Z")


def _replica(meta: dict[str, Any], text: str, r: int) -> tuple[dict[str, Any], str]:
    if not r:
        return meta, text
    m = json.loads(json.dumps(meta))
    for role in ("from", "to", "cc", "bcc"):
        for a in m.get(role) or []:
            a["address"] = _addr(a.get("address") or "", r)
            a["name"] = _words(a.get("name") or "", r)
    m["subject"] = _words(m.get("subject") or "", r)
    m["date_utc"] = _date(m.get("date_utc"), r)
    if m.get("message_id"):
        m["message_id"] = f"r{r}.{m['message_id']}"
    m["headers"] = [[k, _words(v, r) if k.lower() == "x-from" else
                     re.sub(r"<([^<>]+)>", lambda x: f"<r{r}.{x[1]}>", v) if k.lower() in ("in-reply-to", "references")
                     else v] for k, v in m.get("headers") or []]
    return m, _words(text, r)


def load(project: Path, limit: int) -> list[tuple[dict[str, Any], str, str]]:
    store = Store(Project.open(project).store_path)
    sql = ("SELECT d.parent_id, c.metadata, c.text FROM documents d JOIN contents c ON c.sha256 = d.sha256"
           " WHERE d.kind = 'email' AND d.status = 'ok' ORDER BY d.rowid")
    rows = [(json.loads(m or "{}"), t or "", p or "") for p, m, t in store.db.execute(sql + (f" LIMIT {limit}" if limit else ""))]
    store.close()
    return rows


def build_store(path: Path, rows: list[tuple[dict[str, Any], str, str]], scale: int) -> Store:
    store = Store(path)
    n = 0
    with store.transaction():
        for r in range(scale):
            for meta, text, parent in rows:
                m, t = _replica(meta, text, r)
                sha = f"{r:04d}{n:060d}"
                n += 1
                store.put_content(sha, len(t), "ok", None, {"metadata": m, "text": t, "kind": "email"})
                store.add_document({"id": f"e{r}-{n}", "root_id": f"box{r}-{parent}", "parent_id": f"box{r}-{parent}",
                                    "path": f"replica{r}/{n}", "name": str(n), "sha256": sha, "depth": 1,
                                    "status": "ok", "kind": "email"})
    return store


def run(rows: list[tuple[dict[str, Any], str, str]], scale: int, work: Path) -> dict[str, Any]:
    path = work / f"x{scale}.sqlite"
    for p in work.glob(f"x{scale}.sqlite*"):
        p.unlink()
    store = build_store(path, rows, scale)
    out: dict[str, Any] = {"scale": scale, "messages": len(rows) * scale}
    t0 = time.monotonic()
    stage.update_records(store)
    t1 = time.monotonic()
    stage.update_threads(store)
    t2 = time.monotonic()
    groups = list(views.copy_groups(store))
    t3 = time.monotonic()
    neardup.update(store)
    t4 = time.monotonic()
    again = stage.update_threads(store)   # nothing new: the incremental pass
    t5 = time.monotonic()
    out.update(parse=round(t1 - t0, 2), threads=round(t2 - t1, 2), copies=round(t3 - t2, 2),
               neardup=round(t4 - t3, 2), rethread=round(t5 - t4, 2), total=round(t4 - t0, 2),
               copy_groups=len(groups), copy_messages=sum(g["count"] - 1 for g in groups),
               threads_2plus=store.db.execute(
                   "SELECT count(*) FROM (SELECT thread_id FROM message_threads WHERE copy_of IS NULL"
                   " GROUP BY thread_id HAVING count(*) > 1)").fetchone()[0],
               near_pairs=store.db.execute("SELECT count(*) FROM neardup_pairs").fetchone()[0],
               unchanged_on_rerun=not again)
    store.close()
    return out


def _scorer(*args: str) -> dict[str, dict[str, Any]]:
    """Run the shared threading scorer with --json; its results by name."""
    proc = subprocess.run([sys.executable, str(SCORER), "--data", str(CORPORA), "--json", *args],
                          capture_output=True, text=True, check=True)
    return {d["name"]: d for d in map(json.loads, (x for x in proc.stdout.splitlines() if x.startswith("{")))}


def threading_scores(work: Path) -> list[dict[str, Any]]:
    """faisceau's threads and the normalised-subject baseline, both modes of the LKML set, one run."""
    me = f"{shlex.quote(sys.executable)} -m faisceau"
    ours = _scorer("run", "--workdir", str(work / "threads"), "--ingest-cmd", me + " ingest {mbox} --project {project}"
                   " --set index=false", "--threads-cmd", me + " threads --project {project} --json")
    base = _scorer("baseline")
    out = []
    for mode in ("headers", "stripped"):
        f = next(d for n, d in ours.items() if n.startswith(mode + ":"))
        b = base[f"{mode}: subject baseline"]
        out.append({"mode": mode, "f1": f["f1"], "precision": f["precision"], "recall": f["recall"],
                    "parent_accuracy": f.get("parent_accuracy"), "threads": f["pred_threads"],
                    "gold_threads": f["gold_threads"], "subject_f1": b["f1"],
                    "subject_parent_accuracy": b.get("parent_accuracy"),
                    "f1_minus_subject": round(f["f1"] - b["f1"], 4), "ok": f["f1"] >= b["f1"]})
    return out


def print_threading(rows: list[dict[str, Any]]) -> None:
    print("threading (notmuch LKML set)   F1      P      R  parent  threads | subject F1  parent | F1 − subject")
    for r in rows:
        print(f"  {r['mode']:<26} {100 * r['f1']:5.1f}  {100 * r['precision']:5.1f}  {100 * r['recall']:5.1f}"
              f"  {100 * (r['parent_accuracy'] or 0):5.1f}  {r['threads']:>3}/{r['gold_threads']:<3} |"
              f"      {100 * r['subject_f1']:5.1f}   {100 * (r['subject_parent_accuracy'] or 0):5.1f} |"
              f"  {100 * r['f1_minus_subject']:+5.1f} {'ok' if r['ok'] else 'BELOW THE SUBJECT BASELINE'}")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--project", type=Path, help="a project holding enron_mbox (default: ingest it into a temp folder)")
    ap.add_argument("--scale", type=int, default=10)
    ap.add_argument("--limit", type=int, default=0, help="only the first N e-mails (0: all)")
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--threading-only", action="store_true", help="only the threading scores (LKML set)")
    args = ap.parse_args()
    work = Path(tempfile.mkdtemp(prefix="bench-email-"))
    try:
        scores: list[dict[str, Any]] = []
        if SCORER.is_file() and (CORPORA / "threading-gt-notmuch").is_dir():
            scores = threading_scores(work)
            if not args.json:
                print_threading(scores)
        else:
            print(f"threading scores skipped: scorer or corpus missing under {SCORER.parent.parent.name}/",
                  file=sys.stderr)
        if args.threading_only:
            if args.json:
                print(json.dumps({"threading": scores}))
            return 0 if scores and all(r["ok"] for r in scores) else 1
        project = args.project
        if project is None:
            src = CORPORA / "enron_mbox" / "mbox"
            if not src.is_dir():
                print(f"corpus missing: {src}", file=sys.stderr)
                return 2
            project = work / "enron"
            t0 = time.monotonic()
            subprocess.run([sys.executable, "-m", "faisceau", "ingest", str(src), "--project", str(project),
                            "--set", "index=false"], check=True, capture_output=True)
            print(f"ingest enron_mbox: {time.monotonic() - t0:.1f} s", file=sys.stderr)
        rows = load(project, args.limit)
        run(rows[:300], 1, work)   # warm-up (imports, compiled patterns), not counted
        one = run(rows, 1, work)
        many = run(rows, args.scale, work)
        ratio = round(many["total"] / max(one["total"], 1e-9), 2)
        result = {"x1": one, f"x{args.scale}": many, "time_ratio": ratio, "data_ratio": args.scale,
                  "target": f"≤ ×{round(args.scale * 1.3, 1)}", "ok": ratio <= args.scale * 1.3,
                  "threading": scores}
        if args.json:
            print(json.dumps(result))
        else:
            cols = ("messages", "parse", "threads", "copies", "neardup", "total", "rethread", "copy_messages",
                    "threads_2plus", "near_pairs")
            print("scale  " + "  ".join(f"{c:>13}" for c in cols))
            for r in (one, many):
                print(f"x{r['scale']:<5} " + "  ".join(f"{r[c]:>13,}" if isinstance(r[c], int) else f"{r[c]:>13}"
                                                     for c in cols))
            print(f"time ×{ratio} for data ×{args.scale} (target {result['target']}): {'ok' if result['ok'] else 'MISSED'}")
        return 0
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
