"""The project folder: project.json, store.sqlite, blobs/, logs/, tmp/ — self-contained."""

from __future__ import annotations

import datetime as dt
import fcntl
import json
import os
import shutil
from pathlib import Path
from typing import IO

from .. import __version__
from ..exc import ProjectError
from .blobs import BlobStore

FORMAT = "faisceau-project"
FORMAT_VERSION = 2  # 2: small blobs in packs (blobs/packs/); a version 1 project is read as is


class Project:
    """An investigation's folder. Open it with `Project.open(path, create=...)`."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.blobs = BlobStore(root / "blobs")
        self._lock: IO[str] | None = None

    @property
    def store_path(self) -> Path:
        return self.root / "store.sqlite"

    @property
    def logs(self) -> Path:
        return self.root / "logs"

    @property
    def tmp(self) -> Path:
        return self.root / "tmp"

    @classmethod
    def open(cls, root: Path, create: bool = False) -> Project:
        """Open (or create) a project folder, refusing one newer than this version."""
        root = root.expanduser().absolute()
        meta = root / "project.json"
        if not meta.is_file():
            if not create:
                raise ProjectError(f"no faisceau project at {root} (run `faisceau ingest ... --project {root}` first)")
            if root.exists() and any(root.iterdir()):
                raise ProjectError(f"{root} exists, is not empty and is not a faisceau project")
            root.mkdir(parents=True, exist_ok=True)
            _write_meta(meta, {"format": FORMAT, "version": FORMAT_VERSION, "created": _now(),
                               "created_by": f"faisceau {__version__}"})
        try:
            doc = json.loads(meta.read_text("utf-8"))
        except (OSError, ValueError) as e:
            raise ProjectError(f"{meta}: unreadable project file: {e}") from None
        if doc.get("format") != FORMAT:
            raise ProjectError(f"{meta}: not a faisceau project file")
        if int(doc.get("version", 0)) > FORMAT_VERSION:
            raise ProjectError(
                f"{root} was written by a newer faisceau (project format {doc['version']}, "
                f"this version reads up to {FORMAT_VERSION}); upgrade faisceau")
        for sub in ("blobs", "logs", "tmp"):
            (root / sub).mkdir(exist_ok=True)
        return cls(root)

    def lock(self) -> None:
        """Take the project's write lock (one ingest at a time), or raise ProjectError."""
        f = open(self.root / ".lock", "w")
        try:
            fcntl.flock(f, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            f.close()
            raise ProjectError(f"another faisceau process is writing to {self.root}") from None
        self._lock = f
        self._upgrade()

    def _upgrade(self) -> None:
        """A writer may add what an older format lacks (packs): the project file says so from now on."""
        meta = self.root / "project.json"
        doc = json.loads(meta.read_text("utf-8"))
        if int(doc.get("version", 0)) < FORMAT_VERSION:
            doc["version"] = FORMAT_VERSION
            doc.setdefault("upgraded", []).append({"to": FORMAT_VERSION, "at": _now(), "by": f"faisceau {__version__}"})
            _write_meta(meta, doc)

    def unlock(self) -> None:
        if self._lock is not None:
            self._lock.close()
            self._lock = None

    def clean_tmp(self) -> None:
        """Remove what an interrupted run left in tmp/ (call only while holding the lock)."""
        shutil.rmtree(self.tmp, ignore_errors=True)
        self.tmp.mkdir(exist_ok=True)


def _write_meta(meta: Path, doc: dict[str, object]) -> None:
    """project.json, whole or not at all."""
    tmp = meta.with_suffix(".json.part")
    tmp.write_text(json.dumps(doc, indent=2) + "\n", "utf-8")
    os.replace(tmp, meta)


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
