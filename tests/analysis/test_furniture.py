"""A web page's menus, header and footer are kept from the entities and dates stages (analysis/furniture.py):
on a site the tests write (every page with the same menu, as the Assemblée nationale's pages), the menu
names no entity and dates no event, and each page's own content still does."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from sitepages import MENU, PAGES, write_site

from faisceau.analysis.furniture import without_furniture
from faisceau.model.document import own_spans


def test_the_text_outside_the_kept_spans_is_blanked_with_its_offsets() -> None:
    text = "Menu Plan du site\nTitre\nLe Sénat a voté.\nPied de page"
    kept = [(18, 23), (24, 40)]
    out = without_furniture(text, kept)
    assert len(out) == len(text) and out.count("\n") == 3
    assert out[18:40] == text[18:40] and not out[:18].strip() and not out[41:].strip()
    assert without_furniture(text, []) == text   # nothing marked: read whole
    segments = [{"part": "body", "start": 0, "end": 53}, {"part": "main", "start": 24, "end": 40},
                {"part": "title", "start": 18, "end": 23}]
    assert own_spans(segments) == kept
    assert own_spans(segments[:1]) == []   # no main content found: the whole text is the page's own


def test_the_menu_names_no_entity_and_each_page_keeps_its_own(tmp_path: Path) -> None:
    write_site(tmp_path / "site")
    # a footer date on every page, as a site prints its last update
    for page in (tmp_path / "site").iterdir():
        page.write_bytes(page.read_bytes().replace(b"</body>", "<div id='maj'>Mis à jour le 15 avril 2009</div>"
                                                   "</body>".encode("iso-8859-1")))
    project = tmp_path / "p"
    run = [sys.executable, "-m", "faisceau"]
    r = subprocess.run([*run, "ingest", str(tmp_path / "site"), "--project", str(project)], capture_output=True,
                       text=True, timeout=600)
    assert r.returncode == 0, r.stderr
    out = subprocess.run([*run, "entities", "--project", str(project), "--json", "--limit", "0"],
                         capture_output=True, text=True, timeout=600).stdout
    names = {json.loads(line)["name"] for line in out.splitlines()}
    assert "Sénat" in names   # the water page's own text ("Le Sénat a adopté le texte…")
    menu_words = {w for item in MENU for w in item.split() if w[:1].isupper()}
    assert not [n for n in names if n in MENU or n in menu_words], names
    timeline = subprocess.run([*run, "timeline", "--project", str(project), "--json"], capture_output=True,
                              text=True, timeout=600).stdout
    texts = [json.loads(line).get("text") or "" for line in timeline.splitlines()]
    assert any("27 septembre 2006" in t for t in texts)   # the budget page's own date
    assert not any("15 avril 2009" in t for t in texts), [t for t in texts if "2009" in t]
    assert set(PAGES) == {p.stem for p in (tmp_path / "site").iterdir()}
