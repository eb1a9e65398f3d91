"""`faisceau serve`: the workbench in a browser."""

from __future__ import annotations

from pathlib import Path

import click

from ..exc import UsageError
from .options import handle_errors, project_option

LOOPBACK = ("127.0.0.1", "localhost", "::1")


@click.command()
@project_option
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to listen on. Anything but loopback exposes the project: there is no login yet.")
@click.option("--port", default=8000, show_default=True, help="Port to listen on (0: any free port).")
@click.option("--allow-host", "allow_hosts", multiple=True, metavar="NAME",
              help="Another host name the server answers to (repeatable); requests naming any other are refused.")
@handle_errors
def serve(project: Path, host: str, port: int, allow_hosts: tuple[str, ...]) -> None:
    """Serve the workbench: search, documents, graph, status, and the JSON API (/openapi.json)."""
    from ..web import Workbench
    from ..web.server import bind, server

    if not 0 <= port <= 65535:
        raise UsageError(f"--port {port} is not a port number")
    names = tuple(dict.fromkeys([*LOOPBACK, *(h.strip().lower() for h in allow_hosts if h.strip())]))
    if host not in LOOPBACK:
        names = tuple(dict.fromkeys([*names, host.lower()]))
        click.echo(f"warning: listening on {host}, not loopback: anyone who reaches this address reads the project"
                   " and can change its tags (there is no authentication yet)", err=True)
    wb = Workbench.open(project, names)
    try:
        sock = bind(host, port)
    except OSError as e:
        raise UsageError(f"cannot listen on {host}:{port}: {e.strerror or e}") from None
    shown = f"[{host}]" if ":" in host else host
    click.echo(f"faisceau: serving {wb.root} at http://{shown}:{sock.getsockname()[1]}/  (Ctrl-C stops)")
    server(wb).run(sockets=[sock])
