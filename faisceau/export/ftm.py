"""FollowTheMoney export: the project as entities that `ftm` and Aleph/OpenAleph import.

Documents become `Email`, `Pages` (with one `Page` per page), `Package` (archives), `Folder`
(mailboxes), `Workbook`, `PlainText`, `HyperText`, `Image` or `Document`, linked to the container
they came from by `parent`/`ancestors`. E-mail correspondents become `Person` (a display name of
two words or more) or `LegalEntity` (a bare address, a list), merged by the same rules as
`faisceau correspondents`, and are the `emitters`/`recipients` of each e-mail. Named entities
found by the analysis stages (when they have run) become `Person`/`Organization` with one
`Mention` per document.

Values go through the library's own cleaning (`add`, which drops what its type rejects: a
hostile date never reaches the output), and each entity is checked with its schema's
`validate` before it is written. `contentHash` is FtM's SHA-1 of the original bytes; the
SHA-256 faisceau keys everything by is in `description` with the provenance path.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, TextIO

from followthemoney import model
from followthemoney.proxy import EntityProxy

from ..index import Index
from ..index.documents import from_store
from ..mail.correspondents import Mention, identities
from ..store import messages
from ..store.blobs import CHUNK
from ..store.db import Store
from ..store.project import Project
from ..store.tags import notes_of, tags_of
from .pack import original_path
from .records import analysis_reader
from .select import Selection, selected

SCHEMA_BY_KIND = {"email": "Email", "pdf": "Pages", "archive": "Package", "mailbox": "Folder",
                  "spreadsheet": "Workbook", "text": "PlainText", "html": "HyperText", "image": "Image"}
ENTITY_SCHEMA = {"PER": "Person", "PERSON": "Person", "ORG": "Organization", "ORGANIZATION": "Organization"}


def doc_entity_id(doc_id: str) -> str:
    return "faisceau-doc-" + "".join(c if c.isalnum() else "-" for c in doc_id)


def _key_id(prefix: str, key: str) -> str:
    return f"faisceau-{prefix}-" + hashlib.sha1(key.encode("utf-8", "surrogatepass")).hexdigest()[:20]


def _sha1(path: Path | None) -> str | None:
    if path is None:
        return None
    h = hashlib.sha1()
    try:
        with open(path, "rb") as f:
            while chunk := f.read(CHUNK):
                h.update(chunk)
    except OSError:
        return None
    return h.hexdigest()


class Writer:
    """Validates and writes entities as FtM JSON lines; counts them by schema."""

    def __init__(self, out: TextIO) -> None:
        self.out = out
        self.counts: dict[str, int] = {}

    def write(self, e: EntityProxy) -> None:
        data = e.to_dict()
        e.schema.validate(data)  # type: ignore[arg-type]  # raises InvalidData: a bug of ours, never silently written
        self.out.write(json.dumps(data, ensure_ascii=False, sort_keys=True) + "\n")
        self.counts[e.schema.name] = self.counts.get(e.schema.name, 0) + 1


def _people(store: Store, doc_ids: set[str] | None) -> tuple[dict[str, str], list[EntityProxy]]:
    """(address → entity id, the correspondent entities) for the e-mails exported."""
    rows = [r for r in messages.all_addresses(store) if doc_ids is None or r["document_id"] in doc_ids]
    decisions = [(x["a"], x["b"], x["decision"]) for x in messages.decisions(store)]
    ident, _evidence, names = identities([Mention(r["document_id"], r["role"], r["address"], r["name"] or "", None)
                                          for r in rows], decisions)
    members: dict[str, list[str]] = {}
    for addr, key in ident.items():
        members.setdefault(key, []).append(addr)
    by_addr, entities = {}, []
    for key, addrs in sorted(members.items()):
        counted: dict[str, int] = {}
        for a in addrs:
            for n, c in names[a].items():
                if n:
                    counted[n] = counted.get(n, 0) + c
        best = sorted(counted, key=lambda n: (-counted[n], n))
        person = bool(best) and len(best[0].split()) >= 2 and "@" not in best[0]
        e = model.make_entity("Person" if person else "LegalEntity")
        e.id = _key_id("party", key)
        e.add("name", best or sorted(addrs)[:1], quiet=True)
        e.add("email", [a for a in addrs if "@" in a], quiet=True)
        entities.append(e)
        for a in addrs:
            by_addr[a] = e.id
    return by_addr, entities


def _document(store: Store, project: Project, row: dict[str, Any], by_addr: dict[str, str],
              ancestors: list[str]) -> Iterator[EntityProxy]:
    content = store.content(row["sha256"]) if row["sha256"] else None
    c = content or {}
    d = from_store(row, content)
    pages = c.get("pages") or []
    schema = SCHEMA_BY_KIND.get(row["kind"] or "", "Document")
    if schema == "Pages" and len(pages) < 1:
        schema = "Document"
    e = model.make_entity(schema)
    e.id = doc_entity_id(row["id"])
    e.add("fileName", row["name"].rsplit("/", 1)[-1] or row["name"], quiet=True)  # a member's name holds its folders
    e.add("title", d.title or None, quiet=True)
    e.add("fileSize", row["size"], quiet=True)
    e.add("mimeType", row["mime"], quiet=True)
    e.add("contentHash", _sha1(original_path(project, row)), quiet=True)
    e.add("description", f"faisceau {row['id']} · SHA-256 {row['sha256'] or 'none'} · provenance {row['path']}", quiet=True)
    e.add("language", c.get("language"), quiet=True)
    e.add("date", d.date, quiet=True)
    e.add("author", d.author or None, quiet=True)
    e.add("processingStatus", "success" if row["status"] == "ok" else "failure", quiet=True)
    e.add("processingError", row["reason"], quiet=True)
    if row["parent_id"]:
        e.add("parent", doc_entity_id(row["parent_id"]), quiet=True)
        e.add("ancestors", [doc_entity_id(a) for a in ancestors], quiet=True)
    e.add("keywords", tags_of(store, row["id"]), quiet=True)
    e.add("notes", [n["text"] for n in notes_of(store, row["id"])], quiet=True)
    text = c.get("text") or ""
    if schema == "Email":
        meta = c.get("metadata") or {}
        e.add("subject", meta.get("subject"), quiet=True)
        e.add("messageId", meta.get("message_id"), quiet=True)
        e.add("inReplyTo", meta.get("in_reply_to"), quiet=True)
        for prop, people in (("from", d.senders), ("to", d.to), ("cc", d.cc)):
            e.add(prop, [f"{a.name} <{a.address}>" if a.name and a.address else a.name or a.address for a in people], quiet=True)
        for role in ("from", "to", "cc", "bcc"):
            for addr in messages.addresses_in_role(store, row["id"], role):
                if addr in by_addr:
                    e.add("emitters" if role == "from" else "recipients", by_addr[addr], quiet=True)
    if schema == "Pages":
        for p in pages:
            page = model.make_entity("Page")
            page.id = f"{e.id}-page-{int(p['number'])}"
            page.add("document", e.id, quiet=True)
            page.add("index", int(p["number"]), quiet=True)
            page.add("bodyText", text[int(p["start"]):int(p["end"])] or None, quiet=True)
            yield page
    else:
        e.add("bodyText", text or None, quiet=True)
    yield e


def _named(store: Store, doc_id: str, reader: Callable[..., Any] | None, seen: set[str]) -> Iterator[EntityProxy]:
    """Named entities found in a document, and a Mention linking each to it (when analysed)."""
    if reader is None:
        return
    ents, _events = reader(store, doc_id, None)
    for x in ents:
        schema = ENTITY_SCHEMA.get(str(x.get("type") or "").upper())
        name = x.get("name") or x.get("text")
        if schema is None or not name:
            continue
        key = str(x.get("entity_id") or x.get("id") or f"{schema}:{name}")
        eid = _key_id("entity", key)
        if eid not in seen:
            seen.add(eid)
            ent = model.make_entity(schema)
            ent.id = eid
            ent.add("name", name, quiet=True)
            yield ent
        m = model.make_entity("Mention")
        m.id = _key_id("mention", f"{doc_id}|{key}")
        m.add("document", doc_entity_id(doc_id), quiet=True)
        m.add("resolved", eid, quiet=True)
        m.add("name", name, quiet=True)
        m.add("detectedSchema", schema, quiet=True)
        yield m


def export_ftm(project: Project, store: Store, sel: Selection, open_index: Callable[[], Index], out: TextIO
               ) -> dict[str, int]:
    """Write the selected documents (with the containers they came from) as FtM JSON lines."""
    ids: set[str] | None = None
    if not sel.empty:
        ids = set()
        for doc_id, _hit in selected(store, sel, open_index):
            ids.add(doc_id)
            row = store.document(doc_id)
            while row and row["parent_id"] and row["parent_id"] not in ids:
                ids.add(row["parent_id"])
                row = store.document(row["parent_id"])
    w = Writer(out)
    by_addr, people = _people(store, ids)
    for p in people:
        w.write(p)
    reader, seen = analysis_reader(), set[str]()
    for row in store.documents():
        if row["status"] == "pending" or (ids is not None and row["id"] not in ids):
            continue
        chain, parent = [], row["parent_id"]
        while parent:
            chain.append(parent)
            prow = store.document(parent)
            parent = prow["parent_id"] if prow else None
        for e in _document(store, project, row, by_addr, list(reversed(chain))):
            w.write(e)
        for e in _named(store, row["id"], reader, seen):
            w.write(e)
    return w.counts
