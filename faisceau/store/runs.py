"""Owner of runs (one per ingest or analysis run) and actions (the action log of user changes).

The only module that reads or writes these tables: it holds their DDL (by schema version, assembled
by `migrations`) and the functions the rest of faisceau calls.
"""

from __future__ import annotations

import json
import sqlite3
from contextlib import AbstractContextManager
from typing import TYPE_CHECKING, Any, TypedDict

from .values import current_user, dumps, now

if TYPE_CHECKING:
    from .db import Store

# The tables' DDL by the schema version that created them.
DDL: dict[int, str] = {
    1: """

    CREATE TABLE runs (
        id       TEXT PRIMARY KEY,
        started  TEXT NOT NULL,
        finished TEXT,
        command  TEXT,
        settings TEXT,
        tools    TEXT,
        report   TEXT
    );

    -- every user action that changes the project (retry, tag, merge, export…)
    CREATE TABLE actions (
        id     INTEGER PRIMARY KEY,
        time   TEXT NOT NULL,
        user   TEXT NOT NULL,
        action TEXT NOT NULL,
        detail TEXT
    );
    """,
}


class LastRun(TypedDict):
    """The latest run and the figures of its closing report (None while it has not finished)."""

    id: str
    started: str
    finished: str | None
    command: str | None
    seconds: float | None
    rate: float | None
    processed: int | None
    peak_rss_mb: float | None


class Runs:
    """The Store's methods on runs and actions (a mixin of `Store`)."""

    db: sqlite3.Connection

    if TYPE_CHECKING:
        def transaction(self) -> AbstractContextManager[sqlite3.Connection]: ...

    def start_run(self, run_id: str, command: str, settings: dict[str, Any], tools: dict[str, Any]) -> None:
        """Record the start of a run with the settings and tool versions it uses."""
        with self.transaction():
            self.db.execute("INSERT INTO runs (id, started, command, settings, tools) VALUES (?,?,?,?,?)",
                            (run_id, now(), command, dumps(settings), dumps(tools)))

    def finish_run(self, run_id: str, report: dict[str, Any]) -> None:
        """Record the end of a run with its closing report."""
        with self.transaction():
            self.db.execute("UPDATE runs SET finished = ?, report = ? WHERE id = ?", (now(), dumps(report), run_id))

    def log_action(self, action: str, detail: dict[str, Any]) -> None:
        """Append a user action (retry, tag, merge, export…) to the action log."""
        self.db.execute("INSERT INTO actions (time, user, action, detail) VALUES (?,?,?,?)",
                        (now(), current_user(), action, dumps(detail)))


def last_run(store: Store) -> LastRun | None:
    """The latest run started, with the figures of its report, or None before any."""
    row = store.db.execute(
        "SELECT id, started, finished, command, report FROM runs ORDER BY started DESC LIMIT 1").fetchone()
    if row is None:
        return None
    rep = json.loads(row["report"] or "{}")
    return {"id": row["id"], "started": row["started"], "finished": row["finished"], "command": row["command"],
            "seconds": rep.get("seconds"), "rate": rep.get("rate"), "processed": rep.get("processed"),
            "peak_rss_mb": rep.get("peak_rss_mb")}


class ActionRow(TypedDict):
    """One entry of the action log."""

    time: str
    user: str
    action: str
    detail: dict[str, Any]


def actions(store: Store, action: str | None = None) -> list[ActionRow]:
    """The action log (of one action, if named), oldest first."""
    sql = "SELECT time, user, action, detail FROM actions"
    args: tuple[str, ...] = ()
    if action is not None:
        sql, args = sql + " WHERE action = ?", (action,)
    return [{"time": r[0], "user": r[1], "action": r[2], "detail": json.loads(r[3] or "{}")}
            for r in store.db.execute(sql + " ORDER BY rowid", args)]


def last_action(store: Store, action: str) -> ActionRow | None:
    """The latest entry of one action in the action log, or None."""
    r = store.db.execute("SELECT time, user, action, detail FROM actions WHERE action = ? ORDER BY rowid DESC LIMIT 1",
                         (action,)).fetchone()
    return None if r is None else {"time": r[0], "user": r[1], "action": r[2], "detail": json.loads(r[3] or "{}")}
