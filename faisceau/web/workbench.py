"""The workbench: one project opened for the web app, with a store and an index per thread.

SQLite connections belong to the thread that opened them and the server answers requests from
a pool of threads, so each thread opens its own `Store` (and the `Index` whose tag lookups read
that store) the first time it needs one. Everything is read fresh on each request: tags and the
ingest's batches are visible the moment they are committed.
"""

from __future__ import annotations

import json
import os
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .. import settings as settings_mod
from ..index import Index
from ..index.indexer import open_index
from ..settings import Settings
from ..store.db import Store
from ..store.project import Project

LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "::1")


@dataclass
class Workbench:
    """A project as the web app sees it, and the hosts it answers to."""

    project: Project
    settings: Settings
    allowed_hosts: tuple[str, ...] = LOOPBACK_HOSTS
    _local: threading.local = field(default_factory=threading.local, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    @classmethod
    def open(cls, root: Path, allowed_hosts: tuple[str, ...] = LOOPBACK_HOSTS) -> Workbench:
        """Open an existing project (never creates one: serving an empty folder is a mistake)."""
        project = Project.open(root)
        return cls(project, settings_mod.load(project.root), tuple(h.lower() for h in allowed_hosts))

    @property
    def root(self) -> Path:
        return self.project.root

    def store(self) -> Store:
        """This thread's store."""
        st = getattr(self._local, "store", None)
        if st is None:
            st = Store(self.project.store_path)
            self._local.store = st
        return st

    def index(self) -> Index:
        """This thread's index (its tag lookups read this thread's store)."""
        ix = getattr(self._local, "index", None)
        if ix is None:
            ix = open_index(self.project.root, self.settings, self.store())
            self._local.index = ix
        return ix

    def cache_dir(self, name: str) -> Path:
        """A cache folder under the project's tmp/ (emptied by the next ingest: it is only a cache)."""
        path = self.project.tmp / "cache" / name
        path.mkdir(parents=True, exist_ok=True)
        return path

    def original(self, row: dict[str, Any]) -> Path | None:
        """Where the original bytes of a document are: its blob, or the source file of a top-level item."""
        sha = row.get("sha256")
        if sha and self.project.blobs.has(sha):
            return self.project.blobs.path(sha)
        src = row.get("source")
        if src and Path(src).is_file():
            return Path(src)
        return None

    # -- saved searches: a small JSON file in the project (the store has no table for them yet)

    @property
    def saved_path(self) -> Path:
        return self.project.root / "saved-searches.json"

    def saved_searches(self) -> list[dict[str, Any]]:
        """The saved searches as written by `write_saved` (an unreadable file reads as none)."""
        try:
            data = json.loads(self.saved_path.read_text("utf-8"))
        except FileNotFoundError:
            return []
        except (OSError, ValueError):
            return []  # a damaged file loses the list, not the page; the next save rewrites it
        return [d for d in data if isinstance(d, dict)] if isinstance(data, list) else []

    def write_saved(self, items: list[dict[str, Any]]) -> None:
        """Replace the saved searches (temporary file, then rename)."""
        with self._lock:
            tmp = self.saved_path.with_suffix(".json.part")
            tmp.write_text(json.dumps(items, ensure_ascii=False, indent=1) + "\n", "utf-8")
            os.replace(tmp, self.saved_path)
