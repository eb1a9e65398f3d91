"""Relevance on web pages and in French (issue 22): main content against site furniture, titles
first, common words left out, and light stemming symmetric across singular and plural."""

from __future__ import annotations

import itertools
from pathlib import Path

import pytest
from conftest import run_extractor
from sitepages import MENU_LINE, PAGES, write_site

from faisceau.extract.base import Context
from faisceau.extract.documents.html import HtmlExtractor
from faisceau.index import Index, IndexDoc, compile, inflect
from faisceau.index.analyzers import analyze

# words and phrases of other shapes than the examples (élu, vote, loi de finances), each
# group one word: every form must find the documents of every other form, and nothing else
GROUPS = [
    ["contrat", "contrats"], ["décision", "décisions"], ["signé", "signée", "signés", "signées"],
    ["bureau", "bureaux"], ["report", "reports", "reported", "reporting"], ["agree", "agreed", "agrees"],
    ["price", "prices", "priced"], ["nuit", "nuits"], ["ami", "amis", "amie", "amies"],
]
APART = [("mois", "moi"), ("less", "les"), ("familiar", "familiarity"), ("sing", "s"), ("shed", "she")]


def _site_docs(tmp_path: Path, ctx: Context) -> list[IndexDoc]:
    out = []
    for name, path in write_site(tmp_path / "site").items():
        doc, _ = run_extractor(HtmlExtractor, path, ctx)
        out.append(IndexDoc(id=name, path=f"site/{name}.asp", text=doc.text, title=doc.metadata["title"],
                            language="fr", kind="html",
                            main=[(s.start, s.end) for s in doc.segments if s.part == "main"]))
    return out


def _index(path: Path, docs: list[IndexDoc]) -> Index:
    ix = Index(path)
    w = ix.writer()
    for d in docs:
        w.add(d)
    w.commit()
    w.close()
    return ix


@pytest.fixture
def site(tmp_path: Path, ctx: Context) -> Index:
    return _index(tmp_path / "index", _site_docs(tmp_path, ctx))


def _found(ix: Index, q: str) -> set[str]:
    res = ix.search(q, limit=100)
    assert res.total == len(res.hits)
    return {h.id for h in res.hits}


def test_the_menu_does_not_make_every_page_match(site: Index) -> None:
    assert _found(site, "loi de finances") == {"budget"}
    assert _found(site, '"lois de finances"') == {"budget"} == _found(site, '"loi de finances"')
    # the whole text stays searchable: the menu is on every page
    assert _found(site, 'full:"lois de finances"') == set(PAGES)
    assert _found(site, "full:organique") == set(PAGES) and _found(site, "organique") == set()
    assert _found(site, "=organique") == set(PAGES)   # the literal search reads every character


def test_snippets_quote_the_page_and_common_words_are_not_highlighted(site: Index) -> None:
    res = site.search("loi de finances", limit=5)
    assert [n for n in res.notes if "common words" in n] == [
        "common words left out of the match: de (put one in quotes to search it)"]
    (hit,) = res.hits
    assert hit.snippets and all(MENU_LINE not in s.text for s in hit.snippets)
    marked = {s.text[a:b].lower() for s in hit.snippets for a, b in s.highlights}
    assert marked == {"loi", "finances"}
    # a query of nothing but common words still searches them; quoted, one is searched alone
    assert _found(site, "de") == set(PAGES) and _found(site, '"de"') == set(PAGES)
    assert _found(site, "de -finances") == {"eau", "ecole"}   # the one positive word stays


def test_titles_weigh_more_than_text(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    docs = [IndexDoc(id="titled", path="a.txt", language="fr", title="Les contrats d'armement",
                     text="Une note sur les contrats d'armement. " + "Un long développement sur autre chose. " * 12),
            IndexDoc(id="mention", path="b.txt", language="fr", title="Note",
                     text="Les contrats d'armement, encore les contrats d'armement, toujours les contrats d'armement.")]
    docs += [IndexDoc(id=f"other{n}", path=f"o{n}.txt", language="fr", title=f"Note {n} du service",
                      text=f"Une note numéro {n} sur autre chose.")
             for n in range(20)]
    ix = _index(tmp_path / "index", docs)
    assert [h.id for h in ix.search("contrats armement").hits] == ["titled", "mention"]
    monkeypatch.setattr(compile, "TITLE_BOOST", 0.0)    # the same query without the title field
    assert [h.id for h in ix.search("contrats armement").hits] == ["mention", "titled"]


def test_light_stemming_is_symmetric_in_words_and_phrases(tmp_path: Path) -> None:
    docs = [IndexDoc(id=f"{g}-{w}", path=f"{w}.txt", language="fr" if g % 2 else "en", text=f"avant {w} après")
            for g, group in enumerate(GROUPS) for w in group]
    docs += [IndexDoc(id=f"apart-{a}-{b}", path=f"{a}.txt", text=f"avant {a} après") for a, b in APART]
    docs += [IndexDoc(id="p1", path="p1.txt", language="fr", text="un projet de loi adopté"),
             IndexDoc(id="p2", path="p2.txt", language="fr", text="deux projets de lois adoptés"),
             IndexDoc(id="p3", path="p3.txt", language="fr", text="un projet de la loi")]
    ix = _index(tmp_path / "index", docs)
    for g, group in enumerate(GROUPS):
        expected = {f"{g}-{w}" for w in group}
        for w in group:
            assert _found(ix, w) == expected, w
    for a, b in APART:
        assert not inflect.related(a, b) and f"apart-{a}-{b}" not in _found(ix, b), (a, b)
    assert _found(ix, '"projet de loi"') == _found(ix, '"projets de lois"') == {"p1", "p2"}
    assert _found(ix, '"adopté"') == _found(ix, "adoptés") == {"p1", "p2"}
    words = [w for group in GROUPS for w in group] + [w for pair in APART for w in pair]
    folded = [analyze("fold", w)[0] for w in words]
    for a, b in itertools.product(folded, repeat=2):
        assert inflect.related(a, b) == inflect.related(b, a), (a, b)
