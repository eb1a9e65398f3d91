"""The extractor contract.

An extractor is a class per format with `MIME_TYPES`, `EXTENSIONS`, `MAGIC` (byte prefixes)
and a `SCORE`; the best-scoring one for a probe is chosen. `extract(path, doc, ctx)` fills
`doc` and yields `Child` items (members, messages, attachments). Extractors are pure: they
read the file at `path` (and may write temporary files under `ctx.scratch`), never a
database, a queue or the index — so they test with a real file and nothing else and run in
any worker process. Data errors are raised as `ExtractionError` / `Skipped` subclasses
(see `faisceau.exc`); children yielded before an error are kept.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import ClassVar

from ..exc import ExtractionError, LimitExceeded, ToolMissing
from ..model import Child, Extracted
from ..settings import Settings


@dataclass(frozen=True)
class Probe:
    """What is known about an item before extraction: its name, libmagic MIME, first bytes."""

    name: str
    mime: str
    head: bytes
    size: int
    mime_hint: str | None = None

    @property
    def extension(self) -> str:
        base = self.name.rsplit("/", 1)[-1].lower()
        return base.rsplit(".", 1)[-1] if "." in base else ""


@dataclass
class Context:
    """What an extractor may use: settings (limits, tool paths), a scratch folder, passwords,
    the item's provenance `name` (its last segment carries the original file name), its depth."""

    settings: Settings
    scratch: Path
    passwords: Sequence[str] = ()
    depth: int = 0
    deadline: float = field(default_factory=lambda: time.monotonic() + 3600)
    name: str = ""

    @property
    def filename(self) -> str:
        """The original file name of the item (last provenance segment), or ''."""
        return self.name.rsplit("!/", 1)[-1].rsplit("/", 1)[-1]

    def tool(self, setting: str) -> str:
        """The path of an external tool from its setting, or raise ToolMissing."""
        name = getattr(self.settings, setting)
        found = shutil.which(name)
        if not found:
            raise ToolMissing(Path(name).name)
        return found

    def run(self, argv: Sequence[str], *, network: bool = False, timeout: float | None = None,
            cwd: Path | None = None, input: bytes | None = None) -> subprocess.CompletedProcess[bytes]:
        """Run an external tool without network access (own network namespace when possible),
        within the unit's remaining time; a hang is killed and reported as a time limit."""
        remaining = max(1.0, self.deadline - time.monotonic())
        timeout = min(timeout or remaining, remaining)
        cmd = list(argv)
        if not network and _can_unshare_net():
            cmd = ["unshare", "--net", "--", *cmd]
        try:
            return subprocess.run(cmd, cwd=cwd, input=input, capture_output=True, timeout=timeout,
                                  stdin=None if input is not None else subprocess.DEVNULL)
        except subprocess.TimeoutExpired:
            raise LimitExceeded(f"time limit {int(timeout)} s exceeded in {Path(argv[0]).name}") from None

    def tempdir(self) -> Path:
        """A fresh folder under the scratch folder (removed with it by the worker)."""
        return Path(tempfile.mkdtemp(dir=self.scratch))


_UNSHARE: bool | None = None


def _can_unshare_net() -> bool:
    """Whether `unshare --net` works here (root, or user namespaces allowed)."""
    global _UNSHARE
    if _UNSHARE is None:
        try:
            _UNSHARE = shutil.which("unshare") is not None and subprocess.run(
                ["unshare", "--net", "--", "true"], capture_output=True, timeout=10).returncode == 0
        except (OSError, subprocess.SubprocessError):
            _UNSHARE = False
    return _UNSHARE


class Extractor:
    """Base class of every extractor; subclasses set the class variables and `extract`."""

    NAME: ClassVar[str] = ""
    VERSION: ClassVar[str] = "1"
    MIME_TYPES: ClassVar[frozenset[str]] = frozenset()
    EXTENSIONS: ClassVar[frozenset[str]] = frozenset()
    MAGIC: ClassVar[tuple[bytes, ...]] = ()
    SCORE: ClassVar[int] = 10
    KIND: ClassVar[str] = "other"
    # settings naming external tools this extractor uses (checked by `faisceau doctor`)
    TOOLS: ClassVar[tuple[str, ...]] = ()

    @classmethod
    def match(cls, probe: Probe) -> int:
        """How well this extractor fits the probe: 0 for not at all."""
        score = 0
        if probe.mime in cls.MIME_TYPES or (probe.mime_hint and probe.mime_hint in cls.MIME_TYPES):
            score += cls.SCORE
        if probe.extension and probe.extension in cls.EXTENSIONS:
            score += cls.SCORE // 2 + 1
        if cls.MAGIC and any(probe.head.startswith(m) for m in cls.MAGIC):
            score += cls.SCORE
        return score

    @classmethod
    def version(cls) -> str:
        """Extractor version, with the library version it relies on where there is one."""
        return cls.VERSION

    def extract(self, path: Path, doc: Extracted, ctx: Context) -> Iterator[Child]:
        """Fill `doc` from the file at `path` and yield its children."""
        raise NotImplementedError
        yield  # pragma: no cover


REGISTRY: list[type[Extractor]] = []


def register(cls: type[Extractor]) -> type[Extractor]:
    """Class decorator adding an extractor to the registry."""
    if not cls.NAME:
        raise ValueError(f"{cls.__name__} has no NAME")
    if cls not in REGISTRY:
        REGISTRY.append(cls)
    return cls


def choose(probe: Probe) -> type[Extractor] | None:
    """The best-scoring registered extractor for the probe, or None."""
    from . import load_all  # noqa: F401  (registers the built-in extractors)

    load_all()
    best: tuple[int, int, type[Extractor]] | None = None
    for i, cls in enumerate(REGISTRY):
        s = cls.match(probe)
        if s > 0 and (best is None or (s, -i) > (best[0], best[1])):
            best = (s, -i, cls)
    return best[2] if best else None


def check_ratio(packed: int, unpacked: int, ctx: Context) -> None:
    """Refuse a member whose expansion ratio is over the limit (zip-bomb guard)."""
    limit = ctx.settings.max_ratio
    if unpacked >= ctx.settings.ratio_min_size and unpacked > limit * max(packed, 1):
        ratio = unpacked // max(packed, 1)
        raise LimitExceeded(f"zip bomb: expansion ratio 1:{ratio} over limit 1:{limit}")


def require(condition: bool, reason: str) -> None:
    """Raise ExtractionError(reason) unless condition holds."""
    if not condition:
        raise ExtractionError(reason)
