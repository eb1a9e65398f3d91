"""Owner of near-duplicate MinHash signatures, LSH bands and pairs (faisceau.mail.neardup).

The only module that reads or writes these tables: it holds their DDL (by schema version, assembled
by `migrations`) and the functions the rest of faisceau calls.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, TypedDict

if TYPE_CHECKING:
    from .db import Store

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


class ContentToSign(TypedDict):
    """A content as the signing pass scans it: `new` when it has no signature yet."""

    seq: int
    sha256: str
    text: str | None
    new: bool


class SignatureRow(TypedDict):
    """A content's signature: MinHash values as uint64 bytes, or `same_as` a content with equal text,
    or neither when the text is too short to sign."""

    sha256: str
    text_hash: str | None
    same_as: str | None
    signature: bytes | None


class BandRow(TypedDict):
    """One LSH bucket a signed content falls in."""

    band: int
    bucket: int
    sha256: str


class PairRow(TypedDict):
    """Two similar contents (a < b) and their estimated similarity."""

    a: str
    b: str
    similarity: float


class NearOf(TypedDict):
    """A content similar to a given one, with the similarity."""

    sha256: str
    similarity: float


def enlarge_cache(store: Store) -> None:
    """256 MB of page cache for this connection: the bucket index is read at random while signing."""
    store.db.execute("PRAGMA cache_size = -262144")


def some_band(store: Store) -> int | None:
    """The band number of one stored bucket (every band carries the layout), or None when none is stored."""
    row = store.db.execute("SELECT band FROM neardup_bands LIMIT 1").fetchone()
    return int(row[0]) if row else None


def clear(store: Store) -> None:
    """Forget every signature, bucket and pair, in one transaction."""
    with store.transaction():
        store.db.execute("DELETE FROM neardup_bands")
        store.db.execute("DELETE FROM neardup_pairs")
        store.db.execute("DELETE FROM neardup_signatures")


def contents_after(store: Store, seq: int, limit: int) -> list[ContentToSign]:
    """The next `limit` ok contents after rowid `seq`, with their text, each marked `new` when unsigned."""
    return [ContentToSign(seq=r[0], sha256=r[1], text=r[2], new=bool(r[3])) for r in store.db.execute(
        "SELECT c.rowid, c.sha256, c.text, s.sha256 IS NULL FROM contents c"
        " LEFT JOIN neardup_signatures s ON s.sha256 = c.sha256"
        " WHERE c.rowid > ? AND c.status = 'ok' ORDER BY c.rowid LIMIT ?", (seq, limit))]


def signed_with_text(store: Store, text_hash: str) -> str | None:
    """The content that holds the signature of this folded text, if one was signed."""
    row = store.db.execute("SELECT coalesce(same_as, sha256) FROM neardup_signatures WHERE text_hash = ? LIMIT 1",
                           (text_hash,)).fetchone()
    return str(row[0]) if row else None


def in_bucket(store: Store, band: int, bucket: int, limit: int) -> list[str]:
    """At most `limit` contents in one LSH bucket."""
    return [r[0] for r in store.db.execute(
        "SELECT sha256 FROM neardup_bands WHERE band = ? AND bucket = ? LIMIT ?", (band, bucket, limit))]


def signature(store: Store, sha256: str) -> bytes | None:
    """A content's MinHash values (uint64 bytes), None when it has none."""
    row = store.db.execute("SELECT signature FROM neardup_signatures WHERE sha256 = ?", (sha256,)).fetchone()
    return bytes(row[0]) if row and row[0] else None


def save(store: Store, signatures: list[SignatureRow], bands: list[BandRow], pairs: list[PairRow]) -> None:
    """Add one batch of signatures, buckets and pairs, in one transaction."""
    with store.transaction():
        store.db.executemany("INSERT OR REPLACE INTO neardup_signatures (sha256, text_hash, same_as, signature)"
                             " VALUES (:sha256, :text_hash, :same_as, :signature)", signatures)
        store.db.executemany("INSERT INTO neardup_bands (band, bucket, sha256) VALUES (:band, :bucket, :sha256)",
                             bands)
        store.db.executemany("INSERT OR REPLACE INTO neardup_pairs (a, b, similarity) VALUES (:a, :b, :similarity)",
                             pairs)


def similar_pairs(store: Store, min_similarity: float = 0.0) -> list[PairRow]:
    """Every pair at least this similar, by a then b."""
    return [PairRow(a=r[0], b=r[1], similarity=r[2]) for r in store.db.execute(
        "SELECT a, b, similarity FROM neardup_pairs WHERE similarity >= ? ORDER BY a, b", (min_similarity,))]


def near_of(store: Store, sha256: str, limit: int = 50) -> list[NearOf]:
    """The contents paired with this one, most similar first."""
    return [NearOf(sha256=r[0], similarity=float(r[1])) for r in store.db.execute(
        "SELECT b, similarity FROM neardup_pairs WHERE a = ? UNION SELECT a, similarity FROM neardup_pairs"
        " WHERE b = ? ORDER BY 2 DESC LIMIT ?", (sha256, sha256, limit))]
