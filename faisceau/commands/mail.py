"""E-mail commands: `threads`, `thread`, `correspondents`, `graph`, `duplicates`."""

from __future__ import annotations

import csv
import sys
from pathlib import Path

import click

from .. import settings as settings_mod
from ..exc import UsageError
from ..mail import views
from ..store.db import Store
from ..store.project import Project
from .options import emit, handle_errors, json_option, output_options, project_option


def _store(project: Path) -> Store:
    return Store(Project.open(project).store_path)


@click.command()
@project_option
@json_option
@click.option("--min-messages", default=1, show_default=True, help="Only threads with at least this many messages.")
@click.option("--limit", default=0, show_default=True, help="Most threads listed (0: all).")
@handle_errors
def threads(project: Path, as_json: bool, min_messages: int, limit: int) -> None:
    """List the conversations: one line per thread, largest first (--json: with every message as a tree)."""
    store = _store(project)
    for n, t in enumerate(views.threads(store, min_messages), 1):
        if limit and n > limit:
            break
        if as_json:
            emit(t)
        else:
            span = f"{(t['first'] or '')[:10]} → {(t['last'] or '')[:10]}"
            click.echo(f"{t['count']:>5}  {span}  {t['thread_id']}  {t['subject'] or '(no subject)'}")


@click.command("thread")
@click.argument("doc_id")
@project_option
@json_option
@handle_errors
def thread_cmd(doc_id: str, project: Path, as_json: bool) -> None:
    """Show the conversation DOC_ID belongs to, indented by reply depth, with dates and senders."""
    store = _store(project)
    t = views.thread_of(store, doc_id)
    if t is None:
        raise UsageError(f"{doc_id} is not an e-mail of this project (or not threaded yet)")
    if as_json:
        emit(t)
        return
    click.echo(f"{t['subject'] or '(no subject)'} — {t['count']} message{'s' if t['count'] != 1 else ''}"
               + (f" (+{t['copies']} copies)" if t["copies"] else "") + f", {t['thread_id']}")
    for m in t["messages"]:
        if m["copy_of"]:
            continue
        mark = "*" if m["id"] == doc_id else " "
        flags = "".join(f" [{x}]" for x, on in (("inclusive", m["inclusive"]),
                                                 ("replies to a missing message", m["missing_parent"]),
                                                 ("Message-ID conflict", m["message_id_conflict"])) if on)
        click.echo(f"{mark} {'  ' * m['depth']}{(m['date'] or '')[:16].replace('T', ' ')}  {m['from'] or '?'}"
                   f"  {m['subject'] or ''}  {m['id']}{flags}")



def _query_ids(project: Path, store: Store, query: str) -> set[str]:
    from ..index import QueryError
    from ..index.indexer import open_index

    root = Project.open(project).root
    try:
        ids = {h.id for h in open_index(root, settings_mod.load(root), store).iter_hits(query, snippets_per_hit=0)}
    except QueryError as e:
        raise UsageError(f"bad query: {e.message}") from None
    return views.with_copies(store, ids)


def _check_period(value: str | None, name: str) -> None:
    import re

    if value and not re.fullmatch(r"\d{4}(-\d{2}(-\d{2})?)?", value):
        raise UsageError(f"{name} takes YYYY, YYYY-MM or YYYY-MM-DD, not {value!r}")


@click.command()
@project_option
@output_options("Print CSV: one row per correspondent.")
@click.option("--limit", default=0, show_default=True, help="Most correspondents listed (0: all).")
@click.option("--top", default=5, show_default=True, help="Top correspondents shown per person.")
@handle_errors
def correspondents(project: Path, as_json: bool, as_csv: bool, limit: int, top: int) -> None:
    """People who wrote or received mail (addresses merged, with evidence): sent, received, cc counts."""
    from ..mail.correspondents import people

    store = _store(project)
    found = people(views.mentions(store), views.decisions(store), top)
    if limit:
        found = found[:limit]
    if as_csv:
        w = csv.writer(sys.stdout)
        w.writerow(["id", "name", "addresses", "sent", "received", "cc", "bcc", "first", "last", "distribution_list"])
        for p in found:
            w.writerow([p.id, p.names[0] if p.names else "", " ".join(p.addresses), p.sent, p.received, p.cc, p.bcc,
                        p.first or "", p.last or "", p.distribution_list or ""])
        return
    for p in found:
        if as_json:
            emit(p.as_dict())
        else:
            name = f"{p.names[0]} <{p.id}>" if p.names else p.id
            extra = f" (+{len(p.addresses) - 1} addresses)" if len(p.addresses) > 1 else ""
            dl = "  [list]" if p.distribution_list else ""
            click.echo(f"{p.sent:>6} sent {p.received:>6} to {p.cc:>6} cc  {name}{extra}{dl}")


@click.command()
@project_option
@click.option("--format", "fmt", type=click.Choice(["gexf", "graphml", "csv", "json", "png"]), default="gexf",
              show_default=True, help="Export format (json: JSON Lines, a summary then nodes and edges; png: a picture,"
              " needs --output).")
@click.option("--from", "date_from", metavar="DATE",
              help="Messages on or after this date (YYYY[-MM[-DD]], in the project's time zone).")
@click.option("--to", "date_to", metavar="DATE",
              help="Messages on or before this date, the whole day, month or year included.")
@click.option("--query", metavar="Q", help="Only messages matching this search query.")
@click.option("--size", type=int, metavar="PX", help="PNG only: the picture's side in pixels (default 1600, at most 4000).")
@click.option("--output", "-o", type=click.Path(path_type=Path, dir_okay=False), help="Write here instead of stdout.")
@handle_errors
def graph(project: Path, fmt: str, date_from: str | None, date_to: str | None, query: str | None,
          size: int | None, output: Path | None) -> None:
    """The communication graph: directed edges sender → recipient (to/cc/bcc), weighted by unique messages."""
    from .. import settings as settings_mod
    from ..index import dates
    from ..mail import graph as graph_mod
    from ..mail import graphtable
    from ..store.project import Project

    if fmt == "png" and (output is None or str(output) == "-"):
        # binary on a terminal is garbage, and in a pipe is rarely what was meant
        raise UsageError("--format png writes a picture: give a file with --output FILE")
    from ..web import graphpng

    side = graphpng.export_size(fmt, size)
    _check_period(date_from, "--from")
    _check_period(date_to, "--to")
    tz = dates.zone(str(settings_mod.load(Project.open(project).root).timezone))
    since = dates.interval(date_from, tz) if date_from else None
    until = dates.interval(date_to, tz) if date_to else None
    if (date_from and since is None) or (date_to and until is None):
        raise UsageError("--from and --to take real dates (YYYY, YYYY-MM or YYYY-MM-DD)")
    store = _store(project)
    ids = _query_ids(project, store, query) if query else None
    # the graph the web draws: people merged over the whole corpus, counted over the selection
    g = graphtable.of(store, since[0] if since else None, until[1] if until else None, ids)
    if fmt == "png":
        from ..web import graphview

        assert output is not None  # checked above; for mypy
        output.write_bytes(graphpng.png(graphview.layout(g), side))
    else:
        text = graph_mod.export(g, fmt)
        if output:
            output.write_text(text, "utf-8")
        else:
            click.echo(text, nl=False)
    # an export is a user action: logged like the web's (where the file went, and the selection)
    store.log_action("export", {"what": f"graph-{fmt}", "from": date_from, "to": date_to, "query": query,
                                "output": str(output.absolute()) if output else "stdout",
                                **({"size": side} if side else {})})


@click.command()
@project_option
@json_option
@click.option("--kind", "kinds", multiple=True, type=click.Choice(["exact", "same-message", "near", "conflict"]),
              help="Only these kinds of group (repeatable; default: all).")
@click.option("--min-similarity", default=0.0, show_default=True, help="Near-duplicates at least this similar.")
@handle_errors
def duplicates(project: Path, as_json: bool, kinds: tuple[str, ...], min_similarity: float) -> None:
    """Groups of duplicates: exact (same bytes), same-message copies, Message-ID conflicts, near-duplicates."""
    store = _store(project)
    want = set(kinds or ("exact", "same-message", "conflict", "near"))
    sources = [("exact", views.exact_groups(store)), ("same-message", views.copy_groups(store)),
               ("conflict", views.message_id_conflicts(store)), ("near", views.near_groups(store, min_similarity))]
    groups = [g for kind, it in sources if kind in want for g in it]
    counts: dict[str, int] = {}
    for g in groups:
        counts[g["type"]] = counts.get(g["type"], 0) + 1
    if as_json:
        emit({"groups": len(groups), "by_type": counts,
              "copies": sum(g["count"] - 1 for g in groups if g["type"] == "same-message")})
        for g in groups:
            emit(g)
        return
    click.echo(", ".join(f"{n:,} {k} group{'s' if n != 1 else ''}" for k, n in counts.items()) or "no duplicates")
    for g in groups:
        if g["type"] == "near":
            click.echo(f"near ({g['min_similarity']:.2f}–{g['max_similarity']:.2f}), {g['count']} texts:")
            for c in g["contents"]:
                for loc in c["locations"][:3]:
                    click.echo(f"    {loc['id']}  {loc['path']}")
            continue
        head = g.get("subject") or g.get("message_id") or g.get("sha256")
        click.echo(f"{g['type']}, {g.get('count', len(g['locations']))} locations: {head}")
        for loc in g["locations"]:
            click.echo(f"    {loc['id']}  {loc['path']}")
