"""Put OCR text in place of pages' text in an extracted content, keeping every offset right.

Text is NFC, pages stay in order, each non-empty page is separated from the previous text
by a blank line (as the extractors write it); text outside pages and segments lying in
unchanged stretches are kept, shifted to their new place.
"""

from __future__ import annotations

import unicodedata
from typing import Any


def replace_pages(content: dict[str, Any], new: dict[int, str]) -> None:
    """Replace the text of pages (by index) with `new[i]`, rebuilding text, pages and segments."""
    text = content.get("text") or ""
    pages = content.get("pages") or []
    out: list[str] = []
    length = 0
    cursor = 0
    tail = ""
    copied: list[tuple[int, int, int]] = []  # (old start, old end, new start) of unchanged stretches

    def put(piece: str, old: int | None) -> int:
        nonlocal length, tail
        if not piece:
            return length
        if length and not tail.endswith("\n\n"):  # a blank line between pages, as extractors write
            sep = "\n" if tail.endswith("\n") else "\n\n"
            out.append(sep)
            length += len(sep)
        start = length
        if old is not None:
            copied.append((old, old + len(piece), start))
        out.append(piece)
        length += len(piece)
        tail = (tail + piece)[-2:]
        return start

    for i, p in enumerate(pages):
        start, end = int(p["start"]), int(p["end"])
        if start > cursor and text[cursor:start].strip():  # text outside pages; bare separators are rewritten
            put(text[cursor:start], cursor)
        cursor = max(cursor, end)
        if i in new:
            p["start"] = put(unicodedata.normalize("NFC", new[i].replace("\x00", "")).strip(), None)
        else:
            p["start"] = put(text[start:end], start)
        p["end"] = length
    if text[cursor:].strip():
        put(text[cursor:], cursor)
    content["text"] = "".join(out)
    segments = []
    for s in content.get("segments") or []:
        for old_start, old_end, new_start in copied:
            if old_start <= s["start"] and s["end"] <= old_end:
                shift = new_start - old_start
                segments.append({**s, "start": s["start"] + shift, "end": s["end"] + shift})
                break
    content["segments"] = segments
