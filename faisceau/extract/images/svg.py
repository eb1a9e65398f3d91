"""SVG drawings: the words they show and describe, never the drawing.

The text of `<text>` (with its `<tspan>`, `<textPath>`, links), Inkscape's flowed text, and of
`<title>` / `<desc>` is read through the safe XML parser (`xmlsafe.parse_xml`: entity
declarations and external references refused). Nothing the file references is loaded,
fetched or resolved (`href`s, `<image>`, `@import` in `<style>`), and it is never rendered:
an SVG is a program for a renderer, and a hostile one reaches for local files and the network.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from xml.etree.ElementTree import Element

from ...exc import ExtractionError, LimitExceeded
from ...model import Child, Extracted
from ..base import Context, Extractor, Probe, register
from ..documents.xmlsafe import DOM_SHARE, local, parse_xml

# elements whose whole text is shown to a reader (their descendants are not walked again)
SHOWN = frozenset({"text", "flowRoot"})
# elements that describe the drawing or a part of it to assistive technology
DESCRIBED = {"title": "title", "desc": "description"}
# never text, even inside a shown element: code, style sheets, metadata
NEVER = frozenset({"script", "style", "metadata", "title", "desc"})
_SPACES = re.compile(r"[ \t\r\n]+")
_BREAK = "\x00"  # a line break we place (XML text cannot hold NUL), apart from source newlines


@register
class SvgExtractor(Extractor):
    """SVG: text, title and description elements through a defused XML parser."""

    NAME = "svg"
    VERSION = "1"
    # "text", not "image": what is kept is text, and an image would be rendered for redaction,
    # which an SVG must never be (see the module docstring)
    KIND = "text"
    SCORE = 20
    MIME_TYPES = frozenset({"image/svg+xml", "image/svg"})
    EXTENSIONS = frozenset({"svg"})

    @classmethod
    def match(cls, probe: Probe) -> int:
        """MIME and extension; XML whose head opens an <svg> root (libmagic may say text/xml)."""
        head = probe.head[:4096].lower()
        html, svg = head.find(b"<html"), head.find(b"<svg")
        if html >= 0 and (svg < 0 or html < svg):
            return 0  # an XHTML page drawing inline SVG (libmagic may say image/svg+xml): the HTML reader's
        score = super().match(probe)
        if svg >= 0 and probe.mime in ("text/xml", "application/xml", "text/plain"):
            score += cls.SCORE // 2 + 1
        return score

    def extract(self, path: Path, doc: Extracted, ctx: Context) -> Iterator[Child]:
        """Parse the whole file (bounded by the memory share an XML tree may take), keep its text."""
        size = path.stat().st_size
        limit = max(1 << 20, int(ctx.settings.memory_limit) // DOM_SHARE)
        if size == 0:
            raise ExtractionError("empty file")
        if size > limit:
            raise LimitExceeded(f"SVG too large: {size} bytes over {limit}")
        doc.kind, doc.mime = self.KIND, "image/svg+xml"
        root = parse_xml(path.read_bytes(), "the SVG")
        if local(root.tag) == "html":  # XHTML with an SVG inside, sent here by name or MIME
            from ..documents.html import HtmlExtractor

            yield from HtmlExtractor().extract(path, doc, ctx)
            return
        if local(root.tag) != "svg":
            raise ExtractionError(f"not an SVG drawing: root element {local(root.tag)[:40]}")
        for attr in ("width", "height", "viewBox"):
            if root.get(attr):
                doc.metadata[attr.lower()] = root.get(attr, "")[:100]
        try:
            texts = list(_walk(root, doc))
        except RecursionError:
            raise ExtractionError("XML nesting too deep") from None
        doc.add_text("\n".join(texts), part="body")
        return
        yield  # pragma: no cover  (no children: nothing an SVG references is fetched)


def _walk(el: Element, doc: Extracted) -> Iterator[str]:
    """Shown text in document order; titles and descriptions go to their own segments."""
    for c in el:
        tag = local(c.tag) if isinstance(c.tag, str) else ""
        if tag in SHOWN:
            text = _flat(c)
            if text:
                yield text
        elif tag in DESCRIBED:
            text = _flat(c)
            if text:
                doc.add_text(text, part=DESCRIBED[tag])
                if tag == "title" and local(el.tag) == "svg":
                    doc.metadata.setdefault("title", text[:500])
        elif tag not in NEVER:
            yield from _walk(c, doc)


def _flat(el: Element) -> str:
    """An element's text with its descendants' (not scripts, styles, titles), spaces collapsed;
    a `<tspan>` placed on its own (`x`/`y`) or a flowed paragraph starts a new line."""
    parts: list[str] = []

    def visit(e: Element) -> None:
        parts.append(e.text or "")
        for c in e:
            tag = local(c.tag) if isinstance(c.tag, str) else ""
            if tag not in NEVER:
                if tag == "flowPara" or (tag == "tspan" and (c.get("x") is not None or c.get("y") is not None)):
                    parts.append(_BREAK)
                visit(c)
            parts.append(c.tail or "")

    visit(el)
    lines = (_SPACES.sub(" ", line).strip() for line in "".join(parts).split(_BREAK))
    return "\n".join(line for line in lines if line)
