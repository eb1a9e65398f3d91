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
from typing import TYPE_CHECKING

import numpy as np
from datasketch import MinHash, MinHashLSH  # type: ignore[import-untyped]

from ..store import neardups
from .copies import body_hash

if TYPE_CHECKING:
    from ..store.db import Store

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


def update(store: Store, threshold: float = THRESHOLD, best: int = BEST) -> int:
    """Sign the contents not signed yet and link each to its most similar earlier texts; return how many.

    Equal texts (after folding) are signed once and linked with similarity 1.0. A text keeps
    links to its `best` most similar candidates only: enough to group it, and the number of
    pairs stays linear in the corpus even when thousands of templated texts share a bucket.
    """
    bands, rows = layout(threshold)
    neardups.enlarge_cache(store)
    stored = neardups.some_band(store)
    if stored is not None and stored // 1000 != bands * 100 + rows:
        neardups.clear(store)
    done = 0
    cursor = 0
    while True:
        got = neardups.contents_after(store, cursor, BATCH)
        if not got:
            return done
        cursor = got[-1]["seq"]
        todo = [(c["sha256"], c["text"] or "") for c in got if c["new"]]
        sig_rows: list[neardups.SignatureRow] = []
        band_rows: list[neardups.BandRow] = []
        pairs: list[neardups.PairRow] = []
        batch_text: dict[str, str] = {}
        batch_bucket: dict[tuple[int, int], list[str]] = defaultdict(list)
        batch_sig: dict[str, np.ndarray] = {}
        for sha, text in todo:
            if len(text.strip()) < MIN_CHARS:
                sig_rows.append({"sha256": sha, "text_hash": None, "same_as": None, "signature": None})
                continue
            th = body_hash(text)
            same = batch_text.get(th)
            if same is None:
                same = neardups.signed_with_text(store, th)
            if same is not None:
                sig_rows.append({"sha256": sha, "text_hash": th, "same_as": same, "signature": None})
                pairs.append({"a": min(sha, same), "b": max(sha, same), "similarity": 1.0})
                continue
            batch_text[th] = sha
            sig = signature(text)
            mine = buckets(sig, bands, rows)
            cands: set[str] = set()
            for band, bucket in mine:
                cands.update(neardups.in_bucket(store, band, bucket, BUCKET_CAP))
                cands.update(batch_bucket.get((band, bucket), [])[:BUCKET_CAP])
            scored = []
            for other in cands:
                osig = batch_sig.get(other)
                if osig is None:
                    stored_sig = neardups.signature(store, other)
                    osig = np.frombuffer(stored_sig, dtype=np.uint64) if stored_sig else None
                if osig is not None:
                    sim = similarity(sig, osig)
                    if sim >= threshold:
                        scored.append((sim, other))
            for sim, other in sorted(scored, reverse=True)[:best]:
                pairs.append({"a": min(sha, other), "b": max(sha, other), "similarity": round(sim, 4)})
            for key in mine:
                batch_bucket[key].append(sha)
            batch_sig[sha] = sig
            sig_rows.append({"sha256": sha, "text_hash": th, "same_as": None, "signature": sig.tobytes()})
            band_rows += [{"band": band, "bucket": bucket, "sha256": sha} for band, bucket in mine]
        neardups.save(store, sig_rows, band_rows, pairs)
        done += len(todo)
