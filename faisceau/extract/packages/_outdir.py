"""Taking back what an external unpacker (7zz, unar) wrote into a folder.

The written paths are never trusted: a member is looked up under the folder by its listed
name (then its sanitised name), symlinks are refused, and anything the tool wrote that
maps to no listed member is still reported rather than lost.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path

from ...exc import LimitExceeded
from ...model import Child
from ._member import Container, Member, remove_quietly
from ._names import sanitise


def _inside(root: Path, rel: str) -> Path | None:
    """root/rel when it stays lexically inside root, else None."""
    if not rel or rel.startswith("/") or any(p == ".." for p in rel.split("/")):
        return None
    return root / rel


def locate(root: Path, m: Member) -> Path | None:
    """Where the tool wrote member `m` under root (a regular file or a link), or None."""
    real_root = os.path.realpath(root)
    for rel in (m.name.replace("\\", "/"), sanitise(m.name)[0]):
        p = _inside(root, rel)
        # a symlinked folder inside the output could point anywhere: the file's folder must
        # really be inside root, or we would hand out a file from outside the scratch area
        if p is not None and os.path.lexists(p) and (
                os.path.commonpath([real_root, os.path.realpath(p.parent)]) == real_root):
            return p
    return None


def collect(root: Path, todo: list[Member], errors: dict[str, str], container: Container,
            packed: dict[int, int | None], default_reason: str,
            missing: dict[str, str] | None = None) -> Iterator[Child]:
    """Yield a Child for each member of `todo` from what the tool wrote under root, then
    one for each regular file it wrote that no member claimed. A member the tool did not
    write fails with its reason from the tool's errors, else from `missing`, else the
    default."""
    claimed: set[Path] = set()
    for m in todo:
        if container.spent:
            yield container.skipped(m, container.expansion_reason)
            continue
        p = locate(root, m)
        if p is not None:
            claimed.add(p)
        reason = errors.get(m.name)
        if p is None:
            yield container.failed(m, reason or (missing or {}).get(m.name) or default_reason)
            continue
        st = os.lstat(p)
        if stat.S_ISLNK(st.st_mode):
            yield container.skipped(m, f"symlink in archive -> {os.readlink(p)}")
            continue
        if not stat.S_ISREG(st.st_mode):
            yield container.skipped(m, "not a regular file")
            continue
        if reason:
            remove_quietly(p)
            yield container.failed(m, reason)
            continue
        try:
            container.account(m, st.st_size, packed.get(m.index))
        except LimitExceeded as e:
            remove_quietly(p)
            yield container.refused(m, e)
            continue
        yield container.child(m, path=p)
    yield from _leftovers(root, claimed, container, len(todo))


def _leftovers(root: Path, claimed: set[Path], container: Container, start: int) -> Iterator[Child]:
    """Files the tool wrote under names we did not list (renamed by its own sanitising)."""
    index = start
    for dirpath, dirnames, filenames in os.walk(root):
        for fn in sorted(filenames):
            p = Path(dirpath) / fn
            if p in claimed:
                continue
            rel = p.relative_to(root).as_posix()
            m = Member(name=rel, index=index, extra={"unmapped": True})
            index += 1
            st = os.lstat(p)
            if stat.S_ISLNK(st.st_mode):
                yield container.skipped(m, f"symlink in archive -> {os.readlink(p)}")
            elif not stat.S_ISREG(st.st_mode):
                yield container.skipped(m, "not a regular file")
            else:
                try:
                    container.account(m, st.st_size, None)
                except LimitExceeded as e:
                    remove_quietly(p)
                    yield container.refused(m, e)
                    continue
                yield container.child(m, path=p)
        dirnames.sort()
