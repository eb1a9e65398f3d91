"""`faisceau server`: a server folder that serves several projects to authenticated users."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from .options import emit, handle_errors, json_option


def server_option(f: Any) -> Any:
    """`--server DIR` (or FAISCEAU_SERVER), required."""
    return click.option("--server", "server_dir", type=click.Path(path_type=Path), envvar="FAISCEAU_SERVER",
                        required=True, help="Server folder (or FAISCEAU_SERVER).")(f)


@click.group()
def server() -> None:
    """Create a server folder and choose the projects it serves (then `faisceau serve --server DIR`)."""


@server.command("init")
@click.argument("directory", type=click.Path(path_type=Path))
@handle_errors
def init(directory: Path) -> None:
    """Create an empty server folder: its database of users, sessions and audit trail."""
    from ..team.serverdir import Server

    Server.init(directory)
    click.echo(f"faisceau: server folder {directory.name} created; next: faisceau server add-project {directory} PROJECT")


@server.command("add-project")
@click.argument("directory", type=click.Path(path_type=Path))
@click.argument("project", type=click.Path(path_type=Path))
@click.option("--name", default=None, help="Name in the server's addresses (/p/NAME/); the folder's name by default.")
@handle_errors
def add_project(directory: Path, project: Path, name: str | None) -> None:
    """Serve an existing project folder (a running server picks it up when restarted)."""
    from ..team.serverdir import Server

    added = Server.open(directory).add_project(project, name)
    click.echo(f"faisceau: project {added} added; grant access with: faisceau users grant USER {added} reader"
               f" --server {directory}")


@server.command("projects")
@click.argument("directory", type=click.Path(path_type=Path))
@json_option
@handle_errors
def projects(directory: Path, as_json: bool) -> None:
    """List the projects a server folder serves."""
    from ..team.serverdir import Server

    for p in Server.open(directory).projects():
        if as_json:
            emit({"name": p["name"], "added": p["added"]})
        else:
            click.echo(p["name"])


@server.command("oidc")
@click.argument("directory", type=click.Path(path_type=Path))
@click.option("--issuer", help="The provider's issuer URL (its /.well-known/openid-configuration is read).")
@click.option("--client-id", help="This server's client id at the provider.")
@click.option("--client-secret", envvar="FAISCEAU_OIDC_SECRET", help="Its client secret (or FAISCEAU_OIDC_SECRET).")
@click.option("--redirect-uri", help="https://YOUR-HOST/login/oidc/callback, as registered at the provider.")
@click.option("--username-claim", default="preferred_username", show_default=True,
              help="The ID token claim that names the local account (email for Google).")
@click.option("--off", is_flag=True, help="Turn single sign-on off.")
@handle_errors
def oidc_cmd(directory: Path, issuer: str | None, client_id: str | None, client_secret: str | None,
             redirect_uri: str | None, username_claim: str, off: bool) -> None:
    """Log in through an OpenID Connect provider (Keycloak, Google Workspace, Microsoft Entra ID)."""
    from ..exc import UsageError
    from ..team.oidc import CONFIG, Config
    from ..team.serverdir import Server

    server = Server.open(directory)
    if off:
        (server.root / CONFIG).unlink(missing_ok=True)
        click.echo("single sign-on off")
        return
    if not (issuer and client_id and client_secret and redirect_uri):
        raise UsageError("give --issuer, --client-id, --client-secret and --redirect-uri (or --off)")
    Config(issuer, client_id, client_secret, redirect_uri, username_claim).save(server)
    click.echo(f"single sign-on through {issuer}; accounts: faisceau users add NAME --sso --server {directory}")
