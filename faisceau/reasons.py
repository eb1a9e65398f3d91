"""Reasons without the machine in them: where an exception's text becomes a recorded reason.

A library's message often names the file it was given (`/home/ana/leak/x.pdf: invalid password`,
a worker's scratch file, the project's tmp folder). Reasons, warnings and exports are shown to
users and published with packs, so no absolute path of the machine and no system user name may
stay in them (docs/contracts.md, Safety). Every reason built from an exception's text passes
through `scrub`: paths the caller knows (the item's own file) become the item's name, and any
other absolute path whose first folder exists at this machine's root (`/home`, `/tmp`, `/work`,
`/root`…) becomes its last component. A PDF name such as `/FlateDecode` or an archive member's
`/docs/a.txt` has no such first folder and is left as it is.
"""

from __future__ import annotations

import getpass
import os
import re
from collections.abc import Mapping
from functools import lru_cache

# An absolute path starts a token: not inside a word, a relative path or a URL's host part.
_PATH = re.compile(r"(?<![\w./~:-])/[^\s'\"<>|`]+")
_TRAILING = ".,:;!?)]}"
HIDDEN = "…"  # what stands for a path component that would name the machine or its user
MAX_REASON = 300


@lru_cache(maxsize=1)
def _roots() -> frozenset[str]:
    """The entries at this machine's file-system root (read once per process)."""
    try:
        return frozenset(os.listdir("/"))
    except OSError:
        return frozenset({"home", "tmp", "root", "work", "var", "usr", "etc", "mnt", "media", "opt", "srv"})


@lru_cache(maxsize=1)
def _user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no name for this uid (a container's arbitrary user)
        return ""


def scrub(text: str, known: Mapping[str, str] | None = None) -> str:
    """`text` with every absolute path of the machine made relative or removed.

    `known` maps paths the caller knows (the item's file on disk) to what stands for them
    (the item's name); they are replaced first, whole, even with spaces in them.
    """
    if not text or "/" not in text:
        return text
    for path, name in sorted((known or {}).items(), key=lambda kv: -len(kv[0])):
        if path and path != "/":
            text = text.replace(path, name)
    return _PATH.sub(_relative, text)


def _relative(m: re.Match[str]) -> str:
    token = m.group()
    path = token.rstrip(_TRAILING)
    tail = token[len(path):]
    parts = [p for p in path.split("/") if p]
    if not parts or parts[0] not in _roots():
        return token  # not a path of this machine: a PDF name, a member path, a MIME-like word
    last = parts[-1]
    if last == _user() or (len(parts) == 1) or last in ("..", "."):
        return HIDDEN + tail  # /home/ana, /tmp: nothing of the document left to show
    return last + tail


def internal_error(e: BaseException, known: Mapping[str, str] | None = None) -> str:
    """The reason recorded for a programming error: its type and scrubbed message, bounded."""
    return f"internal error: {type(e).__name__}: {scrub(str(e), known)}"[:MAX_REASON]


def item_paths(file: str | os.PathLike[str] | None, name: str) -> dict[str, str]:
    """The known paths of one item: its file on disk stands for its own name (last segment)."""
    if not file:
        return {}
    shown = name.rsplit("!/", 1)[-1].rsplit("/", 1)[-1] or "item"
    # the path as given: libraries quote the path they were handed, not a resolved one
    return {os.fspath(file): shown}
