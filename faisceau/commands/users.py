"""`faisceau users`: the accounts of a server folder, their roles per project and their API tokens."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import click

from .options import emit, handle_errors, json_option
from .server import server_option


@click.group()
def users() -> None:
    """Add accounts, grant and revoke project roles, reset passwords, manage API tokens."""


@users.command("add")
@click.argument("name")
@click.option("--role", type=click.Choice(["user", "admin"]), default="user", show_default=True,
              help="admin: admin of every project of the server (and of its audit page).")
@click.option("--sso", is_flag=True, help="Logs in through the identity provider only (no password).")
@server_option
@handle_errors
def add(name: str, role: str, sso: bool, server_dir: Path) -> None:
    """Create an account; prints a one-time password, to be changed at first login."""
    from ..team.serverdir import Server

    password = Server.open(server_dir).add_user(name, role, sso=sso)
    if sso:
        click.echo(f"user {name} created; logs in through single sign-on (`faisceau server oidc`)")
        return
    click.echo(f"user {name} created; one-time password (shown once, to be changed at first login):")
    click.echo(password)


@users.command("grant")
@click.argument("name")
@click.argument("project")
@click.argument("role", type=click.Choice(["reader", "editor", "admin"]))
@server_option
@handle_errors
def grant(name: str, project: str, role: str, server_dir: Path) -> None:
    """Give NAME a ROLE on PROJECT (replaces the role they had; effective at once)."""
    from ..team.serverdir import Server

    Server.open(server_dir).grant(name, project, role)
    click.echo(f"{name} is {role} of {project}")


@users.command("revoke")
@click.argument("name")
@click.argument("project")
@server_option
@handle_errors
def revoke(name: str, project: str, server_dir: Path) -> None:
    """Remove NAME from PROJECT (effective at once)."""
    from ..team.serverdir import Server

    Server.open(server_dir).revoke(name, project)
    click.echo(f"{name} is no longer a member of {project}")


@users.command("list")
@server_option
@json_option
@handle_errors
def list_users(server_dir: Path, as_json: bool) -> None:
    """Every account with its role on each project."""
    from ..team.serverdir import Server

    for u in Server.open(server_dir).users():
        if as_json:
            emit(u)
        else:
            roles = ", ".join(f"{p}:{r}" for p, r in u["projects"].items()) or "-"
            flags = " (admin)" if u["server_role"] == "admin" else ""
            flags += " (must change password)" if u["must_change"] else ""
            click.echo(f"{u['name']}{flags}  {roles}")


@users.command("passwd")
@click.argument("name")
@server_option
@handle_errors
def passwd(name: str, server_dir: Path) -> None:
    """Reset NAME's password: prints a new one-time password; their sessions end."""
    from ..team.serverdir import Server

    password = Server.open(server_dir).reset_password(name)
    click.echo(f"new one-time password for {name} (to be changed at next login):")
    click.echo(password)


@users.command("totp")
@click.argument("name")
@click.option("--off", is_flag=True, help="Stop requiring a code.")
@server_option
@handle_errors
def totp(name: str, off: bool, server_dir: Path) -> None:
    """Require a TOTP code (an authenticator app) at NAME's login; prints the secret and its
    otpauth:// URI once, to give to the user (their sessions end)."""
    from ..team.serverdir import Server

    server = Server.open(server_dir)
    if off:
        server.disable_totp(name)
        click.echo(f"{name} logs in with a password only")
        return
    secret, uri = server.enable_totp(name)
    click.echo(f"two-step login on for {name}; secret (shown once): {secret}")
    click.echo(uri)


@users.group("token")
def token() -> None:
    """Personal API tokens (`Authorization: Bearer TOKEN`), hashed at rest, expiring."""


@token.command("add")
@click.argument("name")
@click.option("--label", default="api", show_default=True, help="What the token is for.")
@click.option("--days", default=90, show_default=True, help="Days until it expires (1 to 366).")
@server_option
@handle_errors
def token_add(name: str, label: str, days: int, server_dir: Path) -> None:
    """A new token acting as NAME with NAME's roles; printed once."""
    from ..team.serverdir import Server

    click.echo(Server.open(server_dir).add_token(name, label, days))


@token.command("list")
@click.argument("name")
@server_option
@json_option
@handle_errors
def token_list(name: str, server_dir: Path, as_json: bool) -> None:
    """NAME's tokens (never the tokens themselves: they are stored hashed)."""
    from ..team.serverdir import Server

    for t in Server.open(server_dir).tokens(name):
        expires = dt.datetime.fromtimestamp(t["expires"], dt.UTC).isoformat(timespec="seconds")
        if as_json:
            emit({**t, "expires": expires})
        else:
            click.echo(f"{t['id']}  {t['name']}  created {t['created']}  expires {expires}")


@token.command("revoke")
@click.argument("name")
@click.argument("token_id", type=int)
@server_option
@handle_errors
def token_revoke(name: str, token_id: int, server_dir: Path) -> None:
    """Revoke NAME's token TOKEN_ID (its id from `token list`)."""
    from ..team.serverdir import Server

    Server.open(server_dir).revoke_token(name, token_id)
    click.echo(f"token {token_id} of {name} revoked")
