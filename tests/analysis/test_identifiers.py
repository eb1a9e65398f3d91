"""Identifiers in text: each validator's valid, invalid and formatting variants, the traps, offsets."""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from itertools import pairwise
from pathlib import Path

import pytest
from conftest import corpus_path

from faisceau.analysis.identifiers import (
    Identifier,
    find_identifiers,
    iban_valid,
    luhn_valid,
    siret_valid,
)


def found(text: str, lang: str | None = "fr", region: str = "FR") -> list[Identifier]:
    """find_identifiers, checking on the way that every offset points at the reported text."""
    out = find_identifiers(text, lang, region)
    for i in out:
        assert text[i.start:i.end] == i.text, i
    return out


def of_type(text: str, kind: str, lang: str | None = "fr") -> list[tuple[str, str, bool]]:
    return [(i.text, i.value, i.valid) for i in found(text, lang) if i.type == kind]


def test_email_normalised_and_validated() -> None:
    text = "Écrire à Jean.Dupont@Exemple.FR, <kenneth.lay@enron.com> ou marie@société.fr ; a..b@x.org"
    assert of_type(text, "email") == [
        ("Jean.Dupont@Exemple.FR", "Jean.Dupont@exemple.fr", True),
        ("kenneth.lay@enron.com", "kenneth.lay@enron.com", True),
        ("marie@société.fr", "marie@société.fr", True),
        ("a..b@x.org", "a..b@x.org", False),
    ]
    # Lotus Notes addresses have no domain: not e-mails; and an e-mail's domain is not a domain again.
    assert found("Phillip K Allen/HOU/ECT@ECT") == []
    assert [i.type for i in found("write to a@enron.com")] == ["email"]
    assert of_type("contact: x@xn--socit-esab.fr", "email") == [("x@xn--socit-esab.fr", "x@société.fr", True)]


def test_phone_french_formats_to_e164() -> None:
    text = ("Tél. 06 12 34 56 78, 06.12.34.56.78, 0612345678, +33 6 12 34 56 78, 0033 6 12 34 56 78, "
            "+33 (0)1 42 68 53 00.")
    values = of_type(text, "phone")
    assert [v for _, v, _ in values] == ["+33612345678"] * 5 + ["+33142685300"]
    assert all(ok for _, _, ok in values)
    assert values[0][0] == "06 12 34 56 78"


def test_phone_invalid_kept_only_when_international() -> None:
    # A French number one digit short: with +33 the shape is unambiguous, so it is kept as invalid.
    assert of_type("appelez le +33 6 12 34 56 7 demain", "phone") == [("+33 6 12 34 56 7", "+3361234567", False)]
    # Without a country code, a number that is not valid is not a phone number at all.
    assert of_type("référence 06 12 34 56 7", "phone") == []


def test_phone_traps_amounts_dates_and_numbers() -> None:
    text = "montant 1 250 000 €, 125 000 000 habitants, le 10/03/2020, commande 123456789, v3.8.0, 01.02.2020"
    assert of_type(text, "phone") == []


def test_phone_english_text_tries_north_america() -> None:
    text = "Call 713-853-5678 or 1-800-480-3600, fax (713) 646-3491."
    assert [v for _, v, _ in of_type(text, "phone", lang="en")] == ["+17138535678", "+18004803600", "+17136463491"]
    # With the French default region and no language, these are not French numbers: nothing is reported.
    assert of_type(text, "phone", lang=None) == []
    us = found("Call 713-853-5678", lang=None, region="US")
    assert [(i.type, i.value) for i in us] == [("phone", "+17138535678")]


def test_iban_checksum_spaces_and_case() -> None:
    text = ("IBAN : FR76 3000 6000 0112 3456 7890 189, compact fr7630006000011234567890189, "
            "faux FR76 3000 6000 0112 3456 7890 188, GB82 WEST 1234 5698 7654 32.")
    assert of_type(text, "iban") == [
        ("FR76 3000 6000 0112 3456 7890 189", "FR7630006000011234567890189", True),
        ("fr7630006000011234567890189", "FR7630006000011234567890189", True),
        ("FR76 3000 6000 0112 3456 7890 188", "FR7630006000011234567890188", False),
        ("GB82 WEST 1234 5698 7654 32", "GB82WEST12345698765432", True),
    ]
    assert iban_valid("DE89370400440532013000") and not iban_valid("DE89370400440532013001")
    assert not iban_valid("FR763000600001123456789018")  # one character short for France


def test_iban_shape_traps() -> None:
    # Unknown country, wrong length, mostly letters: not IBANs at all.
    assert of_type("ZZ12 3456 7890 1234 5678 9012 345", "iban") == []
    assert of_type("FR76 3000 6000 0112", "iban") == []
    assert of_type("AB12 CDEF GHIJ KLMN", "iban") == []


def test_bic_needs_a_cue_and_a_known_country() -> None:
    assert of_type("BIC : BNPAFRPP, SWIFT: DEUTDEFF500", "bic") == [
        ("BNPAFRPP", "BNPAFRPP", True), ("DEUTDEFF500", "DEUTDEFF500", True)]
    assert of_type("code BIC QQQQZZ22", "bic") == [("QQQQZZ22", "QQQQZZ22", False)]
    # Any capitalised 8-letter word has the shape: without a cue it is not a BIC.
    assert of_type("THE DOCUMENT WAS SIGNED BY THE ATTORNEY", "bic") == []


def test_siren_siret_luhn_and_la_poste() -> None:
    assert luhn_valid("552100554") and not luhn_valid("552100555")
    assert siret_valid("55210055400013")
    assert siret_valid("35600000000015") and not luhn_valid("35600000000015")  # La Poste's rule
    text = "SIREN 552 100 554, RCS Paris 552100554, SIRET : 552 100 554 00013, Siret 35600000000015"
    assert of_type(text, "siren") == [("552 100 554", "552100554", True), ("552100554", "552100554", True)]
    assert of_type(text, "siret") == [("552 100 554 00013", "55210055400013", True),
                                      ("35600000000015", "35600000000015", True)]
    # With a cue, a bad checksum is reported invalid; without one, such a number is not a SIREN.
    assert of_type("SIREN : 552 100 555", "siren") == [("552 100 555", "552100555", False)]
    assert of_type("commande 123456789 et 552 100 555 et 732829320", "siren") == []
    assert of_type("bon de commande 552 100 554", "siren") == [("552 100 554", "552100554", True)]


def test_url_trimmed_and_host_not_a_domain() -> None:
    text = ("Voir https://www.example.org/a_(b)?q=1. (ou http://legifrance.gouv.fr/x) et www.senat.fr, "
            "puis ftp://files.example.com/f.zip!")
    assert of_type(text, "url") == [
        ("https://www.example.org/a_(b)?q=1", "https://www.example.org/a_(b)?q=1", True),
        ("http://legifrance.gouv.fr/x", "http://legifrance.gouv.fr/x", True),
        ("www.senat.fr", "www.senat.fr", True),
        ("ftp://files.example.com/f.zip", "ftp://files.example.com/f.zip", True),
    ]
    assert of_type(text, "domain") == []
    assert of_type("lien http://localhost/x", "url") == [("http://localhost/x", "http://localhost/x", False)]


def test_bare_domains_and_their_traps() -> None:
    text = ("voir enron.com, TheStreet.com et home.enron.com. Le site xn--socit-esab.fr existe. "
            "Mais e.g. fig.3 report.pdf setup.py notes.md M.Dupont fin.Le i.e. ne sont pas des domaines.")
    assert of_type(text, "domain") == [
        ("enron.com", "enron.com", True), ("TheStreet.com", "thestreet.com", True),
        ("home.enron.com", "home.enron.com", True), ("xn--socit-esab.fr", "société.fr", True),
    ]


def test_ip_addresses_and_version_traps() -> None:
    text = "serveur 192.168.0.1 et 2001:DB8::1, version 1.2.3.4, v3.8.0, 999.1.1.1, à 10:22:33, std::vector"
    assert of_type(text, "ip") == [("192.168.0.1", "192.168.0.1", True), ("2001:DB8::1", "2001:db8::1", True)]


def test_dotted_phone_is_not_an_ip() -> None:
    out = found("( +33 1. 45.24.80.61 et Received: from 150.150.1.71 by", lang="en")
    assert [(i.type, i.value) for i in out] == [("phone", "+33145248061"), ("ip", "150.150.1.71")]


def test_no_overlapping_duplicates_and_order() -> None:
    text = "mail a.b@example.fr, site https://example.fr/contact, tél +33 1 42 68 53 00, iban FR7630006000011234567890189"
    out = found(text)
    assert [i.type for i in out] == ["email", "url", "phone", "iban"]
    assert all(a.end <= b.start for a, b in pairwise(out))


def test_hostile_input_does_not_crash() -> None:
    # None of these holds an identifier: no domain, a run of digits no numbering plan has, a
    # local part and labels over the 64 and 63 characters a mail address allows, bare separators.
    for text in ["", "@", "@@@.com", "." * 10_000, "1" * 5000, "+" * 100 + "3" * 40, "http://", "www.",
                 "x" * 100 + "@" + "y" * 100 + "." + "z" * 100, "::" * 500, "\u202f\u00a0" * 50]:
        assert found(text) == [], text[:20]
    # A French IBAN is 27 characters: the first 27 of an endless spaced run are taken, shape-valid
    # but with a wrong check sum (ISO 7064 mod 97-10 of 9…9 FR76 is not 1), so kept as invalid.
    compact = "FR76" + "9" * 23
    assert int("9" * 23 + "1527" + "76") % 97 != 1
    assert [(i.type, i.text, i.value, i.valid) for i in found("FR76" + " 9" * 3000)] == [
        ("iban", "FR76" + " 9" * 23, compact, False)]


def test_throughput_on_real_mail() -> None:
    """At least 2 MB/s of plain text on one core (Enron mail, the densest in identifiers)."""
    mbox = corpus_path("enron_mbox") / "mbox" / "enron.lay-k.sent"
    text = Path(mbox).read_bytes()[:600_000].decode("latin-1")
    best = min(_timed(lambda: find_identifiers(text, "en")) for _ in range(3))
    rate = len(text.encode("utf-8")) / best / 1e6
    print(f"identifiers: {rate:.2f} MB/s ({len(find_identifiers(text, 'en'))} found)")
    if rate < 2.0 and os.getloadavg()[0] > 2 * (os.cpu_count() or 1):
        pytest.skip(f"machine overloaded ({rate:.2f} MB/s): throughput not measurable")
    assert rate >= 2.0, rate


def _timed(fn: Callable[[], object]) -> float:
    t = time.perf_counter()
    fn()
    return time.perf_counter() - t
