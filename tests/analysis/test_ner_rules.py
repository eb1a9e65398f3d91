"""The rules around the model: teams in results lines, lines in capitals, long s, "&", initials, peoples."""

from __future__ import annotations

import pytest

from faisceau.analysis.consistency import WordStats, consistent
from faisceau.analysis.models import load
from faisceau.analysis.ner import _parts, clean, long_s, recased, recognise
from faisceau.analysis.results import teams, with_teams


@pytest.mark.parametrize("line, expected", [
    ("Port Vale 2 Oxford 0", [("Port Vale", "ORG"), ("Oxford", "ORG")]),              # a match result
    ("DETROIT 4 Kansas City 0", [("DETROIT", "ORG"), ("Kansas City", "ORG")]),
    ("Benin 4 Senegal 1", [("Benin", "LOC"), ("Senegal", "LOC")]),                   # national sides: countries
    ("Queen's Park 3 1 1 1 6 8 4", [("Queen's Park", "ORG")]),                       # a league table's row
    ("MINNESOTA AT MILWAUKEE", [("MINNESOTA", "ORG"), ("MILWAUKEE", "ORG")]),        # a schedule
    ("Birmingham v Barnsley", [("Birmingham", "ORG"), ("Barnsley", "ORG")]),
    ("Tunbridge Wells: Nottinghamshire 214 (P. Johnson 84; M. McCague 4-55), Kent 108-3.",
     [("Nottinghamshire", "ORG"), ("Kent", "ORG")]),                                 # two sides' innings
    ("Camp at Lose Tree.", []),                                                      # prose: a place
    ("FROM OUR CORRESPONDENT AT RICHMOND.", []),
    ("Article 5 (a) of the law applies.", []),
    ("Chapter 11 (bankruptcy) was filed.", []),
    ("Le 10 mars 2020, deux militants CGT ont tracté à Amiens.", []),
    ("January 12 13 14 15 16", []),                                                 # a month heads a row
    ("EXT-01 4 5 6 7 8", []),
])
def test_teams_of_results_lines(line: str, expected: list[tuple[str, str]]) -> None:
    assert [(line[a:b], kind) for a, b, kind in teams(line)] == expected


def test_a_team_is_an_organisation_in_the_prose_too() -> None:
    texts = ["Somerset 83 Surrey 2", "Somerset 174 Kent 5", "Trailing by 213, Somerset got a solid start ."]
    found = consistent(texts, [with_teams(t, ms) for t, ms in zip(texts, recognise(texts, "en"))])
    assert [(m.text, m.type) for m in found[2] if m.text == "Somerset"] == [("Somerset", "ORG")]
    assert {(m.text, m.type, m.source) for m in found[0]} == {("Somerset", "ORG", "layout"), ("Surrey", "ORG", "layout")}


def test_lines_in_capitals_are_read_in_the_texts_own_casing() -> None:
    texts = ["SOCCER - JAPAN GET LUCKY WIN , CHINA IN SURPRISE DEFEAT .",
             "Japan beat China in a surprise win at soccer , NATO said .", "NATO BUCHAREST"]
    out = recased(texts)
    # "soccer", "win" and "in" as the other text writes them; words it never writes are taken for names
    assert out[0] == "soccer - Japan Get Lucky win , China in surprise Defeat ."
    assert out[1] == texts[1]
    assert out[2] == "NATO Bucharest"        # an acronym stays; an unknown word is taken for a name
    assert [len(a) for a in out] == [len(a) for a in texts]
    found = recognise(texts, "en")[0]
    assert ("CHINA", "LOC") in {(m.text, m.type) for m in found}    # offsets and text are the original's
    assert all(texts[0][m.start:m.end] == m.text for m in found)
    assert recased(["No capitals here."]) == ["No capitals here."]


def test_long_s_read_as_f_is_written_back_where_the_model_knows_the_word() -> None:
    vocab = load("fr").vocab
    text = "Le Confeil de Laufanne eft préfent à l'affaire de Genève."
    out = long_s([text], vocab)[0]
    assert out == "Le Conseil de Lausanne est présent à l'affaire de Genève."   # "affaire" is a word
    assert len(out) == len(text)
    # "eft" is in the model's vocabulary (web text has it): it is read "est" only in an old print, where
    # other words show the long s
    assert long_s(["Il eft à Genève."], vocab) == ["Il eft à Genève."]
    assert long_s(["Il eft à Genève.", "Le Confeil de Laufanne."], vocab)[0] == "Il est à Genève."
    text = "Il eft arrivé hier à Laufanne avec fon frère."
    found = recognise([text], "fr")[0]
    assert [(m.text, m.type) for m in found] == [("Laufanne", "LOC")]     # the text as written, not as read
    assert text[found[0].start:found[0].end] == "Laufanne"


def test_names_joined_by_ampersand_are_two_but_a_company_keeps_it() -> None:
    text = "Berne & Argovie"
    assert [text[a:b] for a, b in _parts(text, 0, len(text), "LOC")] == ["Berne", "Argovie"]
    assert _parts("Procter & Gamble", 0, 16, "ORG") == [(0, 16)]


@pytest.mark.parametrize("text, span, kind, expected", [
    ("les troupes de France arrivent", "de France", "LOC", "France"),
    ("le ministre d'Autriche", "d'Autriche", "LOC", "Autriche"),
    ("le général de Gaulle parle", "de Gaulle", "PER", "de Gaulle"),      # a person's particle stays
    ("Sa Majesté (S. M.) est partie", "S. M.", "PER", None),               # initials alone name no one
    ("Envoyé par E. L. E. hier", "E. L. E.", "PER", None),
    ("Envoyé par J. Bezos hier", "J. Bezos", "PER", "J. Bezos"),
])
def test_clean_trims_de_and_drops_bare_initials(text: str, span: str, kind: str, expected: str | None) -> None:
    s = text.index(span)
    got = clean(text, s, s + len(span), kind)
    assert (text[got[0]:got[1]] if got else None) == expected


def test_a_people_is_not_a_place_and_capitals_lose_their_accents() -> None:
    stats = WordStats()
    for t in ("Les Anglais débarquent.", "Le navire anglais et le roi anglais.", "À Paris, l'état des routes.",
              "L'état du pays, l'état de la ville, un état.", "Le chef de l'Etat parle à Paris."):
        stats.add(t)
    assert stats.people("Anglais") and not stats.people("Paris")
    assert stats.ordinary("Anglais", "LOC", 1) and not stats.ordinary("Anglais", "PER", 1)
    assert stats.common("Etat", 1)          # "état" written in lower case four times (after "l'" too)
    assert not stats.common("Paris", 2)
    assert set(WordStats.lookups("Etat")) >= {"etat", "état", "eta"}


def test_a_piece_repeated_is_read_once_and_each_text_keeps_its_own_spelling() -> None:
    # the line in capitals is recased to the first text's spelling: the model reads one piece for the
    # three texts, and each text's mentions take their text from that text
    texts = ["Jeff Bezos visited Seattle .", "JEFF BEZOS VISITED SEATTLE .", "Jeff Bezos visited Seattle ."]
    assert len(set(recased(texts))) == 1
    found = recognise(texts, "en")
    assert [(m.text, m.type) for m in found[0]] == [("Jeff Bezos", "PER"), ("Seattle", "LOC")]
    assert found[2] == found[0]
    assert [(m.start, m.end, m.text) for m in found[1]] == [(0, 10, "JEFF BEZOS"), (19, 26, "SEATTLE")]


@pytest.mark.parametrize("text, span, kind, expected", [
    ("Assemblée nationale - Nouvelle-Calédonie : statut", "Assemblée nationale - Nouvelle", "ORG",
     "Assemblée nationale"),                                             # a page title's "Site - Page"
    ("Paris – Lyon en deux heures", "Paris – Lyon", "LOC", "Paris"),
    ("Né à Saint-Martin en 1950", "Saint-Martin", "LOC", "Saint-Martin"),  # a name's own hyphen stays
    ("Jean-Luc Warsmann a parlé", "Jean-Luc Warsmann", "PER", "Jean-Luc Warsmann"),
])
def test_a_name_stops_at_a_spaced_dash(text: str, span: str, kind: str, expected: str) -> None:
    s = text.index(span)
    got = clean(text, s, s + len(span), kind)
    assert got is not None and text[got[0]:got[1]] == expected


@pytest.mark.parametrize("span, kind, kept", [
    ("Tome II", "PER", False), ("Titre III du code", "MISC", False), ("Chapter 11", "MISC", False),
    ("Annexe 4", "LOC", False),
    ("Louis II", "PER", True), ("Henri IV", "PER", True),   # a king's name is no part of a document
    ("Partie civile", "ORG", True),                          # the word without a number
])
def test_a_part_of_a_document_by_its_number_is_no_name(span: str, kind: str, kept: bool) -> None:
    assert (clean(span, 0, len(span), kind) is not None) == kept
