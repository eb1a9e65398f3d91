"""HTML from documents, made harmless: no script, no handlers, no forms, nothing remote.

The sanitiser is `nh3` (the Rust crate ammonia) with an allow-list. What it keeps is shown in a
sandboxed frame whose own Content-Security-Policy forbids script and every remote load, so a
gap in one layer is closed by the other. Remote images (tracking pixels that would tell the
sender who reads the leak, and when) are replaced by a visible "remote image blocked" picture;
links keep their address as a tooltip but cannot be followed from the frame.
"""

from __future__ import annotations

import base64
import html
import re
from dataclasses import dataclass

import nh3

MAX_HTML = 5_000_000   # characters of HTML sanitised; the rest is dropped (the original stays downloadable)

TAGS = set(nh3.ALLOWED_TAGS) | {"font"}
CONTENT_DROPPED = {"script", "style", "title", "template", "noscript", "textarea", "select", "button", "iframe",
                   "object", "embed", "applet", "svg", "math", "audio", "video", "form", "head"} - TAGS
GENERIC = {"title", "lang", "dir", "style", "align", "class"}
ATTRIBUTES: dict[str, set[str]] = {
    "*": GENERIC, "a": {"href"}, "img": {"src", "alt"},
    "td": {"colspan", "rowspan", "valign", "width"}, "th": {"colspan", "rowspan", "valign", "width"},
    "table": {"width", "border", "cellpadding", "cellspacing"}, "font": {"color", "size"},
    "ol": {"start"}, "col": {"span", "width"}, "colgroup": {"span"},
}
STYLE_PROPERTIES = {
    "color", "background-color", "font-weight", "font-style", "font-size", "text-align", "text-decoration",
    "vertical-align", "white-space", "padding", "padding-left", "padding-right", "padding-top", "padding-bottom",
    "margin", "margin-left", "margin-right", "margin-top", "margin-bottom", "border", "border-collapse",
    "width", "max-width", "height", "line-height", "display",
}

_BLOCKED_SVG = ('<svg xmlns="http://www.w3.org/2000/svg" width="180" height="24"><rect width="180" height="24"'
                ' fill="#fde8e8" stroke="#c62828"/><text x="6" y="16" font-family="sans-serif" font-size="12"'
                ' fill="#8e0000">remote image blocked</text></svg>')
BLOCKED_IMAGE = "data:image/svg+xml;base64," + base64.b64encode(_BLOCKED_SVG.encode()).decode()
_DATA_IMAGE = re.compile(r"^data:image/(png|gif|jpeg|webp);base64,[A-Za-z0-9+/=\s]*$", re.I)
_REMOTE = re.compile(
    r"""(?:\b(?:src|srcset|href|background|poster|data|action|content|lowsrc|dynsrc|cite|xlink:href)\s*=\s*["']?[^"'>]*?"""
    r"""(?:https?:)?//)|(?:url\(\s*["']?\s*(?:https?:)?//)|(?:@import)""", re.I)
_LINK = re.compile(r'(<a\b[^>]*?) href="')


@dataclass
class Clean:
    """Sanitised HTML, and how many remote references were blocked."""

    html: str
    blocked: int
    truncated: bool


def remote_references(raw: str) -> int:
    """How many references to remote resources the raw HTML holds (images, styles, frames, links…)."""
    return len(_REMOTE.findall(raw))


def sanitize(raw: str) -> Clean:
    """Sanitise a document's HTML for display in a sandboxed frame."""
    truncated = len(raw) > MAX_HTML
    raw = raw[:MAX_HTML]
    images = 0

    def keep(tag: str, attr: str, value: str) -> str | None:
        nonlocal images
        if tag == "img" and attr == "src":
            if _DATA_IMAGE.match(value.strip()):
                return value
            images += 1
            return BLOCKED_IMAGE
        return value

    out = nh3.clean(raw, tags=TAGS, clean_content_tags=CONTENT_DROPPED, attributes=ATTRIBUTES,
                    attribute_filter=keep, strip_comments=True, link_rel=None,
                    url_schemes={"http", "https", "mailto", "data"}, filter_style_properties=STYLE_PROPERTIES)
    # a link keeps its address as a tooltip; following it from the frame would fetch it
    out = _LINK.sub(r'\1 class="link" title="', out)
    return Clean(out, max(images, remote_references(raw)), truncated)


def frame_document(clean: Clean, note: str) -> str:
    """The standalone page shown in the sandboxed frame, with the blocked-content note on top."""
    banner = (f'<p style="background-color:#fde8e8;color:#8e0000;padding:4px;margin:0 0 8px 0">'
              f'{html.escape(note)} ({clean.blocked})</p>') if clean.blocked else ""
    return ('<!doctype html><html><head><meta charset="utf-8"><meta name="referrer" content="no-referrer">'
            '<style>body{font-family:sans-serif;font-size:14px;margin:8px;overflow-wrap:anywhere}'
            ' .link{color:#1a4f8b;text-decoration:underline dotted}</style></head><body>'
            + banner + clean.html + "</body></html>")
