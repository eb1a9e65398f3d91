"""HTML extractor on pages written here: hidden code, remote resources, charsets, hostile markup."""

from __future__ import annotations

import socket
import time
from dataclasses import replace
from pathlib import Path

import pytest
from conftest import run_extractor

from faisceau import settings as settings_mod
from faisceau.exc import LimitExceeded
from faisceau.extract.base import Context, Probe
from faisceau.extract.documents.html import HtmlExtractor, declared_charset, visible_text
from faisceau.extract.documents.plain import PlainTextExtractor

PAGE = """<!DOCTYPE html>
<html lang="fr-FR">
<head>
  <meta charset="utf-8">
  <title>  Rapport   secret  </title>
  <meta name="description" content="Un rapport interne">
  <meta name="keywords" content="budget, défense">
  <meta name="author" content="Jeanne Martin">
  <meta name="generator" content="WordPress 6.1">
  <style>.hidden {{ color: red }} /* STYLE_TEXT */ body {{ background: url(https://cdn.example/bg.png) }}</style>
  <script>var SCRIPT_HEAD = "SCRIPT_TEXT";</script>
  <script src="https://evil.example/track.js"></script>
  <link rel="stylesheet" href="https://cdn.example/site.css">
</head>
<body>
  <h1>Le   budget</h1>
  <p>Premier paragraphe avec <b>gras</b> et <a href="https://example.org/doc.pdf">un lien</a>.<br>Ligne suivante.</p>
  <noscript>NOSCRIPT_TEXT</noscript>
  <template><p>TEMPLATE_TEXT</p></template>
  <form><input type="hidden" name="token" value="HIDDEN_INPUT_VALUE"><input type="text" value="x"></form>
  <script>document.write("BODY_SCRIPT_TEXT")</script>
  <table><tr><th>Nom</th><th>Montant</th></tr><tr><td>Alpha</td><td>12 000 €</td></tr></table>
  <ul><li>un</li><li>deux</li></ul>
  <img src="https://tracker.example/open.gif?id=42" width="1" height="1" alt="">
  <img src="http://tracker2.example/p.png" style="width:0px;height:0px">
  <img src="https://cdn.example/photo.jpg" width="640" height="480">
  <img src="images/local.png" width="1" height="1">
  <img src="data:image/png;base64,{data}">
  <a href="/relatif">relatif</a> <a href="mailto:x@example.org">mail</a>
  {extra}
</body>
</html>
"""


def page(extra: str = "") -> str:
    return PAGE.format(data="iVBORw0KGgo" * 200, extra=extra)


def write(tmp_path: Path, name: str, data: bytes) -> Path:
    p = tmp_path / name
    p.write_bytes(data)
    return p


def test_html_visible_text_only(extract, tmp_path: Path) -> None:
    doc, children = extract(HtmlExtractor, write(tmp_path, "p.html", page().encode()))
    assert children == [] and doc.kind == "html"
    text = doc.text
    for hidden in ("SCRIPT_TEXT", "STYLE_TEXT", "NOSCRIPT_TEXT", "TEMPLATE_TEXT", "HIDDEN_INPUT_VALUE",
                   "SCRIPT_HEAD", "color: red", "Un rapport interne"):
        assert hidden not in text, hidden
    assert "Le budget\n\nPremier paragraphe avec gras et un lien.\nLigne suivante." in text
    assert "Nom\tMontant\nAlpha\t12 000 €" in text
    assert "un\ndeux" in text
    assert text.startswith("Rapport secret\n\n")  # the title is the first segment
    assert [s.part for s in doc.segments if s.part != "main"] == ["title", "body"]
    main = [text[s.start:s.end] for s in doc.segments if s.part == "main"]   # its main content (issue 22)
    assert any("Premier paragraphe avec gras" in m for m in main)


def test_html_metadata_and_resources(extract, tmp_path: Path) -> None:
    doc, _ = extract(HtmlExtractor, write(tmp_path, "p.html", page().encode()))
    m = doc.metadata
    assert m["title"] == "Rapport secret"
    assert (m["description"], m["keywords"], m["author"], m["generator"]) == (
        "Un rapport interne", "budget, défense", "Jeanne Martin", "WordPress 6.1")
    assert m["language_declared"] == "fr-FR"
    assert m["links"] == ["https://example.org/doc.pdf", "/relatif", "mailto:x@example.org"]
    assert m["images"][:4] == ["https://tracker.example/open.gif?id=42", "http://tracker2.example/p.png",
                               "https://cdn.example/photo.jpg", "images/local.png"]
    assert m["images"][4] == "data:image/png"  # data URIs are not copied whole
    assert m["tracking_pixels"] == 2  # the local 1×1 image fetches nothing
    # 3 remote images, 1 remote script, 1 stylesheet, 1 CSS url()
    assert m["remote_resources"] == 6
    assert m["scripts"] == 3
    assert m["encoding"] == "utf-8"


def test_html_never_fetches(extract, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("the HTML extractor opened a network connection")

    # the edge of the machine: any socket use fails the test
    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)
    extra = '<iframe src="https://evil.example/frame"></iframe><object data="http://evil.example/x.swf"></object>'
    doc, _ = extract(HtmlExtractor, write(tmp_path, "p.html", page(extra).encode()))
    assert doc.metadata["remote_resources"] == 8


def test_html_meta_charset_latin1(extract, tmp_path: Path) -> None:
    html = ('<html><head><meta http-equiv="Content-Type" content="text/html; charset=iso-8859-1">'
            "<title>Assemblée nationale</title></head><body><p>Le député a été élu à Créteil.</p>"
            "<p>L\x92amendement coûte 5 \x80.</p></body></html>")
    data = html.encode("latin-1")
    assert declared_charset(data) == "iso-8859-1"
    doc, _ = extract(HtmlExtractor, write(tmp_path, "an.htm", data))
    assert doc.metadata["title"] == "Assemblée nationale"
    assert "Le député a été élu à Créteil." in doc.text
    assert "L’amendement coûte 5 €." in doc.text  # ISO-8859-1 read as browsers do: Windows-1252
    assert doc.metadata["encoding"] == "cp1252"


def test_html_no_charset_cp1252(extract, tmp_path: Path) -> None:
    html = ("<html><head><title>Procès-verbal</title></head><body><p>Réunion du comité : « l’ordre du jour "
            "est adopté » – coût total 3 000 €. Présents : Mme Lefèvre, M. Châtelet.</p></body></html>")
    doc, _ = extract(HtmlExtractor, write(tmp_path, "pv.html", html.encode("cp1252")))
    assert "« l’ordre du jour est adopté » – coût total 3 000 €" in doc.text
    assert "Mme Lefèvre, M. Châtelet." in doc.text
    assert doc.metadata["title"] == "Procès-verbal"
    assert "\ufffd" not in doc.text


def test_html_utf16_with_bom(extract, tmp_path: Path) -> None:
    html = '<html><head><meta charset="utf-16"><title>Été</title></head><body><p>Привет, député</p></body></html>'
    doc, _ = extract(HtmlExtractor, write(tmp_path, "u16.html", html.encode("utf-16")))
    assert doc.metadata["title"] == "Été" and "Привет, député" in doc.text
    assert doc.metadata["encoding"] == "utf-16-le"


def test_html_mislabelled_utf8(extract, tmp_path: Path) -> None:
    html = '<html><head><meta charset="windows-1252"></head><body>Déjà vu à Noël</body></html>'
    doc, _ = extract(HtmlExtractor, write(tmp_path, "x.html", html.encode("utf-8")))
    assert doc.text == "Déjà vu à Noël"


def test_html_hostile_markup(extract, tmp_path: Path) -> None:
    nested = "<div>" * 5_000 + "profond" + "</div>" * 5_000
    doc, _ = extract(HtmlExtractor, write(tmp_path, "nested.html", nested.encode()))
    assert doc.text == "profond"
    deep = "<div>" * 200_000 + "trop profond"
    start = time.monotonic()
    with pytest.raises(LimitExceeded, match=r"^html nesting too deep: 200000 levels over limit 10000$"):
        extract(HtmlExtractor, write(tmp_path, "deep.html", deep.encode()))
    assert time.monotonic() - start < 5
    broken = "<p>avant<table><td>cellule<script>x = '</p>" + "<b" * 1000 + "\x00\x01 après"
    doc, _ = extract(HtmlExtractor, write(tmp_path, "broken.html", broken.encode()))
    assert "avant" in doc.text and "cellule" in doc.text
    doc, _ = extract(HtmlExtractor, write(tmp_path, "empty.html", b""))
    assert doc.text == "" and doc.kind == "html"
    doc, _ = extract(HtmlExtractor, write(tmp_path, "junk.html", bytes(range(256)) * 100))
    assert doc.kind == "html"


def test_html_many_links_capped(extract, tmp_path: Path) -> None:
    body = "".join(f'<a href="https://example.org/{i}">l{i}</a> <img src="https://x.example/{i}.png">'
                   for i in range(2500))
    start = time.monotonic()
    doc, _ = extract(HtmlExtractor, write(tmp_path, "many.html", f"<html><body>{body}</body></html>".encode()))
    assert time.monotonic() - start < 10
    assert len(doc.metadata["links"]) == 1000 and doc.metadata["links_total"] == 2500
    assert len(doc.metadata["images"]) == 1000 and doc.metadata["images_total"] == 2500
    assert doc.metadata["remote_resources"] == 2500 and doc.metadata["tracking_pixels"] == 0


def test_html_truncated_at_max_text(tmp_path: Path) -> None:
    body = "".join(f"<p>Paragraphe numéro {i} du rapport.</p>" for i in range(5000))
    p = write(tmp_path, "big.html", f"<html><body>{body}</body></html>".encode())
    base = settings_mod.load(environ={})
    ctx = Context(settings=replace(base, max_text=8192), scratch=tmp_path)
    doc, _ = run_extractor(HtmlExtractor, p, ctx)
    assert "truncated at 8 KB" in doc.flags
    assert len(doc.text.encode()) <= 8192 and "numéro 0 " in doc.text


def test_visible_text_helper() -> None:
    assert visible_text("<div>a<script>b</script><p>c&nbsp;d</p></div>") == "a\n\nc\u00a0d"
    assert visible_text("") == ""


def test_html_wins_over_plain() -> None:
    probe = Probe(name="page.asp", mime="text/html", head=b"<html>", size=6)
    assert HtmlExtractor.match(probe) > PlainTextExtractor.match(probe)
    assert HtmlExtractor.match(Probe(name="a.mht", mime="message/rfc822", head=b"MIME", size=4)) == 0


def test_a_server_page_with_a_stray_control_byte_is_html(tmp_path: Path) -> None:
    # libmagic calls this application/octet-stream (two \x01 bytes); the .asp name and the
    # opening tag still make it HTML, through the real identification of an ingest
    src = tmp_path / "in"
    src.mkdir()
    (src / "page.asp").write_bytes(b"<html><head><TITLE>Page</TITLE></head><body><p>certaines \x01\x01nominations"
                                   b"</p></body></html>\r\n")
    (src / "page.dat").write_bytes(b"\r\n  <HTML><body>sans extension \x01 connue</body></HTML>")
    import subprocess
    import sys
    proj = tmp_path / "p"
    subprocess.run([sys.executable, "-m", "faisceau", "ingest", str(src), "--project", str(proj)], check=True,
                   capture_output=True)
    out = subprocess.run([sys.executable, "-m", "faisceau", "documents", "--project", str(proj), "--json"],
                         check=True, capture_output=True, text=True).stdout
    import json
    docs = {d["path"]: d for d in map(json.loads, out.splitlines())}
    assert docs["page.asp"]["kind"] == "html" and docs["page.asp"]["mime"] == "text/html"
    assert docs["page.dat"]["kind"] == "html"
