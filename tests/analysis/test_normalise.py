"""OCR noise rewritten for the model, with offsets mapped back exactly to the original text."""

from __future__ import annotations

from dataclasses import replace

import pytest

from faisceau.analysis.levers import SHIPPED, Levers
from faisceau.analysis.names import key
from faisceau.analysis.ner import recognise, recognise_each
from faisceau.analysis.normalise import normalise

ALL = replace(SHIPPED, dehyphenate=True, glyphs=True, spaced=True)


def _back(original: str, levers: Levers, word: str) -> str:
    """The original text under `word` of the rewritten text."""
    n = normalise(original, levers)
    s = n.text.index(word)
    a, b = n.span(s, s + len(word))
    return original[a:b]


@pytest.mark.parametrize("original, rewritten, word, under", [
    # NewsEye (Gallica) keeps the OCR's "¬" glued to the next line's part
    ("entendre M. Lau¬rent. Finalement, M. Poin¬caré", "entendre M. Laurent. Finalement, M. Poincaré",
     "Poincaré", "Poin¬caré"),
    # HIPE's English papers: "¬" then a space where the line ended
    ("some curious in¬ formation in what philosophers", "some curious information in what philosophers",
     "information", "in¬ formation"),
    # a hyphen at a line end, the lines kept…
    ("le gou-\nverneur de Genève", "le gouverneur de Genève", "gouverneur", "gou-\nverneur"),
    # …or joined with a space
    ("la fui- vante lettre du gou- verneur", "la fuivante lettre du gouverneur", "gouverneur", "gou- verneur"),
])
def test_words_cut_at_a_line_end_are_read_whole(original: str, rewritten: str, word: str, under: str) -> None:
    levers = replace(SHIPPED, dehyphenate=True)
    assert normalise(original, levers).text == rewritten
    assert _back(original, levers, word) == under


@pytest.mark.parametrize("text", [
    "Jean-Pierre Dupont et Marie-Claire",        # compound names: no space after the hyphen
    "les traitements pré- et post-opératoires",  # an elided compound keeps its hyphen
    "Paris - Berlin, 3-2",                       # a dash between words, numbers
    "SAINT- ETIENNE",                            # capitals: not a word cut by the printer's line
])
def test_hyphens_that_are_no_line_break_stay(text: str) -> None:
    assert normalise(text, ALL).text == text


def test_ligatures_and_long_s_read_as_letters() -> None:
    original = "la ﬁn de l'aﬀaire à Pariſ"
    n = normalise(original, replace(SHIPPED, glyphs=True))
    assert n.text == "la fin de l'affaire à Paris"
    assert _back(original, replace(SHIPPED, glyphs=True), "affaire") == "aﬀaire"
    assert _back(original, replace(SHIPPED, glyphs=True), "Paris") == "Pariſ"
    assert _back(original, replace(SHIPPED, glyphs=True), "f") == "ﬁ"  # half a ligature is the whole glyph


def test_spaced_letters_read_as_a_word() -> None:
    original = "P A R I S, le 3 mai. Voir annexe A B C."
    n = normalise(original, replace(SHIPPED, spaced=True))
    assert n.text == "PARIS, le 3 mai. Voir annexe A B C."   # three letters alone may be a list
    assert _back(original, replace(SHIPPED, spaced=True), "PARIS") == "P A R I S"


def test_nothing_to_rewrite_is_the_text_itself() -> None:
    text = "Jeff Bezos visited Seattle in March."
    n = normalise(text, ALL)
    assert n.text == text and n.span(5, 10) == (5, 10)
    assert normalise("P A R I S", SHIPPED).text == "P A R I S"   # levers off: nothing rewritten


def test_every_mention_is_the_original_text_under_its_offsets() -> None:
    texts = ["Une discussion s'engagea pour sa¬voir s'il fallait entendre M. Poin¬caré à Pa¬ris.",
             "Le miniſtre de la ﬁnance eſt arrivé à Genève avec M. Clemen- ceau."]
    for levers in (SHIPPED, ALL):
        for text, found in zip(texts, recognise(texts, "fr", levers)):
            assert found
            assert all(text[m.start:m.end] == m.text for m in found)
    found = recognise(texts, "fr", ALL)
    assert {m.text for m in found[0]} >= {"M. Poin¬caré", "Pa¬ris"}   # read whole, written as printed


def test_a_name_printed_across_a_line_end_has_the_key_of_the_name_whole() -> None:
    assert key("M. Poin¬caré") == key("Poincaré") == "poincare"
    assert key("Clemen- ceau") == key("Clemenceau")
    assert key("Griﬃn") == key("Griffin")
    assert key("Jean-Pierre Dupont") == "jean pierre dupont"   # a compound name is left as it was


def test_the_ingest_stage_reading_maps_offsets_back_too() -> None:
    """`recognise_each` (the entities stage: each text prepared alone) reads the whole word as well."""
    texts = ["La Chambre a entendu M. Poin¬caré et M. Clemen-\nceau à Ver¬sailles.", "Rien à signaler."]
    found = recognise_each(texts, "fr")
    assert all(texts[0][m.start:m.end] == m.text for m in found[0])
    assert {"M. Poin¬caré", "Ver¬sailles"} <= {m.text for m in found[0]}
