"""The server's own SQLite database (server mode): accounts, memberships, sessions, tokens, audit.

A server folder (`faisceau server init DIR`) holds `server.sqlite` beside the list of the projects
it serves. Its tables are owned like a project's: one owner module per family (accounts.py,
audit.py) holds the DDL by schema version and the queries; this module opens the connection and
applies the forward migrations, versioned by `user_version` like a project store (db.py).
"""

from __future__ import annotations

import importlib
from pathlib import Path

from .sqlite import SQLiteDatabase

SERVER_SCHEMA_VERSION = 3
SERVER_OWNERS = ("accounts", "audit")


def server_migrations() -> tuple[str, ...]:
    """Each entry migrates the server database from version i to i+1."""
    owners = [importlib.import_module(f"{__package__}.{name}") for name in SERVER_OWNERS]
    return tuple("".join(owner.SERVER_DDL[version] for owner in owners if version in owner.SERVER_DDL)
                 for version in range(1, SERVER_SCHEMA_VERSION + 1))


class ServerStore(SQLiteDatabase):
    """The server database; forward migrations are applied on open."""

    def __init__(self, path: Path) -> None:
        # an audit entry or a revocation must survive a crash
        super().__init__(path, synchronous="FULL", foreign_keys=True)
        self.migrate("server", SERVER_SCHEMA_VERSION, server_migrations, path.name)
