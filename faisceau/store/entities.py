"""Owner of analysis: mentions, identifiers, text dates, canonical entities, the gazetteer, curation decisions.

The only module that reads or writes these tables: it holds their DDL (by schema version, assembled
by `migrations`) and the functions the rest of faisceau calls. The rows they take and return are
typed in `entity_rows` (kept apart only for the length of this module).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from typing import TYPE_CHECKING, Any, cast

from .entity_rows import (
    ContentDates,
    CooccurringRow,
    DatedContent,
    DatedSentence,
    DecisionRef,
    DecisionRow,
    DocumentEntityName,
    DocumentMention,
    EntityDocument,
    EntityRef,
    EntityRow,
    FormCount,
    IdentifierRow,
    KeyCount,
    MentionInContext,
    MentionSpan,
    SpellingCount,
    TextDateRow,
    TypedName,
    WordStatRow,
)
from .entity_rows import (
    DateIn as DateIn,
)
from .entity_rows import (
    EntityIn as EntityIn,
)
from .entity_rows import (
    IdentifierIn as IdentifierIn,
)
from .entity_rows import (
    MentionIn as MentionIn,
)

if TYPE_CHECKING:
    import sqlite3

    from .db import Store

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


def _limit(n: int | None) -> int:
    """SQLite's LIMIT for "no limit"."""
    return -1 if n is None else n


# -- what the item stages found (stage outputs) --------------------------------------------------

def replace_mentions(store: Store, sha256: str, rows: Iterable[MentionIn]) -> None:
    """The mentions of a content, in place of those it had; the content is to be read against the corpus
    gazetteer again (its corpus mentions went with the others; its words are counted already)."""
    store.db.execute("DELETE FROM mentions WHERE sha256 = ?", (sha256,))
    store.db.execute("UPDATE entity_propagated SET forms = -1 WHERE sha256 = ?", (sha256,))
    add_mentions(store, sha256, rows)


def add_mentions(store: Store, sha256: str, rows: Iterable[MentionIn]) -> None:
    store.db.executemany("INSERT INTO mentions (sha256, start, end, text, type, source, key) VALUES (?,?,?,?,?,?,?)",
                         [(sha256, *m) for m in rows])


def replace_identifiers(store: Store, sha256: str, rows: Iterable[IdentifierIn]) -> None:
    """The identifiers of a content, in place of those it had."""
    store.db.execute("DELETE FROM identifiers WHERE sha256 = ?", (sha256,))
    store.db.executemany("INSERT INTO identifiers (sha256, start, end, text, type, value, valid) VALUES (?,?,?,?,?,?,?)",
                         [(sha256, *i) for i in rows])


def replace_text_dates(store: Store, sha256: str, rows: Iterable[DateIn]) -> None:
    """The dates in a content's text, in place of those it had."""
    store.db.execute("DELETE FROM text_dates WHERE sha256 = ?", (sha256,))
    store.db.executemany(
        "INSERT INTO text_dates (sha256, start, end, text, value, precision, s_start, s_end) VALUES (?,?,?,?,?,?,?,?)",
        [(sha256, *d) for d in rows])


# -- consistency: the corpus gazetteer and word statistics ---------------------------------------

def labelled_forms(store: Store) -> Iterator[FormCount]:
    """Each surface form the model or a header labelled, by type and source, with its count."""
    for text, kind, source, n in store.db.execute(
            "SELECT text, type, source, COUNT(*) FROM mentions WHERE source != 'corpus' GROUP BY text, type, source"):
        yield {"text": text, "type": kind, "source": source, "count": n}


def single_word_counts(store: Store) -> dict[str, int]:
    """How often each one-word form is a mention."""
    return dict(store.db.execute("SELECT text, COUNT(*) FROM mentions WHERE instr(text, ' ') = 0 GROUP BY text"))


def word_stats(store: Store, words: list[str] | None = None) -> Iterator[WordStatRow]:
    """The stored statistics of these words (one query per 500), or of all."""
    rows: Iterable[Any]
    if words is None:
        rows = store.db.execute("SELECT word, lower, mid FROM word_stats")
    else:
        rows = (r for i in range(0, len(words), 500) for r in store.db.execute(
            f"SELECT word, lower, mid FROM word_stats WHERE word IN ({','.join('?' * len(words[i:i + 500]))})",
            words[i:i + 500]))
    for word, low, mid in rows:
        yield {"word": word, "lower": low, "mid": mid}


def add_word_stats(store: Store, counts: Mapping[str, tuple[int, int]]) -> None:
    """Add (lower-case, capitalised mid-sentence) counts to each word's."""
    store.db.executemany(
        "INSERT INTO word_stats (word, lower, mid) VALUES (?, ?, ?) ON CONFLICT(word) DO UPDATE"
        " SET lower = lower + excluded.lower, mid = mid + excluded.mid", [(w, a, b) for w, (a, b) in counts.items()])


def unpropagated_contents(store: Store) -> list[tuple[str, bool]]:
    """The contents with mentions not yet read against the corpus gazetteer, each with whether its words
    are in `word_stats` already (it was read before its mentions were replaced: forms -1)."""
    return [(r[0], r[1] is not None) for r in store.db.execute(
        "SELECT DISTINCT m.sha256, p.forms FROM mentions m LEFT JOIN entity_propagated p ON p.sha256 = m.sha256"
        " WHERE p.sha256 IS NULL OR p.forms < 0")]


def found_mentions(store: Store, sha256: str) -> list[MentionSpan]:
    """A content's mentions from the model and the headers (not the corpus), in text order."""
    return [{"start": s, "end": e, "text": t, "type": k, "source": src} for s, e, t, k, src in store.db.execute(
        "SELECT start, end, text, type, source FROM mentions WHERE sha256 = ? AND source != 'corpus'"
        " ORDER BY start", (sha256,))]


def drop_corpus_mentions(store: Store, sha256: str) -> None:
    store.db.execute("DELETE FROM mentions WHERE sha256 = ? AND source = 'corpus'", (sha256,))


def mark_propagated(store: Store, sha256: str, forms: int) -> None:
    """Note that a content was read against a gazetteer of `forms` forms."""
    store.db.execute("INSERT OR REPLACE INTO entity_propagated (sha256, forms) VALUES (?, ?)", (sha256, forms))


# -- grouping ------------------------------------------------------------------------------------

def spelling_counts(store: Store) -> list[SpellingCount]:
    """Every (key, type, spelling, source) of the corpus's mentions with its count."""
    return [{"key": k, "type": kind, "text": text, "source": source, "count": n}
            for k, kind, text, source, n in store.db.execute(
                "SELECT key, type, text, source, COUNT(*) FROM mentions GROUP BY key, type, text, source")]


def key_counts(store: Store) -> Iterator[KeyCount]:
    """How often each content names each key."""
    for sha, k, n in store.db.execute("SELECT sha256, key, COUNT(*) FROM mentions GROUP BY sha256, key"):
        yield {"sha256": sha, "key": k, "count": n}


def locations_per_content(store: Store) -> dict[str, int]:
    """The number of documents (locations) of each content with mentions."""
    return dict(store.db.execute(
        "SELECT sha256, COUNT(*) FROM documents WHERE sha256 IN (SELECT DISTINCT sha256 FROM mentions)"
        " GROUP BY sha256").fetchall())


def mentioned_content_dates(store: Store) -> Iterator[ContentDates]:
    """The sent and created dates of each content with mentions."""
    for sha, d, c in store.db.execute(
            "SELECT sha256, json_extract(metadata, '$.date_utc'), json_extract(metadata, '$.created') FROM contents"
            " WHERE sha256 IN (SELECT DISTINCT sha256 FROM mentions)"):
        yield {"sha256": sha, "date_utc": d, "created": c}


def document_entity_names(store: Store) -> Iterator[DocumentEntityName]:
    """Every (document, entity, entity name) of `document_entities`."""
    for doc, eid, name in store.db.execute("SELECT document_id, entity_id, name FROM document_entities"):
        yield {"document_id": doc, "entity_id": eid, "name": name}


def replace_grouping(store: Store, entities: Iterable[EntityIn], keys: Mapping[str, tuple[str, str]],
                     counts: Mapping[tuple[str, str], int]) -> None:
    """Rewrite the grouping in one transaction: the entities, each key's (entity id, type), and the
    count of each (content, entity id), given to every document (location) of the content."""
    with store.transaction():
        db = store.db
        for t in ("entities", "entity_keys", "document_entities"):
            db.execute(f"DELETE FROM {t}")
        _insert_grouping(db, entities, keys, counts)


def _insert_grouping(db: sqlite3.Connection, entities: Iterable[EntityIn], keys: Mapping[str, tuple[str, str]],
                     counts: Mapping[tuple[str, str], int]) -> None:
    """Insert entities, each key's (entity id, type), and the count of each (content, entity id) on every
    document of the content: what a full regrouping and a curation decision both write."""
    rows = list(entities)
    db.executemany("INSERT INTO entities (id, type, name, mentions, documents, first_date, last_date, variants)"
                   " VALUES (?,?,?,?,?,?,?,?)", rows)
    info = {e.id: (e.type, e.name) for e in rows}
    db.executemany("INSERT INTO entity_keys (key, type, entity_id) VALUES (?,?,?)",
                   [(k, kind, eid) for k, (eid, kind) in keys.items()])
    db.executemany(
        "INSERT INTO document_entities (document_id, entity_id, type, name, count)"
        " SELECT d.id, ?, ?, ?, ? FROM documents d WHERE d.sha256 = ?",
        [(eid, *info[eid], n, sha) for (sha, eid), n in counts.items()])


# -- grouping, a few entities at a time (a curation decision) -------------------------------------

_IN = 500   # values per `IN (…)`


def _chunks(values: Iterable[str]) -> Iterator[list[str]]:
    items = sorted(set(values))
    for i in range(0, len(items), _IN):
        yield items[i:i + _IN]


def stored_keys(store: Store) -> dict[str, tuple[str, str, str]]:
    """Each key's (entity id, type, entity name) as the last grouping wrote them."""
    return {k: (eid, kind, name) for k, eid, kind, name in store.db.execute(
        "SELECT k.key, k.entity_id, k.type, e.name FROM entity_keys k JOIN entities e ON e.id = k.entity_id")}


def key_counts_for(store: Store, keys: Iterable[str]) -> Iterator[KeyCount]:
    """How often each content names each of these keys."""
    for chunk in _chunks(keys):
        marks = ",".join("?" * len(chunk))
        for sha, k, n in store.db.execute(
                f"SELECT sha256, key, COUNT(*) FROM mentions WHERE key IN ({marks}) GROUP BY sha256, key", chunk):
            yield {"sha256": sha, "key": k, "count": n}


def content_dates_for(store: Store, shas: Iterable[str]) -> Iterator[ContentDates]:
    """The sent and created dates of these contents."""
    for chunk in _chunks(shas):
        marks = ",".join("?" * len(chunk))
        for sha, d, c in store.db.execute(
                "SELECT sha256, json_extract(metadata, '$.date_utc'), json_extract(metadata, '$.created')"
                f" FROM contents WHERE sha256 IN ({marks})", chunk):
            yield {"sha256": sha, "date_utc": d, "created": c}


def locations_for(store: Store, shas: Iterable[str]) -> dict[str, int]:
    """The number of documents (locations) of each of these contents."""
    out: dict[str, int] = {}
    for chunk in _chunks(shas):
        marks = ",".join("?" * len(chunk))
        out.update(store.db.execute(
            f"SELECT sha256, COUNT(*) FROM documents WHERE sha256 IN ({marks}) GROUP BY sha256", chunk).fetchall())
    return out


def documents_of_entities(store: Store, entity_ids: Iterable[str]) -> set[str]:
    """The documents that name one of these entities."""
    out: set[str] = set()
    for chunk in _chunks(entity_ids):
        marks = ",".join("?" * len(chunk))
        out.update(r[0] for r in store.db.execute(
            f"SELECT DISTINCT document_id FROM document_entities WHERE entity_id IN ({marks})", chunk))
    return out


def update_grouping(store: Store, drop: Iterable[str], entities: Iterable[EntityIn],
                    keys: Mapping[str, tuple[str, str]], drop_keys: Iterable[str],
                    counts: Mapping[tuple[str, str], int]) -> None:
    """Rewrite part of the grouping in one transaction: the entities `drop` (and their document
    rows) and the keys `drop_keys` go; `entities`, `keys` and `counts` (as in `replace_grouping`) come."""
    with store.transaction():
        db = store.db
        for chunk in _chunks(drop):
            marks = ",".join("?" * len(chunk))
            db.execute(f"DELETE FROM entities WHERE id IN ({marks})", chunk)
            db.execute(f"DELETE FROM document_entities WHERE entity_id IN ({marks})", chunk)
        for chunk in _chunks(drop_keys):
            db.execute(f"DELETE FROM entity_keys WHERE key IN ({','.join('?' * len(chunk))})", chunk)
        _insert_grouping(db, entities, keys, counts)


def active_decisions(store: Store) -> list[DecisionRef]:
    """The curation decisions not undone, in the order they apply."""
    return [{"action": action, "a": a, "b": b} for action, a, b in store.db.execute(
        "SELECT action, a, b FROM entity_decisions WHERE undone = 0 ORDER BY id")]


# -- reading entities ----------------------------------------------------------------------------

def _entity(r: Any) -> EntityRow | None:
    return cast(EntityRow, dict(r)) if r is not None else None


def list_entities(store: Store, type: str | None = None, q: str | None = None, limit: int | None = 100,
                  offset: int = 0) -> list[EntityRow]:
    """Entities (of a type; with a name or spelling containing `q`), most mentioned first."""
    sql, args = "SELECT * FROM entities WHERE 1=1", list[Any]()
    if type:
        sql += " AND type = ?"
        args.append(type)
    if q:
        sql += " AND (name LIKE ? OR variants LIKE ?)"
        args += [f"%{q}%", f"%{q}%"]
    sql += " ORDER BY mentions DESC, name LIMIT ? OFFSET ?"
    args += [_limit(limit), offset]
    return [cast(EntityRow, dict(r)) for r in store.db.execute(sql, args)]


def entity_by_id(store: Store, entity_id: str) -> EntityRow | None:
    return _entity(store.db.execute("SELECT * FROM entities WHERE id = ?", (entity_id,)).fetchone())


def entity_by_key(store: Store, key: str) -> EntityRow | None:
    """The entity a name key belongs to."""
    return _entity(store.db.execute(
        "SELECT e.* FROM entity_keys k JOIN entities e ON e.id = k.entity_id WHERE k.key = ?", (key,)).fetchone())


def keys_of(store: Store, entity_id: str) -> list[str]:
    """The name keys grouped into an entity."""
    return [k for (k,) in store.db.execute("SELECT key FROM entity_keys WHERE entity_id = ?", (entity_id,))]


def mentions_in_context(store: Store, keys: list[str], context: int, limit: int | None) -> list[MentionInContext]:
    """The mentions of these keys with `context` characters each side, by content and offset (the
    first `limit` are chosen on the index, then their words around are cut)."""
    marks = ",".join("?" * len(keys))
    return [cast(MentionInContext, dict(r)) for r in store.db.execute(
        f"SELECT m.sha256, m.start, m.end, m.text, m.source,"
        f" (SELECT MIN(id) FROM documents d WHERE d.sha256 = m.sha256) AS document_id,"
        f" (SELECT MIN(path) FROM documents d WHERE d.sha256 = m.sha256) AS path,"
        f" COALESCE(json_extract(c.metadata, '$.subject'), json_extract(c.metadata, '$.title')) AS title,"
        f" CASE WHEN m.start >= 0 THEN substr(c.text, max(1, m.start + 1 - {context}), m.start - max(0, m.start - {context}))"
        f" END AS before,"
        f" CASE WHEN m.start >= 0 THEN substr(c.text, m.end + 1, {context}) END AS after"
        f" FROM (SELECT sha256, start, end, text, source FROM mentions WHERE key IN ({marks})"
        f"  ORDER BY sha256, start LIMIT ?) m JOIN contents c ON c.sha256 = m.sha256"
        f" ORDER BY m.sha256, m.start", [*keys, _limit(limit)])]


def cooccurring(store: Store, entity_id: str, limit: int) -> list[CooccurringRow]:
    """Entities named in the same documents, by the number of documents shared."""
    # counted on the (document, entity) index alone, then named: not one entity lookup per pair
    return [cast(CooccurringRow, dict(r)) for r in store.db.execute(
        "SELECT e.id, e.type, e.name, c.n AS documents FROM (SELECT b.entity_id AS id, COUNT(*) AS n"
        " FROM document_entities a JOIN document_entities b ON b.document_id = a.document_id"
        " WHERE a.entity_id = ? AND b.entity_id != ? GROUP BY b.entity_id) c JOIN entities e ON e.id = c.id"
        " ORDER BY documents DESC, e.name LIMIT ?", (entity_id, entity_id, limit))]


def documents_naming(store: Store, entity_id: str, limit: int | None) -> list[EntityDocument]:
    """The documents naming an entity, most mentions first."""
    return [cast(EntityDocument, dict(r)) for r in store.db.execute(
        "SELECT x.id, x.path, x.kind, x.count,"
        " (SELECT COALESCE(json_extract(c.metadata, '$.subject'), json_extract(c.metadata, '$.title'))"
        "  FROM contents c WHERE c.sha256 = x.sha256) AS title"
        " FROM (SELECT d.id, d.path, d.kind, d.sha256, de.count FROM document_entities de"
        "  JOIN documents d ON d.id = de.document_id WHERE de.entity_id = ? ORDER BY de.count DESC, d.path LIMIT ?) x"
        " ORDER BY x.count DESC, x.path", (entity_id, _limit(limit)))]


def shared_documents(store: Store, a: str, b: str) -> int:
    """How many documents name both entities."""
    return int(store.db.execute(
        "SELECT COUNT(*) FROM document_entities x JOIN document_entities y ON y.document_id = x.document_id"
        " WHERE x.entity_id = ? AND y.entity_id = ?", (a, b)).fetchone()[0])


def entities_of_document(store: Store, document_id: str, limit: int) -> list[EntityRef]:
    """The entities a document names, most named first."""
    return [cast(EntityRef, dict(r)) for r in store.db.execute(
        "SELECT entity_id AS id, type, name FROM document_entities WHERE document_id = ? ORDER BY count DESC, name"
        " LIMIT ?", (document_id, limit))]


# -- one content's findings ----------------------------------------------------------------------

def mentions_of(store: Store, sha256: str) -> list[DocumentMention]:
    """A content's mentions in text order, with their entity (none for an ignored one)."""
    return [cast(DocumentMention, dict(r)) for r in store.db.execute(
        "SELECT m.start, m.end, m.text, m.type AS mention_type, m.source, k.entity_id, e.name AS entity, e.type"
        " FROM mentions m LEFT JOIN entity_keys k ON k.key = m.key LEFT JOIN entities e ON e.id = k.entity_id"
        " WHERE m.sha256 = ? ORDER BY m.start", (sha256,))]


def identifiers_of(store: Store, sha256: str) -> list[IdentifierRow]:
    return [cast(IdentifierRow, dict(r)) for r in store.db.execute(
        "SELECT start, end, text, type, value, valid FROM identifiers WHERE sha256 = ? ORDER BY start", (sha256,))]


def text_dates_of(store: Store, sha256: str) -> list[TextDateRow]:
    return [cast(TextDateRow, dict(r)) for r in store.db.execute(
        "SELECT start, end, text, value, precision FROM text_dates WHERE sha256 = ? ORDER BY start", (sha256,))]


# -- timeline ------------------------------------------------------------------------------------

def dated_sentences(store: Store, entity_id: str | None = None) -> Iterator[DatedSentence]:
    """Every date found in a text (in contents naming the entity), by value."""
    sql = ("SELECT t.sha256, t.start, t.end, t.text, t.value, t.precision, t.s_start, t.s_end,"
           " substr(c.text, t.s_start + 1, t.s_end - t.s_start) AS sentence, c.pages,"
           " (SELECT MIN(id) FROM documents d WHERE d.sha256 = t.sha256) AS document_id"
           " FROM text_dates t JOIN contents c ON c.sha256 = t.sha256")
    args: list[Any] = []
    if entity_id:
        sql += " WHERE t.sha256 IN (SELECT m.sha256 FROM mentions m JOIN entity_keys k ON k.key = m.key WHERE k.entity_id = ?)"
        args.append(entity_id)
    sql += " ORDER BY t.value"
    for r in store.db.execute(sql, args):
        yield cast(DatedSentence, dict(r))


def entities_in_span(store: Store, sha256: str, start: int, end: int) -> list[EntityRef]:
    """The entities named between two offsets of a content, in text order."""
    return [cast(EntityRef, dict(r)) for r in store.db.execute(
        "SELECT DISTINCT en.id, en.type, en.name FROM mentions m JOIN entity_keys k ON k.key = m.key"
        " JOIN entities en ON en.id = k.entity_id WHERE m.sha256 = ? AND m.start >= ? AND m.end <= ?"
        " ORDER BY m.start", (sha256, start, end))]


def date_years(store: Store) -> dict[int, int]:
    """How many dates fall in each year: dates found in texts, and the sent, created and modified
    dates of the contents' metadata (what the timeline shows), for the corpus's plausible range."""
    out: dict[int, int] = {}

    def count(value: Any, n: int = 1) -> None:
        if isinstance(value, str) and value[:4].isdigit():
            out[int(value[:4])] = out.get(int(value[:4]), 0) + n

    for year, n in store.db.execute("SELECT substr(value, 1, 4), COUNT(*) FROM text_dates GROUP BY 1"):
        count(year, n)
    for row in store.db.execute(  # one pass over the contents: their texts are most of the file
            "SELECT json_extract(metadata, '$.date_utc'), json_extract(metadata, '$.created'),"
            " json_extract(metadata, '$.modified') FROM contents WHERE metadata IS NOT NULL"):
        for value in row:
            count(value)
    return out


def dated_contents(store: Store, entity_id: str | None = None) -> Iterator[DatedContent]:
    """Each extracted content (of the documents naming the entity) at its first location, with its metadata."""
    sql = ("SELECT MIN(d.id) AS id, MIN(d.path) AS path, c.metadata FROM documents d"
           " JOIN contents c ON c.sha256 = d.sha256 WHERE d.status = 'ok'")
    args: list[Any] = []
    if entity_id:
        sql += " AND d.id IN (SELECT document_id FROM document_entities WHERE entity_id = ?)"
        args.append(entity_id)
    sql += " GROUP BY d.sha256"
    for r in store.db.execute(sql, args):
        yield cast(DatedContent, dict(r))


# -- curation decisions --------------------------------------------------------------------------

def add_decision(store: Store, action: str, a: str, b: str | None, time: str, user: str,
                 mail: int | None = None) -> int:
    """Record a curation decision (with the correspondent decision it made); its number."""
    cur = store.db.execute("INSERT INTO entity_decisions (action, a, b, time, user, mail) VALUES (?,?,?,?,?,?)",
                           (action, a, b, time, user, mail))
    return int(cur.lastrowid or 0)


def decision(store: Store, decision_id: int) -> DecisionRow | None:
    r = store.db.execute("SELECT * FROM entity_decisions WHERE id = ?", (decision_id,)).fetchone()
    return cast(DecisionRow, dict(r)) if r is not None else None


def mark_undone(store: Store, decision_id: int) -> None:
    store.db.execute("UPDATE entity_decisions SET undone = 1 WHERE id = ?", (decision_id,))


def decisions(store: Store) -> list[DecisionRow]:
    """Every curation decision, undone ones too, in the order they apply."""
    return [cast(DecisionRow, dict(r)) for r in store.db.execute("SELECT * FROM entity_decisions ORDER BY id")]


def person_org_place_names(store: Store, ids: list[str]) -> list[TypedName]:
    """The canonical names of persons, organisations and places in these documents (at most 500 ids)."""
    return [{"document_id": r[0], "type": r[1], "name": r[2]} for r in store.db.execute(
        "SELECT document_id, type, name FROM document_entities WHERE type IN ('PER', 'ORG', 'LOC')"
        f" AND document_id IN ({','.join('?' * len(ids))})", ids)]


def has_document_entities(store: Store) -> bool:
    """Whether the entity grouping has put any entity in any document yet."""
    return store.db.execute("SELECT 1 FROM document_entities LIMIT 1").fetchone() is not None
