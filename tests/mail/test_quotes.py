"""Quoted and forwarded blocks, English and French; loose dates; subjects; person keys."""

from __future__ import annotations

import datetime as dt

from faisceau.mail import people, quotes, subjects

OUTLOOK = """Thanks, see below.

-----Original Message-----
From: \tAllen, Phillip K.
Sent:\tWednesday, October 11, 2000 9:21 AM
To:\tLewter, Larry
Subject:\tRE: gas prices

Larry, the prices are up. Please send me the numbers for the west desk today.

 -----Original Message-----
From: Lewter, Larry
Sent: Tuesday, October 10, 2000 8:00 AM
Subject: gas prices

what about the prices? I need them for the report that is due at noon.
"""

FRENCH = """Voir ci-dessous.

De : Hélène Marchetti [mailto:helene@meridian.example.fr]
Envoyé : lundi 6 mai 2024 09:30
À : Daniel Kowalski
Objet : TR: Caméras

Texte original du message transféré.
"""


def test_outlook_blocks_most_recent_first() -> None:
    p = quotes.parse(OUTLOOK)
    assert p.own == "Thanks, see below."
    assert [b.sender for b in p.blocks] == ["Allen, Phillip K.", "Lewter, Larry"]
    assert p.blocks[0].subject == "RE: gas prices" and p.blocks[1].body.startswith("what about")


def test_french_header_block_and_attribution() -> None:
    p = quotes.parse(FRENCH)
    assert p.blocks[0].kind == "header" and p.blocks[0].subject == "TR: Caméras"
    assert "helene@meridian.example.fr" in p.blocks[0].sender
    a = quotes.parse("Daniel,\n\nLe lun. 6 mai 2024 à 09:30, Hélène Marchetti <h@m.fr> a\nécrit :\n> Bonjour.\n")
    assert a.own == "Daniel," and a.blocks[0].kind == "attribution"
    assert a.blocks[0].sender == "Hélène Marchetti <h@m.fr>" and a.blocks[0].body == "Bonjour."


def test_english_attribution_with_bottom_posting() -> None:
    p = quotes.parse("On Sun, 2010-11-14 at 19:05 -0800, Joe Perches wrote:\n> patch text\n\nApplied, thanks.\n")
    assert p.blocks[0].sender == "Joe Perches" and p.own == "Applied, thanks."
    when = quotes.loose_date(p.blocks[0].date)
    assert when and when[1] and dt.datetime.fromtimestamp(when[0], dt.UTC).hour == 3


def test_lotus_forward() -> None:
    text = ("FYI\n---------------------- Forwarded by Phillip K Allen/HOU/ECT on 10/11/2000 02:05 PM "
            "---------------------------\n\n\"Larry Lewter\" <retwell@mail.example.net> on 10/10/2000 01:34:09 PM\n"
            "To: Phillip K Allen/HOU/ECT@ECT\ncc:\nSubject: Re: stuff\n\nBody of larry.\n")
    b = quotes.parse(text).blocks[0]
    assert b.kind == "forward" and "retwell@mail.example.net" in b.sender and b.subject == "Re: stuff"
    assert b.body.strip() == "Body of larry."


def test_fingerprint_survives_rewrapping_and_quote_marks() -> None:
    text = "The quarterly figures for the west desk are attached; please check them before Friday."
    assert quotes.fingerprint(text) == quotes.fingerprint("> The quarterly figures for the west\n> desk are attached;"
                                                          " please check them before Friday.")
    assert quotes.fingerprint("ok") is None


def test_subjects() -> None:
    for s in ("Re: Plan", "RE : Plan", "Fwd: Plan", "Fw: Plan", "TR: Plan", "AW: Plan", "WG: Plan",
              "[list] Re: [other] plan", "Re[2]: plan"):
        assert subjects.normalise(s) == "plan", s
    assert subjects.is_reply("RE : Plan") and subjects.is_forward("TR: Plan") and not subjects.is_reply("Plan")
    assert subjects.series("[uml-user] [PATCH 03/44] arch/um: x") == ("patch", 3, 44)
    assert subjects.series("Re: [PATCH 03/44] x") is None


def test_person_keys_match_across_forms() -> None:
    a = people.keys("phillip.allen@enron.com")
    b = people.keys("", "Allen, Phillip K.")
    c = people.keys("", "Phillip K Allen/HOU/ECT@ECT")
    assert "n:phillip allen" in a & b & c


def test_shingles_of_a_quoted_passage_are_those_of_the_original_whatever_the_wrapping() -> None:
    text = ("The cabling plan for the north site is attached; the contractor needs it signed by Friday "
            "and the budget line for the extra cameras has to be approved before the audit next week.")
    quoted = "> " + text.replace("; ", ";\n> ").replace(" and the budget", "\n> and the budget").upper()
    own = quotes.shingles(text)
    assert own and set(own) == set(quotes.shingles(quoted))
    assert not set(own) & set(quotes.shingles("Lunch moved to the small room on the third floor at noon."))


def test_quoted_parent_text_keeps_the_shallowest_quotes_and_the_inline_runs() -> None:
    body = ("I agree.\n\nOn Mon, 6 May 2024, Ann wrote:\n> first answer line\n>> older text from Bob\n"
            "> second answer line\n\nMy own remark.\n\n> third answer line\n")
    parent = quotes.quoted_parent_text(quotes.parse(body).blocks)
    assert parent.splitlines() == ["first answer line", "second answer line", "third answer line"]
