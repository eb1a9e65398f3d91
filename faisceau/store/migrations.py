"""The SQLite schema of a project store, with forward migrations keyed by `user_version`.

Each table family's owner module holds its own DDL by the schema version that created it; a migration
is what every owner adds at that version, in the order below (the order the tables were first made in).

The owners are imported only when a store needs migrating: a store already at `SCHEMA_VERSION` (every
open but the first after an upgrade) costs a `PRAGMA user_version`, not the import of every table
family's module (a CLI search opens the store and should not pay for them).
"""

from __future__ import annotations

import importlib

SCHEMA_VERSION = 8

OWNERS = ("documents", "runs", "tags", "messages", "neardups", "entities", "citations", "timeline", "correspondence",
          "entitycache", "redactions")


def migrations() -> tuple[str, ...]:
    """Each entry migrates from version i to i+1; the store applies the missing ones on open."""
    owners = [importlib.import_module(f"{__package__}.{name}") for name in OWNERS]
    return tuple("".join(owner.DDL[version] for owner in owners if version in owner.DDL)
                 for version in range(1, SCHEMA_VERSION + 1))
