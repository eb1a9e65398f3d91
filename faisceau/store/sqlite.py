"""What a project store and the server database share: one SQLite connection in WAL mode, forward
migrations keyed by `user_version`, and one-statement-at-a-time atomic writes.

Each database names its schema (`what`, `version`) and how it migrates (`steps`: entry i takes it from
version i to i+1); the tables themselves belong to owner modules (migrations.py, serverdb.py).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from ..exc import ProjectError


class SQLiteDatabase:
    """A SQLite database of faisceau's, opened and migrated forward."""

    def __init__(self, path: Path, *, synchronous: str, foreign_keys: bool) -> None:
        self.path = path
        self.db = sqlite3.connect(path, timeout=60, isolation_level=None)
        self.db.row_factory = sqlite3.Row
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute(f"PRAGMA synchronous={synchronous}")
        self.db.execute(f"PRAGMA foreign_keys={'ON' if foreign_keys else 'OFF'}")

    def migrate(self, what: str, version_known: int, steps: Callable[[], tuple[str, ...]], shown: str) -> None:
        """Apply the missing migrations, each one transaction; refuse a database newer than this faisceau."""
        version = self.db.execute("PRAGMA user_version").fetchone()[0]
        if version > version_known:
            raise ProjectError(f"{shown}: {what} schema {version} is newer than this faisceau knows"
                               f" ({version_known}); upgrade faisceau")
        if version == version_known:
            return  # the steps (and the owner modules they import) are not needed
        scripts = steps()
        for i in range(version, version_known):
            # executescript commits anything pending first; the script is one transaction of its own
            self.db.executescript("BEGIN IMMEDIATE;" + scripts[i] + f";PRAGMA user_version={i + 1};COMMIT;")

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
