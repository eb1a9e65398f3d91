"""Where a string is on a PDF page: every occurrence, as boxes, with case, accents and spacing folded.

PyMuPDF gives each character of the page with its box; their folded forms are laid end to end (a
space, a line break or a soft hyphen folds to nothing) and the folded string is searched in them, so
"ZOÉ  Martin" written over two lines is found for "Zoe Martin", and each occurrence gives one box per
line it spans. An occurrence must start and end at word boundaries (a space, punctuation, a line's
end): "Martin" is not proposed inside "Martinez".
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from .apply import Rect
from .fold import fold, fold_char

PAD = 1.0  # points added around each box: glyph boxes are tight and anti-aliasing bleeds past them


@dataclass
class PageText:
    """A page's folded text, the box and line of each of its characters, and where words start or end."""

    text: str
    where: list[tuple[Rect, int]]
    bounds: set[int]


def page_chars(page: Any) -> PageText:
    """The folded characters of a PDF page (PyMuPDF), with their boxes and the word boundaries between them."""
    folded: list[str] = []
    where: list[tuple[Rect, int]] = []
    bounds = {0}
    size = 0
    line_no = 0
    for block in page.get_text("rawdict")["blocks"]:
        for line in block.get("lines", []):
            line_no += 1
            bounds.add(size)
            for span in line["spans"]:
                for ch in span["chars"]:
                    f = fold_char(ch["c"])
                    if not f or not ch["c"].isalnum():
                        bounds.add(size)  # before and after a space or a sign: a word ends here
                    folded.append(f)
                    where += [(tuple(ch["bbox"]), line_no)] * len(f)  # type: ignore[list-item]
                    size += len(f)
                    if not f or not ch["c"].isalnum():
                        bounds.add(size)
            bounds.add(size)
    return PageText("".join(folded), where, bounds)


def occurrences(page: PageText, needle: str, whole_words: bool = True) -> Iterator[list[Rect]]:
    """Each occurrence of `needle` (folded) on a page, as one box per line it spans."""
    key = fold(needle)
    if not key:
        return
    start = page.text.find(key)
    while start >= 0:
        end = start + len(key)
        if not whole_words or (start in page.bounds and end in page.bounds):
            lines: dict[int, list[Rect]] = {}
            for rect, line in page.where[start:end]:
                lines.setdefault(line, []).append(rect)
            yield [_union(rects) for rects in lines.values()]
            start = page.text.find(key, end)
        else:
            start = page.text.find(key, start + 1)


def _union(rects: list[Rect]) -> Rect:
    return (min(r[0] for r in rects) - PAD, min(r[1] for r in rects) - PAD,
            max(r[2] for r in rects) + PAD, max(r[3] for r in rects) + PAD)
