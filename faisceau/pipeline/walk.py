"""Walk the inputs: files and folders, never following links, never hanging on FIFOs."""

from __future__ import annotations

import errno
import os
import stat
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from ..store.blobs import sha256_file


@dataclass
class Found:
    """One entry found on disk: a regular file to ingest, or something recorded with a reason."""

    path: str          # provenance path: relative to the input folder, or the input file's name
    source: Path       # where it is on disk
    status: str        # pending | skipped | failed
    reason: str | None = None
    sha256: str | None = None
    size: int | None = None
    anchor: str = ""   # the input folder's name: part of the id, so two inputs never collide

    @property
    def key(self) -> str:
        """What the id derives from (with the content hash): the path under its input's name."""
        return f"{self.anchor}/{self.path}" if self.anchor else self.path


OWN_FOLDER = "the project's own folder, not read"


def walk(inputs: list[Path], own: Path | None = None) -> Iterator[Found]:
    """Every entry under the inputs, in a stable order, hashed when it is a regular file.

    `own` is the project folder: an input folder that holds it (a leak's folder with the project made
    inside it) has it recorded as one skipped entry, not read. Its store, index and logs are no evidence,
    they change while the walk reads them, and opening the live database outside SQLite would drop this
    process's locks on it (POSIX locks belong to the process: any close releases them all)."""
    exclude: set[tuple[int, int]] = set()
    if own is not None:
        try:
            own_st = own.stat()
            exclude.add((own_st.st_dev, own_st.st_ino))
        except OSError:
            pass
    for top in inputs:
        top = top.expanduser()
        name = top.absolute().name or str(top.absolute())
        try:
            st = top.stat()  # an input named on the command line is followed if it is a link
        except OSError as e:
            yield Found(name, top, "failed", _os_reason(e))
            continue
        if exclude and _inside(top, exclude):
            yield Found(name + "/" if stat.S_ISDIR(st.st_mode) else name, top, "skipped", OWN_FOLDER)
        elif stat.S_ISDIR(st.st_mode):
            for found in _walk_dir(top, exclude):
                found.anchor = name
                yield found
        else:
            yield _entry(top, name, st)


def _inside(path: Path, folders: set[tuple[int, int]]) -> bool:
    """Whether `path` is one of `folders` (by device and inode) or lies under one."""
    for p in (path.absolute(), *path.absolute().parents):
        try:
            st = p.stat()
        except OSError:
            continue
        if (st.st_dev, st.st_ino) in folders:
            return True
    return False


def _walk_dir(root: Path, exclude: set[tuple[int, int]]) -> Iterator[Found]:
    stack = [(root, "")]
    while stack:
        folder, prov = stack.pop()
        try:
            entries = sorted(os.scandir(folder), key=lambda entry: entry.name)
        except OSError as err:
            yield Found(prov + "/", folder, "failed", _os_reason(err))
            continue
        subdirs = []
        for e in entries:
            name = e.name
            child_prov = f"{prov}/{name}" if prov else name
            try:
                st = e.stat(follow_symlinks=False)
            except OSError as err:
                yield Found(child_prov, Path(e.path), "failed", _os_reason(err))
                continue
            if stat.S_ISLNK(st.st_mode):
                yield Found(child_prov, Path(e.path), "skipped", _link_reason(Path(e.path)))
            elif stat.S_ISDIR(st.st_mode):
                if (st.st_dev, st.st_ino) in exclude:
                    yield Found(child_prov + "/", Path(e.path), "skipped", OWN_FOLDER)
                else:
                    subdirs.append((Path(e.path), child_prov))
            else:
                yield _entry(Path(e.path), child_prov, st)
        stack.extend(reversed(subdirs))


def _entry(path: Path, prov: str, st: os.stat_result) -> Found:
    mode = st.st_mode
    if stat.S_ISFIFO(mode):
        return Found(prov, path, "skipped", "fifo (named pipe), not read")
    if stat.S_ISSOCK(mode):
        return Found(prov, path, "skipped", "socket, not read")
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return Found(prov, path, "skipped", "device file, not read")
    if not stat.S_ISREG(mode):
        return Found(prov, path, "skipped", "not a regular file")
    try:
        # O_NONBLOCK: a file swapped for a FIFO after the stat still never blocks the walk
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
        os.close(fd)
        sha, size = sha256_file(path)
    except OSError as e:
        return Found(prov, path, "failed", _os_reason(e))
    return Found(prov, path, "pending", None, sha, size)


def _link_reason(path: Path) -> str:
    try:
        target = os.readlink(path)
    except OSError:
        target = "?"
    try:
        path.resolve(strict=True)
    except RuntimeError:
        return f"symlink loop -> {target}, not followed"
    except OSError as e:
        if e.errno == errno.ELOOP:
            return f"symlink loop -> {target}, not followed"
        return f"broken symlink -> {target}"
    return f"symlink -> {target}, not followed"


def _os_reason(e: OSError) -> str:
    if isinstance(e, PermissionError):
        return "unreadable: permission denied"
    return f"unreadable: {e.strerror or type(e).__name__}".lower()
