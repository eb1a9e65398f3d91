"""Handing over the proof: `export evidence|ftm|csv`, `verify-pack`, and cited excerpts `cite`, `citations`, `uncite`."""

from __future__ import annotations

import hashlib
import sys
from collections.abc import Callable
from pathlib import Path
from typing import IO, Any, TypeVar

import click

from .. import citing as citations_mod
from .. import settings as settings_mod
from ..exc import UsageError
from ..export.csvexport import COLUMNS, export_csv, parse_columns
from ..export.pack import FORMATS, write_pack
from ..export.select import Selection, make_selection
from ..export.verify import verify_pack
from ..index import Index
from ..index.indexer import open_index
from ..store.db import Store
from ..store.project import Project
from .options import emit, handle_errors, json_option, project_option

F = TypeVar("F", bound=Callable[..., Any])


def selection_options(f: F) -> F:
    """--tag, --query, --ids: each one given narrows the selection."""
    f = click.option("--ids", "ids_file", type=click.Path(path_type=Path, dir_okay=False),
                     help="File of document ids, one a line (or a CSV whose first column is the id).")(f)
    f = click.option("--query", default=None, help="Documents matching this search (its hits give the cited excerpts).")(f)
    return click.option("--tag", default=None, help="Documents with this tag.")(f)  # type: ignore[no-any-return]


def _open(project: Path) -> tuple[Project, Store, Callable[[], Index]]:
    proj = Project.open(project)
    store = Store(proj.store_path)
    return proj, store, lambda: open_index(proj.root, settings_mod.load(proj.root), store)


class _Hashing:
    """A text sink that writes UTF-8 to a binary stream and hashes what it writes (the checksum
    the action log keeps, also when the output is standard output)."""

    def __init__(self, raw: IO[bytes]) -> None:
        self.raw = raw
        self.h = hashlib.sha256()
        self.bytes = 0

    def write(self, s: str) -> int:
        b = s.encode("utf-8", "replace")  # lone surrogates some extractions keep become "?"
        self.h.update(b)
        self.raw.write(b)
        self.bytes += len(b)
        return len(s)


def _to_output(output: str, run: Callable[[_Hashing], Any]) -> tuple[Any, str, int]:
    """Run a streaming export into a file (written beside it, then moved into place) or stdout."""
    if output == "-":
        sink = _Hashing(sys.stdout.buffer)
        result = run(sink)
        sys.stdout.buffer.flush()
        return result, sink.h.hexdigest(), sink.bytes
    dest = Path(output)
    if dest.exists():
        raise UsageError(f"{dest} exists; choose another name")
    if not dest.absolute().parent.is_dir():
        raise UsageError(f"{dest.absolute().parent} does not exist")
    part = dest.with_name(f".{dest.name}.part")
    try:
        with open(part, "wb") as raw:
            sink = _Hashing(raw)
            result = run(sink)
        part.replace(dest)
    finally:
        part.unlink(missing_ok=True)
    return result, sink.h.hexdigest(), sink.bytes


@click.group()
def export() -> None:
    """Export a selection: an evidence pack, FollowTheMoney entities, or CSV."""


@export.command("evidence")
@selection_options
@click.option("-o", "--output", type=click.Path(path_type=Path), required=True,
              help="New folder (or .zip file) for the pack.")
@click.option("--format", "fmt", type=click.Choice(FORMATS), default=None,
              help="folder or zip (default: zip when OUTPUT ends in .zip).")
@click.option("--containers", is_flag=True, help="Also copy the originals of the containers each document came from.")
@click.option("--no-pdf", is_flag=True, help="Do not print index.html to index.pdf.")
@click.option("--snippets", default=3, show_default=True, help="Search excerpts cited per document (with --query).")
@click.option("--show-project-path", is_flag=True,
              help="Print the project's absolute folder in the report (default: its folder's name only).")
@click.option("--show-user", is_flag=True,
              help="Print the system user who made the pack and wrote its notes and citations (default: none).")
@click.option("--redacted", is_flag=True,
              help="Add each document's redacted version (accepted redactions burned in, verified) in redacted/.")
@click.option("--redacted-only", is_flag=True,
              help="Only the redacted versions: no original, and no text of the originals in the report or manifest"
                   " (implies --redacted).")
@project_option
@json_option
@handle_errors
def evidence(tag: str | None, query: str | None, ids_file: Path | None, output: Path, fmt: str | None,
             containers: bool, no_pdf: bool, snippets: int, show_project_path: bool, show_user: bool, redacted: bool,
             redacted_only: bool, project: Path, as_json: bool) -> None:
    """Write a cited, hashed evidence pack: index.html (+ PDF), originals/, manifest.csv, manifest.sha256."""
    proj, store, index = _open(project)
    sel = make_selection(store, tag, query, ids_file)
    if sel.empty:
        raise UsageError("choose the documents with --tag, --query or --ids")
    if snippets < 0:
        raise UsageError("--snippets is not negative")
    if redacted_only and containers:
        raise UsageError("--redacted-only takes no --containers: their originals are what it leaves out")
    redacted = redacted or redacted_only
    fmt = fmt or ("zip" if output.suffix.lower() == ".zip" else "folder")
    cfg = settings_mod.load(proj.root)
    report = write_pack(proj, store, sel, index, output, fmt, containers, not no_pdf, snippets, str(cfg.chromium),
                        show_path=show_project_path, show_user=show_user, redacted=cfg if redacted else None,
                        redacted_only=redacted_only)
    if as_json:
        emit(report.as_dict())
    else:
        click.echo(f"evidence pack written to {output}: {report.documents:,} documents, {report.excerpts:,} cited excerpts,"
                   + (" no originals" if redacted_only else f" {report.originals:,} originals") + (f" + {report.containers:,} containers" if containers else "")
                   + (f", {report.redacted:,} redacted versions" if redacted else "") + f", {report.files:,} files")
        click.echo("  PDF: index.pdf" if report.pdf else f"  PDF skipped: {report.pdf_skipped}")
        click.echo(f"  sha256 {report.checksum} ({'the zip' if fmt == 'zip' else 'manifest.sha256'}; in the action log)")
    for p in report.problems:
        what = "redacted version" if p["problem"].startswith("no redacted version") else "original"
        click.echo(f"faisceau: {what} not in the pack: {p['id']} {p['path']}: {p['problem']}", err=True)
    if report.problems:
        sys.exit(1)


@export.command("ftm")
@selection_options
@click.option("-o", "--output", default="-", show_default=True, help="File for the entities (JSON lines), - for stdout.")
@project_option
@json_option
@handle_errors
def ftm(tag: str | None, query: str | None, ids_file: Path | None, output: str, project: Path, as_json: bool) -> None:
    """FollowTheMoney entities (documents, pages, e-mails, people, mentions) for `ftm` and Aleph."""
    proj, store, index = _open(project)
    sel = make_selection(store, tag, query, ids_file)
    from ..export.ftm import export_ftm  # followthemoney takes half a second to import
    counts, digest, size = _to_output(output, lambda out: export_ftm(proj, store, sel, index, out))  # type: ignore[arg-type]
    _log(store, "ftm", output, sel, digest, entities=sum(counts.values()), schemata=counts)
    summary = {"output": output, "entities": sum(counts.values()), "schemata": counts, "bytes": size, "sha256": digest}
    _report(summary, as_json, output, f"{summary['entities']:,} entities ("
            + ", ".join(f"{k} {v:,}" for k, v in sorted(counts.items())) + ")")


@export.command("csv")
@selection_options
@click.option("-o", "--output", default="-", show_default=True, help="CSV file, - for stdout.")
@click.option("--columns", default=None, metavar="A,B,…",
              help="Columns, comma-separated (default: id,path,title,kind,date,from,to,sha256,size,tags).")
@click.option("--list-columns", is_flag=True, help="List the columns and exit.")
@project_option
@json_option
@handle_errors
def csv_cmd(tag: str | None, query: str | None, ids_file: Path | None, output: str, columns: str | None,
            list_columns: bool, project: Path, as_json: bool) -> None:
    """The documents of a search (or tag, or id list; all without one) as CSV, streamed, no row cap."""
    if list_columns:
        for name, help_ in COLUMNS.items():
            click.echo(f"{name:<12} {help_}")
        return
    cols = parse_columns(columns)
    _, store, index = _open(project)
    sel = make_selection(store, tag, query, ids_file)
    n, digest, size = _to_output(output, lambda out: export_csv(store, sel, index, cols, out))  # type: ignore[arg-type]
    _log(store, "csv", output, sel, digest, rows=n, columns=cols)
    _report({"output": output, "rows": n, "columns": cols, "bytes": size, "sha256": digest}, as_json, output,
            f"{n:,} rows")


def _log(store: Store, kind: str, output: str, sel: Selection, digest: str, **extra: Any) -> None:
    with store.transaction():
        store.log_action("export", {"export": kind, "output": "stdout" if output == "-" else str(Path(output).absolute()),
                                    "selection": sel.describe() or {"all": True}, "sha256": digest, **extra})


def _report(summary: dict[str, Any], as_json: bool, output: str, what: str) -> None:
    if as_json:
        if output == "-":
            click.echo(f"faisceau: {what}, sha256 {summary['sha256']}", err=True)  # stdout holds the export
        else:
            emit(summary)
    elif output != "-":
        click.echo(f"{what} written to {output} (sha256 {summary['sha256']})")


@click.command("verify-pack")
@click.argument("pack", type=click.Path(path_type=Path))
@json_option
@handle_errors
def verify_pack_cmd(pack: Path, as_json: bool) -> None:
    """Re-check an evidence pack (folder or zip) against its manifests; exit 1 on any difference."""
    v = verify_pack(pack)
    if as_json:
        emit({"pack": str(pack), "checked": v.checked, "ok": v.ok, "problems": len(v.problems)})
        for r in v.rows():
            emit(r)
    else:
        click.echo(f"{v.checked:,} files checked: " + ("all match" if v.ok else f"{len(v.problems):,} differ"))
        for r in v.rows():
            click.echo(f"  {r['file']}: {r['problem']}")
    if not v.ok:
        sys.exit(1)


@click.command()
@click.argument("doc_id")
@click.option("--start", type=int, required=True, help="First character cited (code points into the stored text).")
@click.option("--end", type=int, required=True, help="Character after the last one cited.")
@click.option("--note", default=None, help="Why this passage matters.")
@click.option("--page", type=int, default=None, help="Page number (default: the page holding --start).")
@project_option
@json_option
@handle_errors
def cite(doc_id: str, start: int, end: int, note: str | None, page: int | None, project: Path, as_json: bool) -> None:
    """Save a passage of a document as a cited excerpt (kept with its page, offsets and exact text)."""
    _, store, _ = _open(project)
    cid = citations_mod.add_citation(store, doc_id, start, end, note, page)
    c = next(x for x in citations_mod.citations(store, doc_id) if x["id"] == cid)
    if as_json:
        emit(c)
    else:
        click.echo(f"citation {cid}: {doc_id} " + (f"p.{c['page']} " if c["page"] is not None else "")
                   + f"{c['start']}–{c['end']}")


@click.command("citations")
@click.option("--document", "doc_id", default=None, help="Only the citations of this document.")
@project_option
@json_option
@handle_errors
def citations_cmd(doc_id: str | None, project: Path, as_json: bool) -> None:
    """Every cited excerpt: id, document, page, offsets, anchor, note and text."""
    _, store, _ = _open(project)
    for c in citations_mod.citations(store, doc_id):
        if as_json:
            emit(c)
            continue
        flag = "" if c["anchor"] == "exact" else f" [{c['anchor']}]"
        click.echo(f"{c['id']:>5}  {c['document_id']}  " + (f"p.{c['page']} " if c["page"] is not None else "")
                   + f"{c['start']}–{c['end']}{flag}  {' '.join(c['text'].split())[:100]}"
                   + (f"  — {c['note']}" if c["note"] else ""))


@click.command()
@click.argument("citation_id", type=int)
@project_option
@handle_errors
def uncite(citation_id: int, project: Path) -> None:
    """Delete a cited excerpt."""
    _, store, _ = _open(project)
    citations_mod.delete_citation(store, citation_id)
    click.echo(f"citation {citation_id} deleted")
