#!/usr/bin/env python3
"""Ingest benchmark: faisceau against bare parsing of the same data, measured in the same run.

    python bench/ingest.py            # enron_mbox + multi-page PDFs of the corpora (minutes)
    python bench/ingest.py --tiny     # a smoke run on a slice (seconds; CI runs it)
    python bench/ingest.py --big-mbox 20   # also a 1 GB mbox, for the bounded-memory figure

E-mail: `faisceau ingest` of the Enron mbox folder (extract + language; then again with every stage)
with N workers, in e-mails/s end to end, beside bare `email.policy.default` parsing and bare
compat32 parsing of the same messages with N processes. PDF: pages/s of `faisceau ingest` on
the multi-page PDFs of the corpora, beside bare pypdfium2 text extraction with N processes.
Peak summed RSS of the ingest process tree is sampled every 0.2 s. Targets (issue 2):
≥ 1,500 e-mails/s on 2 cores; ≥ 80 % of the bare pypdfium2 page rate; RSS ≤ 2 GB.
"""

from __future__ import annotations

import argparse
import email
import email.policy
import json
import mailbox
import multiprocessing as mp
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parent.parent
CORPORA = Path(os.environ.get("FAISCEAU_CORPORA", ROOT.parent / "shared" / "corpora"))


def _mbox_messages(path: str) -> list[bytes]:
    box = mailbox.mbox(path, create=False)
    return [box.get_bytes(k) for k in box.keys()]


def _parse_default(chunk: list[bytes]) -> int:
    n = 0
    for raw in chunk:
        msg = email.message_from_bytes(raw, policy=email.policy.default)
        for h in ("from", "to", "cc", "subject", "date", "message-id"):
            msg.get(h)
        body = msg.get_body(("plain", "html"))
        if body is not None:
            try:
                body.get_content()
            except (LookupError, ValueError):
                pass
        n += 1
    return n


def _parse_compat32(chunk: list[bytes]) -> int:
    n = 0
    for raw in chunk:
        msg = email.message_from_bytes(raw)
        for h in ("from", "to", "cc", "subject", "date", "message-id"):
            msg.get(h)
        for part in msg.walk():
            if part.get_content_type() == "text/plain":
                part.get_payload(decode=True)
                break
        n += 1
    return n


def _pdf_pages(path: str) -> int:
    import pypdfium2 as pdfium

    try:
        pdf = pdfium.PdfDocument(path)
    except Exception:  # broken files are skipped by the bare baseline too
        return 0
    n = 0
    for i in range(len(pdf)):
        page = pdf[i]
        page.get_textpage().get_text_range()
        n += 1
    return n


def _pdf_chunk(paths: list[str]) -> int:
    return sum(_pdf_pages(p) for p in paths)


def bare_rate(func, items: list, workers: int, chunks: int) -> tuple[int, float]:
    """Items processed and seconds, with `workers` processes (pool start-up included)."""
    size = max(1, len(items) // chunks)
    parts = [items[i:i + size] for i in range(0, len(items), size)]
    t0 = time.perf_counter()
    with mp.get_context("spawn").Pool(workers) as pool:
        n = sum(pool.map(func, parts, chunksize=1))
    return n, time.perf_counter() - t0


# the later issues' stages, left out of the issue-2 (ingest foundation) figures
FOUNDATION_SKIPS = "ocr,entities,identifiers,dates,threads,neardup,entity_grouping"


def run_ingest(inputs: list[Path], workers: int, index: bool = False, tree: Path | None = None) -> tuple[dict, float, int]:
    """Run `faisceau ingest` in a fresh project; return its report, wall seconds, peak tree RSS.

    The issue-2 figures are taken without the analysis and corpus stages and the index (`--set
    index=false --set skip_stages=…`): extraction, language, hashing and accounting; the e-mail run
    is repeated with every stage for the full figure. `tree`: run the faisceau of that source tree
    (a checkout of another commit) instead of this one.
    """
    project = Path(tempfile.mkdtemp(prefix="bench-project-"))
    shutil.rmtree(project)
    cmd = [sys.executable, "-m", "faisceau", "ingest", *map(str, inputs), "--project", str(project),
           "--workers", str(workers), "--json", "--set", f"index={'true' if index else 'false'}"]
    if not index:
        cmd += ["--set", f"skip_stages={FOUNDATION_SKIPS}"]
    peak = 0
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
                            cwd=tree or ROOT)  # `-m faisceau` imports the package of the folder it starts in
    stop = threading.Event()

    def sample() -> None:
        nonlocal peak
        while not stop.is_set():
            try:
                p = psutil.Process(proc.pid)
                procs = [p, *p.children(recursive=True)]
                peak = max(peak, sum(q.memory_info().rss for q in procs if q.is_running()))
            except psutil.Error:
                pass
            time.sleep(0.2)

    t = threading.Thread(target=sample, daemon=True)
    t.start()
    out, _ = proc.communicate()
    seconds = time.perf_counter() - t0
    stop.set()
    t.join()
    if proc.returncode != 0:
        raise SystemExit(f"ingest failed with exit {proc.returncode}")
    report = json.loads(out.strip().splitlines()[-1])
    report["project"] = str(project)
    return report, seconds, peak


def against(mboxes: list[Path], workers: int, tree: Path) -> None:
    """The e-mail ingest (the issue-2 figure: extraction, language, hashing, accounting) of this tree
    and of `tree`, alternating twice, so that both see the same machine state; rates and their ratio.
    (Every stage takes about ten minutes a run here: not repeated four times.)"""
    rates: dict[str, list[float]] = {"baseline": [], "this tree": []}
    for turn in range(2):
        for name, where in (("baseline", tree.resolve()), ("this tree", ROOT)):
            report, seconds, _ = run_ingest(mboxes, workers, tree=where)
            n, _ = count_kind(report["project"], "email")
            shutil.rmtree(report["project"], ignore_errors=True)
            rates[name].append(n / seconds)
            print(f"  turn {turn + 1} {name:<9} foundation: {n / seconds:7,.0f} e-mails/s ({n:,} in {seconds:.1f} s)")
    base, this = rates["baseline"], rates["this tree"]
    print(f"foundation: baseline {' / '.join(f'{r:,.0f}' for r in base)}, "
          f"this tree {' / '.join(f'{r:,.0f}' for r in this)} e-mails/s; ratio of the best {max(this) / max(base):.2f}")


def count_kind(project: str, kind: str) -> tuple[int, int]:
    """(documents of that kind that are ok, pages of ok PDFs) in a project."""
    import sqlite3

    db = sqlite3.connect(Path(project) / "store.sqlite")
    n = db.execute("SELECT count(*) FROM documents WHERE kind = ? AND status = 'ok'", (kind,)).fetchone()[0]
    pages = 0
    for (p,) in db.execute("SELECT c.pages FROM contents c WHERE c.kind = 'pdf'"):
        pages += len(json.loads(p or "[]"))
    return n, pages


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--tiny", action="store_true", help="a smoke run on a slice of the data")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--keep", action="store_true", help="keep the benchmark projects")
    ap.add_argument("--pages", type=int, default=12000,
                    help="PDF pages to process (copies of the corpus PDFs); 12,000 is about 15 s, so that the "
                         "run's fixed start (printed apart) weighs on the rate as on a real ingest, not on a 5 s one")
    ap.add_argument("--big-mbox", type=int, default=0, metavar="N",
                    help="also ingest one mbox made of the Enron folder N times over (N=20: about 1 GB) "
                         "and report its peak process-tree RSS")
    ap.add_argument("--against", type=Path, metavar="TREE",
                    help="only the e-mail ingest (foundation stages), twice each, alternating with the faisceau of"
                         " TREE (a checkout of an earlier commit, e.g. `git worktree add /tmp/before <commit>`): the"
                         " rates side by side")
    args = ap.parse_args()
    mbox_dir = CORPORA / "enron_mbox" / "mbox"
    if not mbox_dir.is_dir():
        raise SystemExit(f"corpus missing: {mbox_dir}")
    mboxes = sorted(mbox_dir.rglob("*.mbox")) or sorted(p for p in mbox_dir.rglob("*") if p.is_file())
    pdfs = sorted(p for d in ("docs-py-pdf-sample-files", "docs-tika-test-documents", "docs-ocrmypdf-resources")
                  for p in (CORPORA / d).rglob("*.pdf"))
    work = Path(tempfile.mkdtemp(prefix="bench-"))
    if args.tiny:
        mboxes = [p for p in sorted(mboxes, key=lambda p: p.stat().st_size) if p.stat().st_size > 200_000][:2]
        pdfs = pdfs[:5]
    multi = [(p, n) for p in pdfs if (n := _pdf_pages(str(p))) > 1]
    pdf_in = work / "pdfs"
    pdf_in.mkdir()
    # the corpora hold a few hundred multi-page pages: copies (each made distinct by a comment
    # after %%EOF, so exact deduplication does not skip them) give a steady-state rate
    total = sum(n for _, n in multi) or 1
    copies = 1 if args.tiny else max(1, -(-args.pages // total))
    for c in range(copies):
        for i, (p, _) in enumerate(multi):
            (pdf_in / f"{c:03d}-{i:03d}-{p.name}").write_bytes(p.read_bytes() + f"\n%copy {c}\n".encode())
    w = args.workers

    if args.against is not None:
        against(mboxes, args.workers, args.against)
        return
    messages = [m for path in mboxes for m in _mbox_messages(str(path))]
    print(f"e-mail: {len(mboxes)} mbox files, {len(messages):,} messages, {w} workers/processes")
    n_def, s_def = bare_rate(_parse_default, messages, w, w * 8)
    n_c32, s_c32 = bare_rate(_parse_compat32, messages, w, w * 8)
    report, s_ing, rss = run_ingest(mboxes, w)
    n_mail, _ = count_kind(report["project"], "email")
    r_def, r_c32, r_ing = n_def / s_def, n_c32 / s_c32, n_mail / s_ing
    print(f"  bare email.policy.default : {r_def:9,.0f} e-mails/s ({n_def:,} in {s_def:.1f} s)")
    print(f"  bare compat32             : {r_c32:9,.0f} e-mails/s ({n_c32:,} in {s_c32:.1f} s)")
    print(f"  faisceau ingest           : {r_ing:9,.0f} e-mails/s ({n_mail:,} e-mails ok in {s_ing:.1f} s, "
          f"peak RSS {rss / 2**20:,.0f} MB)")
    print(f"  ratio faisceau/default {r_ing / r_def:.2f}, faisceau/compat32 {r_ing / r_c32:.2f}; "
          f"target 1,500/s: {'met' if r_ing >= 1500 else 'NOT met'}; RSS ≤ 2 GB: {'met' if rss <= 2 << 30 else 'NOT met'}")
    report_ix, s_ix, rss_ix = run_ingest(mboxes, w, index=True)
    ix = report_ix.get("index") or {}
    corpus = report_ix.get("corpus") or {}
    print(f"  faisceau ingest, all stages: {n_mail / s_ix:6,.0f} e-mails/s ({s_ix:.1f} s: corpus stages "
          + ", ".join(f"{k} {v.get('seconds', 0)} s" for k, v in corpus.items())
          + f", index {ix.get('seconds', 0)} s; {ix.get('documents', 0):,} documents searchable; "
          f"peak RSS {rss_ix / 2**20:,.0f} MB)")
    shutil.rmtree(report_ix["project"], ignore_errors=True)

    n_pages, s_bare = bare_rate(_pdf_chunk, [str(p) for p in sorted(pdf_in.iterdir())], w, w * 4)
    report_pdf, s_pdf, rss_pdf = run_ingest([pdf_in], w)
    _, pages = count_kind(report_pdf["project"], "pdf")
    r_bare, r_pdf = n_pages / s_bare, pages / s_pdf
    print(f"pdf: {len(multi)} multi-page PDFs x {copies} copies, {w} workers/processes")
    print(f"  bare pypdfium2 text       : {r_bare:9,.0f} pages/s ({n_pages:,} pages in {s_bare:.1f} s)")
    print(f"  faisceau ingest           : {r_pdf:9,.0f} pages/s ({pages:,} pages in {s_pdf:.1f} s, "
          f"peak RSS {rss_pdf / 2**20:,.0f} MB)")
    print(f"  ratio faisceau/pypdfium2 {r_pdf / r_bare:.2f} (target ≥ 0.80: {'met' if r_pdf >= 0.8 * r_bare else 'NOT met'})")
    one = work / "one"
    one.mkdir()
    shutil.copy(multi[0][0], one)
    report_one, s_one, _ = run_ingest([one], w)
    print(f"  included above: the start and end of any ingest (one {multi[0][1]}-page PDF): {s_one:.1f} s")
    shutil.rmtree(report_one["project"], ignore_errors=True)
    if args.big_mbox:
        big = work / "big.mbox"
        with open(big, "wb") as out:
            for _ in range(args.big_mbox):
                for path in mboxes:
                    with open(path, "rb") as f:
                        shutil.copyfileobj(f, out)
        report_big, s_big, rss_big = run_ingest([big], w)
        print(f"big mbox: {big.stat().st_size / 2**30:.2f} GB, {report_big['total'] - 1:,} messages in {s_big:.1f} s, "
              f"peak RSS {rss_big / 2**20:,.0f} MB (RSS ≤ 2 GB: {'met' if rss_big <= 2 << 30 else 'NOT met'})")
        shutil.rmtree(report_big["project"], ignore_errors=True)
    if not args.keep:
        shutil.rmtree(work, ignore_errors=True)
        shutil.rmtree(report["project"], ignore_errors=True)
        shutil.rmtree(report_pdf["project"], ignore_errors=True)


if __name__ == "__main__":
    main()
