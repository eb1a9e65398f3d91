"""The French NIR (social-security number) as a validated identifier."""

from __future__ import annotations

from faisceau.analysis.identifiers import find_identifiers, nir_valid


def _key(body: str) -> str:
    digits = body[:5] + {"2A": "19", "2B": "18"}.get(body[5:7], body[5:7]) + body[7:]
    return f"{97 - int(digits) % 97:02d}"


def test_key_and_corsica() -> None:
    assert _key("1850578006084") == "91"
    assert nir_valid("185057800608491")
    assert not nir_valid("185057800608492")
    assert nir_valid("269052A123456" + _key("269052A123456"))
    assert nir_valid("269052B123456" + _key("269052B123456"))
    # 2A and 2B do not share a key: Corsica's rule is not "ignore the letter"
    assert _key("269052A123456") != _key("269052B123456")
    assert not nir_valid("269052A123456" + _key("269052B123456"))


def test_found_grouped_or_not_with_its_value() -> None:
    text = f"N° de sécurité sociale : 1 85 05 78 006 084 91. Autre : 2690518123456{_key('2690518123456')}."
    found = [(i.type, i.value, i.valid, i.text) for i in find_identifiers(text)]
    assert found == [("nir", "185057800608491", True, "1 85 05 78 006 084 91"),
                     ("nir", "269051812345618", True, "269051812345618")]


def test_a_wrong_key_counts_only_after_a_cue() -> None:
    assert [(i.type, i.valid) for i in find_identifiers("NIR : 1 85 05 78 006 084 92")] == [("nir", False)]
    assert [i.type for i in find_identifiers("commande 185057800608492 livrée")] == []


def test_phone_and_siret_unchanged() -> None:
    assert [i.type for i in find_identifiers("Tél. 01 45 24 80 61, SIRET 552 100 554 00013")] == ["phone", "siret"]
