"""The shapes that cross the pipeline's seams: task extras, stage state, worker results.

They travel between processes (pickled on the pool's pipes, as JSON in a spool), so they are plain
dicts; these TypedDicts say which keys exist and what they hold, so a misspelt key fails mypy.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Literal, TypedDict

from typing_extensions import TypeIs

from ..extract.run import ChildRecord

__all__ = ["ChildRecord", "PartialResult", "PoolEvent", "Result", "RowRef", "StageRecord", "StageResult", "StageState", "TaskExtra",
           "WorkerResult", "is_partial"]

Status = Literal["ok", "failed", "skipped", "pending"]


class RowRef(TypedDict):
    """The document row a task was made from (its children's ids and paths derive from it)."""

    id: str
    path: str
    root_id: str
    depth: int


class TaskExtra(TypedDict, total=False):
    """What a task carries beside its fixed fields; paths are relative to the project folder."""

    size: int                       # bytes of the original: scales the unit's time limit
    row: RowRef                     # the document (absent when stages re-run on a stored content)
    blob: tuple[str, int, int]      # the original inside a pack: (pack file, offset, size)
    isolated: bool                  # run alone on a worker (its batch-mate crashed)
    fresh: bool                     # run again in a new worker after a memory failure
    text_file: str                  # stages re-run on stored text: the text, written out
    content_file: str               # OCR re-run: the stored content (pages), written out
    language: str | None            # stages re-run: the stored language
    metadata: dict[str, Any]        # stages re-run: the stored metadata
    kept: list[tuple[int, int]]     # stages re-run: a web page's main content and title (analysis.furniture)


class StageState(TypedDict, total=False):
    """What item stages hand on to later stages and to the orchestrator, by key.

    Each stage's declared `assigns` are exactly the keys it writes here (a test checks it)."""

    emit: Callable[[list[ChildRecord]], None]  # not data: removed before the result leaves the worker
    content: dict[str, Any]         # extract (OCR rewrites text and pages): mime, kind, metadata, pages…
    children: list[ChildRecord]     # extract: the last children (earlier ones went through emit)
    text: str                       # extract, OCR: the text later stages read
    extracted: str                  # extract: its status; later stages skip what it could not read
    language: str | None            # language
    languages: list[dict[str, Any]]  # language: the share of each when mixed
    mentions: list[tuple[Any, ...]]  # entities: rows for the store's mentions
    identifiers: list[tuple[Any, ...]]  # identifiers: rows for the store's identifiers
    dates: list[tuple[Any, ...]]    # dates: rows for the store's text_dates


class StageResult(TypedDict):
    """One stage's outcome on one item."""

    status: str
    reason: str | None
    seconds: float | None


class StageRecord(TypedDict):
    """A stage's outcome as stored: with the version of the stage that produced it."""

    version: str
    status: str
    reason: str | None
    seconds: float | None


class WorkerResult(TypedDict, total=False):
    """What a worker returns for one task."""

    doc_id: str
    sha256: str
    stages: dict[str, StageResult]
    state: StageState
    fatal: bool                     # the task failed as a whole (no stage ran to its end)
    traceback: str                  # a programming error's trace, for the run log
    emitted: int                    # children already handed on in chunks, before `state["children"]`
    retry_fresh: bool               # the worker stopped after this result: run it again in a new one
    recycle: bool                   # the worker stopped after this result: its memory is spent
    batch: list[WorkerResult]       # a batch task's results, one per content, in its order


class PartialResult(TypedDict):
    """A chunk of a container's children, sent while it is still being extracted."""

    partial: Literal[True]
    doc_id: str
    offset: int
    children: list[ChildRecord]


Result = WorkerResult | PartialResult


class PoolEvent(TypedDict, total=False):
    """Something an executor did that the run log records (a worker restarted, recycled…)."""

    event: str
    document: str
    reason: str
    then: str


def is_partial(result: Result) -> TypeIs[PartialResult]:
    """Whether a result is a chunk of children rather than a task's end."""
    return "partial" in result
