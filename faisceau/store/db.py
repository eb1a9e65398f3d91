"""The project store: the SQLite connection, its migrations and its transactions.

What it holds is read and written by one owner module per table family (documents.py, runs.py…);
`Store` inherits the methods of the owners whose calls are everywhere (`store.document(…)`,
`store.set_stage(…)`, `store.log_action(…)`), and the owners' other functions take the store first.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from .documents import Documents
from .migrations import SCHEMA_VERSION, migrations
from .runs import Runs
from .sqlite import SQLiteDatabase
from .values import current_user, dumps, now

__all__ = ["Store", "current_user", "dumps", "now"]  # the values are imported from here across faisceau


class Store(SQLiteDatabase, Documents, Runs):
    """SQLite store of one project; forward migrations are applied on open."""

    def __init__(self, path: Path) -> None:
        super().__init__(path, synchronous="NORMAL", foreign_keys=False)
        self.migrate("store", SCHEMA_VERSION, migrations, str(path))

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
