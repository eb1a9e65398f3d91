"""The pack's index.html: one self-contained report that reads well on screen and on paper.

No script, no external resource of any kind (a Content-Security-Policy forbids loading one even
if a future change let one slip in), inline CSS only. Everything that comes from a document —
titles, names, paths, excerpts, notes — is escaped; control characters and lone surrogates
(which some extractions keep) become U+FFFD so the file is valid UTF-8 HTML.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable
from typing import Any, TextIO

from .records import EvidenceDoc, Excerpt

_BAD = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]")
CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src 'none'; form-action 'none'; base-uri 'none'"

CSS = """
:root { color-scheme: light; }
body { font: 11pt/1.45 "DejaVu Sans", "Liberation Sans", Arial, sans-serif; color: #111; margin: 2em auto;
       max-width: 60em; padding: 0 1.5em; }
h1 { font-size: 1.7em; margin: 0 0 .3em; }
h2 { font-size: 1.25em; margin: 0 0 .5em; border-bottom: 2px solid #333; padding-bottom: .2em; }
h3 { font-size: 1.02em; margin: 1.2em 0 .4em; }
header p, .muted { color: #444; }
code, .mono { font-family: "DejaVu Sans Mono", "Liberation Mono", monospace; font-size: .92em; }
.hash { overflow-wrap: anywhere; }
nav ol { padding-left: 2em; }
nav li { margin: .15em 0; }
table.meta { border-collapse: collapse; width: 100%; margin: .4em 0 .8em; }
table.meta th { text-align: left; vertical-align: top; width: 11em; color: #333; font-weight: 600; padding: .15em .6em .15em 0; }
table.meta td { vertical-align: top; padding: .15em 0; overflow-wrap: anywhere; }
section.doc { margin: 2.2em 0; }
figure.excerpt { margin: .6em 0 1em; padding: 0; }
figure.excerpt figcaption { font-size: .9em; color: #333; margin-bottom: .2em; }
blockquote { margin: 0; padding: .45em .8em; border-left: 4px solid #555; background: #f4f4f4;
             white-space: pre-wrap; overflow-wrap: anywhere; }
mark { background: #ffe27a; color: inherit; }
.flag { color: #8a1c00; font-weight: 600; }
ul.plain { padding-left: 1.2em; margin: .2em 0; }
footer { margin-top: 3em; font-size: .9em; color: #444; border-top: 1px solid #999; padding-top: .5em; }
@page { size: A4; margin: 16mm 15mm; }
@media print {
  body { margin: 0; max-width: none; padding: 0; font-size: 10pt; }
  section.doc { break-before: page; }
  figure.excerpt, table.meta tr { break-inside: avoid; }
  h2, h3 { break-after: avoid; }
  a { color: inherit; text-decoration: none; }
  blockquote { background: none; }
}
"""


def esc(value: Any) -> str:
    """Text from anywhere, safe inside HTML text or a quoted attribute."""
    return html.escape(_BAD.sub("\ufffd", "" if value is None else str(value)), quote=True)


def _marked(e: Excerpt) -> str:
    """The excerpt with its highlights in <mark>, everything escaped."""
    out, last = [], 0
    for s, t in sorted(e.highlights):
        if s < last or t > len(e.text):
            continue  # overlapping or out of range: keep the text whole rather than garble it
        out += [esc(e.text[last:s]), "<mark>", esc(e.text[s:t]), "</mark>"]
        last = t
    out.append(esc(e.text[last:]))
    return "".join(out)


def _row(name: str, value: str) -> str:
    return f"<tr><th>{esc(name)}</th><td>{value}</td></tr>" if value else ""


def _list(values: Iterable[Any]) -> str:
    return ", ".join(esc(v) for v in values)


def _excerpt(e: Excerpt) -> str:
    place = (f"page {e.page} · " if e.page is not None else "") + f"characters {e.start}–{e.end}"
    if e.source == "citation":
        who = f"citation #{e.citation_id}" + (f" by {esc(e.user)}" if e.user else "") + (f", {esc(e.time)}" if e.time else "")
        if e.anchor == "moved":
            who += ' · <span class="flag">re-anchored: the text moved after a re-extraction</span>'
        elif e.anchor == "changed":
            who += ' · <span class="flag">the stored text changed: these words are no longer at this place</span>'
    else:
        who = "search hit"
    note = f'<p class="note"><strong>Note:</strong> {esc(e.note)}</p>' if e.note else ""
    return (f'<figure class="excerpt"><figcaption>{place} · {who}</figcaption>'
            f"<blockquote>{_marked(e)}</blockquote>{note}</figure>")


def _entity(e: dict[str, Any]) -> str:
    name = e.get("name") or e.get("text") or ""
    kind = e.get("type") or e.get("kind") or ""
    count = e.get("count")
    return esc(name) + (f' <span class="muted">({esc(kind)}{", " + esc(count) if count else ""})</span>' if kind else "")


def _event(e: dict[str, Any]) -> str:
    when = e.get("value") or e.get("date") or ""
    what = e.get("sentence") or e.get("text") or ""
    place = f' <span class="muted">(characters {esc(e["start"])}–{esc(e["end"])})</span>' if e.get("start") is not None else ""
    return f"<strong>{esc(when)}</strong> — “{esc(what)}”{place}"


def _document(n: int, d: EvidenceDoc) -> str:
    chain = " → ".join(f'{esc(a["path"])} <span class="muted mono hash">({esc(a["sha256"] or "no content")})</span>'
                       for a in d.ancestors)
    if d.file:
        original = f'<a href="{esc(d.file)}"><code>{esc(d.file)}</code></a>'
    else:
        original = f'<span class="flag">not in the pack: {esc(d.original)}</span>'
    # a pack of redacted versions only links each document's redacted PDF where the original would be
    file_label = "Redacted version" if (d.file or "").startswith("redacted/") else "Original"
    status = esc(d.status) + (f": {esc(d.reason)}" if d.reason else "")
    parts = [
        f'<section class="doc" id="d-{esc(d.id)}"><h2>{n}. {esc(d.heading)}</h2><table class="meta">',
        _row("Document id", f"<code>{esc(d.id)}</code>"),
        _row("Kind", esc(" · ".join(x for x in (d.kind, d.mime) if x))),
        _row("Date", esc(d.date)),
        _row("From", _list(d.senders)), _row("To", _list(d.recipients)), _row("Cc", _list(d.cc)),
        _row("Author", esc(d.author)),
        _row("Provenance", f"<code>{esc(d.path)}</code>"),
        _row("Inside", chain),
        _row("SHA-256", f'<code class="hash">{esc(d.sha256 or "no content")}</code>'),
        _row("Size", f"{d.size:,} bytes" if d.size is not None else ""),
        _row(file_label, original),
        _row("Status", status if d.status != "ok" else ""),
        _row("Extracted by", esc(" ".join(x for x in (d.extractor, d.extractor_version) if x))),
        _row("OCR", esc(d.ocr)),
        _row("Language", esc(d.language)),
        _row("Tags", _list(d.tags)),
        _row("Same bytes at", "<br>".join(f"<code>{esc(p)}</code>" for p in d.other_locations)),
        "</table>",
    ]
    if d.excerpts:
        parts.append(f"<h3>Cited excerpts ({len(d.excerpts)})</h3>")
        parts += [_excerpt(e) for e in d.excerpts]
    if d.notes:
        parts.append("<h3>Notes</h3><ul class=\"plain\">")
        parts += [f"<li>{esc(x['text'])} <span class=\"muted\">— "
                  f"{esc(x['user']) + ', ' if x.get('user') else ''}{esc(x['time'])}</span></li>" for x in d.notes]
        parts.append("</ul>")
    if d.entities:
        parts.append("<h3>Names found in it</h3><p>" + "; ".join(_entity(e) for e in d.entities) + "</p>")
    if d.events:
        parts.append("<h3>Dated events</h3><ul class=\"plain\">" + "".join(f"<li>{_event(e)}</li>" for e in d.events)
                     + "</ul>")
    parts.append("</section>\n")
    return "\n".join(p for p in parts if p)


def render(out: TextIO, docs: list[EvidenceDoc], info: dict[str, Any]) -> None:
    """Write the whole report: header, table of contents, one section per document, footer."""
    title = "Evidence pack" + (f" — {info['label']}" if info.get("label") else "")
    n_ex = sum(len(d.excerpts) for d in docs)
    out.write(f'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">\n'
              f'<meta http-equiv="Content-Security-Policy" content="{CSP}">\n'
              f'<meta name="viewport" content="width=device-width, initial-scale=1">\n'
              f"<title>{esc(title)}</title>\n<style>{CSS}</style></head>\n<body>\n")
    out.write(f"<header><h1>{esc(title)}</h1>\n"
              f"<p>{len(docs):,} document{'s' if len(docs) != 1 else ''}, {n_ex:,} cited excerpt{'s' if n_ex != 1 else ''}. "
              f"Selection: {esc(info.get('selection') or '')}.</p>\n"
              f"<p>Made {esc(info.get('time'))}{' by ' + esc(info['user']) if info.get('user') else ''}"
              f" with faisceau {esc(info.get('version'))} "
              f"from the project <code>{esc(info.get('project'))}</code>.</p>\n"
              + ("<p>This pack holds only redacted versions, in <code>redacted/</code>, and prints no text of the "
                 "originals (their SHA-256 identifies them); <code>manifest.csv</code> lists the redacted files with "
                 "their SHA-256, and" if info.get("redacted_only") else
                 "<p>Each original is in <code>originals/</code>, named by document id; <code>manifest.csv</code> lists "
                 "them with their SHA-256, and")
              + " <code>manifest.sha256</code> holds the checksum of every file of this pack: "
              "<code>sha256sum -c manifest.sha256</code> or <code>faisceau verify-pack</code> checks them. "
              "Offsets are characters (Unicode code points) into the text faisceau extracted.</p></header>\n")
    out.write('<nav id="toc"><h2>Contents</h2><ol>\n')
    for d in docs:
        meta = " · ".join(x for x in (d.kind or "", (d.date or "")[:10], f"{len(d.excerpts)} excerpt"
                                      + ("s" if len(d.excerpts) != 1 else "")) if x)
        out.write(f'<li><a href="#d-{esc(d.id)}">{esc(d.heading)}</a> <span class="muted">— {esc(meta)}</span></li>\n')
    out.write("</ol></nav>\n<main>\n")
    for n, d in enumerate(docs, 1):
        out.write(_document(n, d))
    out.write(f"</main>\n<footer>End of the evidence pack ({len(docs):,} documents).</footer>\n</body></html>\n")
