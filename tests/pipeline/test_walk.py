from __future__ import annotations

import os
from pathlib import Path

from faisceau.pipeline.walk import walk


def test_walk_records_links_fifos_and_hashes_files(tmp_path: Path) -> None:
    root = tmp_path / "leak"
    (root / "sub").mkdir(parents=True)
    (root / "a.txt").write_text("alpha")
    (root / "sub" / "b.txt").write_text("beta")
    os.symlink("a.txt", root / "link")
    os.symlink("loop2", root / "loop1")
    os.symlink("loop1", root / "loop2")
    os.symlink("..", root / "sub" / "up")  # a folder link back up: never followed
    os.mkfifo(root / "pipe")
    found = {f.path: f for f in walk([root])}
    assert found["a.txt"].status == "pending"
    assert found["a.txt"].sha256 == "8ed3f6ad685b959ead7022518e1af76cd816f8e8ec7ccdda1ed4018e8f2223f8"
    assert found["sub/b.txt"].size == 4
    assert found["link"].status == "skipped" and "symlink -> a.txt" in found["link"].reason
    assert "symlink loop" in found["loop1"].reason
    assert found["sub/up"].status == "skipped"
    assert found["pipe"].reason == "fifo (named pipe), not read"
    assert len(found) == 7


def test_walk_order_is_stable_and_file_inputs_are_anchored_at_their_name(tmp_path: Path) -> None:
    for name in ("b", "a", "c"):
        (tmp_path / name).write_text(name)
    first = [f.path for f in walk([tmp_path])]
    assert first == [f.path for f in walk([tmp_path])]
    assert first == sorted(first)
    assert [f.path for f in walk([tmp_path / "a"])] == ["a"]


def test_missing_input_is_recorded(tmp_path: Path) -> None:
    (found,) = list(walk([tmp_path / "nope"]))
    assert found.status == "failed" and "no such file" in found.reason


def test_the_project_folder_inside_an_input_is_one_skipped_entry(tmp_path: Path) -> None:
    root = tmp_path / "leak"
    (root / "case" / "store").mkdir(parents=True)
    (root / "a.txt").write_text("alpha")
    (root / "case" / "store" / "store.sqlite").write_text("live")
    found = {f.path: f for f in walk([root], own=root / "case")}
    assert set(found) == {"a.txt", "case/"}
    assert found["case/"].status == "skipped" and found["case/"].reason == "the project's own folder, not read"
    # named itself, or a folder inside it, as an input: recorded, not read
    inside = list(walk([root / "case" / "store"], own=root / "case"))
    assert [(f.path, f.status) for f in inside] == [("store/", "skipped")]
    # another folder of the same name is read
    (tmp_path / "other" / "case").mkdir(parents=True)
    (tmp_path / "other" / "case" / "b.txt").write_text("beta")
    assert [f.path for f in walk([tmp_path / "other"], own=root / "case")] == ["case/b.txt"]
