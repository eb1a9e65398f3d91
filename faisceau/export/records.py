"""What an evidence pack says about one document: metadata, provenance, hash, excerpts, notes.

Everything comes from the store (and the search hit that selected it): nothing is guessed.
Entity names and dated events are read through `faisceau.analysis.read` when that module
exists; a project analysed by no such stage shows none.
"""

from __future__ import annotations

import mimetypes
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from ..citing import citations
from ..index import Hit
from ..index.documents import from_store
from ..store.db import Store
from ..store.tags import notes_of
from ..tags import tags_of

MAX_NAMES = 200      # entity names shown per document (a directory listing may name thousands)
MAX_EVENTS = 200
_EXT = re.compile(r"^[A-Za-z0-9]{1,10}$")


@dataclass
class Excerpt:
    """A cited passage: stored_text[start:end], from a search hit or a user's citation."""

    text: str
    start: int
    end: int
    page: int | None
    source: str                      # search | citation
    highlights: list[tuple[int, int]] = field(default_factory=list)
    note: str | None = None
    anchor: str | None = None        # exact | moved | changed (citations only)
    citation_id: int | None = None
    user: str | None = None
    time: str | None = None

    @property
    def label(self) -> str:
        """`p.2 56–243` or `56–243`: how manifest.csv and the report write the place."""
        return (f"p.{self.page} " if self.page is not None else "") + f"{self.start}-{self.end}"


@dataclass
class EvidenceDoc:
    """One selected document, as the pack shows it."""

    id: str
    path: str
    name: str
    status: str
    reason: str | None
    kind: str | None
    mime: str | None
    sha256: str | None
    size: int | None
    title: str
    date: str | None
    senders: list[str]
    recipients: list[str]
    cc: list[str]
    author: str
    language: str | None
    extractor: str | None
    extractor_version: str | None
    ocr: str
    stages: dict[str, str]
    tags: list[str]
    notes: list[dict[str, Any]]
    excerpts: list[Excerpt]
    ancestors: list[dict[str, Any]]
    other_locations: list[str]
    source: str | None = None        # the file on disk, for an input given on the command line
    entities: list[dict[str, Any]] = field(default_factory=list)
    events: list[dict[str, Any]] = field(default_factory=list)
    file: str | None = None          # originals/<id><ext> once copied
    original: str = "ok"             # ok, or why the original bytes are not in the pack

    @property
    def heading(self) -> str:
        return self.title or self.name or self.id

    def extension(self) -> str:
        return extension(self.name, self.mime)


def extension(name: str, mime: str | None) -> str:
    """`.pdf`: the name's own extension when it is a plain one, else one for the MIME type, else ''."""
    if "." in name.strip("."):
        ext = name.rsplit(".", 1)[1]
        if _EXT.match(ext):
            return "." + ext.lower()
    if mime == "message/rfc822":
        return ".eml"
    guessed = mimetypes.guess_extension(mime) if mime else None
    return guessed if guessed and _EXT.match(guessed[1:]) else ""


def _person(a: Any) -> str:
    if a.name and a.address:
        return f"{a.name} <{a.address}>"
    return str(a.name or a.address)


def _ocr(content: dict[str, Any] | None, stages: Mapping[str, Mapping[str, Any]]) -> str:
    """The OCR engines and versions that read this document's pages, and the stage version."""
    seen: list[str] = []
    for p in (content or {}).get("pages") or []:
        o = p.get("ocr") or (p.get("attrs") or {}).get("ocr")
        if isinstance(o, dict):
            label = " ".join(str(o[k]) for k in ("engine", "version", "lang") if o.get(k))
            if label and label not in seen:
                seen.append(label)
    st = stages.get("ocr")
    if st and st.get("status") == "ok":
        seen.append(f"stage {st['version']}")
    return "; ".join(seen)


Analysis = Callable[[Store, str, "str | None"], tuple[list[dict[str, Any]], list[dict[str, Any]]]]


def analysis_reader() -> Analysis | None:
    """(entities, dated events) of a document from `faisceau.analysis.read.document`, when that
    module exists (it comes with the analysis stages): entities grouped by canonical entity with
    their number of mentions, events as each date found in the text with its offsets."""
    try:
        from ..analysis import read
    except ImportError:
        return None
    found = getattr(read, "document", None)
    if found is None:
        return None

    def reader(store: Store, doc_id: str, sha256: str | None) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
        got = found(store, doc_id)
        ents: dict[str, dict[str, Any]] = {}
        for m in got.get("mentions") or []:
            name = m.get("entity") or m.get("text")
            if not name:
                continue
            k = str(m.get("entity_id") or f"{m.get('type')}:{name}")
            e = ents.setdefault(k, {"name": name, "type": m.get("type"), "entity_id": m.get("entity_id"), "count": 0})
            e["count"] += 1
        entities = sorted(ents.values(), key=lambda e: (-e["count"], str(e["name"])))[:MAX_NAMES]
        events = [{"value": d.get("value"), "text": d.get("text"), "start": d.get("start"), "end": d.get("end")}
                  for d in (got.get("dates") or [])][:MAX_EVENTS]
        return entities, events

    return reader


def gather(store: Store, doc_id: str, hit: Hit | None, analysis: Analysis | None = None) -> EvidenceDoc:
    """Everything the pack says about one document (its text is not loaded)."""
    row = store.document(doc_id)
    if row is None:
        raise KeyError(doc_id)
    content = store.content(row["sha256"], with_text=False) if row["sha256"] else None
    idoc = from_store(row, content)
    stages = store.stages_of(doc_id)
    excerpts = [Excerpt(s.text, s.start, s.end, s.page, "search", list(s.highlights)) for s in (hit.snippets if hit else [])]
    excerpts += [Excerpt(c["text"], c["start"], c["end"], c["page"], "citation", note=c["note"], anchor=c["anchor"],
                         citation_id=c["id"], user=c["user"], time=c["time"]) for c in citations(store, doc_id)]
    excerpts.sort(key=lambda e: (e.start, e.source != "citation"))
    ancestors = []
    parent_id = row["parent_id"]
    while parent_id:
        parent = store.document(parent_id)
        if parent is None:
            break
        ancestors.append({"id": parent["id"], "path": parent["path"], "kind": parent["kind"],
                          "sha256": parent["sha256"], "name": parent["name"], "mime": parent["mime"],
                          "size": parent["size"], "source": parent["source"], "parent_id": parent["parent_id"]})
        parent_id = parent["parent_id"]
    ancestors.reverse()
    notes = [{"text": n["text"], "time": n["time"], "user": n["user"]} for n in notes_of(store, doc_id)]
    others = [loc["path"] for loc in store.locations(row["sha256"]) if loc["id"] != doc_id][:20] if row["sha256"] else []
    ents, evts = analysis(store, doc_id, row["sha256"]) if analysis else ([], [])
    c = content or {}
    return EvidenceDoc(
        id=doc_id, path=row["path"], name=row["name"], status=row["status"], reason=row["reason"], kind=row["kind"],
        mime=row["mime"], sha256=row["sha256"], size=row["size"], title=idoc.title, date=idoc.date,
        senders=[_person(a) for a in idoc.senders], recipients=[_person(a) for a in idoc.to],
        cc=[_person(a) for a in idoc.cc], author=idoc.author if idoc.kind != "email" else "",
        language=c.get("language"), extractor=c.get("extractor"), extractor_version=c.get("extractor_version"),
        ocr=_ocr(content, stages), stages={k: v["version"] for k, v in sorted(stages.items()) if v["status"] == "ok"},
        tags=tags_of(store, doc_id), notes=notes, excerpts=excerpts, ancestors=ancestors, other_locations=others,
        source=row["source"], entities=ents, events=evts)
