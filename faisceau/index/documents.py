"""What the index holds for one document, built from the store (a pure function of its rows)."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from typing import Any

import tantivy

from . import dates
from .analyzers import prepare

# the metadata keys that give a document its date, best first
DATE_KEYS = ("date", "created", "modified", "datetime_original", "mtime")


@dataclass
class Address:
    address: str
    name: str = ""


@dataclass
class IndexDoc:
    """One document as the index sees it; `text` is the stored text (offsets refer to it)."""

    id: str
    path: str
    text: str = ""
    title: str = ""
    language: str | None = None
    kind: str | None = None
    mime: str | None = None
    sha256: str | None = None
    size: int | None = None
    parent_id: str | None = None
    date: str | None = None                    # ISO instant or partial date, as extracted
    author: str = ""
    senders: list[Address] = field(default_factory=list)
    to: list[Address] = field(default_factory=list)
    cc: list[Address] = field(default_factory=list)
    has: list[str] = field(default_factory=list)   # attachment, ocr, text…
    persons: list[str] = field(default_factory=list)
    orgs: list[str] = field(default_factory=list)
    places: list[str] = field(default_factory=list)
    pages: list[tuple[int, int, int]] = field(default_factory=list)  # (number, start, end)
    status: str = "ok"
    # a web page's main content as spans of `text` (its `main` segments): when there are some,
    # the text fields hold only these and the rest (menus, header, footer) goes to `furniture`
    main: list[tuple[int, int]] = field(default_factory=list)

    @property
    def filename(self) -> str:
        return self.path.rsplit("!/", 1)[-1].rsplit("/", 1)[-1]

    @property
    def source(self) -> str:
        """The top-level input an item came from: its first path segment."""
        return self.path.split("!/", 1)[0].split("/", 1)[0]

    @property
    def ext(self) -> str:
        name = self.filename
        return name.rsplit(".", 1)[-1].lower() if "." in name.strip(".") else ""

    def to_tantivy(self, tz: dt.tzinfo) -> list[tantivy.Document]:
        """The document's index entry, then one entry per page when it has two or more pages."""
        docs = [self._entry(tz, self.text, None)]
        if len(self.pages) > 1:
            docs += [self._entry(tz, self.text[start:end], number) for number, start, end in self.pages]
        return docs

    def _entry(self, tz: dt.tzinfo, body: str, page: int | None) -> tantivy.Document:
        d = tantivy.Document()
        if self.main and page is None:
            # the main content is what matches and ranks; a site's furniture stays searchable
            # with `full:` but no longer makes every page of the site match its menu's words
            text = prepare("\n\n".join(body[s:e] for s, e in self.main))
            ends = [0, *(x for span in self.main for x in span), len(body)]
            furniture = prepare("\n\n".join(body[a:b] for a, b in zip(ends[::2], ends[1::2], strict=True)
                                             if body[a:b].strip()))
            if furniture:
                d.add_text("furniture", furniture)
        else:
            text = prepare(body)
        title = prepare(self.title)
        for name in ("fold", "exact", "fr" if self.language == "fr" else "en"):
            if title:
                d.add_text(name, title)
            # `=word` is the literal search, over every character of the text, menus included
            whole = prepare(body) if name == "exact" and self.main and page is None else text
            if whole:
                d.add_text(name, whole)
        if title:
            d.add_text("title", title)
        for name, value in (("author", self.author), ("filename", self.filename), ("path", self.path)):
            if value:
                d.add_text(name, value)
        for name, people in (("from", self.senders), ("to", self.to), ("cc", self.cc)):
            for a in people:
                d.add_text(name, f"{a.name} {a.address}".strip())
                if a.address:
                    addr = a.address.lower()
                    d.add_text(f"{name}_addr", addr)
                    if "@" in addr:
                        d.add_text("from_domain" if name == "from" else "to_domain", addr.rsplit("@", 1)[1])
        if self.cc:  # `to_addr` is every recipient, for the recipient facet
            for a in self.cc:
                if a.address:
                    d.add_text("to_addr", a.address.lower())
        for name, names in (("person", self.persons), ("org", self.orgs), ("place", self.places)):
            for n in names:
                d.add_text(name, n)
                d.add_text(f"{name}_name", n)
        if page is None:
            d.add_text("id", self.id)
            d.add_text("unit", "document")
        else:
            d.add_text("id", f"{self.id}#p{page}")
            d.add_text("unit", "page")
            d.add_text("page_of", self.id)
            d.add_unsigned("page", page)
        keywords: tuple[tuple[str, str | None], ...] = (
            ("kind", self.kind), ("mime", self.mime), ("language", self.language), ("sha256", self.sha256),
            ("parent_id", self.parent_id))
        for key, kw in keywords:
            if kw:
                d.add_text(key, kw.lower())
        if self.ext:
            d.add_text("ext", self.ext)
        d.add_text("source", self.source)
        for h in self.has:
            d.add_text("has", h)
        span = dates.interval(self.date, tz) if self.date else None
        if span:
            d.add_integer("date_lo", span[0])
            d.add_integer("date_hi", span[1])
            year, month = dates.buckets(span[0], tz)
            d.add_text("year", year)
            if span[2] != "year":
                d.add_text("month", month)
        if self.size is not None:
            d.add_unsigned("size", self.size)
        if page is not None:
            return d  # a page entry is only searched, never shown: nothing stored
        shown: dict[str, Any] = {"path": self.path, "title": self.title, "kind": self.kind, "date": self.date,
                 "language": self.language, "status": self.status,
                 "from": [a.address or a.name for a in self.senders]}
        if self.pages:
            shown["pages"] = self.pages
        if self.main:
            shown["main"] = self.main
        d.add_bytes("shown", json.dumps(shown, ensure_ascii=False).encode("utf-8", "surrogatepass"))
        if self.text:
            d.add_bytes("body", self.text.encode("utf-8", "surrogatepass"))
        return d


def _addresses(value: Any) -> list[Address]:
    out = []
    for a in value or []:
        if isinstance(a, dict):
            out.append(Address(str(a.get("address") or ""), str(a.get("name") or "")))
        elif isinstance(a, str):
            out.append(Address(a))
    return out


def from_store(doc: dict[str, Any], content: dict[str, Any] | None) -> IndexDoc:
    """The index document of a store row (documents) and its content (may be None)."""
    c = content or {}
    meta = c.get("metadata") or {}
    item_meta = doc.get("item_meta") or {}
    if isinstance(item_meta, str):
        item_meta = json.loads(item_meta or "{}")
    date = next((str(meta[k]) for k in DATE_KEYS if meta.get(k)), None) \
        or next((str(item_meta[k]) for k in DATE_KEYS if item_meta.get(k)), None)
    has = []
    if meta.get("attachment_count"):
        has.append("attachment")
    pages = [(int(p["number"]), int(p["start"]), int(p["end"])) for p in c.get("pages") or []]
    if any(p.get("ocr") for p in c.get("pages") or []) or "ocr" in (c.get("flags") or []):
        has.append("ocr")
    text = c.get("text") or ""
    if text.strip():
        has.append("text")
    author = meta.get("author") or ""
    main = [(int(sg["start"]), int(sg["end"])) for sg in c.get("segments") or [] if sg.get("part") == "main"]
    return IndexDoc(
        id=doc["id"], path=doc["path"], text=text, title=str(meta.get("title") or meta.get("subject") or ""),
        language=c.get("language"), kind=doc.get("kind"), mime=doc.get("mime"), sha256=doc.get("sha256"),
        size=doc.get("size"), parent_id=doc.get("parent_id"), date=date,
        author=author if isinstance(author, str) else ", ".join(map(str, author)),
        senders=_addresses(meta.get("from")), to=_addresses(meta.get("to")), cc=_addresses(meta.get("cc")),
        has=has, pages=pages, status=doc.get("status") or "ok", main=main)
