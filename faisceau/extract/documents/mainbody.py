"""The main content of a web page, told apart from its menus, header and footer.

A site repeats the same navigation on every page: the Assemblée nationale's menu holds
"Loi organique relative aux lois de finances", so before this every one of its 909 pages matched
`loi de finances` and quoted the menu in its snippet (issue 22). trafilatura finds a page's
main content; it was chosen over jusText by `bench/boilerplate.py` on those pages (taking the
lines that recur on half of the pages as the site's furniture): trafilatura keeps 94 % of the
body's text against jusText's 60 % (and 9 % of the furniture against 2 %), both drop the menu's
"lois de finances" line from all but 0.4 % of the pages; trafilatura takes 1.5 to 1.9 times
jusText's time (3 to 7 times the page's own rendering, on a loaded machine).

The page's own text is not replaced: the lines of the rendered text that the library keeps
are marked as spans of it (`main` segments), so the stored text stays whole (and readable,
citable, searchable with `full:`) while the index ranks, matches and quotes the main content.
"""

from __future__ import annotations

import re
from importlib.metadata import version

# Larger pages are not analysed (all their text counts as main): the library's tree walks grow
# with the page, and a page that large is a document more than a site page.
MAX_MARKUP = 4_000_000
# A line this long or longer is main when the main text holds it anywhere, even merged with its
# neighbours; a shorter one ("Lois", "Accueil") only when it is one of the main text's lines.
MIN_INSIDE = 12
_WORDS = re.compile(r"[^\W_]+")
LIBRARY = f"trafilatura-{version('trafilatura')}"


def _key(line: str) -> str:
    """A line reduced to its words, lower-cased: both renderings agree on these, not on spacing."""
    return " ".join(_WORDS.findall(line.lower()))


def main_text(markup: str, text: str) -> tuple[list[tuple[int, int]], list[str]]:
    """Spans of `text` (the page's rendered text) that are its main content, and their lines.

    Empty when the library finds no main content or the page is too large to analyse: then
    the whole text is the page's content, as before."""
    if len(markup) > MAX_MARKUP or not text.strip():
        return [], []
    import trafilatura  # here, not at the top: a second to import, and most items are no web page
    found = trafilatura.extract(markup, include_comments=False, include_tables=True, favor_recall=False)
    if not found:
        return [], []
    kept = [_key(line) for line in found.splitlines()]
    lines = {k for k in kept if k}
    # one run of words: the library breaks lines at inline elements (a link, bold) and table
    # cells, where the page's own rendering keeps one line
    joined = f" {' '.join(k for k in kept if k)} "
    spans: list[tuple[int, int]] = []
    out: list[str] = []
    for m in re.finditer(r"[^\n]+", text):
        k = _key(m.group())
        if not k or not (k in lines or len(k) >= MIN_INSIDE and f" {k} " in joined):
            continue
        out.append(m.group())
        if spans and not text[spans[-1][1]:m.start()].strip():
            spans[-1] = (spans[-1][0], m.end())   # one span across blank lines between kept lines
        else:
            spans.append((m.start(), m.end()))
    return spans, out
