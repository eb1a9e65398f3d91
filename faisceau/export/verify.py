"""Checking an evidence pack, possibly on another machine: no project, only the pack.

Every file listed in manifest.sha256 is hashed again; every original is also checked against the
SHA-256 that manifest.csv records for its document (the hash taken at ingest), so a pack whose
original and manifest.sha256 were both altered is still caught. Files that no manifest lists
are reported too. A zip is read in place (nothing is extracted), so a hostile pack's member
names cannot write anywhere.
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from ..exc import UsageError
from ..store.blobs import CHUNK
from .pack import MANIFEST, SUMS

_LINE = re.compile(r"^([0-9a-fA-F]{64}) [ *](.+)$")
MAX_MANIFEST = 256 << 20   # bytes of manifest read into memory at most


@dataclass
class Verdict:
    """The result: files checked, and one problem line per differing file."""

    pack: str
    checked: int = 0
    problems: dict[str, list[str]] = field(default_factory=dict)

    def add(self, name: str, problem: str) -> None:
        self.problems.setdefault(name, []).append(problem)

    @property
    def ok(self) -> bool:
        return not self.problems

    def rows(self) -> list[dict[str, Any]]:
        return [{"file": f, "problem": "; ".join(p)} for f, p in sorted(self.problems.items())]


class _Reader:
    """The files of a pack, whether a folder or a zip, by path relative to the pack's root."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.zip: zipfile.ZipFile | None = None
        self.prefix = ""
        if path.is_dir():
            self.names = {p.relative_to(path).as_posix() for p in path.rglob("*") if p.is_file()}
            return
        try:
            self.zip = zipfile.ZipFile(path)
        except (OSError, zipfile.BadZipFile) as e:
            raise UsageError(f"{path}: not a pack folder nor a zip file ({e})") from None
        sums = [n for n in self.zip.namelist() if n.rsplit("/", 1)[-1] == SUMS and n.count("/") <= 1]
        if len(sums) != 1:
            raise UsageError(f"{path}: expected one {SUMS} at the top of the zip, found {len(sums)}")
        self.prefix = sums[0][: -len(SUMS)]
        self.names = {n[len(self.prefix):] for n in self.zip.namelist()
                      if n.startswith(self.prefix) and not n.endswith("/")}
        self.outside = [n for n in self.zip.namelist() if not n.startswith(self.prefix) and not n.endswith("/")]

    def open(self, name: str) -> IO[bytes]:
        if self.zip is not None:
            return self.zip.open(self.prefix + name)
        return open(self.path / name, "rb")

    def read_text(self, name: str) -> str:
        with self.open(name) as f:
            data = f.read(MAX_MANIFEST + 1)
        if len(data) > MAX_MANIFEST:
            raise UsageError(f"{self.path}: {name} is larger than {MAX_MANIFEST >> 20} MB")
        return data.decode("utf-8", "replace")

    def sha256(self, name: str) -> str:
        h = hashlib.sha256()
        with self.open(name) as f:
            while chunk := f.read(CHUNK):
                h.update(chunk)
        return h.hexdigest()


def _safe(name: str) -> bool:
    parts = name.split("/")
    return bool(name) and not name.startswith("/") and "\\" not in name and ".." not in parts and "" not in parts


def verify_pack(path: Path) -> Verdict:
    """Re-check a pack (folder or zip) against its manifests."""
    if not path.exists():
        raise UsageError(f"{path} does not exist")
    r = _Reader(path)
    v = Verdict(str(path))
    for n in getattr(r, "outside", []):
        v.add(n, "outside the pack's folder in the zip")
    if SUMS not in r.names:
        raise UsageError(f"{path}: no {SUMS}; is this an evidence pack?")
    listed: dict[str, str] = {}
    for n, line in enumerate(r.read_text(SUMS).splitlines(), 1):
        if not line.strip():
            continue
        m = _LINE.match(line)
        if m is None:
            v.add(SUMS, f"line {n} is not `<sha256>  <file>`")
            continue
        name = m.group(2)
        if not _safe(name):
            v.add(name, f"unsafe path in {SUMS} (line {n}): not checked")
            continue
        listed[name] = m.group(1).lower()
    actual: dict[str, str] = {}
    for name, expected in sorted(listed.items()):
        if name not in r.names:
            v.add(name, "missing")
            continue
        actual[name] = r.sha256(name)
        v.checked += 1
        if actual[name] != expected:
            v.add(name, f"SHA-256 differs from {SUMS}: expected {expected}, file has {actual[name]}")
    for name in sorted(r.names - set(listed) - {SUMS}):
        v.add(name, f"not listed in {SUMS}")
    if MANIFEST not in r.names:
        v.add(MANIFEST, "missing")
        return v
    for row in csv.DictReader(io.StringIO(r.read_text(MANIFEST))):
        name, expected = (row.get("file") or "").strip(), (row.get("sha256") or "").strip().lower()
        if not name:
            continue
        if not _safe(name):
            v.add(name, f"unsafe path in {MANIFEST}: not checked")
            continue
        if name not in r.names:
            if name in listed:
                continue  # already reported missing
            v.add(name, f"missing (listed in {MANIFEST})")
            continue
        got = actual.get(name) or r.sha256(name)
        if got != expected:
            v.add(name, f"SHA-256 differs from the one recorded at ingest ({MANIFEST}): expected {expected}, file has {got}")
    return v
