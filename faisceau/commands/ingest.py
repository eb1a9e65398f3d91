"""`faisceau ingest`: walk, extract, hash and account for every file and every child."""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import Any

import click

from .. import settings as settings_mod
from ..exc import UsageError
from ..pipeline.orchestrator import Ingest, Progress
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
    """Progress: a live line with rate and ETA on a terminal, a plain line every 10 s otherwise."""

    def __init__(self) -> None:
        self.tty = sys.stderr.isatty()
        self.last = 0.0

    def __call__(self, p: Progress) -> None:
        now = time.monotonic()
        if not self.tty and now - self.last < 10:
            return
        self.last = now
        rate = p.done / p.elapsed if p.elapsed else 0.0
        eta = f"{p.pending / rate:,.0f} s" if rate and p.pending else "-"
        counts = " ".join(f"{k} {v:,}" for k, v in sorted(p.by_status.items()))
        line = (f"walked {p.walked:,} · done {p.done:,} ({counts}) · pending {p.pending:,} · "
                f"{rate:,.1f}/s · ETA {eta}")
        if p.to_analyse:  # the second frontier: everything is searchable, the analysis goes on
            line += f" · analysed {p.analysed:,} of {p.to_analyse:,}"
        if self.tty:
            click.echo("\r\x1b[2K" + line, err=True, nl=False)
        else:
            click.echo(line, err=True)

    def close(self) -> None:
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
        click.echo(f"  index: {ix['indexed']:,} documents indexed in {ix['seconds']} s"
                   + (f", {ix['failed']:,} failed" if ix.get("failed") else "") + f"; {ix['documents']:,} searchable")
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
    bar = Bar()
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
