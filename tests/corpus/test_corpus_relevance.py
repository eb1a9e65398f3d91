"""French relevance on the Assemblée nationale pages (issue 22): the site's menu, titles, stemming
symmetric across singular and plural, and the "as sent" view of its ISO-8859-1 pages.

Every page carries the same menu, whose "Loi organique relative aux lois de finances" once made
`loi de finances` match all of them, quoted the menu in every snippet and buried the pages titled
with the phrase. The singular/plural pairs are drawn from the corpus's own words (seeded), not
from the issue's examples.
"""

from __future__ import annotations

import json
import random
import sys
import warnings
from pathlib import Path

import pytest
from conftest import corpus_path
from corpus_projects import cli
from test_corpus_search import visible_words

from faisceau.web import Workbench, create_app

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

pytestmark = pytest.mark.slow
NAME = "fr-assemblee-nationale-dossiers"
MENU_LINE = "Loi organique relative aux lois de finances"


def _search(project: Path, query: str, limit: int = 20) -> tuple[int, list[dict]]:
    lines = [json.loads(ln) for ln in cli("search", query, "--project", project, "--json", "--limit", str(limit))
             .stdout.splitlines() if ln.strip()]
    return lines[0]["total"], lines[1:]


def _log(text: str) -> None:
    print(text, file=sys.stderr)


def test_the_menu_no_longer_decides_and_titles_come_first(ingested: dict[str, Path]) -> None:
    project = ingested[NAME]
    everywhere, _ = _search(project, 'full:"lois de finances"', 0)
    total, hits = _search(project, "loi de finances", 10)
    _log(f"\n[relevance] loi de finances: {total} pages; full:\"lois de finances\": {everywhere}")
    assert everywhere > 900                       # the menu is on every page, and still searchable
    assert total * 3 < everywhere                 # the bare words no longer match through the menu
    titles = [h["title"] for h in hits]
    assert len(titles) == 10 and all("loi de finances" in t.lower() for t in titles), titles
    for h in hits[:5]:
        assert h["snippets"] and all(MENU_LINE not in s["text"] for s in h["snippets"]), h["path"]
        marked = {s["text"][a:b].lower() for s in h["snippets"] for a, b in s["highlights"]}
        assert marked and "de" not in marked, marked


def test_singular_and_plural_find_the_same_pages(ingested: dict[str, Path]) -> None:
    project = ingested[NAME]
    root = corpus_path(NAME)
    words: set[str] = set()
    for p in sorted(root.rglob("*.asp")):
        words |= {w.lower() for w in visible_words(p.read_bytes())}
    pairs = sorted((w, w + "s") for w in words if w.isalpha() and len(w) >= 4 and w + "s" in words)
    sample = random.Random(22).sample(pairs, 15)
    _log(f"\n[relevance] {len(pairs)} singular/plural pairs in the pages; sampled {sample}")
    unequal = {}
    for one, many in [*sample, ("loi", "lois"), ("élu", "élus"), ("vote", "votes")]:
        a, b = _search(project, one, 0)[0], _search(project, many, 0)[0]
        if a != b or not a:
            unequal[one] = (a, b)
    for one, many in (('"loi de finances"', '"lois de finances"'), ('"projet de loi"', '"projets de loi"')):
        a, b = _search(project, one, 0)[0], _search(project, many, 0)[0]
        if a != b or not a:
            unequal[one] = (a, b)
    assert not unequal, unequal


def test_latin1_pages_are_shown_with_their_accents(ingested: dict[str, Path]) -> None:
    project = ingested[NAME]
    _, hits = _search(project, "loi de finances", 3)
    with TestClient(create_app(Workbench.open(project)), base_url="http://127.0.0.1:8000") as client:
        for h in hits:
            r = client.get(f"/api/documents/{h['id']}/html")
            assert r.status_code == 200, r.text
            assert "Assemblée nationale" in r.text and "\ufffd" not in r.text, h["path"]
            assert "<script" not in r.text.split("<body>", 1)[1].lower()
