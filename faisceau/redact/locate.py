"""Where a string is on a PDF page: every occurrence, as boxes, with case, accents and spacing folded.

PyMuPDF gives each character of the page with its box; their folded forms are laid end to end (a
space, a line break or a soft hyphen folds to nothing) and the folded string is searched in them, so
"ZOÉ  Martin" written over two lines is found for "Zoe Martin", and each occurrence gives one box per
line it spans.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from .apply import Rect
from .fold import fold

PAD = 1.0  # points added around each box: glyph boxes are tight and anti-aliasing bleeds past them


def page_chars(page: Any) -> tuple[str, list[tuple[Rect, int]]]:
    """The page's folded text and, for each of its characters, (the source character's box, line number)."""
    folded: list[str] = []
    where: list[tuple[Rect, int]] = []
    line_no = 0
    for block in page.get_text("rawdict")["blocks"]:
        for line in block.get("lines", []):
            line_no += 1
            for span in line["spans"]:
                for ch in span["chars"]:
                    f = fold(ch["c"])
                    folded.append(f)
                    where += [(tuple(ch["bbox"]), line_no)] * len(f)  # type: ignore[list-item]
    return "".join(folded), where


def occurrences(text: str, where: list[tuple[Rect, int]], needle: str) -> Iterator[list[Rect]]:
    """Each occurrence of `needle` (folded) in a page's folded text, as one box per line it spans."""
    key = fold(needle)
    if not key:
        return
    start = text.find(key)
    while start >= 0:
        lines: dict[int, list[Rect]] = {}
        for rect, line in where[start:start + len(key)]:
            lines.setdefault(line, []).append(rect)
        yield [_union(rects) for rects in lines.values()]
        start = text.find(key, start + len(key))


def _union(rects: list[Rect]) -> Rect:
    return (min(r[0] for r in rects) - PAD, min(r[1] for r in rects) - PAD,
            max(r[2] for r in rects) + PAD, max(r[3] for r in rects) + PAD)
