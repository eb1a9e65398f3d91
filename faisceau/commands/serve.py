"""`faisceau serve`: the workbench in a browser (one project, or a server folder's projects)."""

from __future__ import annotations

import socket
from collections.abc import Callable
from pathlib import Path

import click

from ..exc import UsageError
from .options import handle_errors

LOOPBACK = ("127.0.0.1", "localhost", "::1")


@click.command()
@click.option("--project", "project", type=click.Path(path_type=Path), envvar="FAISCEAU_PROJECT", default=None,
              help="Project folder (or FAISCEAU_PROJECT): single-user, no login.")
@click.option("--server", "server_dir", type=click.Path(path_type=Path), default=None,
              help="Server folder (`faisceau server init`): its projects, with accounts, roles and an audit trail.")
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to listen on. With --project, anything but loopback exposes the project (no login).")
@click.option("--port", default=8000, show_default=True, help="Port to listen on (0: any free port).")
@click.option("--allow-host", "allow_hosts", multiple=True, metavar="NAME",
              help="Another host name the server answers to (repeatable); requests naming any other are refused.")
@click.option("--secure-cookies", is_flag=True,
              help="With --server behind a TLS reverse proxy: session cookies marked Secure, and HSTS.")
@click.option("--idle-minutes", default=60, show_default=True, help="With --server: a session unused this long ends.")
@click.option("--session-hours", default=12, show_default=True, help="With --server: any session ends this long after login.")
@handle_errors
def serve(project: Path | None, server_dir: Path | None, host: str, port: int, allow_hosts: tuple[str, ...],
          secure_cookies: bool, idle_minutes: int, session_hours: int) -> None:
    """Serve the workbench: search, documents, graph, status, and the JSON API (/openapi.json)."""
    from ..web.server import bind

    if not 0 <= port <= 65535:
        raise UsageError(f"--port {port} is not a port number")
    if (project is None) == (server_dir is None):
        raise UsageError("give --project DIR (single user) or --server DIR (accounts), not both")
    names = tuple(dict.fromkeys([*LOOPBACK, *(h.strip().lower() for h in allow_hosts if h.strip())]))
    if host not in LOOPBACK:
        names = tuple(dict.fromkeys([*names, host.lower()]))
    if server_dir is not None:
        from ..team.access import Options
        from ..team.serverdir import Server
        from ..team.webapp import create_server_app
        from ..web.server import serve_app

        options = Options(idle_seconds=idle_minutes * 60.0, absolute_seconds=session_hours * 3600.0,
                          secure_cookies=secure_cookies)
        app = create_server_app(Server.open(server_dir), names, options)
        sock = _bind(bind, host, port)
        shown = f"[{host}]" if ":" in host else host
        click.echo(f"faisceau: serving the server folder {server_dir.name} at http://{shown}:{sock.getsockname()[1]}/"
                   "  (Ctrl-C stops)")
        serve_app(app).run(sockets=[sock])
        return
    assert project is not None
    from ..web import Workbench
    from ..web.server import server

    if host not in LOOPBACK:
        click.echo(f"warning: listening on {host}, not loopback: anyone who reaches this address reads the project"
                   " and can change its tags (no authentication in this mode: --server DIR has accounts)", err=True)
    wb = Workbench.open(project, names)
    sock = _bind(bind, host, port)
    shown = f"[{host}]" if ":" in host else host
    click.echo(f"faisceau: serving {wb.root} at http://{shown}:{sock.getsockname()[1]}/  (Ctrl-C stops)")
    server(wb).run(sockets=[sock])


def _bind(bind: Callable[[str, int], socket.socket], host: str, port: int) -> socket.socket:
    try:
        return bind(host, port)
    except OSError as e:
        raise UsageError(f"cannot listen on {host}:{port}: {e.strerror or e}") from None
