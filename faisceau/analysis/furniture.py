"""A web page's furniture kept away from the analysis: what its own content names, not its site's menus.

Every page of a site carries the same menus, header and footer ("Plan du site", "XIIe législature",
"Travaux des commissions" on each of the Assemblée nationale's pages), and the entity model read them
as organisations and events of every page: on 40 pages of that site, 13 of the 25 most mentioned
entities came from its menus. The extractor already marks a page's main content (`main` segments,
chosen by trafilatura; see extract/documents/mainbody.py) and the index searches only that by
default; the entities and dates stages read it the same way: the text outside the main content and
the title is blanked by spaces (same length, line ends kept), so every offset still points into the
stored text. A text without main segments (not a web page, or a page where no main content was
found) is read whole.
"""

from __future__ import annotations

from ..model.document import own_spans

__all__ = ["own_spans", "without_furniture"]


def without_furniture(text: str, kept: list[tuple[int, int]]) -> str:
    """`text` with everything outside `kept` blanked (spaces; line ends stay), or `text` itself when
    nothing is marked."""
    if not kept:
        return text
    chars = ["\n" if c == "\n" else " " for c in text]
    for start, end in kept:
        start, end = max(0, int(start)), min(len(text), int(end))
        if start < end:
            chars[start:end] = text[start:end]
    return "".join(chars)
