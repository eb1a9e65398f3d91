"""HTML and XHTML pages: visible text with its block structure, title, meta tags and links.

Parsed with lexbor (selectolax), which follows the HTML standard's error recovery the way
browsers do. Nothing is executed and nothing is fetched: scripts, stylesheets and remote
images are only counted and listed, so an investigator sees what the page *would* have
loaded (tracking pixels included) without the page ever calling home.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from selectolax.lexbor import LexborHTMLParser, LexborNode

from ...exc import LimitExceeded
from ...model import Child, Extracted, Segment
from ..base import Context, Extractor, Probe, register
from .charset import decode_report
from .mainbody import LIBRARY, main_text
from .plain import size_label

# An HTML file is read up to this multiple of max_text: markup is most of a page's bytes.
MARKUP_FACTOR = 2
MAX_URLS = 1000  # links and images listed per page
MAX_URL_CHARS = 2000
# Never text: code, styling, fallbacks for disabled scripts, inert templates, frame fallbacks.
SKIP = frozenset({"script", "style", "noscript", "template", "head", "iframe", "frame", "frameset"})
PRE = frozenset({"pre", "textarea", "listing", "plaintext", "xmp"})
PARAGRAPH = frozenset({
    "p", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "pre", "table", "ul", "ol", "dl",
    "section", "article", "header", "footer", "figure", "hr", "address", "form", "fieldset",
})
BLOCK = PARAGRAPH | frozenset({
    "div", "li", "tr", "dt", "dd", "caption", "thead", "tbody", "tfoot", "main", "nav",
    "aside", "details", "summary", "figcaption", "legend", "option", "center", "body", "html",
    "menu", "dir", "hgroup", "dialog", "textarea", "select", "optgroup", "title",
})
CELLS = frozenset({"td", "th"})
META_NAMES = {"description": "description", "keywords": "keywords", "author": "author",
              "generator": "generator", "og:description": "description"}
# Elements whose attribute a browser would fetch on its own.
FETCHED = (("img", "src"), ("script", "src"), ("iframe", "src"), ("frame", "src"),
           ("embed", "src"), ("source", "src"), ("video", "src"), ("video", "poster"),
           ("audio", "src"), ("track", "src"), ("input", "src"), ("object", "data"),
           ("link", "href"), ("body", "background"), ("table", "background"),
           ("td", "background"))
_WS = re.compile(r"[ \t\n\r\f]+")  # HTML whitespace only: NBSP is text and stays
_CSS_URL = re.compile(r"""url\(\s*['"]?\s*((?:https?:)?//)""", re.I)
_META_CHARSET = re.compile(
    rb"""<meta[^>]+?charset\s*=\s*["']?\s*([A-Za-z0-9._:\-]+)|<\?xml[^>]+encoding\s*=\s*["']([A-Za-z0-9._:\-]+)""",
    re.I)
# lexbor parses nested "special" blocks in time quadratic in their depth (each one scans the
# stack of open elements): 40,000 unclosed <div> take seconds, 200,000 minutes. Pages never
# nest that deep; a hostile one is refused up front from a cheap count of its tags.
MAX_DEPTH = 10_000
_NESTING = re.compile(
    r"<(/?)(?:div|section|article|aside|nav|header|footer|main|blockquote|ul|ol|dl|table|form|"
    r"fieldset|figure|details|center|address|menu|dir|hgroup|dialog|summary)[\s>/]", re.I)
_PX = re.compile(r"^\s*(\d+)\s*(?:px)?\s*$", re.I)


@dataclass
class ParsedHtml:
    """What `parse_html` finds: visible text, title and metadata (links, counts…)."""

    text: str
    title: str | None
    metadata: dict[str, Any] = field(default_factory=dict)


def declared_charset(head: bytes) -> str | None:
    """The charset a page declares in its first bytes (meta charset, http-equiv, XML)."""
    m = _META_CHARSET.search(head[:8192])
    if not m:
        return None
    return (m.group(1) or m.group(2)).decode("ascii")


@register
class HtmlExtractor(Extractor):
    """HTML pages: visible text, title, meta tags, links, remote resources (never fetched)."""

    NAME = "html"
    VERSION = "2"   # 2: main-content spans (`main` segments)
    MIME_TYPES = frozenset({"text/html", "application/xhtml+xml"})
    # server pages saved from a site keep their script's extension but hold HTML
    EXTENSIONS = frozenset({"html", "htm", "xhtml", "xht", "shtml", "asp", "aspx", "php", "jsp", "cfm"})
    SCORE = 10
    KIND = "html"

    @classmethod
    def version(cls) -> str:
        """The extractor's version and the main-content library's."""
        return f"{cls.VERSION}+{LIBRARY}"

    @classmethod
    def match(cls, probe: Probe) -> int:
        """Also HTML by its opening tag, when a stray control byte made libmagic say octet-stream."""
        score = super().match(probe)
        start = probe.head[:1024].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
        if start.startswith((b"<!doctype html", b"<html")) or (start.startswith(b"<") and b"<html" in start):
            score += cls.SCORE
        return score

    def extract(self, path: Path, doc: Extracted, ctx: Context) -> Iterator[Child]:
        """Decode the page, then add its title and visible text."""
        doc.kind = self.KIND
        if doc.mime not in self.MIME_TYPES:  # an .asp page, or a page libmagic misread
            doc.mime = "text/html"
        limit = ctx.settings.max_text
        cap = limit * MARKUP_FACTOR
        with open(path, "rb") as f:
            raw = f.read(cap + 1)
        cut = len(raw) > cap
        raw = raw[:cap]
        decoded = decode_report(raw, declared_charset(raw), partial=cut)
        doc.metadata["encoding"] = decoded.encoding
        if decoded.replaced:
            doc.flag("encoding errors")
        parsed = parse_html(decoded.text)
        doc.metadata.update(parsed.metadata)
        if parsed.title:
            doc.add_text(parsed.title, part="title")
        text = parsed.text
        if len(text) * 4 > limit and len(text.encode("utf-8")) > limit:
            text = text.encode("utf-8")[:limit].decode("utf-8", "ignore")
            cut = True
        body = doc.add_text(text, part="body")
        if body is not None:
            # the page's main content, as spans of the stored text (see mainbody): the index
            # matches, ranks and quotes these; the rest stays stored and searchable with full:
            stored = doc.text[body.start:body.end]
            for start, end in main_text(decoded.text, stored)[0]:
                doc.segments.append(Segment("main", body.start + start, body.start + end))
        if cut:
            doc.flag(f"truncated at {size_label(limit)}")
        return
        yield  # pragma: no cover  (a generator with no children)


def visible_text(markup: str) -> str:
    """The visible text of an HTML string (for e-mail bodies and other HTML fragments)."""
    return parse_html(markup).text


def parse_html(markup: str) -> ParsedHtml:
    """Parse an HTML string: visible text with line breaks for blocks, title and metadata.

    Raises LimitExceeded for markup nested too deep to parse in reasonable time.
    """
    _check_depth(markup)
    tree = LexborHTMLParser(markup)
    root = tree.root
    if root is None:
        return ParsedHtml("", None)
    title_node = tree.css_first("head > title") or tree.css_first("title")
    title = _WS.sub(" ", title_node.text()).strip() if title_node is not None else ""
    meta = _head_metadata(tree)
    lang = (root.attributes.get("lang") or root.attributes.get("xml:lang") or "").strip()
    if lang:
        meta["language_declared"] = lang
    if title:
        meta["title"] = title
    meta.update(_resources(tree))
    return ParsedHtml(_render(root), title or None, meta)


def _check_depth(markup: str) -> None:
    """Refuse block elements nested deeper than MAX_DEPTH (counted from tags, closes included)."""
    if markup.count("<") < MAX_DEPTH:
        return
    depth = deepest = 0
    for m in _NESTING.finditer(markup):
        depth = max(0, depth - 1) if m.group(1) else depth + 1
        deepest = max(deepest, depth)
    if deepest > MAX_DEPTH:
        raise LimitExceeded(f"html nesting too deep: {deepest} levels over limit {MAX_DEPTH}")


def _head_metadata(tree: LexborHTMLParser) -> dict[str, Any]:
    meta: dict[str, Any] = {}
    for node in tree.css("meta"):
        attrs = node.attributes
        content = (attrs.get("content") or "").strip()
        if not content:
            continue
        name = (attrs.get("name") or attrs.get("property") or "").strip().lower()
        key = META_NAMES.get(name)
        if key and key not in meta:
            meta[key] = content[:MAX_URL_CHARS]
        equiv = (attrs.get("http-equiv") or "").strip().lower()
        if equiv == "content-language" and "language_declared" not in meta:
            meta["language_declared"] = content
        elif equiv == "refresh" and "url=" in content.lower():
            meta["refresh_url"] = _clip(content[content.lower().index("url=") + 4:].strip("'\" "))
    return meta


def _resources(tree: LexborHTMLParser) -> dict[str, Any]:
    """Links and images listed; remote fetches, tracking pixels and scripts counted."""
    base_node = tree.css_first("base[href]")
    base_remote = base_node is not None and _is_remote(base_node.attributes.get("href") or "")
    links = [_clip(h) for n in tree.css("a[href], area[href]") if (h := n.attributes.get("href"))]
    images: list[str] = []
    pixels = 0
    for node in tree.css("img[src]"):
        src = (node.attributes.get("src") or "").strip()
        images.append(_clip(src))
        remote = _is_remote(src) or (base_remote and _is_relative(src))
        if remote and _is_tiny(node):
            pixels += 1
    remote_count = 0
    for tag, attr in FETCHED:
        for node in tree.css(f"{tag}[{attr}]"):
            url = (node.attributes.get(attr) or "").strip()
            if _is_remote(url) or (base_remote and _is_relative(url)):
                remote_count += 1
    # CSS may fetch too: url(//…) in style elements and style attributes.
    for node in tree.css("style"):
        remote_count += len(_CSS_URL.findall(node.text()))
    for node in tree.css("[style]"):
        remote_count += len(_CSS_URL.findall(node.attributes.get("style") or ""))
    out: dict[str, Any] = {
        "links": links[:MAX_URLS], "images": images[:MAX_URLS],
        "remote_resources": remote_count, "tracking_pixels": pixels,
        "scripts": len(tree.css("script")),
    }
    if len(links) > MAX_URLS:
        out["links_total"] = len(links)
    if len(images) > MAX_URLS:
        out["images_total"] = len(images)
    return out


def _clip(url: str) -> str:
    """A URL as listed: data URIs reduced to their type (they can be megabytes), long ones cut."""
    url = url.strip()
    if url[:5].lower() == "data:":
        return url.split(",", 1)[0].split(";", 1)[0]
    return url[:MAX_URL_CHARS]


def _is_remote(url: str) -> bool:
    u = url.strip().lower()
    return u.startswith(("http:", "https:", "ftp:", "//", "\\\\"))


def _is_relative(url: str) -> bool:
    u = url.strip().lower()
    return bool(u) and not u.startswith(("data:", "cid:", "#", "javascript:", "mailto:", "about:"))


def _is_tiny(node: LexborNode) -> bool:
    """A 1×1-style image: width and height (attributes or inline style) both at most 2 px."""
    attrs = node.attributes
    style = (attrs.get("style") or "").lower()
    dims = []
    for name in ("width", "height"):
        value = attrs.get(name)
        m = re.search(rf"(?:^|;)\s*{name}\s*:\s*([^;]+)", style)
        if m:
            value = m.group(1)
        px = _PX.match(value or "")
        dims.append(int(px.group(1)) if px else None)
    return all(d is not None and d <= 2 for d in dims)


class _Writer:
    """Collects text the way a browser lays it out: collapsed spaces, line breaks for blocks."""

    def __init__(self) -> None:
        self.parts: list[str] = []
        self.newlines = 0
        self.space = self.tab = False

    def _flush(self) -> None:
        if self.parts:
            if self.newlines:
                self.parts.append("\n" * self.newlines)
            elif self.tab:
                self.parts.append("\t")
            elif self.space:
                self.parts.append(" ")
        self.newlines = 0
        self.space = self.tab = False

    def text(self, s: str, pre: bool) -> None:
        if pre:
            if s:
                self._flush()
                self.parts.append(s.replace("\r\n", "\n").replace("\r", "\n"))
            return
        for i, word in enumerate(_WS.split(s)):
            if i:
                self.space = True
            if word:
                self._flush()
                self.parts.append(word)

    def block(self, n: int) -> None:
        self.newlines = max(self.newlines, n)

    def line_break(self) -> None:
        self.newlines = min(self.newlines + 1, 2)

    def cell_end(self) -> None:
        self.tab = True

    def result(self) -> str:
        return "".join(self.parts)


def _render(root: LexborNode) -> str:
    """The visible text under `root`, walked without recursion (pages nest thousands deep)."""
    out = _Writer()
    pre = 0
    stack: list[tuple[LexborNode, bool]] = [(root, False)]
    while stack:
        node, leaving = stack.pop()
        if leaving:
            tag = node.tag or ""
            if tag in CELLS:
                out.cell_end()
            elif tag in BLOCK:
                out.block(2 if tag in PARAGRAPH else 1)
            pre -= tag in PRE
            continue
        if node.is_text_node:
            out.text(node.text_content or "", pre > 0)
            continue
        if not node.is_element_node:
            continue  # comments, doctype
        tag = node.tag or ""
        if tag in SKIP:
            continue
        if tag == "br":
            out.line_break()
            continue
        if tag in BLOCK:
            out.block(2 if tag in PARAGRAPH else 1)
        pre += tag in PRE
        stack.append((node, True))
        stack.extend((child, False) for child in reversed(list(node.iter(include_text=True))))
    return out.result()
