"""`faisceau ingest`: walk, extract, hash and account for every file and every child."""

from __future__ import annotations

import sys
import threading
import time
from pathlib import Path
from typing import Any

import click

from .. import settings as settings_mod
from ..exc import UsageError
from ..pipeline.orchestrator import Ingest, Progress
from ..pipeline.stages import STAGES
from ..store.project import Project
from .cluster import cluster_option, connected
from .options import emit, handle_errors, json_option, project_option


def parse_sets(pairs: tuple[str, ...]) -> dict[str, Any]:
    """`--set name=value` pairs, parsed by each setting's own parser."""
    out: dict[str, Any] = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        name = name.strip().replace("-", "_")
        if not sep or name not in settings_mod.BY_NAME:
            raise UsageError(f"--set {pair!r}: expected NAME=VALUE with a known setting (see `faisceau settings`)")
        try:
            out[name] = settings_mod.BY_NAME[name].parse(value)
        except ValueError as e:
            raise UsageError(f"--set {pair!r}: {e}") from None
    return out


def read_passwords(path: Path | None) -> list[str]:
    if path is None:
        return []
    try:
        lines = path.read_text("utf-8", "surrogateescape").splitlines()
    except OSError as e:
        raise UsageError(f"--passwords {path}: {e.strerror}") from None
    return [line for line in lines if line]


class Bar:
    """Progress: a live line with rate and ETA on a terminal, a plain line every 10 s otherwise.

    The ETA counts from the rate of the last minute and the items known now; while that number
    grows (a mailbox or an archive opens and its messages join the queue: on a real leak the ETA
    leapt from 35 s to 2,621 s) the line says items are still being found instead of a guess.
    After the last item, the corpus stages run without progress reports of their own: a clock
    thread keeps the line moving and names them ("corpus stages: threads, neardup, … 12 s")."""

    WINDOW = 60.0   # seconds of history for the rate and for "still finding items"
    QUIET = 2.0     # no report for this long after the last item: the corpus stages are running

    def __init__(self, corpus_stages: tuple[str, ...] = ()) -> None:
        self.tty = sys.stderr.isatty()
        self.last = 0.0
        self.corpus_stages = corpus_stages
        self.history: list[tuple[float, int, int]] = []   # (time, done, done + pending)
        self.latest: Progress | None = None
        self.latest_at = 0.0
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._clock: threading.Thread | None = None

    def __call__(self, p: Progress) -> None:
        now = time.monotonic()
        with self._lock:
            self.latest, self.latest_at = p, now
            self.history.append((now, p.done, p.done + p.pending))
            while self.history and now - self.history[0][0] > self.WINDOW:
                self.history.pop(0)
            if self._clock is None and self.corpus_stages:
                self._clock = threading.Thread(target=self._tick, name="progress-clock", daemon=True)
                self._clock.start()
            if not self.tty and now - self.last < 10:
                return
            self.last = now
            self._show(self.line(p, now))

    def line(self, p: Progress, now: float) -> str:
        """The progress line for `p` at `now`."""
        counts = " ".join(f"{k} {v:,}" for k, v in sorted(p.by_status.items()))
        head = f"walked {p.walked:,} · done {p.done:,} ({counts}) · pending {p.pending:,}"
        # the second frontier: everything is searchable, the analysis goes on
        tail = f" · analysed {p.analysed:,} of {p.to_analyse:,}" if p.to_analyse else ""
        if not p.pending and p.done and now - self.latest_at >= self.QUIET and self.corpus_stages:
            return (f"{head}{tail} · corpus stages: {', '.join(self.corpus_stages)}, then the index · "
                    f"{now - self.latest_at:,.0f} s")
        t0, done0, total0 = self.history[0] if self.history else (now, 0, 0)
        span = now - t0
        rate = (p.done - done0) / span if span >= 5 else (p.done / p.elapsed if p.elapsed else 0.0)
        growing = span > 0 and p.done + p.pending > total0 * 1.05 and p.pending
        if growing:
            eta = "— (still finding items)"
        else:
            eta = f"{p.pending / rate:,.0f} s" if rate and p.pending else "-"
        return f"{head} · {rate:,.1f}/s · ETA {eta}{tail}"

    def _tick(self) -> None:
        """Keep the line moving while nothing reports (the corpus stages)."""
        while not self._stop.wait(1.0):
            with self._lock:
                p, now = self.latest, time.monotonic()
                if p is None or now - self.latest_at < self.QUIET or (not self.tty and now - self.last < 10):
                    continue
                self.last = now
                self._show(self.line(p, now))

    def _show(self, line: str) -> None:
        if self.tty:
            click.echo("\r\x1b[2K" + line, err=True, nl=False)
        else:
            click.echo(line, err=True)

    def close(self) -> None:
        self._stop.set()
        if self._clock is not None:
            self._clock.join(2)
        if self.tty:
            click.echo("", err=True)


def print_report(report: dict[str, Any]) -> None:
    d = report["documents"]
    click.echo(f"Ingest {report['run']}: {report['processed']:,} items in {report['seconds']:,} s "
               f"({report['rate'] or 0:,.1f}/s, {report['workers']} workers, peak RSS {report['peak_rss_mb']} MB)")
    click.echo(f"  store: {report['total']:,} documents — ok {d['ok']:,}, failed {d['failed']:,}, "
               f"skipped {d['skipped']:,}, pending {d['pending']:,}; {report['distinct_contents']:,} distinct contents")
    ix = report.get("index") or {}
    if ix:
        # "24,369 documents indexed … 22,850 searchable" read as if 1,519 were lost: the first figure
        # counts index writes of this run (a document is written again when its entities change)
        click.echo(f"  index: {ix['documents']:,} documents searchable; {ix['indexed']:,} index writes this run"
                   f" in {ix['seconds']} s (a document is written again when its analysis changes it)"
                   + (f", {ix['failed']:,} failed" if ix.get("failed") else ""))
    if report["by_kind"]:
        click.echo("  by kind: " + ", ".join(f"{k} {v:,}" for k, v in report["by_kind"].items()))
    if report["by_reason"]:
        click.echo("  by reason:")
        for reason, n in list(report["by_reason"].items())[:20]:
            click.echo(f"    {n:>7,}  {reason}")
        if len(report["by_reason"]) > 20:
            click.echo(f"    … {len(report['by_reason']) - 20} more: `faisceau failures`")


@click.command()
@click.argument("inputs", nargs=-1, type=click.Path(path_type=Path))
@project_option
@click.option("--workers", type=int, default=None, help="Worker processes (default: one per core).")
@click.option("--passwords", type=click.Path(path_type=Path, dir_okay=False), default=None,
              help="File with one password per line, tried on encrypted items.")
@click.option("--retry-failed", is_flag=True, help="Re-process failed items (and those skipped for a missing tool).")
@click.option("--ocr", type=click.Choice(["off", "auto", "force"]), default=None,
              help="OCR: off, auto (pages without a usable text layer; the default) or force (every page).")
@click.option("--set", "sets", multiple=True, metavar="NAME=VALUE", help="Override a setting for this run.")
@cluster_option
@json_option
@handle_errors
def ingest(inputs: tuple[Path, ...], project: Path, workers: int | None, passwords: Path | None,
           retry_failed: bool, ocr: str | None, sets: tuple[str, ...], cluster: str | None, as_json: bool) -> None:
    """Ingest files, folders and archives into a project; re-running adds nothing new."""
    if not inputs and not retry_failed:
        raise UsageError("nothing to ingest: give files or folders (or --retry-failed)")
    for p in inputs:
        if not p.exists() and not p.is_symlink():
            raise UsageError(f"{p}: no such file or folder")
    proj = Project.open(project, create=True)
    overrides = parse_sets(sets)
    if workers is not None:
        if workers < 1:
            raise UsageError("--workers must be at least 1")
        overrides["workers"] = workers
    if passwords is not None:
        overrides["passwords"] = str(passwords)
    if ocr is not None:
        overrides["ocr"] = ocr
    if cluster is not None:
        overrides["cluster"] = cluster
    cfg = settings_mod.load(proj.root, overrides)
    pw = read_passwords(Path(cfg.passwords)) if cfg.passwords else []
    skipped = {x.strip() for x in str(cfg.skip_stages).split(",")}
    bar = Bar(tuple(s.name for s in STAGES if s.scope == "corpus" and s.name not in skipped))
    with connected(cfg, proj, inputs) as executor:
        run = Ingest(proj, cfg, passwords=pw, on_progress=bar, command=" ".join(["ingest", *sys.argv[2:]])[:2000],
                     executor=executor)
        try:
            report = run.run(list(inputs), retry_failed=retry_failed)
        finally:
            bar.close()
    if as_json:
        emit(report)
    else:
        print_report(report)
