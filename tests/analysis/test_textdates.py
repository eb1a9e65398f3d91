"""Dates in French and English text: absolute, partial, relative, the traps, offsets."""

from __future__ import annotations

import os
import time
from datetime import date, datetime
from itertools import pairwise
from pathlib import Path

import pytest
from conftest import corpus_path

from faisceau.analysis.textdates import TextDate, find_dates

DOC = date(2020, 3, 12)  # a Thursday


def found(text: str, lang: str | None, doc_date: date | datetime | None = None) -> list[tuple[str, str, str]]:
    """(text, value, precision) of each date, checking on the way that offsets point at the text."""
    out = find_dates(text, lang, doc_date)
    for d in out:
        assert text[d.start:d.end] == d.text, d
    assert all(a.end <= b.start for a, b in pairwise(out))
    return [(d.text, d.value, d.precision) for d in out]


@pytest.mark.parametrize("text, lang, expected", [
    ("signé le 10 mars 2020 à Paris", "fr", [("10 mars 2020", "2020-03-10", "day")]),
    ("signed on March 10, 2020 in Paris", "en", [("March 10, 2020", "2020-03-10", "day")]),
    ("signed on 10 March 2020.", "en", [("10 March 2020", "2020-03-10", "day")]),
    ("reçu le 10/03/2020", "fr", [("10/03/2020", "2020-03-10", "day")]),
    ("received 10/03/2020", "en", [("10/03/2020", "2020-10-03", "day")]),
    ("received 13/03/2020", "en", [("13/03/2020", "2020-03-13", "day")]),
    ("reçu le 10.03.2020", "fr", [("10.03.2020", "2020-03-10", "day")]),
    ("due on 11/29/01", "en", [("11/29/01", "2001-11-29", "day")]),
    ("en octobre 2019", "fr", [("octobre 2019", "2019-10", "month")]),
    ("in October 2019", "en", [("October 2019", "2019-10", "month")]),
    ("le 1er janvier 2000", "fr", [("1er janvier 2000", "2000-01-01", "day")]),
    ("déposé le 1 er octobre 2013 :", "fr", [("1 er octobre 2013", "2013-10-01", "day")]),
    ("lundi 3 février 2014 10:22", "fr", [("lundi 3 février 2014 10:22", "2014-02-03T10:22", "minute")]),
    ("Monday, February 3, 2014 at 10:22 am", "en",
     [("Monday, February 3, 2014 at 10:22 am", "2014-02-03T10:22", "minute")]),
    ("le 31 déc. 2012", "fr", [("31 déc. 2012", "2012-12-31", "day")]),
    ("le 3 fév. 2014", "fr", [("3 fév. 2014", "2014-02-03", "day")]),
    ("version du 2020-03-10", "fr", [("2020-03-10", "2020-03-10", "day")]),
    ("log 2014-02-03T10:22:05Z ok", "en", [("2014-02-03T10:22:05Z", "2014-02-03T10:22", "minute")]),
    ("en mars 2020", "fr", [("mars 2020", "2020-03", "month")]),
    ("né en 1999", "fr", [("1999", "1999", "year")]),
    ("l'an 1999", "fr", [("1999", "1999", "year")]),
    ("born in 1999", "en", [("1999", "1999", "year")]),
    ("depuis 2009, et jusqu'en 2012", "fr", [("2009", "2009", "year"), ("2012", "2012", "year")]),
    ("the year 1850 was", "en", [("1850", "1850", "year")]),
    ("réunion du 24 juin 2009 à 16 heures 15", "fr", [("24 juin 2009 à 16 heures 15", "2009-06-24T16:15", "minute")]),
    ("December 29, 2000 5:00pm", "en", [("December 29, 2000 5:00pm", "2000-12-29T17:00", "minute")]),
    ("January 2, 2001 12:00am", "en", [("January 2, 2001 12:00am", "2001-01-02T00:00", "minute")]),
    ("le 10\u00a0mars\u202f2020", "fr", [("10\u00a0mars\u202f2020", "2020-03-10", "day")]),
    ("meeting February 13-14, 2002 in Washington", "en", [("February 13-14, 2002", "2002-02-13", "day")]),
    ("the 31st day of December, A. D., 1879", "en", [("31st day of December, A. D., 1879", "1879-12-31", "day")]),
    ("La guerre 1914-1918 ferme", "fr", [("1914", "1914", "year"), ("1918", "1918", "year")]),
    ("la saison 2020/2021", "fr", [("2020", "2020", "year"), ("2021", "2021", "year")]),
    ("the war ended in 1918.", None, [("1918", "1918", "year")]),
    ("le 10 mars 2020 et March 11, 2020", None, [("10 mars 2020", "2020-03-10", "day"),
                                                  ("March 11, 2020", "2020-03-11", "day")]),
])
def test_absolute_and_partial(text: str, lang: str | None, expected: list[tuple[str, str, str]]) -> None:
    assert found(text, lang) == expected


@pytest.mark.parametrize("text, lang", [
    ("facture n° 4512 du client", "fr"),
    ("appelez le 06 12 34 56 78 ou le 713-853-5678", "fr"),
    ("call 713-853-5678 or 1-800-480-3600", "en"),
    ("montant : 1 250,00 € et 1\u202f250,00 €", "fr"),
    ("à 10:30 puis 14h30", "fr"),
    ("python 3.8.0 and version 1.2.10", "en"),
    ("voir page 12 et l'article 12", "fr"),
    ("IBAN FR76 3000 6000 0112 3456 7890 189", "fr"),
    ("la loi n° 2019-1479 et l'ordonnance n° 2009-1586", "fr"),
    ("le 31/02/2020 et le 30 février 2020", "fr"),
    ("Rapport n° 2000 de 1500 pages, 2000 euros", "fr"),
    ("2000 cases out of 1999 people", "en"),
    ("a 60/40 split, 24/7 service, $10/hr", "en"),
    ("voir https://example.org/2020/03/10/article.html et a.2020-03-10@example.org", "fr"),
    ("in March we walked; you may 2 go", "en"),
])
def test_not_dates(text: str, lang: str) -> None:
    assert found(text, lang, DOC) == []


def test_law_number_gives_only_its_date() -> None:
    assert found("loi n° 2019-1479 du 28 décembre 2019 de finances", "fr") == [
        ("28 décembre 2019", "2019-12-28", "day")]


@pytest.mark.parametrize("text, lang, expected", [
    ("hier", "fr", ("hier", "2020-03-11", "day")),
    ("avant-hier", "fr", ("avant-hier", "2020-03-10", "day")),
    ("Demain matin", "fr", ("Demain", "2020-03-13", "day")),
    ("aujourd'hui", "fr", ("aujourd'hui", "2020-03-12", "day")),
    ("mardi dernier", "fr", ("mardi dernier", "2020-03-10", "day")),
    ("jeudi prochain", "fr", ("jeudi prochain", "2020-03-19", "day")),
    ("la semaine dernière", "fr", ("semaine dernière", "2020-03-02", "day")),
    ("l'année dernière", "fr", ("année dernière", "2019", "year")),
    ("en décembre dernier", "fr", ("décembre dernier", "2019-12", "month")),
    ("le 6 novembre prochain", "fr", ("6 novembre prochain", "2020-11-06", "day")),
    ("yesterday's meeting", "en", ("yesterday", "2020-03-11", "day")),
    ("Yesterday", "en", ("Yesterday", "2020-03-11", "day")),
    ("last Tuesday", "en", ("last Tuesday", "2020-03-10", "day")),
    ("last Thursday", "en", ("last Thursday", "2020-03-05", "day")),
    ("next Thursday", "en", ("next Thursday", "2020-03-19", "day")),
    ("last week", "en", ("last week", "2020-03-02", "day")),
    ("next month", "en", ("next month", "2020-04", "month")),
    ("this year", "en", ("this year", "2020", "year")),
    ("on March 1", "en", ("March 1", "2020-03-01", "day")),
    ("for 3/15.", "en", ("3/15", "2020-03-15", "day")),
])
def test_relative_needs_the_document_date(text: str, lang: str, expected: tuple[str, str, str]) -> None:
    assert found(text, lang, DOC) == [expected]
    assert found(text, lang, datetime(2020, 3, 12, 23, 59)) == [expected]
    assert found(text, lang) == []  # nothing to resolve against: not reported


def test_day_month_takes_the_nearest_year() -> None:
    # Written on 28 December: "January 7" is next week, not eleven months ago.
    assert found("to be heard on January 7.", "en", date(2001, 12, 28)) == [("January 7", "2002-01-07", "day")]
    assert found("le 20 décembre", "fr", date(2002, 1, 5)) == [("20 décembre", "2001-12-20", "day")]
    # ...but a date 9 months back stays in the document's year.
    assert found("the March 10 peak", "en", date(2000, 12, 8)) == [("March 10", "2000-03-10", "day")]


def test_weekday_and_sentence_dot() -> None:
    assert found("banquet on Thursday, 8 March.", "en", date(2001, 2, 28)) == [
        ("Thursday, 8 March", "2001-03-08", "day")]
    assert found("Samedi, 23 février, à 8 h.", "fr", date(1878, 2, 22)) == [
        ("Samedi, 23 février, à 8 h", "1878-02-23T08:00", "minute")]
    # an absolute date wins over the relative reading of the same words
    assert found("begins next Thursday, July 19th.", "en", date(2001, 7, 13)) == [
        ("Thursday, July 19th", "2001-07-19", "day")]


def test_asctime_year_after_the_time() -> None:
    assert found("From MAILER-DAEMON Mon Apr 18 14:20:57 2022\n", "en") == [
        ("Mon Apr 18 14:20:57 2022", "2022-04-18T14:20", "minute")]


def test_textdate_is_frozen() -> None:
    d = find_dates("le 10 mars 2020", "fr")[0]
    assert isinstance(d, TextDate)
    with pytest.raises(AttributeError):
        d.value = "x"  # type: ignore[misc]


def test_hostile_input_does_not_crash() -> None:
    # No date in these: a month name alone, runs of numbers and separators with no day-month-year
    # reading of their own, weekdays with nothing to anchor them to.
    for text in ["", "1" * 10_000, "10/" * 3000, "le " * 5000 + "mars", "2020-" * 2000, "\u202f" * 100,
                 "Monday, " * 1000]:
        assert found(text, "fr", DOC) == [], text[:20]
        assert found(text, "en", DOC) == [], text[:20]
    # In French each "1er janvier" is one date, of the year of the document (12 March 2020), and the
    # trailing 99999 is no year; in English the words are not a date.
    text = "1er janvier " * 1000 + "99999"
    assert found(text, "fr", DOC) == [("1er janvier", "2020-01-01", "day")] * 1000
    assert found(text, "en", DOC) == []


def test_throughput_on_real_text() -> None:
    """At least 1 MB/s of plain text on one core (Enron mail)."""
    mbox = corpus_path("enron_mbox") / "mbox" / "enron.lay-k.sent"
    text = Path(mbox).read_bytes()[:600_000].decode("latin-1")
    best = min(_timed(text) for _ in range(3))
    rate = len(text.encode("utf-8")) / best / 1e6
    print(f"dates: {rate:.2f} MB/s ({len(find_dates(text, 'en', DOC))} found)")
    if rate < 1.0 and os.getloadavg()[0] > 2 * (os.cpu_count() or 1):
        pytest.skip(f"machine overloaded ({rate:.2f} MB/s): throughput not measurable")
    assert rate >= 1.0, rate


def _timed(text: str) -> float:
    t = time.perf_counter()
    find_dates(text, "en", DOC)
    return time.perf_counter() - t


def test_a_year_written_after_a_relative_expression_wins_over_the_files_date() -> None:
    from datetime import date as _date

    from faisceau.analysis.textdates import find_dates as _find

    # an e-book of 1912 whose file is dated 2019: "This year (1912)" is 1912, not 2019
    got = [(d.text, d.value, d.precision) for d in _find("This year (1912) the harvest failed.", "en", _date(2019, 5, 1))]
    assert got == [("This year (1912)", "1912", "year")]
    assert [d.value for d in _find("Cette année (1912), la récolte.", "fr", _date(2019, 5, 1))] == ["1912"]
    assert [d.value for d in _find("Last year we met.", "en", _date(2019, 5, 1))] == ["2018"]
