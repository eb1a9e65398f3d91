"""Corpus stages: incremental reducers over the store (threads, copies, near-duplicates, …).

They run in the orchestrator after the item stages and before the index, one after the other,
each as `function(ctx) -> set of document ids whose derived data changed`. Each stage keeps its
own tables and its own incremental state (new mail joins existing threads on the next ingest).
When the index holds what a stage writes (`Stage.indexed`), the documents it reports as changed are
indexed again; the e-mail stages' data (`thread:`) is looked up in the store when a query runs.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..settings import Settings
from ..store.db import Store
from .stages import Stage, corpus_stages, load_target


@dataclass
class CorpusContext:
    """What a corpus stage gets: the store (it writes its own tables), settings, the run."""

    store: Store
    settings: Settings
    run_id: str | None
    project_root: Path
    stage: Stage
    log: Callable[..., None]


def load(stage: Stage) -> Callable[[CorpusContext], set[str]]:
    fn: Callable[[CorpusContext], set[str]] = load_target(stage.target)
    return fn


def skipped(settings: Settings) -> set[str]:
    """The stages the `skip_stages` setting names, checked against the declared ones."""
    from ..exc import UsageError
    from .stages import STAGES

    skip = {n.strip() for n in str(settings.skip_stages or "").split(",") if n.strip()}
    unknown = skip - {st.name for st in STAGES}
    if unknown:
        raise UsageError(f"skip_stages: no stage named {', '.join(sorted(unknown))}")
    fixed = skip & {"extract", "language", "index"}
    if fixed:
        raise UsageError(f"skip_stages: {', '.join(sorted(fixed))} cannot be skipped")
    return skip


def run_all(store: Store, settings: Settings, run_id: str | None, project_root: Path,
            log: Callable[..., None], only: set[str] | None = None) -> dict[str, Any]:
    """Run every declared corpus stage in order (those named in `only`, if given); returns seconds
    and changed counts per stage."""
    report: dict[str, Any] = {}
    skip = skipped(settings)
    for st in corpus_stages():
        if only is not None and st.name not in only:
            continue
        if st.name in skip:
            report[st.name] = {"skipped": True}
            continue
        t0 = time.monotonic()
        changed = load(st)(CorpusContext(store, settings, run_id, project_root, st, log))
        if changed and st.indexed:
            with store.transaction():
                store.drop_stages(changed, "index")
        report[st.name] = {"seconds": round(time.monotonic() - t0, 2), "changed": len(changed)}
        log("corpus-stage", stage=st.name, **report[st.name])
    return report
