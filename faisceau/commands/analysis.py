"""Analysis commands: `analyse`, `entities` (and curation), `entity`, `timeline`."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from .. import settings as settings_mod
from ..analysis import events, read
from ..exc import UsageError
from ..store.db import Store
from ..store.project import Project
from .cluster import cluster_option, connected
from .options import emit, handle_errors, json_option, project_option

ANALYSIS_STAGES = ("entities", "identifiers", "dates")


@click.command()
@click.option("--text", "text_file", type=click.File("r", encoding="utf-8"),
              help="Analyse this text file (- for standard input) instead of a project.")
@click.option("--lines", is_flag=True, help="With --text: each line is a text of its own; one result per line.")
@click.option("--lang", help="With --text: the language (fr, en) instead of detecting it.")
@click.option("--project", "project", type=click.Path(path_type=Path), envvar="FAISCEAU_PROJECT",
              help="Project folder (or FAISCEAU_PROJECT): run the analysis stages where they have not run.")
@cluster_option
@json_option
@handle_errors
def analyse(text_file: Any, lines: bool, lang: str | None, project: Path | None, cluster: str | None,
            as_json: bool) -> None:
    """Find persons, organisations, places, identifiers and dates: in a project (incrementally) or in text."""
    if text_file is not None:
        _analyse_text(text_file.read(), lines, lang, as_json)
        return
    if project is None:
        raise UsageError("give --project, or --text FILE (- for standard input)")
    from ..pipeline.orchestrator import Ingest

    proj = Project.open(project)
    cfg = settings_mod.load(proj.root, {"cluster": cluster})
    with connected(cfg, proj, ()) as executor:
        report = Ingest(proj, cfg, command="analyse", only=ANALYSIS_STAGES, executor=executor).run([])
    if as_json:
        emit(report)
    else:
        grouping = (report.get("corpus") or {}).get("entity_grouping") or {}
        click.echo(f"analysed; {grouping.get('changed', 0):,} documents with changed entities")


def _analyse_text(data: str, lines: bool, lang: str | None, as_json: bool) -> None:
    from ..analysis.text import analyse as run

    texts = data.split("\n") if lines else [data]
    if lines and texts and texts[-1] == "":
        texts.pop()  # the newline that ends the last line
    for result in run(texts, lang):
        if as_json:
            emit(result)
        else:
            for m in result["mentions"]:
                click.echo(f"{m['type']:<5} {m['text']}" + (f"  → {m['canonical']}" if m["canonical"] != m["text"] else ""))
            for i in result["identifiers"]:
                click.echo(f"{i['type']:<5} {i['value']}" + ("" if i["valid"] else "  (invalid)"))
            for d in result["dates"]:
                click.echo(f"date  {d['value']}  ({d['text']})")


def _store(project: Path) -> Store:
    return Store(Project.open(project).store_path)


@click.group(invoke_without_command=True)
@click.option("--type", "kind", help="person, org, place or misc.")
@click.option("--query", "q", help="Only entities with a spelling containing this.")
@click.option("--limit", default=100, show_default=True, help="Most entities listed (0: all).")
@click.option("--project", "project", type=click.Path(path_type=Path), envvar="FAISCEAU_PROJECT",
              help="Project folder (or FAISCEAU_PROJECT).")
@json_option
@click.pass_context
@handle_errors
def entities(ctx: click.Context, kind: str | None, q: str | None, limit: int, project: Path | None,
             as_json: bool) -> None:
    """List canonical entities with their mention counts, or curate them (merge, split, rename, ignore, undo)."""
    if ctx.invoked_subcommand is not None:
        return
    if project is None:
        raise UsageError("give --project (or FAISCEAU_PROJECT)")
    rows = read.entities(_store(project), kind, q, limit or None)
    for e in rows:
        if as_json:
            emit(e)
        else:
            click.echo(f"{e['type']:<5} {e['mentions']:>6} mentions {e['documents']:>5} docs  {e['name']}"
                       f"  [{e['id']}]")


def _decide(project: Path, action: str, a: str, b: str | None, as_json: bool) -> None:
    from ..services.curation import decide

    proj = Project.open(project)
    out = decide(proj, Store(proj.store_path), action, a, b)
    _report(out, as_json)


def _report(out: dict[str, Any], as_json: bool) -> None:
    if as_json:
        emit(out)
        return
    ev = out.get("evidence") or {}
    for side in ("a", "b"):
        e = ev.get(side)
        if e:
            click.echo(f"{e['name']} ({e['type']}): {e['mentions']} mentions in {e['documents']} documents;"
                       f" spellings: {', '.join(e['variants'])}")
            for c in e["contexts"]:
                click.echo("    … " + " ".join(c.split()) + " …")
    if "shared_documents" in ev:
        click.echo(f"documents naming both: {ev['shared_documents']}")
    if "decision" in out:
        click.echo(f"decision {out['decision']}: {out['action']} (undo: faisceau entities undo {out['decision']})")
    click.echo(f"applied; {out['documents_changed']} documents changed" if out.get("applied") else out.get("note", ""))


@entities.command("merge")
@click.argument("a")
@click.argument("b")
@project_option
@json_option
@handle_errors
def merge(a: str, b: str, project: Path, as_json: bool) -> None:
    """Make B the same entity as A (A keeps its name)."""
    _decide(project, "merge", a, b, as_json)


@entities.command("split")
@click.argument("a")
@click.argument("b")
@project_option
@json_option
@handle_errors
def split(a: str, b: str, project: Path, as_json: bool) -> None:
    """Take the spelling B out of A's entity."""
    _decide(project, "split", a, b, as_json)


@entities.command("rename")
@click.argument("a")
@click.argument("new_name")
@project_option
@json_option
@handle_errors
def rename(a: str, new_name: str, project: Path, as_json: bool) -> None:
    """Give A's entity the name NEW_NAME."""
    _decide(project, "rename", a, new_name, as_json)


@entities.command("ignore")
@click.argument("a")
@project_option
@json_option
@handle_errors
def ignore(a: str, project: Path, as_json: bool) -> None:
    """Hide A's entity (not a name: boilerplate, a mistake of the recogniser)."""
    _decide(project, "ignore", a, None, as_json)


@entities.command("undo")
@click.argument("decision", type=int)
@project_option
@json_option
@handle_errors
def undo(decision: int, project: Path, as_json: bool) -> None:
    """Undo a curation decision (its number is printed when it is made, and by `entities decisions`)."""
    from ..services.curation import undo as run

    proj = Project.open(project)
    _report(run(proj, Store(proj.store_path), decision), as_json)


@entities.command("decisions")
@project_option
@json_option
@handle_errors
def decisions(project: Path, as_json: bool) -> None:
    """List the curation decisions, in the order they apply."""
    from ..services.curation import decisions as rows

    for d in rows(_store(project)):
        if as_json:
            emit(d)
        else:
            click.echo(f"{d['id']:>4}  {d['time'][:19]}  {d['user']:<10} {d['action']:<7} {d['a']!r}"
                       + (f" {d['b']!r}" if d["b"] else "") + ("  (undone)" if d["undone"] else ""))


@click.command()
@click.argument("name")
@click.option("--limit", default=20, show_default=True, help="Most mentions, documents and co-occurring entities shown.")
@project_option
@json_option
@handle_errors
def entity(name: str, limit: int, project: Path, as_json: bool) -> None:
    """Show an entity (by name or id): mentions in context, documents, co-occurring entities."""
    store = _store(project)
    e = read.entity(store, name)
    if e is None:
        raise UsageError(f"no entity named {name!r} (see `faisceau entities`)")
    out = dict(e, mentions_in_context=read.mentions(store, e["id"], limit),
               documents_list=read.documents_of(store, e["id"], limit),
               cooccurring=read.cooccurring(store, e["id"], limit))
    if as_json:
        emit(out)
        return
    click.echo(f"{e['name']} ({e['type']}) — {e['mentions']} mentions in {e['documents']} documents,"
               f" {e['first_date'] or '?'} → {e['last_date'] or '?'}  [{e['id']}]")
    click.echo("spellings: " + ", ".join(e["variants"]))
    click.echo("\nmentions:")
    for m in out["mentions_in_context"]:
        where = m["document_id"]
        click.echo(f"  {where}  " + (" ".join(m["context"].split()) if m["context"] else f"(e-mail header) {m['text']}"))
    click.echo("\nnamed with:")
    for c in out["cooccurring"]:
        click.echo(f"  {c['documents']:>4} docs  {c['type']:<5} {c['name']}")


@click.command()
@click.option("--from", "date_from", help="First date (YYYY, YYYY-MM or YYYY-MM-DD).")
@click.option("--to", "date_to", help="Last date (YYYY, YYYY-MM or YYYY-MM-DD).")
@click.option("--entity", "entity_name", help="Only events naming this entity (name or id).")
@click.option("--kind", type=click.Choice(["text", "metadata"]), help="Only dated sentences, or only document dates.")
@click.option("--implausible", is_flag=True,
              help="Also the implausible dates (placeholders, far from the corpus's years, in the future), with why.")
@click.option("--all-copies", is_flag=True,
              help="Every copy's event (the same message in several folders, the same file twice), not one per copy group.")
@project_option
@json_option
@handle_errors
def timeline(date_from: str | None, date_to: str | None, entity_name: str | None, kind: str | None,
             implausible: bool, all_copies: bool, project: Path, as_json: bool) -> None:
    """Events in date order: dated sentences of the text and document dates, with their entities."""
    proj = Project.open(project)
    tz = str(settings_mod.load(proj.root).timezone)
    store = Store(proj.store_path)
    f = events.selection(store, tz, date_from, date_to, entity=entity_name, kind=kind, all_copies=all_copies,
                         implausible=implausible)
    for e in events.timeline(store, f):
        if as_json:
            emit(e)
        else:
            names = ", ".join(x["name"] for x in e["entities"][:5])
            click.echo(f"{e['date'][:16]:<16} {e['kind']:<8} {' '.join((e['sentence'] or '').split())[:140]}"
                       + (f"  [{names}]" if names else "") + f"  ({e['document_id']}"
                       + (f", {e['copies']} copies" if e["copies"] > 1 and not all_copies else "") + ")")
