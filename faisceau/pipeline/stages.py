"""Stages are declared: name, version, requires, assigns, scope — and checked when built.

Item stages are pure per document (input in, result out; the orchestrator writes). Corpus
stages are incremental reducers over the store. Order: extract → OCR → language → analyse →
corpus stages → index. A new stage version marks that stage's outputs stale: only it re-runs.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from typing import Any, Literal

from ..exc import FaisceauError

Scope = Literal["item", "corpus"]


@dataclass(frozen=True)
class Stage:
    """One declared stage; `target` is "module:function" so it can be imported in any worker.

    An item stage's `requires` and `assigns` are keys of the stage state it reads and writes
    (`shapes.StageState`; tests/pipeline/test_stage_contract.py checks that they are the keys it
    writes); a corpus stage's `assigns` name what it builds in the store."""

    name: str
    version: str
    requires: tuple[str, ...]
    assigns: tuple[str, ...]
    scope: Scope
    target: str
    help: str = ""
    writer: bool = False   # run by the single writer in the main process (the index), not by workers
    indexed: bool = False  # a corpus stage whose output the index holds: what it changes is indexed again
    # "module:function" run in the main process to store an item stage's own output (tables keyed by
    # the content's SHA-256): output(store, sha256, state) inside the orchestrator's transaction. It
    # replaces what an earlier run stored, and runs even when the stage failed, so nothing stale remains.
    output: str = ""
    # "module:function" reading a batch of contents in one call (a model's batched reading):
    # batch(tasks, states, ctx) -> [(status, reason)] per task; without it a batch runs the stage on
    # each content alone (`worker.process_batch`)
    batch: str = ""


# The built-in stages, in pipeline order; a plugin adds its own with `register`.
STAGES: list[Stage] = [
    # extract 2: web pages' main content marked (main segments), text files with a stray control byte read as text
    # extract 3: embedded OLE objects, XPS, Visio, SVG, JPEG 2000/PNM, dBASE and Access read (were skipped)
    Stage("extract", "3", (), ("content", "children", "text", "extracted"), "item",
          "faisceau.pipeline.worker:run_extract", "identify the item and extract text, metadata and children"),
    Stage("ocr", "1", ("content", "extracted"), ("content", "text"), "item", "faisceau.ocr.stage:run",
          "OCR of image-only pages and images (Tesseract, French and English)"),
    Stage("language", "1", ("text",), ("language", "languages"), "item",
          "faisceau.pipeline.worker:run_language", "language of the document and of its parts"),
    # entities 5, dates 3: a web page's menus, header and footer are not read (analysis/furniture.py)
    Stage("entities", "5", ("text", "language"), ("mentions",), "item", "faisceau.analysis.stage:run_entities",
          "persons, organisations, places (spaCy, e-mail headers)", output="faisceau.analysis.stage:store_mentions",
          batch="faisceau.analysis.stage:run_entities_batch"),
    Stage("identifiers", "2", ("text",), ("identifiers",), "item", "faisceau.analysis.stage:run_identifiers",
          "e-mail addresses, phones, IBAN/BIC, SIREN/SIRET, URLs, domains, IPs, validated",
          output="faisceau.analysis.stage:store_identifiers"),
    Stage("dates", "3", ("text", "language"), ("dates",), "item", "faisceau.analysis.stage:run_dates",
          "dates in the text, French and English, and the sentences that hold them (events)",
          output="faisceau.analysis.stage:store_dates"),
    Stage("threads", "2", ("content", "text"), ("threads",), "corpus", "faisceau.mail.stage:run_threads",
          "e-mail threads, same-message copies and correspondents' addresses"),
    Stage("neardup", "1", ("text",), ("neardup",), "corpus", "faisceau.mail.stage:run_neardup",
          "near-duplicate texts (MinHash, LSH buckets on disk)"),
    # entity_grouping 4: the corpus gazetteer is found again only in a page's own content (furniture.py)
    Stage("entity_grouping", "4", ("mentions",), ("entities",), "corpus", "faisceau.analysis.grouping:run_grouping",
          "mentions made consistent over the corpus and grouped into canonical entities; curation replayed",
          indexed=True),
    Stage("graph", "1", ("threads",), ("graph",), "corpus", "faisceau.mail.graphtable:run_graph",
          "the correspondence graph (people, who wrote to whom) precomputed for the graph pages"),
    # built from the dates stage's events and linked to the grouped entities: it runs after both (with
    # `text` alone it would run early, beside threads, on a project still being analysed)
    Stage("timeline", "1", ("dates", "entities"), ("timeline",), "corpus", "faisceau.analysis.events:run_timeline",
          "the timeline's events (dated sentences, document dates) precomputed, copies marked"),
    Stage("index", "1", ("text", "language"), ("indexed",), "item", "faisceau.index.indexer:update",
          "full-text index: analyzers by language, fields, facets", writer=True),
]


_LOADED: dict[str, Any] = {}


def load_target(target: str) -> Any:
    """The object a "module:name" declaration names, imported once per process.

    Stages (and the run's other hooks) are declared by name so that the pipeline never imports the
    layers above it, and so that any worker process can import them."""
    if target not in _LOADED:
        module, _, name = target.partition(":")
        _LOADED[target] = getattr(importlib.import_module(module), name)
    return _LOADED[target]


def register(stage: Stage) -> None:
    """Add a stage (e.g. from a plugin) after the stages it requires."""
    if any(s.name == stage.name for s in STAGES):
        raise FaisceauError(f"stage {stage.name!r} declared twice")
    STAGES.insert(len(STAGES) - 1 if STAGES[-1].name == "index" else len(STAGES), stage)
    check(STAGES)


def check(stages: list[Stage]) -> None:
    """Every stage's requirements are assigned by an earlier stage; item stages precede corpus ones."""
    assigned: set[str] = set()
    seen_corpus = False
    for s in stages:
        missing = set(s.requires) - assigned
        if missing:
            raise FaisceauError(f"stage {s.name!r} requires {', '.join(sorted(missing))}, assigned by no earlier stage")
        if s.scope == "corpus":
            seen_corpus = True
        elif seen_corpus and s.name != "index":
            raise FaisceauError(f"item stage {s.name!r} declared after a corpus stage")
        assigned.update(s.assigns)


def item_stages() -> list[Stage]:
    """The item stages run by workers, in order (the index is written by the orchestrator)."""
    return [s for s in STAGES if s.scope == "item" and not s.writer]


def searchable_stages(stages: list[Stage]) -> list[Stage]:
    """The first item stages, up to the last one that assigns what the index requires (text,
    language): what must run before a document can be indexed. The others run in phase 2."""
    need = set(stage("index").requires)
    out: list[Stage] = []
    for s in stages:
        if not need:
            break
        out.append(s)
        need -= set(s.assigns)
    return out



def stage(name: str) -> Stage:
    for s in STAGES:
        if s.name == name:
            return s
    raise FaisceauError(f"no stage named {name!r}")


def corpus_stages() -> list[Stage]:
    return [s for s in STAGES if s.scope == "corpus"]


check(STAGES)
