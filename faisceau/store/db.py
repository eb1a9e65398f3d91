"""The project store: the SQLite connection, its migrations and its transactions.

What it holds is read and written by one owner module per table family (documents.py, runs.py…);
`Store` inherits the methods of the owners whose calls are everywhere (`store.document(…)`,
`store.set_stage(…)`, `store.log_action(…)`), and the owners' other functions take the store first.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from ..exc import ProjectError
from .documents import Documents
from .migrations import SCHEMA_VERSION, migrations
from .runs import Runs
from .values import current_user, dumps, now

__all__ = ["Store", "current_user", "dumps", "now"]  # the values are imported from here across faisceau


class Store(Documents, Runs):
    """SQLite store of one project; forward migrations are applied on open."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.db = sqlite3.connect(path, timeout=60, isolation_level=None)
        self.db.row_factory = sqlite3.Row
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA synchronous=NORMAL")
        self.db.execute("PRAGMA foreign_keys=OFF")
        self._migrate()

    def _migrate(self) -> None:
        version = self.db.execute("PRAGMA user_version").fetchone()[0]
        if version > SCHEMA_VERSION:
            raise ProjectError(
                f"{self.path}: store schema {version} is newer than this faisceau knows ({SCHEMA_VERSION}); upgrade faisceau")
        if version == SCHEMA_VERSION:
            return
        steps = migrations()
        for i in range(version, SCHEMA_VERSION):
            # executescript commits anything pending first; the script is one transaction of its own
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

    @contextmanager
    def batches(self) -> Iterator[Callable[[], None]]:
        """A long write in several transactions: the caller commits what it wrote so far (and goes
        on in a new transaction) by calling what this yields; the rest lands at the end, and an
        error rolls back only what was not committed yet."""
        def commit() -> None:
            self.db.execute("COMMIT")
            self.db.execute("BEGIN IMMEDIATE")

        self.db.execute("BEGIN IMMEDIATE")
        try:
            yield commit
        except BaseException:
            self.db.execute("ROLLBACK")
            raise
        else:
            self.db.execute("COMMIT")
