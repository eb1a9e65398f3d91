"""Searching a project: `search`, `batch-search`, `reindex`, and the live annotations `tag`, `star`, `note`."""

from __future__ import annotations

import sys
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import click

from .. import settings as settings_mod
from ..exc import UsageError
from ..index import Filter, Hit, Index, QueryError, facet_names
from ..index import query as query_mod
from ..index.query import STEMMING
from ..index.storefields import open_index
from ..pipeline.frontiers import analysis_note
from ..store import messages
from ..store.db import Store
from ..store.project import Project
from .options import emit, handle_errors, json_option, output_options, project_option


def _open(project: Path) -> tuple[Project, Store, Index]:
    proj = Project.open(project)
    store = Store(proj.store_path)
    return proj, store, open_index(proj.root, settings_mod.load(proj.root), store)


def _help_syntax(ctx: click.Context, _param: click.Parameter, value: bool) -> None:
    if value and not ctx.resilient_parsing:
        click.echo((query_mod.__doc__ or "").strip())
        click.echo("\nFacets (--facet, --include/--exclude FACET=VALUE): " + ", ".join(facet_names()))
        ctx.exit(0)


def _query_error(e: QueryError) -> UsageError:
    return UsageError(f"bad query: {e.message}\n  {e.pointer().replace(chr(10), chr(10) + '  ')}")


CSV_FIELDS = ("id", "path", "title", "kind", "date", "from", "score", "pages", "page", "snippet")


def _csv_row(h: Hit) -> dict[str, Any]:
    first = h.snippets[0] if h.snippets else None
    return {"id": h.id, "path": h.path, "title": h.title, "kind": h.kind, "date": h.date,
            "from": "; ".join(h.senders), "score": round(h.score, 4), "pages": " ".join(map(str, h.pages)),
            "page": first.page if first else "",
            "snippet": " ".join(first.marked().split()) if first else ""}


def _print_hit(h: Hit, n: int, tty: bool) -> None:
    title = h.title or h.path.rsplit("/", 1)[-1]
    click.echo(f"{n:>4}. " + (click.style(title, bold=True) if tty else title))
    meta = " · ".join(x for x in (h.kind, (h.date or "")[:16], ", ".join(h.senders[:2])) if x)
    click.echo(f"      {h.id}  {meta}")
    click.echo(f"      {h.path}" + (f"  ({h.copies} copies: faisceau show {h.id})" if h.copies > 1 else ""))
    if h.pages:
        click.echo(f"      pages: {_ranges(h.pages)}")
    for s in h.snippets:
        text = s.marked("\x1b[1;33m", "\x1b[0m") if tty else s.marked("[", "]")
        page = f"p.{s.page}: " if s.page else ""
        click.echo("      … " + page + " ".join(text.split()) + " …")


def _ranges(pages: list[int]) -> str:
    """1 2 3 5 → "1–3, 5"."""
    out: list[str] = []
    last = -2
    for p in pages:
        if out and p == last + 1:
            out[-1] = out[-1].split("–")[0] + f"–{p}"
        else:
            out.append(str(p))
        last = p
    return ", ".join(out)


@click.command()
@click.argument("query", required=False, default="")
@project_option
@output_options("Print CSV: one row per hit with its first snippet.")
@click.option("--all", "all_hits", is_flag=True, help="Every hit, streamed (no cap).")
@click.option("--limit", default=20, show_default=True, help="Hits per page.")
@click.option("--page", default=1, show_default=True, help="Page of hits (no cap on depth).")
@click.option("--sort", type=click.Choice(["relevance", "date", "-date"]), default="relevance", show_default=True,
              help="Relevance, or date (newest first) or -date (oldest first).")
@click.option("--facet", "facets", multiple=True, metavar="NAME", help="Count hits by this facet (repeatable).")
@click.option("--facet-size", default=10, show_default=True, help="Values shown per facet.")
@click.option("--include", "includes", multiple=True, metavar="FACET=VALUE", help="Keep hits with this facet value.")
@click.option("--exclude", "excludes", multiple=True, metavar="FACET=VALUE", help="Drop hits with this facet value.")
@click.option("--all-copies", is_flag=True,
              help="Every copy a hit of its own (default: copies of one document or message are one hit).")
@click.option("--snippets", default=3, show_default=True, help="Highlighted passages per hit.")
@click.option("--stemming", type=click.Choice(STEMMING), default="light", show_default=True,
              help="Bare words match their inflections (light), Snowball stems by language (full), or only themselves (off).")
@click.option("--help-syntax", is_flag=True, expose_value=False, is_eager=True, callback=_help_syntax,
              help="Show the query syntax and exit.")
@handle_errors
def search(query: str, project: Path, as_json: bool, as_csv: bool, all_hits: bool, limit: int, page: int, sort: str,
           facets: tuple[str, ...], facet_size: int, includes: tuple[str, ...], excludes: tuple[str, ...],
           all_copies: bool, snippets: int, stemming: str) -> None:
    """Search the project: ranked hits with highlighted snippets, exact total, facets.

    QUERY uses the syntax of `faisceau search --help-syntax`; an empty query matches everything.
    Copies (the same bytes in several places, one e-mail in several folders) are one hit, the
    best-ranked, with their number; `--all-copies` lists each.
    """
    if as_json and as_csv:
        raise UsageError("--json and --csv exclude each other")
    if page < 1 or limit < 0:
        raise UsageError("--page starts at 1 and --limit is not negative")
    proj, store, index = _open(project)
    filters = [Filter.parse(s) for s in includes] + [Filter.parse(s, exclude=True) for s in excludes]
    collapse = None if all_copies else (lambda ids: messages.copy_groups_of(store, ids))
    try:
        res = index.search(query, filters=filters, facets=facets, facet_size=facet_size, sort=sort,
                           limit=0 if all_hits else limit, offset=0 if all_hits else (page - 1) * limit,
                           snippets_per_hit=snippets, stemming=stemming, collapse=collapse)
        running = analysis_note(store, settings_mod.load(proj.root), proj.root)
        if running:  # the hits are what is analysed so far: said with the results, in every format
            res.notes.append(running)
        hits: Iterable[Hit] = res.hits
        if all_hits:
            hits = index.iter_hits(query, filters=filters, sort=sort, snippets_per_hit=snippets, stemming=stemming)
            if not all_copies:
                hits = _folded(store, hits)
        if as_json:
            emit(res.head())
            for h in hits:
                emit(h.as_dict())
        elif as_csv:
            import csv

            w = csv.DictWriter(sys.stdout, fieldnames=list(CSV_FIELDS))
            w.writeheader()
            for h in hits:
                w.writerow(_csv_row(h))
        else:
            tty = sys.stdout.isatty()
            shown = f"{res.offset + 1}–{res.offset + len(res.hits)}" if res.hits and not all_hits else ""
            grouped = f"{res.groups:,} without copies, " if res.groups is not None and res.groups != res.total else ""
            click.echo(f"{res.total:,} hit{'s' if res.total != 1 else ''}"
                       + (f" ({grouped}showing {shown})" if shown else (f" ({grouped[:-2]})" if grouped else "")))
            for note in res.notes:
                click.echo(f"note: {note}")
            for name, values in res.facets.items():
                click.echo(f"  {name}: " + ", ".join(f"{v.value} ({v.count:,})" for v in values))
            for n, h in enumerate(hits, res.offset + 1 if not all_hits else 1):
                _print_hit(h, n, tty)
    except QueryError as e:
        raise _query_error(e) from None


def _folded(store: Store, hits: Iterable[Hit], batch: int = 500) -> Iterable[Hit]:
    """A stream of hits with copies folded: each copy group once, at its best-ranked hit."""
    seen: set[str] = set()
    chunk: list[Hit] = []

    def flush() -> Iterable[Hit]:
        groups = messages.copy_groups_of(store, [h.id for h in chunk])
        for h in chunk:
            h.copy_group, h.copies = groups.get(h.id, ("d:" + h.id, 1))
            if h.copy_group not in seen:
                seen.add(h.copy_group)
                yield h
        chunk.clear()

    for h in hits:
        chunk.append(h)
        if len(chunk) == batch:
            yield from flush()
    yield from flush()


MODES = ("query", "phrase", "word", "fuzzy", "exact")


def batch_query(text: str, mode: str) -> str:
    """A row of a batch file as a query in the search syntax."""
    text = " ".join(text.split())
    quoted = '"' + text.replace('"', " ") + '"'
    if mode == "query":
        return text
    if mode == "phrase":
        return quoted
    if mode == "exact":
        return "=" + quoted
    if mode == "word":
        return " AND ".join(f'"{w}"' for w in text.replace('"', " ").split())
    # fuzzy: every word within one edit (two for long words)
    return " AND ".join(f"{w}~{2 if len(w) > 7 else 1}" for w in text.replace('"', " ").split())


def read_batch(path: Path) -> list[tuple[str, str | None]]:
    """(text, mode or None) per row: a CSV with a `query`/`name` column (and maybe `mode`), or plain lines."""
    try:
        raw = path.read_text("utf-8-sig")
    except (OSError, UnicodeDecodeError) as e:
        raise UsageError(f"{path}: {getattr(e, 'strerror', None) or e}") from None
    if path.suffix.lower() in (".csv", ".tsv"):
        import csv
        import io

        dialect = "excel-tab" if path.suffix.lower() == ".tsv" else "excel"
        rows = list(csv.reader(io.StringIO(raw), dialect))
        if not rows:
            return []
        head = [c.strip().lower() for c in rows[0]]
        col = next((head.index(n) for n in ("query", "name", "term") if n in head), None)
        mode_col = head.index("mode") if "mode" in head else None
        body = rows[1:] if col is not None else rows
        col = col or 0
        out = []
        for r in body:
            if len(r) > col and r[col].strip():
                mode = r[mode_col].strip().lower() if mode_col is not None and len(r) > mode_col and r[mode_col].strip() else None
                out.append((r[col], mode))
        return out
    return [(line, None) for line in raw.splitlines() if line.strip() and not line.startswith("#")]


@click.command("batch-search")
@click.argument("file", type=click.Path(path_type=Path, dir_okay=False))
@project_option
@click.option("--mode", type=click.Choice(MODES), default="query", show_default=True,
              help="How each row is searched: as a query, a phrase, all its words, fuzzy words, or exact.")
@click.option("--ids", "n_ids", default=10, show_default=True, help="Document ids listed per row.")
@click.option("--stemming", type=click.Choice(STEMMING), default="light", show_default=True,
              help="Stemming of bare words, as in `faisceau search`.")
@handle_errors
def batch_search(file: Path, project: Path, mode: str, n_ids: int, stemming: str) -> None:
    """Run one search per row of FILE (CSV or text) and print CSV: hit count and first document ids.

    A CSV's `query` (or `name`) column is read, else its first column; a `mode` column sets the
    mode per row. A malformed row gets its error in the `error` column; the others still run.
    """
    import csv

    rows = read_batch(file)
    _, _, index = _open(project)
    w = csv.writer(sys.stdout)
    w.writerow(["row", "input", "mode", "query", "total", "ids", "error"])
    se = index.searcher()  # one snapshot for the whole batch
    for n, (text, row_mode) in enumerate(rows, 1):
        m = row_mode or mode
        if m not in MODES:
            w.writerow([n, text, m, "", "", "", f"unknown mode {m!r} ({', '.join(MODES)})"])
            continue
        q = batch_query(text, m)
        try:
            total, ids = index.ids(q, n_ids, stemming=stemming, se=se)
            w.writerow([n, text, m, q, total, " ".join(ids), ""])
        except QueryError as e:
            w.writerow([n, text, m, q, "", "", f"{e.message} (at {e.position})"])


@click.command()
@project_option
@json_option
@handle_errors
def reindex(project: Path, as_json: bool) -> None:
    """Rebuild the full-text index from the store (after an upgrade that changed it)."""
    from ..index.indexer import update

    proj = Project.open(project)
    proj.lock()
    try:
        store = Store(proj.store_path)
        report = update(proj.root, store, settings_mod.load(proj.root), None, rebuild=True)
        store.log_action("reindex", report)
    finally:
        proj.unlock()
    if as_json:
        emit(report)
    else:
        click.echo(f"Indexed {report['indexed']:,} documents in {report['seconds']} s"
                   + (f"; {report['failed']:,} failed" if report["failed"] else ""))


def _ids(store: Store, index: Index, ids: tuple[str, ...], query: str | None) -> list[str]:
    out = list(ids)
    if query is not None:
        try:
            out += [h.id for h in index.iter_hits(query)]
        except QueryError as e:
            raise _query_error(e) from None
    if not out:
        raise UsageError("name documents by id, or select them with --query")
    return out


@click.group()
def tag() -> None:
    """Tag documents (searchable at once with tag:NAME, also during an ingest)."""


@tag.command("add")
@click.argument("name")
@click.argument("ids", nargs=-1)
@click.option("--query", help="Tag every hit of this query.")
@project_option
@handle_errors
def tag_add(name: str, ids: tuple[str, ...], query: str | None, project: Path) -> None:
    """Add tag NAME to documents."""
    from .. import tags  # the annotation rules: not loaded by a search

    _, store, index = _open(project)
    n = tags.add_tag(store, _ids(store, index, ids, query), name)
    click.echo(f"tagged {n:,} document{'s' if n != 1 else ''} {name}")


@tag.command("remove")
@click.argument("name")
@click.argument("ids", nargs=-1)
@click.option("--query", help="Untag every hit of this query.")
@project_option
@handle_errors
def tag_remove(name: str, ids: tuple[str, ...], query: str | None, project: Path) -> None:
    """Remove tag NAME from documents."""
    from .. import tags  # the annotation rules: not loaded by a search

    _, store, index = _open(project)
    n = tags.remove_tag(store, _ids(store, index, ids, query), name)
    click.echo(f"untagged {n:,} document{'s' if n != 1 else ''}")


@tag.command("list")
@project_option
@json_option
@handle_errors
def tag_list(project: Path, as_json: bool) -> None:
    """Every tag with its number of documents."""
    from .. import tags  # the annotation rules: not loaded by a search

    _, store, _ = _open(project)
    for name, n in tags.tag_counts(store):
        if as_json:
            emit({"tag": name, "documents": n})
        else:
            click.echo(f"{n:>8,}  {name}")


@click.command()
@click.argument("ids", nargs=-1, required=True)
@click.option("--remove", is_flag=True, help="Unstar instead.")
@project_option
@handle_errors
def star(ids: tuple[str, ...], remove: bool, project: Path) -> None:
    """Star documents (star:true finds them)."""
    from .. import tags  # the annotation rules: not loaded by a search

    _, store, _ = _open(project)
    n = tags.set_star(store, ids, not remove)
    click.echo(f"{'unstarred' if remove else 'starred'} {n:,} document{'s' if n != 1 else ''}")


@click.command()
@click.argument("doc_id")
@click.argument("text")
@project_option
@handle_errors
def note(doc_id: str, text: str, project: Path) -> None:
    """Attach a note to a document (note:WORD finds it)."""
    from .. import tags  # the annotation rules: not loaded by a search

    _, store, _ = _open(project)
    tags.add_note(store, doc_id, text)
    click.echo(f"noted {doc_id}")
