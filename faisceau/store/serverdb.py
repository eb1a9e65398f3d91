"""The server's own SQLite database (server mode): accounts, memberships, sessions, tokens, audit.

A server folder (`faisceau server init DIR`) holds `server.sqlite` beside the list of the projects
it serves. Its tables are owned like a project's: one owner module per family (accounts.py,
audit.py) holds the DDL by schema version and the queries; this module opens the connection and
applies the forward migrations, versioned by `user_version` like a project store (db.py).
"""

from __future__ import annotations

import importlib
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from ..exc import ProjectError

SERVER_SCHEMA_VERSION = 3
SERVER_OWNERS = ("accounts", "audit")


def server_migrations() -> tuple[str, ...]:
    """Each entry migrates the server database from version i to i+1."""
    owners = [importlib.import_module(f"{__package__}.{name}") for name in SERVER_OWNERS]
    return tuple("".join(owner.SERVER_DDL[version] for owner in owners if version in owner.SERVER_DDL)
                 for version in range(1, SERVER_SCHEMA_VERSION + 1))


class ServerStore:
    """The server database; forward migrations are applied on open."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.db = sqlite3.connect(path, timeout=60, isolation_level=None, check_same_thread=True)
        self.db.row_factory = sqlite3.Row
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA synchronous=FULL")  # an audit entry or a revocation must survive a crash
        self.db.execute("PRAGMA foreign_keys=ON")
        self._migrate()

    def _migrate(self) -> None:
        version = self.db.execute("PRAGMA user_version").fetchone()[0]
        if version > SERVER_SCHEMA_VERSION:
            raise ProjectError(f"{self.path.name}: server schema {version} is newer than this faisceau knows"
                               f" ({SERVER_SCHEMA_VERSION}); upgrade faisceau")
        steps = server_migrations() if version < SERVER_SCHEMA_VERSION else ()
        for i in range(version, SERVER_SCHEMA_VERSION):
            self.db.executescript("BEGIN IMMEDIATE;" + steps[i] + f";PRAGMA user_version={i + 1};COMMIT;")

    def close(self) -> None:
        """Close the connection."""
        self.db.close()

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """One atomic write: everything in it lands, or nothing does."""
        self.db.execute("BEGIN IMMEDIATE")
        try:
            yield self.db
        except BaseException:
            self.db.execute("ROLLBACK")
            raise
        else:
            self.db.execute("COMMIT")
