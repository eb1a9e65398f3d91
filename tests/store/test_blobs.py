"""The blob store: small originals in per-writer packs, larger ones as files of their own."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import pytest

from faisceau.pipeline.worker import ItemTask, unpack
from faisceau.store.blobs import PACK_MAX, BlobStore


def test_small_bytes_go_to_a_pack_and_large_ones_to_a_file(tmp_path: Path) -> None:
    store = BlobStore(tmp_path / "blobs")
    small, large = b"From: a@example.org\n\nshort message\n", os.urandom(PACK_MAX + 1)
    sha_small, size = store.put_bytes(small)
    sha_large, _ = store.put_bytes(large)
    assert (sha_small, size) == (hashlib.sha256(small).hexdigest(), len(small))
    assert not store.loose(sha_small).exists() and store.loose(sha_large).read_bytes() == large
    packed = store.packed(sha_small)
    assert packed is not None and packed.size == len(small) and packed.read() == small
    assert store.packed(sha_large) is None
    assert store.read(sha_small) == small and store.read(sha_large) == large
    assert store.has(sha_small) and store.has(sha_large) and not store.has("0" * 64)
    assert store.read("0" * 64) is None


def test_a_writer_stores_the_same_bytes_once(tmp_path: Path) -> None:
    store = BlobStore(tmp_path / "blobs")
    for _ in range(3):
        store.put_bytes(b"the same attachment")
    (pack,) = (tmp_path / "blobs" / "packs").glob("*.pack")
    assert pack.read_bytes() == b"the same attachment"
    assert len(pack.with_suffix(".idx").read_text().splitlines()) == 1


def test_another_process_finds_what_a_writer_adds_later(tmp_path: Path) -> None:
    reader = BlobStore(tmp_path / "blobs")
    assert reader.packed("a" * 64) is None  # no pack yet: looked for, not found
    writers = [BlobStore(tmp_path / "blobs") for _ in range(2)]
    shas = [w.put_bytes(f"message {i} of writer {n}".encode())[0] for i in range(50) for n, w in enumerate(writers)]
    assert len(list((tmp_path / "blobs" / "packs").glob("*.pack"))) == 2
    for i, sha in enumerate(shas):
        assert reader.read(sha) == f"message {i // 2} of writer {i % 2}".encode()


def test_path_writes_a_packed_blob_out_once_for_readers_that_need_a_file(tmp_path: Path) -> None:
    store = BlobStore(tmp_path / "blobs")
    sha, _ = store.put_bytes(b"%PDF-1.4 a small attachment")
    path = store.path(sha)
    assert path == store.loose(sha) and path.read_bytes() == b"%PDF-1.4 a small attachment"
    before = path.stat().st_mtime_ns
    assert BlobStore(tmp_path / "blobs").path(sha).stat().st_mtime_ns == before
    assert not store.path("b" * 64).exists()


def test_an_index_line_cut_short_by_a_kill_is_ignored(tmp_path: Path) -> None:
    writer = BlobStore(tmp_path / "blobs")
    whole, _ = writer.put_bytes(b"written whole")
    writer.close()
    (idx,) = (tmp_path / "blobs" / "packs").glob("*.idx")
    cut = hashlib.sha256(b"cut short").hexdigest()
    with open(idx, "ab") as f:  # the bytes made it, the line about them only half
        f.write(f"{cut} 13 ".encode())
    with open(idx.with_suffix(".pack"), "ab") as f:
        f.write(b"cut short")
    reader = BlobStore(tmp_path / "blobs")
    assert reader.read(whole) == b"written whole"
    assert reader.packed(cut) is None
    with open(idx, "ab") as f:  # a line completed later is read on the next look
        f.write(b"9\n")
    assert reader.read(cut) == b"cut short"


def test_a_pack_cut_short_reads_as_an_error_not_as_short_bytes(tmp_path: Path) -> None:
    writer = BlobStore(tmp_path / "blobs")
    sha, _ = writer.put_bytes(b"0123456789")
    writer.close()
    (pack,) = (tmp_path / "blobs" / "packs").glob("*.pack")
    pack.write_bytes(b"01234")
    packed = BlobStore(tmp_path / "blobs").packed(sha)
    assert packed is not None
    with pytest.raises(OSError, match="10 bytes at 0 expected, 5 found"):
        packed.read()


def test_a_worker_checks_a_packed_item_before_reading_it(tmp_path: Path) -> None:
    writer = BlobStore(tmp_path / "blobs")
    sha, _ = writer.put_bytes(b"Subject: hello\n\nbody\n")
    writer.close()
    packed = BlobStore(tmp_path / "blobs").packed(sha)
    assert packed is not None

    def task() -> ItemTask:
        return ItemTask(doc_id="d", sha256=sha, file="", name="box!/1", mime_hint=None, depth=1, stages=["extract"],
                        extra={"blob": [str(packed.pack), packed.offset, packed.size]})

    ok = task()
    assert unpack(ok, tmp_path / "item") is None
    assert Path(ok.file).read_bytes() == b"Subject: hello\n\nbody\n"
    packed.pack.write_bytes(b"Subject: HELLO\n\nbody\n")
    assert unpack(task(), tmp_path / "item") == "original damaged: its SHA-256 changed in the blob store"
    packed.pack.unlink()
    assert unpack(task(), tmp_path / "item") == "original not readable: No such file or directory"
