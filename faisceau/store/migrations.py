"""The SQLite schema of a project store, with forward migrations keyed by `user_version`.

Each table family's owner module holds its own DDL by the schema version that created it; a migration
is what every owner adds at that version, in the order below (the order the tables were first made in).
"""

from __future__ import annotations

from . import citations, correspondence, documents, entities, entitycache, messages, neardups, runs, tags, timeline

SCHEMA_VERSION = 5

OWNERS = (documents, runs, tags, messages, neardups, entities, citations, timeline, correspondence, entitycache)

# Each entry migrates from version i to i+1; the store applies the missing ones on open.
MIGRATIONS: tuple[str, ...] = tuple(
    "".join(owner.DDL[version] for owner in OWNERS if version in owner.DDL)
    for version in range(1, SCHEMA_VERSION + 1))
