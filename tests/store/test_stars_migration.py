"""Schema 7 keeps every star of an older store and lets two users star one document."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from faisceau.store import tags
from faisceau.store.db import Store
from faisceau.store.migrations import SCHEMA_VERSION, migrations
from faisceau.store.values import acting_user


def test_an_older_stores_stars_survive_and_become_per_user(tmp_path: Path) -> None:
    path = tmp_path / "store.sqlite"
    db = sqlite3.connect(path, isolation_level=None)
    steps = migrations()
    for i in range(6):  # a store as schema 6 left it
        db.executescript("BEGIN;" + steps[i] + f";PRAGMA user_version={i + 1};COMMIT;")
    db.execute("INSERT INTO stars (document_id, time, user) VALUES ('d1', '2026-01-01', 'alice')")
    db.close()
    store = Store(path)
    try:
        assert store.db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION == 8  # migrated to the latest (7: stars per user)
        assert tags.starred(store) == {"d1"}  # alone, every star counts, as before
        token = acting_user.set("bob")
        try:
            assert tags.starred(store) == set()
            assert tags.add_stars(store, ["d1"]) == 1  # bob's own star beside alice's
            assert tags.is_starred(store, "d1")
            assert tags.remove_stars(store, ["d1"]) == 1
        finally:
            acting_user.reset(token)
        assert tags.starred(store) == {"d1"}  # alice's is still there
    finally:
        store.close()
