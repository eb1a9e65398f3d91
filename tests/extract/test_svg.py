"""SVG drawings written here: their words are read through the defused XML parser, and nothing
they reference is ever fetched, loaded or resolved."""

from __future__ import annotations

import http.server
import threading
from pathlib import Path

import pytest
from conftest import run_extractor

from faisceau.exc import ExtractionError
from faisceau.extract.base import Context, choose
from faisceau.extract.identify import probe
from faisceau.extract.images.svg import SvgExtractor

SVG = "http://www.w3.org/2000/svg"


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def parts(doc: object, part: str) -> list[str]:
    return [doc.text[s.start:s.end] for s in doc.segments if s.part == part]  # type: ignore[attr-defined]


def test_text_title_and_description_are_kept_scripts_and_styles_are_not(tmp_path: Path, ctx: Context) -> None:
    path = write(tmp_path, "plan.svg", f"""<?xml version="1.0" encoding="UTF-8"?>
<svg xmlns="{SVG}" xmlns:xlink="http://www.w3.org/1999/xlink" width="400" height="300">
  <title>Plan du site de Lyon</title>
  <desc>Entrepôt, quai 4</desc>
  <style>text {{ font: 12px sans-serif }}</style>
  <script>alert("never")</script>
  <g><text x="10" y="20">Accès <tspan font-weight="bold">réservé</tspan></text>
     <text x="10" y="40"><tspan x="10" y="40">Ligne un</tspan><tspan x="10" y="55">Ligne   deux</tspan></text>
     <a xlink:href="https://example.com"><text x="10" y="80"><textPath xlink:href="#p">Sortie de secours</textPath></text></a>
  </g>
</svg>""")
    assert choose(probe(path, "plan.svg")) is SvgExtractor
    doc, children = run_extractor(SvgExtractor, path, ctx)
    assert children == []
    assert parts(doc, "body") == ["Accès réservé\nLigne un\nLigne deux\nSortie de secours"]
    assert parts(doc, "title") == ["Plan du site de Lyon"] and parts(doc, "description") == ["Entrepôt, quai 4"]
    assert doc.metadata["title"] == "Plan du site de Lyon" and doc.metadata["width"] == "400"
    assert "never" not in doc.text and "font" not in doc.text


def test_an_svg_libmagic_calls_xml_is_still_read(tmp_path: Path, ctx: Context) -> None:
    path = write(tmp_path, "m0000003", f'<svg xmlns="{SVG}"><text>Note</text></svg>')
    assert choose(probe(path, "m0000003")) is SvgExtractor
    doc, _ = run_extractor(SvgExtractor, path, ctx)
    assert doc.text == "Note"


@pytest.mark.parametrize("doctype", [
    '<!DOCTYPE svg [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;">]>',
    '<!DOCTYPE svg [<!ENTITY secret SYSTEM "file:///etc/hostname">]>',
])
def test_entity_declarations_are_refused(tmp_path: Path, ctx: Context, doctype: str) -> None:
    body = "&b;" if "ENTITY b" in doctype else "&secret;"
    path = write(tmp_path, "e.svg", f'<?xml version="1.0"?>{doctype}<svg xmlns="{SVG}"><text>{body}</text></svg>')
    with pytest.raises(ExtractionError, match="entity"):
        run_extractor(SvgExtractor, path, ctx)


def test_nothing_referenced_is_fetched(tmp_path: Path, ctx: Context) -> None:
    hits: list[str] = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 (http.server's name)
            hits.append(self.path)
            self.send_response(200)
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.HTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_port}"
    try:
        path = write(tmp_path, "refs.svg", f"""<svg xmlns="{SVG}" xmlns:xlink="http://www.w3.org/1999/xlink">
  <style>@import url("{url}/style.css");</style>
  <image xlink:href="{url}/image.png" width="10" height="10"/>
  <use href="{url}/sprite.svg#icon"/>
  <text>Visible</text>
</svg>""")
        doc, children = run_extractor(SvgExtractor, path, ctx)
    finally:
        server.shutdown()
    assert doc.text == "Visible" and children == [] and hits == []


def test_an_xhtml_page_with_inline_svg_is_read_as_html(tmp_path: Path, ctx: Context) -> None:
    page = (f'<?xml version="1.0"?><html xmlns="http://www.w3.org/1999/xhtml"><body><p>Chapitre un</p>'
            f'<svg xmlns="{SVG}"><text>figure</text></svg></body></html>')
    path = write(tmp_path, "content1.xhtml", page)
    assert choose(probe(path, "content1.xhtml")) is not SvgExtractor
    doc, _ = run_extractor(SvgExtractor, write(tmp_path, "named.svg", page), ctx)  # even when sent here
    assert "Chapitre un" in doc.text and doc.kind == "html"


def test_not_an_svg_and_broken_xml_fail_with_a_reason(tmp_path: Path, ctx: Context) -> None:
    with pytest.raises(ExtractionError, match="not an SVG drawing: root element note"):
        run_extractor(SvgExtractor, write(tmp_path, "a.svg", "<note><body>x</body></note>"), ctx)
    with pytest.raises(ExtractionError, match="malformed XML"):
        run_extractor(SvgExtractor, write(tmp_path, "b.svg", f'<svg xmlns="{SVG}"><text>cut'), ctx)
