"""`faisceau audit`: the server's audit trail, listed or verified."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from .options import emit, handle_errors
from .server import server_option


@click.command()
@server_option
@click.option("--verify", is_flag=True, help="Check the hash chain; exit 1 naming the first bad entry.")
@click.option("--json", "as_json", is_flag=True, help="Print the entries as JSON Lines (newest first).")
@click.option("--user", default=None, help="Only this user's entries.")
@click.option("--project", "project_name", default=None, help="Only this project's entries.")
@click.option("--action", default=None, help="Only this action (login, login-failed, search, view, …).")
@click.option("--since", default=None, metavar="TIME", help="Only entries at or after this ISO time (UTC).")
@click.option("--limit", default=None, type=int, help="At most this many entries.")
@handle_errors
def audit(server_dir: Path, verify: bool, as_json: bool, user: str | None, project_name: str | None,
          action: str | None, since: str | None, limit: int | None) -> None:
    """Who did what, when, on which project: list the trail, or verify that no entry was edited,
    removed or reordered."""
    from ..store import audit as trail
    from ..team.serverdir import Server

    st = Server.open(server_dir).store()
    if verify:
        n, problem = trail.verify(st)
        if problem:
            click.echo(f"faisceau: audit trail broken at {problem}", err=True)
            sys.exit(1)
        click.echo(f"audit trail intact: {n} entries")
        return
    for e in trail.entries(st, user, project_name, action, since, limit):
        if as_json:
            emit(e)
        else:
            who = e.get("user") or "-"
            click.echo(f"{e['seq']:>6}  {e['time']}  {who}  {e.get('project') or '-'}  {e['action']}"
                       f"  {e.get('object') or ''}")
