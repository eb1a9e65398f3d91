"""Content-addressed store of original bytes: blobs/ab/<sha256>, small ones in packs.

A leak's e-mails and attachments are mostly a few kilobytes each, and a file per item costs more
than the item (creating 20,000 small files took 3 to 8 s on the development machine's ext4, where
the whole mail ingest takes 15). So bytes up to `PACK_MAX` that a worker finds go to that
worker's own pack, `blobs/packs/<writer>.pack`, appended to and never rewritten, and their place
to `<writer>.idx`, one line `sha256 offset size` per blob, written after the bytes. A killed
writer leaves bytes without a line (never read) or, at worst, a last line cut short (skipped):
never a line pointing at bytes that are not there.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

CHUNK = 1 << 20
PACK_MAX = 256 << 10   # bytes up to this size go to a pack
PACK_ROLL = 1 << 30    # a writer starts a new pack past this size


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


@dataclass(frozen=True)
class Packed:
    """Where a packed blob is: its pack file, offset and size."""

    pack: Path
    offset: int
    size: int

    def read(self) -> bytes:
        with open(self.pack, "rb") as f:
            data = os.pread(f.fileno(), self.size, self.offset)
        if len(data) != self.size:
            raise OSError(f"{self.pack}: {self.size} bytes at {self.offset} expected, {len(data)} found")
        return data

    def __str__(self) -> str:
        return f"{self.pack}@{self.offset}+{self.size}"


class BlobStore:
    """Original bytes of every item that has no path on disk of its own.

    Content-addressed and write-once, so any process may add to it (workers write the
    children they find straight here). A loose blob, blobs/ab/<sha256>, is written under a
    temporary name in its folder and renamed into place, so a kill leaves a whole blob or none;
    small blobs go to the writing process's pack (see the module). A blob whose document row
    was never committed (the run was killed) is harmless and reused.
    """

    def __init__(self, root: Path, pack_max: int = PACK_MAX) -> None:
        self.root = root
        self.pack_max = pack_max
        self._dirs: set[str] = set()  # folders known to exist: one mkdir per folder, not per blob
        self._writer: tuple[int, int, int] | None = None  # this process's pack: data fd, index fd, number
        self._written = 0
        self._index: dict[bytes, tuple[int, int, int]] = {}  # digest: (pack number, offset, size)
        self._packs: list[Path] = []       # by number
        self._numbers: dict[str, int] = {}  # index file name: pack number
        self._read_to: dict[str, int] = {}  # index file name: bytes of it already read
        self._own: set[str] = set()         # index files this process writes
        self._lock = threading.Lock()       # the web server looks blobs up from several threads

    @property
    def packs(self) -> Path:
        return self.root / "packs"

    def loose(self, sha256: str) -> Path:
        """Where the blob's own file is or would be."""
        return self.root / sha256[:2] / sha256

    def path(self, sha256: str) -> Path:
        """A file holding the blob: its own file, written out of its pack on first demand (for
        readers that need a path: a page renderer, a download). The path may not exist: the store
        does not have the blob."""
        loose = self.loose(sha256)
        if not loose.is_file():
            packed = self.packed(sha256)
            if packed is not None:
                self._write_loose(packed.read(), sha256)
        return loose

    def has(self, sha256: str) -> bool:
        return self.loose(sha256).is_file() or self.packed(sha256) is not None

    def read(self, sha256: str) -> bytes | None:
        """The blob's bytes (for small blobs: a pack read, no file written), or None."""
        packed = self.packed(sha256)
        if packed is not None:
            return packed.read()
        try:
            return self.loose(sha256).read_bytes()
        except FileNotFoundError:
            return None

    def packed(self, sha256: str, look: bool = True) -> Packed | None:
        """Where the blob is in a pack, or None; with `look`, what the packs gained since the last
        look is read first when the blob is not known yet."""
        try:
            key = bytes.fromhex(sha256)
        except ValueError:
            return None
        found = self._index.get(key)
        if found is None and look:
            self._refresh()
            found = self._index.get(key)
        if found is None:
            return None
        number, offset, size = found
        return Packed(self._packs[number], offset, size)

    def _refresh(self) -> None:
        """Read what other writers' index files gained since the last look (complete lines only)."""
        with self._lock:
            try:
                entries = sorted(os.scandir(self.packs), key=lambda e: e.name)
            except FileNotFoundError:
                return
            for e in entries:
                name = e.name
                if not name.endswith(".idx") or name in self._own:
                    continue
                number = self._numbers.get(name)
                if number is None:
                    number = self._numbers[name] = len(self._packs)
                    self._packs.append(self.packs / (name[:-4] + ".pack"))
                done = self._read_to.get(name, 0)
                with open(e.path, "rb") as f:
                    f.seek(done)
                    data = f.read()
                end = data.rfind(b"\n") + 1
                for line in data[:end].splitlines():
                    parts = line.split()
                    if len(parts) != 3 or len(parts[0]) != 64:
                        continue  # a line cut short by a kill
                    try:
                        key, offset, size = bytes.fromhex(parts[0].decode()), int(parts[1]), int(parts[2])
                    except ValueError:
                        continue
                    self._index.setdefault(key, (number, offset, size))
                self._read_to[name] = done + end

    def _folder(self, sha256: str) -> str:
        folder = os.path.join(self.root, sha256[:2])
        if folder not in self._dirs:
            os.makedirs(folder, exist_ok=True)
            self._dirs.add(folder)
        return folder

    def put_bytes(self, data: bytes) -> tuple[str, int]:
        """Store bytes; return their SHA-256 and size."""
        digest = hashlib.sha256(data)
        sha = digest.hexdigest()
        if len(data) <= self.pack_max:
            key = digest.digest()
            if key not in self._index and not os.path.exists(os.path.join(self.root, sha[:2], sha)):
                self._append(key, data)
        else:
            self._write_loose(data, sha)
        return sha, len(data)

    def _write_loose(self, data: bytes, sha: str) -> None:
        dest = os.path.join(self._folder(sha), sha)
        if not os.path.exists(dest):
            fd, tmp = tempfile.mkstemp(dir=os.path.dirname(dest), prefix=".part-")
            with os.fdopen(fd, "wb") as f:
                f.write(data)
            os.replace(tmp, dest)

    def _append(self, key: bytes, data: bytes) -> None:
        if self._writer is None or self._written > PACK_ROLL:
            self._open_pack()
        assert self._writer is not None
        fd, idx, number = self._writer
        offset = self._written
        write_all(fd, data)
        self._written += len(data)
        write_all(idx, f"{key.hex()} {offset} {len(data)}\n".encode())
        self._index[key] = (number, offset, len(data))

    def _open_pack(self) -> None:
        self.close()
        self.packs.mkdir(parents=True, exist_ok=True)
        name = f"{time.time_ns():x}-{os.getpid()}"
        flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_APPEND | getattr(os, "O_CLOEXEC", 0)
        pack = self.packs / f"{name}.pack"
        fd = os.open(pack, flags, 0o644)
        idx = os.open(self.packs / f"{name}.idx", flags, 0o644)
        with self._lock:
            number = self._numbers[f"{name}.idx"] = len(self._packs)
            self._packs.append(pack)
            self._own.add(f"{name}.idx")  # known as written: never read back
        self._writer, self._written = (fd, idx, number), 0

    def close(self) -> None:
        if self._writer is not None:
            os.close(self._writer[0])
            os.close(self._writer[1])
            self._writer = None

    def put_file(self, src: Path) -> tuple[str, int]:
        """Move a file (on the same filesystem) into the store; return its SHA-256 and size."""
        sha, size = sha256_file(src)
        dest = os.path.join(self._folder(sha), sha)
        if os.path.exists(dest):
            os.unlink(src)
        else:
            os.replace(src, dest)
        return sha, size


def write_all(fd: int, data: bytes) -> None:
    """os.write until every byte is written (a write may take only part)."""
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view):]
