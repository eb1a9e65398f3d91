"""`faisceau redact propose|accept|reject|list|apply|verify`: redaction proposed, decided, burned in, proved."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click

from ..exc import UsageError
from .options import emit, handle_errors, json_option, project_option


@click.group("redact")
def redact() -> None:
    """Redact documents before publishing them: propose, review, apply, verify (docs/redaction.md)."""


def _strings(strings: tuple[str, ...], strings_file: Path | None) -> list[str]:
    out = [s for s in strings if s.strip()]
    if strings_file is not None:
        out += [line.strip() for line in strings_file.read_text("utf-8").splitlines() if line.strip()]
    return out


def _pdfs(target: Path) -> list[Path]:
    if target.is_dir():
        return sorted(p for p in target.rglob("*") if p.suffix.lower() == ".pdf" and p.is_file())
    return [target]


@redact.command("verify")
@click.argument("target", type=click.Path(path_type=Path, exists=True))
@click.option("--strings", "strings", multiple=True, help="A string that must not be found (repeatable).")
@click.option("--strings-file", type=click.Path(path_type=Path, dir_okay=False, exists=True),
              help="File with one string that must not be found per line.")
@click.option("--no-ocr", is_flag=True, help="Skip the OCR check (text extractors, x-ray and structure still run).")
@json_option
@handle_errors
def verify_cmd(target: Path, strings: tuple[str, ...], strings_file: Path | None, no_ocr: bool, as_json: bool) -> None:
    """Prove that a PDF (or every PDF under a folder) leaks nothing: exit 1 naming each document that does."""
    from ..settings import load
    from .redact_verify import run_verify

    files = _pdfs(target)
    if not files:
        raise UsageError(f"{target}: no PDF found")
    from ..exc import FaisceauError, ToolMissing

    cfg = load()
    try:
        reports = run_verify(files, _strings(strings, strings_file), cfg, ocr=not no_ocr,
                             base=target if target.is_dir() else target.parent)
    except ToolMissing as e:
        raise FaisceauError(f"{e}: install it, or pass --no-ocr to prove without reading the pages") from None
    bad = [r for r in reports if not r.ok]
    for r in reports:
        if as_json:
            emit(r.as_dict())
        elif r.ok:
            click.echo(f"ok      {r.name} ({r.pages} pages: {', '.join(r.checks)})")
        else:
            click.echo(f"LEAKS   {r.name}: " + "; ".join(r.problems))
    if bad:
        click.echo(f"faisceau: {len(bad)} of {len(reports)} documents fail verification: "
                   + ", ".join(r.name for r in bad), err=True)
        sys.exit(1)


def _open(project: Path) -> tuple[Any, Any, Any, Any]:
    from ..index.indexer import open_index
    from ..settings import load
    from ..store.db import Store
    from ..store.project import Project

    proj = Project.open(project)
    store = Store(proj.store_path)
    cfg = load(proj.root)
    return proj, store, cfg, lambda: open_index(proj.root, cfg, store)


def _split(values: tuple[str, ...]) -> list[str]:
    return [v.strip() for value in values for v in value.split(",") if v.strip()]


@redact.command("propose")
@project_option
@click.option("--query", help="Documents matching this search query.")
@click.option("--tag", help="Documents with this tag.")
@click.option("--entities", "entities", multiple=True, help="Entity kinds to propose: person, org, place (comma-separated).")
@click.option("--identifiers", "identifiers", multiple=True,
              help="Identifier kinds: email, phone, iban, bic, siren, siret, nir, url, domain, ip (comma-separated).")
@click.option("--terms", "terms", multiple=True, help="A term to propose wherever it occurs (repeatable).")
@click.option("--regex", "regexes", multiple=True, help="A regular expression whose matches are proposed (repeatable).")
@click.option("--names", "names_file", type=click.Path(path_type=Path, dir_okay=False, exists=True),
              help="CSV of names to propose (first column).")
@click.option("--except", "except_file", type=click.Path(path_type=Path, dir_okay=False, exists=True),
              help="CSV of names never to propose (public figures, the organisation investigated).")
@click.option("--no-ocr", is_flag=True, help="Do not read pages with images by OCR (text in pictures is then"
              " not proposed; apply's verification still reads it).")
@json_option
@handle_errors
def propose_cmd(project: Path, query: str | None, tag: str | None, entities: tuple[str, ...],
                identifiers: tuple[str, ...], terms: tuple[str, ...], regexes: tuple[str, ...],
                names_file: Path | None, except_file: Path | None, no_ocr: bool, as_json: bool) -> None:
    """Propose every occurrence of names, identifiers, terms in the selected documents (decisions are kept)."""
    import re

    from ..exc import ExtractionError, Skipped
    from ..export.select import make_selection, selected
    from ..redact.propose import OcrOptions, Rules, propose_pdf, read_names, rendered
    from ..store.redactions import propose

    if query is None and tag is None:
        raise UsageError("choose the documents with --query or --tag")
    try:
        compiled = [re.compile(r) for r in regexes]
    except re.error as e:
        raise UsageError(f"--regex: {e}") from None
    rules = Rules(entities=_split(entities), identifiers=_split(identifiers), terms=list(terms), regexes=compiled,
                  names=read_names(names_file) if names_file else [],
                  exceptions=read_names(except_file) if except_file else [])
    proj, store, cfg, open_index = _open(project)
    ocr = None if no_ocr else OcrOptions(cfg.tesseract, cfg.ocr_lang, float(cfg.ocr_time_limit))
    totals = {"documents": 0, "proposals": 0, "new": 0, "kept": 0, "skipped": 0}
    try:
        for doc_id, _hit in selected(store, make_selection(store, tag, query, None), open_index):
            doc = store.document(doc_id)
            if doc is None or not doc["sha256"]:
                continue
            try:
                found = propose_pdf(rendered(proj, store, doc, cfg), doc["sha256"], store, rules, ocr)
            except (ExtractionError, Skipped) as e:
                totals["skipped"] += 1
                line = {"document": doc_id, "path": doc["path"], "status": f"{getattr(e, 'status', 'failed')}: {e}"}
                emit(line) if as_json else click.echo(f"{doc['path']}: {line['status']}", err=True)
                continue
            with store.transaction():
                new, kept = propose(store, found)
            totals["documents"] += 1
            totals["proposals"] += len(found)
            totals["new"] += new
            totals["kept"] += kept
            if as_json:
                emit({"document": doc_id, "path": doc["path"], "status": "ok", "proposals": len(found), "new": new})
        store.log_action("redact propose", {"query": query, "tag": tag, **totals})
    finally:
        store.close()
    if as_json:
        emit({"total": totals})
    else:
        click.echo(f"{totals['proposals']} proposals in {totals['documents']} documents ({totals['new']} new,"
                   f" {totals['kept']} already known with their decisions kept; {totals['skipped']} skipped)")


def _decide(status: str, project: Path, ids: tuple[int, ...], select_all: bool, kinds: tuple[str, ...],
            ground: str | None, reviewer: str | None, as_json: bool) -> None:
    from ..redact.publish import parse_grounds
    from ..store.redactions import decide

    if not (ids or select_all or kinds):
        raise UsageError("choose redactions: IDs, --kind KIND or --all")
    proj, store, cfg, _ = _open(project)
    try:
        grounds = parse_grounds(cfg.redaction_grounds)
        if status == "accepted":
            if not ground:
                raise UsageError("--ground is required to accept: " + ", ".join(grounds))
            if ground not in grounds:
                raise UsageError(f"unknown ground {ground!r}; grounds (setting redaction_grounds): "
                                 + ", ".join(grounds))
        with store.transaction():
            # a bulk decision (--all, --kind) settles what is still undecided: it never overturns a
            # decision taken one by one
            n = decide(store, status, ground if status == "accepted" else None, ids=list(ids),
                       kinds=_split(kinds), user=reviewer, only_proposed=not ids)
        store.log_action(f"redact {status[:-2]}", {"ids": list(ids), "kinds": list(kinds), "all": select_all,
                                                    "ground": ground, "changed": n})
    finally:
        store.close()
    if as_json:
        emit({"status": status, "changed": n})
    else:
        click.echo(f"{n} redactions {status}")


def _decision_options(f: Any) -> Any:
    for deco in reversed([
        click.argument("ids", nargs=-1, type=int),
        project_option,
        click.option("--all", "select_all", is_flag=True, help="Every redaction of the project."),
        click.option("--kind", "kinds", multiple=True, help="Every redaction of this kind (person, email, nir…)."),
        click.option("--reviewer", help="Who decides, as the log records it (default: the system user)."),
        json_option,
    ]):
        f = deco(f)
    return f


@redact.command("accept")
@_decision_options
@click.option("--ground", help="The legal ground (a code of the redaction_grounds setting).")
@handle_errors
def accept_cmd(ids: tuple[int, ...], project: Path, select_all: bool, kinds: tuple[str, ...], reviewer: str | None,
               as_json: bool, ground: str | None) -> None:
    """Accept redactions (by id, --kind or --all) on a ground."""
    _decide("accepted", project, ids, select_all, kinds, ground, reviewer, as_json)


@redact.command("reject")
@_decision_options
@handle_errors
def reject_cmd(ids: tuple[int, ...], project: Path, select_all: bool, kinds: tuple[str, ...], reviewer: str | None,
               as_json: bool) -> None:
    """Reject redactions (by id, --kind or --all): the text stays visible."""
    _decide("rejected", project, ids, select_all, kinds, None, reviewer, as_json)


@redact.command("list")
@project_option
@click.option("--status", type=click.Choice(["proposed", "accepted", "rejected"]), help="Only these.")
@click.option("--kind", "kinds", multiple=True, help="Only this kind (repeatable).")
@json_option
@handle_errors
def list_cmd(project: Path, status: str | None, kinds: tuple[str, ...], as_json: bool) -> None:
    """List the redactions proposed and decided, with the document, page and ground of each."""
    from ..store.redactions import redactions

    proj, store, _, _ = _open(project)
    try:
        rows = redactions(store, status=status, kinds=_split(kinds))
        docs = {sha: [loc["id"] for loc in store.locations(sha)] for sha in {r["sha256"] for r in rows}}
    finally:
        store.close()
    for r in rows:
        line = {"id": r["id"], "documents": docs.get(r["sha256"], []), "page": r["page"], "kind": r["kind"],
                "text": r["text"], "occurrence": r["occurrence"], "boxes": r["boxes"], "status": r["status"],
                "ground": r["ground"], "decided": r["time"]}
        if as_json:
            emit(line)
        else:
            click.echo(f"{r['id']:>6}  {r['status']:<9} {r['kind']:<8} p.{r['page']:<4} {r['text'][:40]!r:<44}"
                       f" {r['ground'] or ''}")


@redact.command("apply")
@project_option
@click.option("--query", help="Documents matching this search query.")
@click.option("--tag", help="Documents with this tag.")
@click.option("-o", "--output", "out", type=click.Path(path_type=Path, file_okay=False), required=True,
              help="Folder for the redacted PDFs and the redaction log (new, or empty).")
@click.option("--dpi", type=int, default=200, show_default=True, help="Resolution of the rasterised pages.")
@click.option("--no-rasterise", is_flag=True, help="Keep redacted pages as PDF content (boxes still burned in).")
@click.option("--label", is_flag=True, help="Print each redaction's ground code in its box.")
@click.option("--show-reviewer", is_flag=True, help="Name the reviewer of each redaction in the log.")
@json_option
@handle_errors
def apply_cmd(project: Path, query: str | None, tag: str | None, out: Path, dpi: int, no_rasterise: bool, label: bool,
              show_reviewer: bool, as_json: bool) -> None:
    """Write a redacted, verified PDF of each selected document and the redaction log (originals untouched)."""
    from ..export.select import make_selection
    from ..redact.publish import apply_selection, write_log

    if query is None and tag is None:
        raise UsageError("choose the documents with --query or --tag")
    if out.exists() and any(p.name != ".partial" for p in out.iterdir()):
        raise UsageError(f"{out} exists and is not empty; choose another folder")
    if not 50 <= dpi <= 1200:
        raise UsageError("--dpi must be between 50 and 1200")
    proj, store, cfg, open_index = _open(project)
    outcomes = []
    try:
        out.mkdir(parents=True, exist_ok=True)
        for o in apply_selection(proj, store, make_selection(store, tag, query, None), open_index, out, cfg,
                                 rasterise=not no_rasterise, dpi=dpi, label=label, show_reviewer=show_reviewer):
            outcomes.append(o)
            if as_json:
                emit(o.as_dict())
            else:
                click.echo(f"{o.status if o.status != 'ok' else 'ok':<7} {o.path}"
                           + (f" → {o.output} ({o.pages} pages, {o.boxes} boxes)" if o.output else ""))
        command = {"query": query, "tag": tag, "dpi": dpi, "rasterise": not no_rasterise, "label": label}
        write_log(out, outcomes, command)
        store.log_action("redact apply", {**command, "output": str(out.absolute()),
                                          "written": sum(1 for o in outcomes if o.output),
                                          "failed": [o.document for o in outcomes if o.status.startswith("failed")]})
    finally:
        store.close()
    failed = [o for o in outcomes if o.status.startswith("failed")]
    if failed:
        click.echo(f"faisceau: {len(failed)} documents not written: " + ", ".join(f"{o.document} ({o.path})"
                                                                               for o in failed), err=True)
        sys.exit(1)
