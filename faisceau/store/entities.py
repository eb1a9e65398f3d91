"""Owner of analysis: mentions, identifiers, text dates, canonical entities, the gazetteer, curation decisions.

The only module that reads or writes these tables: it holds their DDL (by schema version, assembled
by `migrations`) and the functions the rest of faisceau calls.
"""

from __future__ import annotations

# The tables' DDL by the schema version that created them.
DDL: dict[int, str] = {
    4: """
    -- analysis (faisceau.analysis): what the item stages found in each content, by SHA-256
    CREATE TABLE mentions (
        sha256 TEXT NOT NULL,
        start  INTEGER NOT NULL,          -- code points into contents.text
        end    INTEGER NOT NULL,
        text   TEXT NOT NULL,
        type   TEXT NOT NULL,             -- PER | ORG | LOC | MISC
        key    TEXT NOT NULL,             -- normalised name: what grouping starts from
        source TEXT NOT NULL              -- model | header | corpus (propagated from the corpus gazetteer)
    );
    CREATE INDEX mentions_sha256 ON mentions(sha256);
    CREATE INDEX mentions_key ON mentions(key, type);
    CREATE TABLE identifiers (
        sha256 TEXT NOT NULL,
        start  INTEGER NOT NULL,
        end    INTEGER NOT NULL,
        text   TEXT NOT NULL,
        type   TEXT NOT NULL,             -- email | phone | iban | bic | siren | siret | url | domain | ip
        value  TEXT NOT NULL,             -- normalised (E.164, IBAN without spaces…)
        valid  INTEGER NOT NULL
    );
    CREATE INDEX identifiers_sha256 ON identifiers(sha256);
    CREATE INDEX identifiers_value ON identifiers(type, value);
    CREATE TABLE text_dates (
        sha256    TEXT NOT NULL,
        start     INTEGER NOT NULL,
        end       INTEGER NOT NULL,
        text      TEXT NOT NULL,
        value     TEXT NOT NULL,          -- 2020-03-10 | 2020-03 | 2020 | 2014-02-03T10:22 (floating)
        precision TEXT NOT NULL,          -- minute | day | month | year
        s_start   INTEGER NOT NULL,       -- the sentence around it: an event
        s_end     INTEGER NOT NULL
    );
    CREATE INDEX text_dates_sha256 ON text_dates(sha256);
    CREATE INDEX text_dates_value ON text_dates(value);

    -- entity grouping (corpus stage): mention keys grouped into canonical entities
    CREATE TABLE entities (
        id         TEXT PRIMARY KEY,
        type       TEXT NOT NULL,
        name       TEXT NOT NULL,
        mentions   INTEGER NOT NULL,
        documents  INTEGER NOT NULL,
        first_date TEXT,
        last_date  TEXT,
        variants   TEXT,                  -- JSON list of the spellings seen, most frequent first
        ignored    INTEGER NOT NULL DEFAULT 0
    );
    CREATE INDEX entities_type ON entities(type, mentions);
    CREATE TABLE entity_keys (
        key       TEXT PRIMARY KEY,       -- one entity per key; its type is the majority of its mentions'
        type      TEXT NOT NULL,
        entity_id TEXT NOT NULL
    );
    CREATE INDEX entity_keys_entity ON entity_keys(entity_id);
    CREATE TABLE document_entities (
        document_id TEXT NOT NULL,
        entity_id   TEXT NOT NULL,
        type        TEXT NOT NULL,
        name        TEXT NOT NULL,
        count       INTEGER NOT NULL,
        PRIMARY KEY (document_id, entity_id)
    );
    CREATE INDEX document_entities_entity ON document_entities(entity_id);
    -- contents whose text was read again against the corpus gazetteer (consistency), and its size then
    CREATE TABLE entity_propagated (
        sha256 TEXT PRIMARY KEY,
        forms  INTEGER NOT NULL
    );
    -- how the corpus writes each word (folded to lower case): in lower case, and capitalised inside a
    -- sentence; a capitalised "name" the corpus otherwise writes as an ordinary word is not a name
    CREATE TABLE word_stats (
        word  TEXT PRIMARY KEY,
        lower INTEGER NOT NULL,
        mid   INTEGER NOT NULL
    );
    -- curation: stored decisions replayed after every grouping, so they survive re-analysis
    CREATE TABLE entity_decisions (
        id     INTEGER PRIMARY KEY,
        action TEXT NOT NULL,             -- merge | split | rename | ignore
        a      TEXT NOT NULL,
        b      TEXT,
        time   TEXT NOT NULL,
        user   TEXT NOT NULL,
        undone INTEGER NOT NULL DEFAULT 0,
        mail   INTEGER                    -- the correspondent_decisions row it made (persons with addresses)
    );
    """,
}


# -- for index/indexer.py and index/storefields.py
# (imports here, not at the top, so this block merges apart from the owner's own changes)

from typing import TYPE_CHECKING as _TYPE_CHECKING, TypedDict as _TypedDict  # noqa: E402

if _TYPE_CHECKING:
    from .db import Store


class DocumentEntityName(_TypedDict):
    """A canonical entity name found in a document, with its type (PER, ORG, LOC…)."""

    document_id: str
    type: str
    name: str


def person_org_place_names(store: Store, ids: list[str]) -> list[DocumentEntityName]:
    """The canonical names of persons, organisations and places in these documents (at most 500 ids)."""
    return [{"document_id": r[0], "type": r[1], "name": r[2]} for r in store.db.execute(
        "SELECT document_id, type, name FROM document_entities WHERE type IN ('PER', 'ORG', 'LOC')"
        f" AND document_id IN ({','.join('?' * len(ids))})", ids)]


def has_document_entities(store: Store) -> bool:
    """Whether the entity grouping has put any entity in any document yet."""
    return store.db.execute("SELECT 1 FROM document_entities LIMIT 1").fetchone() is not None
