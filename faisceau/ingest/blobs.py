"""Content-addressed store of original bytes: blobs/ab/cd/<sha256>."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path
from typing import BinaryIO

CHUNK = 1 << 20


def sha256_file(path: Path) -> tuple[str, int]:
    """SHA-256 hex digest and size of a file, read in chunks."""
    h = hashlib.sha256()
    size = 0
    with open(path, "rb") as f:
        while chunk := f.read(CHUNK):
            h.update(chunk)
            size += len(chunk)
    return h.hexdigest(), size


def sha256_stream(src: BinaryIO, dst: BinaryIO | None = None) -> tuple[str, int]:
    """Hash a stream, copying it to `dst` when given."""
    h = hashlib.sha256()
    size = 0
    while chunk := src.read(CHUNK):
        h.update(chunk)
        size += len(chunk)
        if dst is not None:
            dst.write(chunk)
    return h.hexdigest(), size


class BlobStore:
    """Original bytes of every item that has no path on disk of its own."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self._dirs: set[Path] = set()  # folders known to exist: one mkdir per folder, not per blob

    def path(self, sha256: str) -> Path:
        return self.root / sha256[:2] / sha256[2:4] / sha256

    def has(self, sha256: str) -> bool:
        return self.path(sha256).is_file()

    def adopt(self, src: Path, sha256: str) -> Path:
        """Move a spooled file (already hashed) into the store; drop it if the blob exists."""
        dest = self.path(sha256)
        if dest.is_file():
            src.unlink(missing_ok=True)
            return dest
        if dest.parent not in self._dirs:
            dest.parent.mkdir(parents=True, exist_ok=True)
            self._dirs.add(dest.parent)
        os.replace(src, dest)  # atomic on one filesystem: a kill leaves the old or the new file
        return dest

    def put_bytes(self, data: bytes) -> str:
        """Store bytes; return their SHA-256."""
        sha = hashlib.sha256(data).hexdigest()
        dest = self.path(sha)
        if not dest.is_file():
            dest.parent.mkdir(parents=True, exist_ok=True)
            tmp = dest.with_name(dest.name + ".part")
            tmp.write_bytes(data)
            os.replace(tmp, dest)
        return sha
