"""Content-addressed store of original bytes: blobs/ab/cd/<sha256>."""

from __future__ import annotations

import hashlib
import os
import tempfile
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
    """Original bytes of every item that has no path on disk of its own: blobs/ab/<sha256>.

    Content-addressed and write-once, so any process may add to it (workers write the
    children they find straight here): a blob is written under a temporary name in its
    folder and renamed into place, so a kill leaves a whole blob or none. A blob whose
    document row was never committed (the run was killed) is harmless and reused.
    """

    def __init__(self, root: Path) -> None:
        self.root = root
        self._dirs: set[str] = set()  # folders known to exist: one mkdir per folder, not per blob

    def path(self, sha256: str) -> Path:
        return self.root / sha256[:2] / sha256

    def has(self, sha256: str) -> bool:
        return self.path(sha256).is_file()

    def _folder(self, sha256: str) -> str:
        folder = os.path.join(self.root, sha256[:2])
        if folder not in self._dirs:
            os.makedirs(folder, exist_ok=True)
            self._dirs.add(folder)
        return folder

    def put_bytes(self, data: bytes) -> tuple[str, int]:
        """Store bytes; return their SHA-256 and size."""
        sha = hashlib.sha256(data).hexdigest()
        dest = os.path.join(self._folder(sha), sha)
        if not os.path.exists(dest):
            fd, tmp = tempfile.mkstemp(dir=os.path.dirname(dest), prefix=".part-")
            with os.fdopen(fd, "wb") as f:
                f.write(data)
            os.replace(tmp, dest)
        return sha, len(data)

    def put_file(self, src: Path) -> tuple[str, int]:
        """Move a file (on the same filesystem) into the store; return its SHA-256 and size."""
        sha, size = sha256_file(src)
        dest = os.path.join(self._folder(sha), sha)
        if os.path.exists(dest):
            os.unlink(src)
        else:
            os.replace(src, dest)
        return sha, size
