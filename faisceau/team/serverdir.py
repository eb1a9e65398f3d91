"""A server folder: its database, its projects, its users, and the audit record of what they do.

Every change to accounts goes through here, from the CLI and from the web app alike, so each is
audited once and ends the sessions it must (a password or role change logs the user out).
"""

from __future__ import annotations

import json
import re
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..exc import UsageError
from ..store import accounts, audit
from ..store.project import Project
from ..store.serverdb import ServerStore
from ..store.values import now
from . import passwords

ROLES = ("reader", "editor", "admin")
NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")
MARKER = "faisceau-server.json"
TOKEN_PREFIX = "fsc_"


def _check_name(kind: str, name: str) -> str:
    if not NAME.match(name):
        raise UsageError(f"invalid {kind} name {name[:70]!r}: letters, digits, '.', '_' and '-' only (64 at most)")
    return name


@dataclass
class Server:
    """An initialised server folder, with one database connection per thread."""

    root: Path
    _local: threading.local = field(default_factory=threading.local, repr=False)

    @classmethod
    def init(cls, root: Path) -> Server:
        """Create a server folder (refuses one that holds anything else)."""
        root.mkdir(parents=True, exist_ok=True)
        if (root / MARKER).exists():
            raise UsageError(f"{root.name}: already a faisceau server folder")
        if any(root.iterdir()):
            raise UsageError(f"{root.name}: not empty; a server folder starts empty")
        (root / MARKER).write_text(json.dumps({"format": 1}) + "\n", "utf-8")
        root.chmod(0o700)  # the database holds password hashes and the audit trail
        server = cls(root)
        server.store()
        return server

    @classmethod
    def open(cls, root: Path) -> Server:
        """Open an existing server folder."""
        if not (root / MARKER).is_file():
            raise UsageError(f"{root.name or root}: not a faisceau server folder (run `faisceau server init` first)")
        return cls(root)

    def store(self) -> ServerStore:
        """This thread's connection to the server database."""
        st = getattr(self._local, "store", None)
        if st is None:
            st = ServerStore(self.root / "server.sqlite")
            self._local.store = st
        return st

    def record(self, user: str | None, action: str, project: str | None = None, obj: str | None = None,
               **detail: Any) -> int:
        """Append an entry to the audit trail (never document text: names, ids, queries only)."""
        entry = {"time": now(), "user": user, "project": project, "action": action, "object": obj,
                 "detail": {k: v for k, v in detail.items() if v is not None}}
        return audit.append(self.store(), entry)

    # -- projects --------------------------------------------------------------------------------

    def add_project(self, path: Path, name: str | None = None, by: str | None = None) -> str:
        """Serve an existing project under a name (its folder's name by default)."""
        project = Project.open(path)
        name = _check_name("project", name or project.root.name)
        st = self.store()
        if any(p["name"] == name for p in accounts.projects(st)):
            raise UsageError(f"a project named {name} is already served; choose another with --name")
        accounts.add_project(st, name, str(project.root.resolve()), now())
        self.record(by, "project-add", name)
        return name

    def projects(self) -> list[dict[str, Any]]:
        """The projects served, {name, path, added}."""
        return accounts.projects(self.store())

    # -- users -----------------------------------------------------------------------------------

    def need_user(self, name: str) -> dict[str, Any]:
        found = accounts.user(self.store(), name)
        if found is None:
            raise UsageError(f"no user {name[:70]}")
        return found

    def add_user(self, name: str, role: str = "user", by: str | None = None, sso: bool = False) -> str:
        """Create an account; returns its one-time password (to be changed at first login). An `sso`
        account logs in through the identity provider only: its password is random and never shown."""
        _check_name("user", name)
        if role not in ("user", "admin"):
            raise UsageError("--role is user or admin")
        if accounts.user(self.store(), name) is not None:
            raise UsageError(f"user {name} exists already")
        password = passwords.one_time_password() if not sso else passwords.new_secret()
        accounts.add_user(self.store(), name, passwords.hash_password(password), role, now(), must_change=not sso)
        self.record(by, "user-add", obj=name, role=role, sso=sso or None)
        return "" if sso else password

    def reset_password(self, name: str, by: str | None = None) -> str:
        """A new one-time password for an account (its sessions end)."""
        self.need_user(name)
        password = passwords.one_time_password()
        st = self.store()
        accounts.set_password(st, name, passwords.hash_password(password), must_change=True)
        accounts.delete_sessions_of(st, name)
        self.record(by, "password-reset", obj=name)
        return password

    def change_password(self, name: str, old: str, new: str) -> None:
        """The user's own change (the old password checked); every session of theirs ends."""
        found = self.need_user(name)
        if not passwords.check_password(found["password"], old):
            raise UsageError("the current password is wrong")
        problem = passwords.password_problem(new, name)
        if problem:
            raise UsageError(problem)
        if new == old:
            raise UsageError("the new password must differ from the current one")
        st = self.store()
        accounts.set_password(st, name, passwords.hash_password(new), must_change=False)
        accounts.delete_sessions_of(st, name)
        self.record(name, "password-change", obj=name)

    def grant(self, name: str, project: str, role: str, by: str | None = None) -> None:
        """Give a role on a project; the user's sessions end so the change is felt at once."""
        if role not in ROLES:
            raise UsageError(f"role is one of {', '.join(ROLES)}")
        self.need_user(name)
        if project not in {p["name"] for p in self.projects()}:
            raise UsageError(f"no project {project[:70]} on this server")
        st = self.store()
        accounts.grant(st, name, project, role, now())
        accounts.delete_sessions_of(st, name)
        self.record(by, "member-grant", project, name, role=role)

    def revoke(self, name: str, project: str, by: str | None = None) -> None:
        """Remove a user from a project (their sessions end)."""
        st = self.store()
        if not accounts.revoke(st, name, project):
            raise UsageError(f"{name[:70]} is not a member of {project[:70]}")
        accounts.delete_sessions_of(st, name)
        self.record(by, "member-revoke", project, name)

    def users(self) -> list[dict[str, Any]]:
        """Every account with its memberships."""
        return accounts.users(self.store())

    def role(self, name: str, server_role: str, project: str) -> str | None:
        """A user's effective role on a project (a server admin is admin of every project)."""
        if server_role == "admin" and project in {p["name"] for p in self.projects()}:
            return "admin"
        return accounts.role_of(self.store(), name, project)

    # -- second factor ---------------------------------------------------------------------------

    def enable_totp(self, name: str, by: str | None = None) -> tuple[str, str]:
        """Require a TOTP code at this user's login; returns the secret and its otpauth:// URI
        (for an authenticator app; shown once)."""
        import pyotp

        self.need_user(name)
        secret = pyotp.random_base32()
        accounts.set_totp(self.store(), name, secret)
        accounts.delete_sessions_of(self.store(), name)
        self.record(by, "totp-enable", obj=name)
        return secret, pyotp.TOTP(secret).provisioning_uri(name=name, issuer_name="faisceau")

    def disable_totp(self, name: str, by: str | None = None) -> None:
        """Stop requiring a code at this user's login."""
        if not accounts.set_totp(self.store(), name, None):
            raise UsageError(f"no user {name[:70]}")
        self.record(by, "totp-disable", obj=name)

    # -- API tokens ------------------------------------------------------------------------------

    def add_token(self, name: str, label: str, days: int, by: str | None = None) -> str:
        """A personal API token valid `days` days; returns it (shown once, stored hashed)."""
        self.need_user(name)
        if not 1 <= days <= 366:
            raise UsageError("--days is between 1 and 366")
        secret = passwords.new_secret(TOKEN_PREFIX)
        tid = accounts.add_token(self.store(), passwords.digest(secret), name, label[:100], now(),
                                 time.time() + days * 86400)
        self.record(by or name, "token-add", obj=name, token=tid, days=days)
        return secret

    def tokens(self, name: str) -> list[dict[str, Any]]:
        """A user's tokens: id, name, created, expires (Unix time)."""
        self.need_user(name)
        return accounts.tokens_of(self.store(), name)

    def revoke_token(self, name: str, token_id: int, by: str | None = None) -> None:
        """Revoke one of a user's tokens."""
        if not accounts.revoke_token(self.store(), name, token_id):
            raise UsageError(f"{name[:70]} has no token {token_id}")
        self.record(by or name, "token-revoke", obj=name, token=token_id)
