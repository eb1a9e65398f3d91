"""Reading a project: `status`, `failures`, `documents`, `show`, `verify`."""

from __future__ import annotations

import csv
import hashlib
import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import click

from ..exc import UsageError
from ..store import documents as docs
from ..store import messages
from ..store.blobs import Packed, sha256_file
from ..store.db import Store
from ..store.project import Project
from ..store.runs import last_run
from .options import emit, handle_errors, json_option, output_options, project_option

LIST_FIELDS = ("id", "path", "status", "reason", "kind", "mime", "sha256", "size", "parent_id", "depth")


def open_store(project: Path) -> Store:
    return Store(Project.open(project).store_path)


def _listing(row: dict[str, Any]) -> dict[str, Any]:
    return {k: row.get(k) for k in LIST_FIELDS}


def _write(rows: Iterator[dict[str, Any]], as_json: bool, as_csv: bool, text_fields: tuple[str, ...]) -> None:
    if as_csv:
        w = csv.DictWriter(sys.stdout, fieldnames=list(LIST_FIELDS), extrasaction="ignore")
        w.writeheader()
        for r in rows:
            w.writerow(r)
        return
    for r in rows:
        if as_json:
            emit(r)
        else:
            click.echo("  ".join(str(r.get(f) or "") for f in text_fields))


@click.command()
@project_option
@json_option
@handle_errors
def status(project: Path, as_json: bool) -> None:
    """Counts by status, kind, reason and stage; the last run."""
    from .. import settings as settings_mod
    from ..pipeline.frontiers import describe, frontiers, lock_held

    proj = Project.open(project)
    store = Store(proj.store_path)
    s = store.summary()
    s["last_run"] = last_run(store)
    s["frontiers"] = frontiers(s, settings_mod.load(proj.root), s["last_run"], proj.logs, lock_held(proj.root))
    if as_json:
        emit(s)
        return
    click.echo(describe(s["frontiers"]))
    d = s["documents"]
    click.echo(f"{s['total']:,} documents: ok {d['ok']:,}, failed {d['failed']:,}, skipped {d['skipped']:,}, "
               f"pending {d['pending']:,} ({s['distinct_contents']:,} distinct contents, {s['bytes']:,} bytes)")
    if s["retryable"]:
        click.echo(f"retryable (ingest --retry-failed): {s['retryable']:,}")
    for title, key in (("by kind", "by_kind"), ("by reason", "by_reason")):
        if s[key]:
            click.echo(f"{title}:")
            for k, v in s[key].items():
                click.echo(f"  {v:>8,}  {k}")
    if s["by_stage"]:
        click.echo("by stage:")
        for stage, counts in s["by_stage"].items():
            click.echo(f"  {stage}: " + ", ".join(f"{k} {v:,}" for k, v in sorted(counts.items())))
    if s["last_run"]:
        lr = s["last_run"]
        state = f"finished {lr['finished']}" if lr["finished"] else "not finished (interrupted or running)"
        click.echo(f"last run {lr['id']}: started {lr['started']}, {state}")


@click.command()
@project_option
@output_options()
@click.option("--stage", default=None, help="Only failures of this stage.")
@handle_errors
def failures(project: Path, as_json: bool, as_csv: bool, stage: str | None) -> None:
    """Every failed or skipped item with its reason."""
    store = open_store(project)
    rows: Iterator[dict[str, Any]]
    if stage:
        rows = (r | {"stage": stage} for r in docs.stage_problems(store, stage))
    else:
        rows = docs.problems(store)
    _write((_listing(r) for r in rows), as_json, as_csv, ("status", "reason", "path", "id"))


@click.command()
@project_option
@output_options()
@click.option("--status", "status_", type=click.Choice(["ok", "failed", "skipped", "pending"]), default=None)
@click.option("--kind", default=None, help="Only documents of this kind (email, pdf, archive…).")
@handle_errors
def documents(project: Path, as_json: bool, as_csv: bool, status_: str | None, kind: str | None) -> None:
    """Every document (every location), with status, kind and SHA-256."""
    store = open_store(project)
    _write((_listing(r) for r in store.documents(status_, kind)), as_json, as_csv,
           ("id", "status", "kind", "path"))


@click.command()
@click.argument("doc_id")
@project_option
@json_option
@click.option("--no-text", is_flag=True, help="Leave the text out.")
@handle_errors
def show(doc_id: str, project: Path, as_json: bool, no_text: bool) -> None:
    """A document's metadata, provenance, children, locations and text."""
    store = open_store(project)
    row = store.document(doc_id)
    if row is None:
        raise UsageError(f"no document {doc_id}")
    content = store.content(row["sha256"]) if row["sha256"] else None
    out: dict[str, Any] = _listing(row)
    out.update(name=row["name"], source=row["source"], item_metadata=json.loads(row["item_meta"] or "{}"),
               name_raw=row["name_raw"].hex() if row["name_raw"] else None)
    chain = []
    parent_id = row["parent_id"]
    while parent_id:
        parent = store.document(parent_id)
        if parent is None:
            break
        chain.append({"id": parent["id"], "path": parent["path"], "kind": parent["kind"]})
        parent_id = parent["parent_id"]
    out["ancestors"] = list(reversed(chain))
    out["children"] = [{"id": c["id"], "name": c["name"], "status": c["status"], "reason": c["reason"],
                        "kind": c["kind"], "sha256": c["sha256"]} for c in store.children(doc_id)]
    out["locations"] = [loc for loc in store.locations(row["sha256"]) if loc["id"] != doc_id] if row["sha256"] else []
    out["copies"] = [dict(c) for c in messages.copies_of(store, doc_id)]   # the same e-mail in other folders
    out["stages"] = {k: {"version": v["version"], "status": v["status"], "reason": v["reason"]}
                     for k, v in store.stages_of(doc_id).items()}
    if content:
        for k in ("extractor", "extractor_version", "metadata", "flags", "warnings", "language", "languages",
                  "pages", "segments"):
            out[k] = content.get(k)
        out["text"] = None if no_text else content.get("text")
    else:
        out.update(metadata={}, text=None)
    if as_json:
        emit(out)
        return
    click.echo(f"{out['path']}\n  id {doc_id} · {out['status']}{': ' + out['reason'] if out['reason'] else ''}"
               f" · {out['kind']} · {out['mime']} · {out['size']} bytes\n  sha256 {out['sha256']}")
    for a in out["ancestors"]:
        click.echo(f"  in {a['id']}  {a['path']}")
    for k, v in (out.get("metadata") or {}).items():
        if k not in ("body_html", "headers"):  # whole in --json
            click.echo(f"  {k}: {_plain(v)[:200]}")
    for flag in out.get("flags") or []:
        click.echo(f"  flag: {flag}")
    if out.get("language"):
        click.echo(f"  language: {out['language']}")
    for c in out["children"]:
        click.echo(f"  child {c['id']}  {c['status']:<7} {c['name']}" + (f"  ({c['reason']})" if c["reason"] else ""))
    for loc in out["locations"]:
        click.echo(f"  same bytes at {loc['id']}  {loc['path']}")
    for c in out["copies"]:
        click.echo(f"  same message at {c['id']}  {c['path']}")
    if out.get("text") and not no_text:
        click.echo("\n" + out["text"])


def _plain(value: Any) -> str:
    """A metadata value for a terminal: addresses as `Name <address>`, lists joined."""
    if isinstance(value, list):
        return ", ".join(_plain(v) for v in value)
    if isinstance(value, dict) and "address" in value:
        name, addr = value.get("name") or "", value.get("address") or value.get("x500") or ""
        return f"{name} <{addr}>" if name and addr else name or addr
    return str(value)


@click.command()
@project_option
@json_option
@handle_errors
def verify(project: Path, as_json: bool) -> None:
    """Re-hash every stored original (blobs and source files) against its SHA-256."""
    proj = Project.open(project)
    store = Store(proj.store_path)
    counts = {"ok": 0, "mismatch": 0, "missing": 0}
    problems = []
    for r in docs.originals(store):
        sha = r["sha256"]
        places: list[Path | Packed] = []
        if r["has_child"]:  # in a pack, as a file of its own, or both (written out for a reader)
            loose, packed = proj.blobs.loose(sha), proj.blobs.packed(sha)
            if packed is not None:
                places.append(packed)
            if packed is None or loose.is_file():
                places.append(loose)
        if r["has_root"]:
            places += [Path(loc["source"]) for loc in store.locations(sha) if loc["source"]]
        for place in places:
            try:
                got = hashlib.sha256(place.read()).hexdigest() if isinstance(place, Packed) else sha256_file(place)[0]
            except OSError as e:  # gone, or a pack cut short
                counts["missing"] += 1
                problems.append({"sha256": sha, "file": str(place),
                                 "problem": "missing" if isinstance(e, FileNotFoundError) else f"missing: {e}"})
                continue
            if got == sha:
                counts["ok"] += 1
            else:
                counts["mismatch"] += 1
                problems.append({"sha256": sha, "file": str(place), "problem": f"mismatch: now {got}"})
    if as_json:
        emit({"checked": sum(counts.values()), **counts})
        for p in problems:
            emit(p)
    else:
        click.echo(f"{sum(counts.values()):,} originals checked: ok {counts['ok']:,}, "
                   f"mismatch {counts['mismatch']:,}, missing {counts['missing']:,}")
        for p in problems:
            click.echo(f"  {p['problem']}: {p['file']} (expected {p['sha256']})")
    if problems:
        sys.exit(1)
