"""The search API on a small index built here: analyzers, every syntax element, facets, paging, snippets."""

from __future__ import annotations

from pathlib import Path

import pytest

from faisceau.index import Address, Filter, Index, IndexDoc, QueryError

DOCS = [
    IndexDoc(id="fr1", path="notes/fr1.txt", language="fr", kind="text", date="2019-10-15",
             title="Compte rendu", text="Les sociétés d’Amiens et l'entreprise Société Générale.\n"
                                        "La surveillance des salariés continue."),
    IndexDoc(id="en1", path="mail/box.mbox!/1", language="en", kind="email", date="2020-02-01T10:00:00+01:00",
             title="Surveillance report", senders=[Address("alice@example.com", "Alice Martin")],
             to=[Address("bob@corp.example.org", "Bob")], has=["attachment"],
             text="The companies were running surveillance on union members in Amiens."),
    IndexDoc(id="en2", path="mail/box.mbox!/2", language="en", kind="email", date="2020-03",
             title="Meeting", senders=[Address("carol@example.com", "Carol")],
             cc=[Address("dave@example.net")], text="Hoffman met Hofman, and Greenpeace was mentioned."),
    IndexDoc(id="fr2", path="notes/fr2.txt", language="fr", kind="text", date="2018",
             text="société générale en minuscules"),
    IndexDoc(id="fr3", path="scans/fr3.txt", language="fr", kind="text",
             text="la surveil\u00adlance et le rap-\nport du site"),
    IndexDoc(id="pdf1", path="reports/r.pdf", language="en", kind="pdf", date="2020-01-10",
             text="First page about budgets.\fSecond page: the leaflets were handed out in Amiens.",
             pages=[(1, 0, 26), (2, 26, 77)]),
]


@pytest.fixture(scope="module")
def index(tmp_path_factory: pytest.TempPathFactory) -> Index:
    ix = Index(tmp_path_factory.mktemp("ix") / "index")
    w = ix.writer()
    for d in DOCS:
        w.add(d)
    w.commit()
    w.close()
    return ix


def ids(index: Index, q: str, **kw: object) -> set[str]:
    res = index.search(q, limit=100, **kw)  # type: ignore[arg-type]
    assert res.total == len(res.hits)
    return {h.id for h in res.hits}


@pytest.mark.parametrize("q, expected", [
    ("societe", {"fr1", "fr2"}),                      # French folding + stemming: sociétés, Société, société
    ("SOCIÉTÉS", {"fr1", "fr2"}),
    ("entreprise", {"fr1"}),                          # l'entreprise
    ("amiens", {"fr1", "en1", "pdf1"}),               # d’Amiens (U+2019), in Amiens
    ('"d\'Amiens"', {"fr1"}),                         # either apostrophe in the query
    ('"d’Amiens"', {"fr1"}),
    ("member", {"en1"}),                              # light stemming: members
    ("company", set()),                               # companies is not one ending away (full stemming finds it)
    ('"Société Générale"', {"fr1", "fr2"}),           # a phrase, folded
    ('="Société Générale"', {"fr1"}),                 # exact phrase: case- and accent-sensitive
    ("=Amiens", {"fr1", "en1", "pdf1"}),
    ("=amiens", set()),
    ("=societe", set()),
    ('"surveillance amiens"~5', {"en1"}),             # five positions apart
    ('"surveillance amiens"~2', set()),
    ("hoffman~1", {"en2"}),
    ("hofmann~1", {"en2"}),
    ("hoffmann", set()),
    ("hoffman~1 NOT greenpeace", set()),
    ("surveil*", {"fr1", "en1", "fr3"}),              # prefix, unstemmed
    ("surveilla*", {"fr1", "en1", "fr3"}),
    ("sur*ance", {"fr1", "en1", "fr3"}),
    ("surveillanc?", {"fr1", "en1", "fr3"}),
    ("surveillance", {"fr1", "en1", "fr3"}),          # soft hyphen inside the word
    ("rapport", {"fr3"}),                             # end-of-line hyphenation
    ("cgt OR amiens", {"fr1", "en1", "pdf1"}),
    ("amiens AND surveillance", {"fr1", "en1"}),
    ("amiens surveillance", {"fr1", "en1"}),          # a space means AND
    ("amiens -surveillance", {"pdf1"}),
    ("(amiens OR hoffman) NOT kind:email", {"fr1", "pdf1"}),
    ("NOT kind:text", {"en1", "en2", "pdf1"}),
    ("from:alice@example.com", {"en1"}),
    ("from:ALICE@example.com", {"en1"}),
    ("from:*@example.com", {"en1", "en2"}),
    ("from:alice", {"en1"}),
    ('from:"alice martin"', {"en1"}),
    ("to:bob@corp.example.org", {"en1"}),
    ("to:dave@example.net", {"en2"}),                 # to: is any recipient
    ("cc:dave@example.net", {"en2"}),
    ("cc:bob@corp.example.org", set()),
    ("subject:surveillance", {"en1"}),
    ("title:(report OR meeting)", {"en1", "en2"}),
    ("kind:email", {"en1", "en2"}),
    ("kind:EMAIL", {"en1", "en2"}),
    ("language:fr", {"fr1", "fr2", "fr3"}),
    ("has:attachment", {"en1"}),
    ("filename:fr1.txt", {"fr1"}),
    ("path:scans", {"fr3"}),
    ("extension:pdf", {"pdf1"}),
    ("id:fr2", {"fr2"}),
    ("date:2019-10", {"fr1"}),
    ("date:2019", {"fr1"}),
    ("date:[2020-01 TO 2020-02]", {"en1", "pdf1"}),
    ("date:2020-03-15", {"en2"}),                     # a partial date (2020-03) matches every range it overlaps
    ("date:[2018-06 TO 2018-07]", {"fr2"}),
    ("date:[* TO 2018-12-31]", {"fr2"}),
    ("date:[2020-03-31 TO *]", {"en2"}),
    ("", {d.id for d in DOCS}),
    ("*", {d.id for d in DOCS}),
])
def test_syntax(index: Index, q: str, expected: set[str]) -> None:
    assert ids(index, q) == expected


@pytest.mark.parametrize("q, message, position", [
    ('"salle de pause', "missing closing", 0),
    ("(a OR b", "missing ')'", 0),
    ("a OR b)", "unbalanced ')'", 6),
    ("a AND", "AND needs something after it", 5),
    ("OR a", "OR needs something before it", 0),
    ("foo:bar", "unknown field 'foo'", 0),
    ("from:", "needs a value", 0),
    ("date:2019-13", "not a date", 5),
    ("date:[2020 TO 2019]", "ends before it starts", 5),
    ("date:[2019 2020]", "a range is written", 5),
    ("hoffman~3", "fuzzy distance", 0),
    ('"a b"~', "proximity needs a number", 5),
    ("()", "empty parentheses", 0),
    ('""', "empty phrase", 0),
    ("*?", "wildcard needs at least one letter", 0),
    ("---", "nothing searchable", 2),
    ("ocr:maybe", "ocr: takes true or false", 4),
    ("tag:x", "needs a project store", 4),
    ("=", "'=' needs a word", 0),
])
def test_malformed_queries_point_at_the_problem(index: Index, q: str, message: str, position: int) -> None:
    with pytest.raises(QueryError) as e:
        index.search(q)
    assert message in e.value.message
    assert e.value.position == position
    assert e.value.pointer().splitlines()[1] == " " * position + "^"


def test_facets_count_every_hit_and_filters_include_or_exclude(index: Index) -> None:
    res = index.search("", facets=["kind", "language", "from_domain", "year", "month", "sender"], limit=1)
    assert res.total == 6
    f = {k: {v.value: v.count for v in vs} for k, vs in res.facets.items()}
    assert f["kind"] == {"text": 3, "email": 2, "pdf": 1}
    assert f["language"] == {"fr": 3, "en": 3}
    assert f["from_domain"] == {"example.com": 2}
    assert f["year"] == {"2018": 1, "2019": 1, "2020": 3}
    assert f["month"] == {"2019-10": 1, "2020-02": 1, "2020-03": 1, "2020-01": 1}  # a year-only date has no month
    assert f["sender"] == {"alice@example.com": 1, "carol@example.com": 1}
    assert ids(index, "amiens", filters=[Filter("kind", "email")]) == {"en1"}
    assert ids(index, "amiens", filters=[Filter("kind", "email", exclude=True)]) == {"fr1", "pdf1"}
    both = index.search("amiens", filters=[Filter("language", "en"), Filter("kind", "pdf", exclude=True)],
                        facets=["kind"])
    assert {h.id for h in both.hits} == {"en1"} and {v.value: v.count for v in both.facets["kind"]} == {"email": 1}


def test_sort_by_date(index: Index) -> None:
    newest = [h.id for h in index.search("", sort="date", limit=10).hits]
    assert newest[:4] == ["en2", "en1", "pdf1", "fr1"]
    oldest = [h.id for h in index.search("kind:text", sort="-date", limit=10).hits]
    assert oldest[:2] == ["fr2", "fr1"]


def test_snippets_are_exact_slices_with_highlights_and_pages(index: Index) -> None:
    hit = index.search("leaflets amiens", snippets_per_hit=3).hits[0]
    assert hit.id == "pdf1"
    text = DOCS[-1].text
    for s in hit.snippets:
        assert text[s.start:s.end] == s.text
        assert s.page == 2
        marked = {s.text[a:b].lower() for a, b in s.highlights}
        assert marked <= {"leaflets", "amiens"} and marked
    soft = index.search("surveillance", snippets_per_hit=1, filters=[Filter("kind", "text")], limit=10)
    fr3 = next(h for h in soft.hits if h.id == "fr3")
    (s,) = fr3.snippets
    a, b = s.highlights[0]
    assert s.text[a:b] == "surveil\u00adlance"
    stem = next(h for h in index.search("société").hits if h.id == "fr1").snippets[0]
    assert {stem.text[a:b] for a, b in stem.highlights} == {"sociétés", "Société"}
    exact = next(h for h in index.search('="Société Générale"').hits if h.id == "fr1").snippets[0]
    assert [exact.text[a:b] for a, b in exact.highlights] == ["Société Générale"]


def test_pages_that_match_on_their_own(index: Index) -> None:
    (hit,) = index.search("leaflets", snippets_per_hit=0).hits
    assert hit.id == "pdf1" and hit.pages == [2]
    assert index.search("budgets OR leaflets").hits[0].pages == [1, 2]
    assert index.search("budgets leaflets").hits[0].pages == []   # both words, but on no single page
    assert index.search("kind:pdf").hits[0].pages == [1, 2]
    assert index.count("") == len(DOCS)                            # page entries are not documents


def test_paging_past_ten_thousand_hits_and_streaming_all(tmp_path: Path) -> None:
    ix = Index(tmp_path / "index")
    w = ix.writer()
    n = 12_345
    for i in range(n):
        w.add(IndexDoc(id=f"d{i:05d}", path=f"p/{i}", text=f"common word number {i}", language="en"))
    w.commit()
    w.close()
    page = ix.search("common", limit=50, offset=12_300, snippets_per_hit=0)
    assert page.total == n and len(page.hits) == 45
    seen = [h.id for h in ix.iter_hits("common")]
    assert len(seen) == n and len(set(seen)) == n
    assert ix.ids("number", 3)[0] == n


def test_a_document_added_again_replaces_its_entry(tmp_path: Path) -> None:
    ix = Index(tmp_path / "index")
    w = ix.writer()
    w.add(IndexDoc(id="x", path="x", text="first version"))
    w.add(IndexDoc(id="x", path="x", text="first version, again before the commit"))
    w.commit()
    w.add(IndexDoc(id="x", path="x", text="first version, after the commit"))
    w.commit()
    w.close()
    assert ix.count("") == 1 and ix.count("after") == 1
    again = Index(tmp_path / "index")
    w = again.writer()
    w.add(IndexDoc(id="x", path="x", text="second version"))
    w.commit()
    w.close()
    assert again.count("") == 1 and again.count("second") == 1 and again.count("first") == 0


def test_light_stemming_matches_inflections_only_full_stemming_more(tmp_path: Path) -> None:
    ix = Index(tmp_path / "index")
    w = ix.writer()
    texts = {"a": "Their familiarity with the site", "b": "a familiar face", "c": "the randomness of badges",
             "d": "random checks were carried out", "e": "Les données surveillées et les journaux",
             "f": "la caméra surveille le journal", "g": "leaked reports, leaking again"}
    for k, v in texts.items():
        w.add(IndexDoc(id=k, path=k, text=v, language="fr" if k in "ef" else "en"))
    w.commit()
    w.close()

    def found(q: str, stemming: str = "light") -> set[str]:
        return {h.id for h in ix.search(q, stemming=stemming, limit=10).hits}

    assert found("familiar") == {"b"}
    assert found("familiar", "full") == {"a", "b"}
    assert found("random") == {"d"} and found("random", "full") == {"c", "d"}
    assert found("check") == {"d"} and found("carry") == set() and found("carry", "full") == {"d"}
    assert found("leak") == {"g"} and found('"leak reports"') == {"g"}
    assert found("surveillee") == {"e", "f"}             # surveillées; folded, surveillé and surveille are one word
    assert found("journal") == {"f"} and found("journal", "full") == {"e", "f"}   # journaux: two steps
    assert found('"les donnee"') == {"e"}                # a phrase of inflections
    assert found("donnee", "off") == set()
    (hit,) = ix.search("leak").hits
    assert [hit.snippets[0].text[a:b] for a, b in hit.snippets[0].highlights] == ["leaked", "leaking"]
