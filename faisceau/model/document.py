"""What extraction produces for one item: text, pages, metadata and children."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

# Kinds a document can have; the UI and facets group on these.
KINDS = (
    "email", "mailbox", "archive", "pdf", "document", "spreadsheet", "presentation",
    "html", "text", "image", "calendar", "contact", "folder", "link", "other",
)


@dataclass
class Segment:
    """A span of the document text and what it is (body, comment, hidden sheet…)."""

    part: str
    start: int
    end: int
    attrs: dict[str, Any] = field(default_factory=dict)


# what a reader of a web page's own content reads: its main content (marked by the extractor) and title
OWN_PARTS = ("main", "title")


def own_spans(segments: Any) -> list[tuple[int, int]]:
    """The spans of a stored content's own text (its `main` and `title` segments, as dicts), or [] when
    no main content is marked (then the whole text is its own)."""
    segs = list(segments or [])
    if not any(s.get("part") == "main" for s in segs):
        return []
    return sorted((int(s["start"]), int(s["end"])) for s in segs if s.get("part") in OWN_PARTS)


@dataclass
class Page:
    """One page of a paginated document (1-based number), with its span in the text."""

    number: int
    start: int
    end: int
    needs_ocr: bool = False
    attrs: dict[str, Any] = field(default_factory=dict)


@dataclass
class Child:
    """An item found inside a container: an archive member, a message, an attachment.

    Exactly one of `data` (bytes in memory) or `path` (a file the extractor wrote in its
    scratch folder; the worker moves it) holds the content — or neither, with `status`
    and `reason` set, for members that are recorded but not extracted (links, devices,
    refused bombs). `name` is the provenance segment after `!/`, e.g. `Inbox/42` or
    `attachments/report.pdf`; `name_raw` keeps undecoded name bytes when there were some.
    """

    name: str
    data: bytes | None = None
    path: Path | None = None
    name_raw: bytes | None = None
    mime_hint: str | None = None
    metadata: dict[str, Any] = field(default_factory=dict)
    status: str | None = None
    reason: str | None = None

    def __post_init__(self) -> None:
        if self.status is None and self.data is None and self.path is None:
            raise ValueError(f"child {self.name!r} has no content and no status")
        if self.status is not None and self.status not in ("failed", "skipped"):
            raise ValueError(f"child status must be failed or skipped, not {self.status!r}")


@dataclass
class Extracted:
    """The document an extractor fills: kind, MIME type, text, pages, metadata, flags.

    Text is appended with `add_text` (a segment per part) or `add_page` (one per page);
    it is NFC-normalised as it is added, so every offset is a code point into the stored
    text. `flags` are short labels (`encrypted`, `needs_ocr`, `truncated at 50 MB`).
    """

    mime: str = "application/octet-stream"
    kind: str = "other"
    metadata: dict[str, Any] = field(default_factory=dict)
    flags: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    segments: list[Segment] = field(default_factory=list)
    pages: list[Page] = field(default_factory=list)
    extractor: str = ""
    extractor_version: str = ""
    _parts: list[str] = field(default_factory=list, repr=False)
    _length: int = 0

    @property
    def text(self) -> str:
        if len(self._parts) > 1:
            self._parts[:] = ["".join(self._parts)]
        return self._parts[0] if self._parts else ""

    def _append(self, text: str) -> tuple[int, int]:
        text = unicodedata.normalize("NFC", text.replace("\x00", ""))
        if self._length and text:
            self._parts.append("\n\n")
            self._length += 2
        start = self._length
        self._parts.append(text)
        self._length += len(text)
        return start, self._length

    def add_text(self, text: str, part: str = "body", **attrs: Any) -> Segment | None:
        """Append a block of text as one segment (`body`, `comment`, `header`, `hidden-sheet`…)."""
        if not text or not text.strip():
            return None
        start, end = self._append(text)
        seg = Segment(part, start, end, attrs)
        self.segments.append(seg)
        return seg

    def add_page(self, text: str, number: int | None = None, needs_ocr: bool = False, **attrs: Any) -> Page:
        """Append one page's text (possibly empty) and record its span."""
        number = number if number is not None else len(self.pages) + 1
        if text.strip():
            start, end = self._append(text)
        else:
            start = end = self._length
        page = Page(number, start, end, needs_ocr, attrs)
        self.pages.append(page)
        if needs_ocr and "needs_ocr" not in self.flags:
            self.flags.append("needs_ocr")
        return page

    def flag(self, label: str) -> None:
        """Add a flag once."""
        if label not in self.flags:
            self.flags.append(label)
