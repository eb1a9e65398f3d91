"""Near-duplicate texts: MinHash signatures (datasketch) and LSH buckets kept in SQLite.

Each distinct content with enough text gets a signature of word 3-shingles. Its band hashes
go to `neardup_bands` (indexed by band and bucket), so looking up the candidates of a new text
is a few indexed queries whatever the corpus size, and the LSH state lives on disk with the
project. Candidates whose estimated Jaccard similarity reaches the threshold are kept in
`neardup_pairs` with that similarity. The threshold is the `neardup_threshold` setting; the
band layout follows from it (datasketch's optimal parameters), so a new threshold means a
new layout: `update` starts over when the stored layout differs.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections import defaultdict
from typing import Any

import numpy as np
from datasketch import MinHash, MinHashLSH  # type: ignore[import-untyped]

from .copies import body_hash

THRESHOLD = 0.8
NUM_PERM = 128
MIN_CHARS = 200
SHINGLE = 3
BATCH = 500
BEST = 5              # links kept per text: its most similar earlier texts
BUCKET_CAP = 200      # candidates read per bucket
_WORD = re.compile(r"\w+", re.UNICODE)


def shingles(text: str) -> set[bytes]:
    words = _WORD.findall(unicodedata.normalize("NFKC", text or "").casefold())
    if len(words) < SHINGLE:
        return {" ".join(words).encode()} if words else set()
    return {" ".join(words[i:i + SHINGLE]).encode("utf-8", "surrogatepass") for i in range(len(words) - SHINGLE + 1)}


def signature(text: str) -> np.ndarray:
    m = MinHash(num_perm=NUM_PERM, seed=1)
    m.update_batch(list(shingles(text)))
    return np.asarray(m.hashvalues, dtype=np.uint64)


def layout(threshold: float) -> tuple[int, int]:
    """(bands, rows per band) for this threshold."""
    lsh = MinHashLSH(threshold=threshold, num_perm=NUM_PERM)
    return int(lsh.b), int(lsh.r)


def similarity(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.count_nonzero(a == b)) / len(a)


def buckets(sig: np.ndarray, bands: int, rows: int) -> list[tuple[int, int]]:
    """(band, bucket) keys; the band number carries the layout (bands·100 + rows) so that another
    threshold's buckets are never mixed with these."""
    base = (bands * 100 + rows) * 1000
    return [(base + i, int.from_bytes(hashlib.sha1(sig[i * rows:(i + 1) * rows].tobytes()).digest()[:8], "big",
                                      signed=True)) for i in range(bands)]


def update(store: Any, threshold: float = THRESHOLD, best: int = BEST) -> int:
    """Sign the contents not signed yet and link each to its most similar earlier texts; return how many.

    Equal texts (after folding) are signed once and linked with similarity 1.0. A text keeps
    links to its `best` most similar candidates only: enough to group it, and the number of
    pairs stays linear in the corpus even when thousands of templated texts share a bucket.
    """
    bands, rows = layout(threshold)
    db = store.db
    db.execute("PRAGMA cache_size = -262144")  # 256 MB of page cache: the bucket index is read at random
    stored = db.execute("SELECT band FROM neardup_bands LIMIT 1").fetchone()
    if stored and stored[0] // 1000 != bands * 100 + rows:
        with store.transaction():
            db.execute("DELETE FROM neardup_bands")
            db.execute("DELETE FROM neardup_pairs")
            db.execute("DELETE FROM neardup_signatures")
    done = 0
    cursor = 0
    while True:
        got = db.execute(
            "SELECT c.rowid, c.sha256, c.text, s.sha256 IS NULL FROM contents c"
            " LEFT JOIN neardup_signatures s ON s.sha256 = c.sha256"
            " WHERE c.rowid > ? AND c.status = 'ok' ORDER BY c.rowid LIMIT ?", (cursor, BATCH)).fetchall()
        if not got:
            return done
        cursor = got[-1][0]
        todo = [(sha, text) for _, sha, text, new in got if new]
        sig_rows: list[tuple[str, str | None, str | None, bytes | None]] = []
        band_rows: list[tuple[int, int, str]] = []
        pairs: list[tuple[str, str, float]] = []
        batch_text: dict[str, str] = {}
        batch_bucket: dict[tuple[int, int], list[str]] = defaultdict(list)
        batch_sig: dict[str, np.ndarray] = {}
        for sha, text in todo:
            if len((text or "").strip()) < MIN_CHARS:
                sig_rows.append((sha, None, None, None))
                continue
            th = body_hash(text)
            same = batch_text.get(th)
            if same is None:
                row = db.execute("SELECT coalesce(same_as, sha256) FROM neardup_signatures WHERE text_hash = ? LIMIT 1",
                                 (th,)).fetchone()
                same = row[0] if row else None
            if same is not None:
                sig_rows.append((sha, th, same, None))
                pairs.append((min(sha, same), max(sha, same), 1.0))
                continue
            batch_text[th] = sha
            sig = signature(text)
            mine = buckets(sig, bands, rows)
            cands: set[str] = set()
            for key in mine:
                cands.update(r[0] for r in db.execute(
                    "SELECT sha256 FROM neardup_bands WHERE band = ? AND bucket = ? LIMIT ?", (*key, BUCKET_CAP)))
                cands.update(batch_bucket.get(key, [])[:BUCKET_CAP])
            scored = []
            for other in cands:
                osig = batch_sig.get(other)
                if osig is None:
                    row = db.execute("SELECT signature FROM neardup_signatures WHERE sha256 = ?", (other,)).fetchone()
                    osig = np.frombuffer(row[0], dtype=np.uint64) if row and row[0] else None
                if osig is not None:
                    sim = similarity(sig, osig)
                    if sim >= threshold:
                        scored.append((sim, other))
            for sim, other in sorted(scored, reverse=True)[:best]:
                pairs.append((min(sha, other), max(sha, other), round(sim, 4)))
            for key in mine:
                batch_bucket[key].append(sha)
            batch_sig[sha] = sig
            sig_rows.append((sha, th, None, sig.tobytes()))
            band_rows += [(band, bucket, sha) for band, bucket in mine]
        with store.transaction():
            db.executemany("INSERT OR REPLACE INTO neardup_signatures (sha256, text_hash, same_as, signature)"
                           " VALUES (?,?,?,?)", sig_rows)
            db.executemany("INSERT INTO neardup_bands (band, bucket, sha256) VALUES (?,?,?)", band_rows)
            db.executemany("INSERT OR REPLACE INTO neardup_pairs (a, b, similarity) VALUES (?,?,?)", pairs)
        done += len(todo)
