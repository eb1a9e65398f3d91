"""Owner of near-duplicate MinHash signatures, LSH bands and pairs (faisceau.mail.neardup).

The only module that reads or writes these tables: it holds their DDL (by schema version, assembled
by `migrations`) and the functions the rest of faisceau calls.
"""

from __future__ import annotations

# The tables' DDL by the schema version that created them.
DDL: dict[int, str] = {
    3: """
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
}
