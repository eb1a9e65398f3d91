"""The SQLite schema of a project store, with forward migrations keyed by `user_version`."""

from __future__ import annotations

SCHEMA_VERSION = 4

# Each entry migrates from version i to i+1; the store applies the missing ones on open.
MIGRATIONS: tuple[str, ...] = (
    """
    CREATE TABLE documents (
        id         TEXT PRIMARY KEY,      -- sha256(root sha256 + provenance path)[:24]
        parent_id  TEXT,                  -- null for items given on the command line
        root_id    TEXT NOT NULL,
        path       TEXT NOT NULL,         -- provenance: leak.zip!/box.pst!/Inbox/42
        name       TEXT NOT NULL,         -- last segment of the path
        name_raw   BLOB,                  -- undecoded name bytes, when they were not UTF-8
        source     TEXT,                  -- file on disk, for items given on the command line
        sha256     TEXT,                  -- null for items with no content (links, FIFOs)
        size       INTEGER,
        depth      INTEGER NOT NULL,
        mime_hint  TEXT,
        item_meta  TEXT,                  -- JSON from the parent: member mtime, unsafe name…
        status     TEXT NOT NULL,         -- pending | ok | failed | skipped
        reason     TEXT,
        kind       TEXT,
        mime       TEXT
    );
    CREATE INDEX documents_sha256 ON documents(sha256);
    CREATE INDEX documents_parent ON documents(parent_id);
    CREATE INDEX documents_status ON documents(status);

    -- one row per distinct content: extracted once, whatever the number of locations
    CREATE TABLE contents (
        sha256            TEXT PRIMARY KEY,
        size              INTEGER,
        status            TEXT NOT NULL,
        reason            TEXT,
        mime              TEXT,
        kind              TEXT,
        extractor         TEXT,
        extractor_version TEXT,
        metadata          TEXT,           -- JSON
        flags             TEXT,           -- JSON list
        warnings          TEXT,           -- JSON list
        segments          TEXT,           -- JSON list of {part, start, end, attrs}
        pages             TEXT,           -- JSON list of {number, start, end, needs_ocr, attrs}
        text              TEXT,
        language          TEXT,
        languages         TEXT,           -- JSON list of {language, share} when mixed
        stages            TEXT            -- JSON {stage: {version, status, reason}}: copied to every location
    );

    -- the children a content yields, so every location of it gets the same subtree
    CREATE TABLE content_children (
        parent_sha256 TEXT NOT NULL,
        ord           INTEGER NOT NULL,
        name          TEXT NOT NULL,
        name_raw      BLOB,
        sha256        TEXT,
        size          INTEGER,
        mime_hint     TEXT,
        item_meta     TEXT,
        status        TEXT,
        reason        TEXT,
        PRIMARY KEY (parent_sha256, ord)
    );

    -- per-(document, stage) status: a new stage version marks that stage stale
    CREATE TABLE stages (
        document_id TEXT NOT NULL,
        stage       TEXT NOT NULL,
        version     TEXT NOT NULL,
        status      TEXT NOT NULL,
        reason      TEXT,
        run_id      TEXT,
        seconds     REAL,
        updated     TEXT,
        PRIMARY KEY (document_id, stage)
    );

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
    """
    -- live annotations, written at any time (web app, CLI) and applied at query time
    CREATE TABLE tags (
        document_id TEXT NOT NULL,
        tag         TEXT NOT NULL,
        time        TEXT NOT NULL,
        user        TEXT NOT NULL,
        PRIMARY KEY (document_id, tag)
    );
    CREATE INDEX tags_tag ON tags(tag);
    CREATE TABLE stars (
        document_id TEXT PRIMARY KEY,
        time        TEXT NOT NULL,
        user        TEXT NOT NULL
    );
    CREATE TABLE notes (
        id          INTEGER PRIMARY KEY,
        document_id TEXT NOT NULL,
        text        TEXT NOT NULL,
        time        TEXT NOT NULL,
        user        TEXT NOT NULL
    );
    CREATE INDEX notes_document ON notes(document_id);
    """,
    """
    -- e-mail intelligence (faisceau.mail): one record per e-mail, threads, addresses, near-duplicates
    CREATE TABLE mail_messages (
        document_id TEXT PRIMARY KEY,
        sha256      TEXT,
        message_id  TEXT,
        copy_key    TEXT,                 -- same-message key: every copy of one mail shares it
        date_utc    TEXT,
        subject     TEXT,
        record      TEXT NOT NULL,        -- JSON: what the threader reads
        version     TEXT NOT NULL         -- of the parsing: another version parses the message again
    );
    CREATE INDEX mail_messages_copy ON mail_messages(copy_key);
    CREATE INDEX mail_messages_mid ON mail_messages(message_id);
    CREATE TABLE message_threads (
        document_id    TEXT PRIMARY KEY,
        thread_id      TEXT NOT NULL,
        parent_id      TEXT,
        depth          INTEGER NOT NULL,
        via            TEXT,
        missing_parent TEXT,
        copy_of        TEXT,
        conflict       INTEGER NOT NULL DEFAULT 0,
        inclusive      INTEGER NOT NULL DEFAULT 0
    );
    CREATE INDEX message_threads_thread ON message_threads(thread_id);
    CREATE TABLE mail_addresses (
        document_id TEXT NOT NULL,
        role        TEXT NOT NULL,        -- from | to | cc | bcc
        address     TEXT NOT NULL,
        name        TEXT,
        PRIMARY KEY (document_id, role, address)
    );
    CREATE INDEX mail_addresses_address ON mail_addresses(address);
    CREATE TABLE correspondent_decisions (
        id       INTEGER PRIMARY KEY,
        a        TEXT NOT NULL,
        b        TEXT NOT NULL,
        decision TEXT NOT NULL,           -- merge | split
        time     TEXT NOT NULL,
        user     TEXT NOT NULL
    );
    CREATE TABLE neardup_signatures (
        sha256    TEXT PRIMARY KEY,
        text_hash TEXT,                   -- folded text: equal texts are signed once
        same_as   TEXT,                   -- the content already signed with the same text
        signature BLOB                    -- MinHash values, uint64; null when too short or same_as
    );
    CREATE INDEX neardup_signatures_text ON neardup_signatures(text_hash);
    CREATE TABLE neardup_bands (
        band   INTEGER NOT NULL,          -- layout (bands·100 + rows) · 1000 + band number
        bucket INTEGER NOT NULL,          -- 64 bits of the band's hash
        sha256 TEXT NOT NULL
    );
    CREATE INDEX neardup_bands_key ON neardup_bands(band, bucket);
    CREATE TABLE neardup_pairs (
        a          TEXT NOT NULL,
        b          TEXT NOT NULL,
        similarity REAL NOT NULL,
        PRIMARY KEY (a, b)
    );
    CREATE INDEX neardup_pairs_b ON neardup_pairs(b);
    """,
    """
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

    -- cited excerpts (evidence): re-anchored by their text after a re-extraction
    CREATE TABLE citations (
        id          INTEGER PRIMARY KEY,
        document_id TEXT NOT NULL,
        page        INTEGER,
        start       INTEGER NOT NULL,
        end         INTEGER NOT NULL,
        text        TEXT NOT NULL,
        note        TEXT,
        time        TEXT NOT NULL,
        user        TEXT NOT NULL,
        anchor      TEXT NOT NULL DEFAULT 'exact',   -- exact | moved | changed
        before      TEXT,
        after       TEXT
    );
    CREATE INDEX citations_document ON citations(document_id);
    """,
)
