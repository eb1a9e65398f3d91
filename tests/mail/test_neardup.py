"""Near-duplicates with MinHash/LSH on a real store: similarity shown, threshold honoured, incremental."""

from __future__ import annotations

import random
from pathlib import Path

from faisceau.mail import neardup, views
from faisceau.store.db import Store

RNG = random.Random(7)  # its own generator: other tests may draw from the global one
WORDS = [f"w{i}" for i in range(3000)]


def text(n: int = 400) -> list[str]:
    return [RNG.choice(WORDS) for _ in range(n)]


def put(store: Store, sha: str, words: list[str]) -> None:
    with store.transaction():
        store.put_content(sha, 1, "ok", None, {"text": " ".join(words)})
        store.add_document({"id": "d" + sha, "root_id": "d" + sha, "path": sha + ".txt", "name": sha + ".txt",
                            "sha256": sha, "depth": 0, "status": "ok"})


def test_near_duplicates_grouped_with_similarity(tmp_path: Path) -> None:
    store = Store(tmp_path / "s.sqlite")
    base = text()
    edited = list(base)
    edited[100:104] = ["changed", "words", "right", "here"]
    edited[250:254] = ["and", "also", "over", "there"]
    put(store, "a", base)
    put(store, "b", edited)
    put(store, "c", text())                       # unrelated
    put(store, "d", ["short"] * 10)               # too short to sign
    assert neardup.update(store, threshold=0.8) == 4
    groups = list(views.near_groups(store))
    assert len(groups) == 1 and {c["sha256"] for c in groups[0]["contents"]} == {"a", "b"}
    assert 0.85 <= groups[0]["max_similarity"] < 1.0
    # incremental: an exact copy of the text and another close edit join the same group
    put(store, "e", base)
    far = list(base)
    far[200:215] = text(15)
    put(store, "f", far)
    assert neardup.update(store, threshold=0.8) == 2
    groups = list(views.near_groups(store))
    assert len(groups) == 1 and {c["sha256"] for c in groups[0]["contents"]} == {"a", "b", "e", "f"}
    assert any(p["similarity"] == 1.0 for p in groups[0]["pairs"])
    # a stricter threshold means another band layout: everything is signed again
    assert neardup.update(store, threshold=0.95) == 6
    strict = list(views.near_groups(store))
    assert {c["sha256"] for c in strict[0]["contents"]} == {"a", "e"}
