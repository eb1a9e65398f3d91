"""Dates written in French and English text: absolute, partial and (given the document's date) relative.

`find_dates(text, lang, doc_date)` returns `TextDate(start, end, text, value, precision)` with code-point
offsets into `text`; `value` is ISO (`2020-03-10`, `2020-03`, `2020`, `2014-02-03T10:22`) and
`precision` one of `day|month|year|minute`. Candidate spans come from compiled regexes (month names and
abbreviations of both languages, numeric forms, cue words) and are validated by `datetime.date`; nothing
is fed to a general date parser (measured: `dateparser.search_dates` is slow and wrong on French).

What counts (the rules the annotated corpus test follows):

- Spans hold the date itself: optional weekday, day (1er, 1 er, 1st, 2d…), month, year and a time that
  directly follows ("à 16 heures 15", "at 10am", "5:00pm", ", 12:37", asctime's "14:20:57 2022");
  seconds and time zones are read but dropped (the value is floating, minute precision); prepositions, articles and
  fuzzy modifiers (début, fin, l'automne) stay outside; "dernier/prochain/last/next" stay inside.
- Numeric dates are day-first in French (and when the language is unknown), month-first in English
  unless the first number is above 12. Two-digit years only with "/" (00–49 → 20xx, 50–99 → 19xx); "."
  and "-" need a four-digit year, so versions ("3.8.0") and phone numbers are not dates.
- A bare year (1800–2100) needs a cue: en, in, depuis, since, année, year, avant, before, until, vers,
  début, fin, été, summer, copyright… Weak cues (de, of, pour, for, à, and…) count only when the year
  is followed by punctuation or a conjunction, so "de 1500 euros" is not a year. Year ranges
  "1914-1918", "2008-2009", "2020/2021" (seasons, sessions) give both years; a law or decree number
  "n° 2019-1479" gives nothing (it is an identifier; its date is the "du 28 décembre 2019" after it).
- Day-month without a year, "M/D" numbers (English, after a cue like on/by/for or a weekday) and
  relative forms (hier, avant-hier, aujourd'hui, demain, yesterday, today, tomorrow, last/next
  Tuesday, mardi dernier, last/next week, la semaine dernière, last year, l'année dernière, this year,
  mars prochain, décembre dernier) need `doc_date`; without it they are dropped. A week resolves to
  its Monday; "last Tuesday" is the last one strictly before the document date. A day-month takes the document's year unless the same day in the adjacent year lies
  within 90 days of the document date (a "January 7" written on 28 December is next year's).
- Month names alone ("in March"), weekdays alone ("lundi matin") and day ranges beyond their first
  day are not extracted; a day range ("4-5 July") yields its first day with the whole span.
- Invalid dates (31/02/2020) are not dates; dates inside URLs and e-mail addresses are ignored.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from .spans import non_overlapping

__all__ = ["TextDate", "find_dates"]


@dataclass(frozen=True)
class TextDate:
    """One date found in a text."""

    start: int
    end: int
    text: str
    value: str
    precision: str


_FR_MONTHS = {
    "janvier": 1, "janv": 1, "février": 2, "fevrier": 2, "févr": 2, "fevr": 2, "fév": 2, "fev": 2,
    "mars": 3, "avril": 4, "avr": 4, "mai": 5, "juin": 6, "juillet": 7, "juil": 7, "août": 8, "aout": 8,
    "septembre": 9, "sept": 9, "octobre": 10, "oct": 10, "novembre": 11, "nov": 11, "décembre": 12,
    "decembre": 12, "déc": 12, "dec": 12,
}
_EN_MONTHS = {
    "january": 1, "jan": 1, "february": 2, "feb": 2, "march": 3, "mar": 3, "april": 4, "apr": 4,
    "may": 5, "june": 6, "jun": 6, "july": 7, "jul": 7, "august": 8, "aug": 8, "september": 9,
    "sept": 9, "sep": 9, "october": 10, "oct": 10, "november": 11, "nov": 11, "december": 12, "dec": 12,
}
MONTHS = {**_FR_MONTHS, **_EN_MONTHS}
_FULL_MONTHS = {w for w in MONTHS if len(w) > 4 or w in ("mars", "mai", "juin", "août", "aout", "may", "june", "july")}
_FR_WEEKDAYS = {"lundi": 0, "mardi": 1, "mercredi": 2, "jeudi": 3, "vendredi": 4, "samedi": 5, "dimanche": 6}
_EN_WEEKDAYS = {
    "monday": 0, "tuesday": 1, "wednesday": 2, "thursday": 3, "friday": 4, "saturday": 5, "sunday": 6,
    "mon": 0, "tue": 1, "tues": 1, "wed": 2, "thu": 3, "thur": 3, "thurs": 3, "fri": 4, "sat": 5, "sun": 6,
}
WEEKDAYS = {**_FR_WEEKDAYS, **_EN_WEEKDAYS}
# English words that are also common words ("may", "march", "sun") only count capitalised.
_EN_CAPITAL_ONLY = {"may", "march", "mar", "jan", "feb", "apr", "jun", "jul", "aug", "sep", "sept", "oct",
                    "nov", "dec", "mon", "tue", "tues", "wed", "thu", "thur", "thurs", "fri", "sat", "sun"}
_CUES_STRONG = {
    "fr": r"en|depuis|dès|année|an|avant|après|jusqu['’]en|vers|début|fin|mi-|courant|printemps|été|automne"
          r"|hiver|exercice|copyright|©|\(c\)",
    "en": r"in|since|year|before|after|until|till|circa|early|late|mid-|summer|winter|autumn|fall|spring"
          r"|during|copyright|©|\(c\)",
}
_CUES_WEAK = {"fr": r"de|d['’]|du|pour|à|au|et|entre|ou", "en": r"of|for|by|to|and|from|between|or|than"}
_MD_CUES = r"on|by|for|until|till|thru|through|since|before|after|from|to|due|of|as of|le|du|au|avant|après|depuis|dès"


def _by_lang(table: dict[str, str], lang: str) -> str:
    return table[lang] if lang in table else f"{table['fr']}|{table['en']}"


def _alternation(fr: dict[str, int], en: dict[str, int], lang: str) -> str:
    """Regex alternation of the words of a language, in the case variants that count."""
    words: set[str] = set()
    if lang != "en":
        for w in fr:
            words |= {w, w.capitalize(), w.upper()}
    if lang != "fr":
        for w in en:
            words |= {w.capitalize(), w.upper()} | (set() if w in _EN_CAPITAL_ONLY else {w})
    return "|".join(re.escape(w) for w in sorted(words, key=lambda w: (-len(w), w)))


# (start, end, value, precision, priority)
_Cand = tuple[int, int, str, str, int]
_L = r"[^\W\d_]"  # a letter
# Patterns start with a digit or a literal and test the character before with a look-behind placed
# after it: Python's re can then skip ahead fast instead of trying the pattern at every position
# (and re.IGNORECASE on word alternations is ten times slower: case variants are spelt out).
_TIME = (
    r"(?P<tm>(?P<H>\d{1,2})(?::(?P<M>\d{2})(?::\d{2})?)?\s*(?P<ap>[aApP]\.?\s?[mM]\.?(?!\w))"
    r"|(?P<H2>\d{1,2}):(?P<M2>\d{2})(?::\d{2})?(?![\d:])"
    r"|(?P<H3>\d{1,2})\s*(?:heures?|h)(?:\s*(?P<M3>\d{2}))?(?!\w)"
    r"|(?P<zero>zéro\s+heure|minuit|midnight)|(?P<noon>midi|noon))"
)
_TIME_JOIN = r"(?:\s*,\s*(?:(?:at|à|@)\s*)?|\s*@\s*|\s+(?:(?:at|à)\s+)?)"
_DAY = r"(?P<d>\d(?<!\w\d)(?:\s?er|\d?(?:st|nd|rd|th|d|er|e|ème)?)(?!\w))"
_YEAR_TAIL = r"(?:\s*,?\s*(?:A\.\s?D\.,?\s*)?(?P<y>\d{4})(?![\d\w])|'(?P<y2>\d{2})(?!\w))"
_UNIT = re.compile(r"\s*(?:%|€|\$|£|euros?\b|dollars?\b|francs?\b|EUR\b|USD\b|km\b|kg\b|tonnes?\b|tons?\b"
                   r"|personnes\b|people\b|habitants\b|emplois\b|jobs\b|pages?\b|mots\b|words\b|ans\b|years\b"
                   r"|hectolitres\b|fois\b|times\b|m\b|mètres\b|metres\b|meters\b)", re.IGNORECASE)
_AFTER_WEAK = re.compile(r"\s*(?:[,.;:!?)\]»\"”]|$)|\s+(?:et|à|au|and|to|or|ou)\b")
_YEAR = re.compile(r"(?P<y>(?:1(?<!\w1)[89]|2(?<!\w2)0)\d\d|2(?<!\w2)100)"
                   r"(?:\s?[-–/]\s?(?P<y2>(?:1[89]|20)\d\d))?(?![\w/\-–]|[.,]\d)")
_DIGIT = re.compile(r"\d")
_LAW_NUMBER = re.compile(r"(?:n°|nº|no\.?|numéro)\s*$", re.IGNORECASE)
_REL_BEFORE = re.compile(r"(?<!\w)(?P<r>[Ll]ast|[Nn]ext)\s+$")


@dataclass
class _Patterns:
    """The compiled patterns of one language (or both when the language is unknown)."""

    day_first: re.Pattern[str]
    day_first_ocr: re.Pattern[str]
    month_first: re.Pattern[str]
    month_year: re.Pattern[str]
    numeric: re.Pattern[str]
    md: re.Pattern[str]
    iso: re.Pattern[str]
    relative: re.Pattern[str]
    weekday_before: re.Pattern[str]
    md_cue_before: re.Pattern[str]
    strong_before: re.Pattern[str]
    weak_before: re.Pattern[str]


def _compile(key: str) -> _Patterns:
    months = _alternation(_FR_MONTHS, _EN_MONTHS, key)
    wdays = _alternation(_FR_WEEKDAYS, _EN_WEEKDAYS, key)
    time = rf"(?:{_TIME_JOIN}{_TIME})?"
    fr_rel = rf"|\s+(?P<rel>prochain|dernier)(?!{_L})" if key != "en" else ""
    after_day = (rf"(?:\s*-\s*(?P<d2>\d{{1,2}}))?(?:\s+day)?\s+(?:of\s+)?(?P<m>{months})(?!{_L})\.?"
                 rf"(?:{_YEAR_TAIL}{fr_rel})?")
    return _Patterns(
        day_first=re.compile(rf"(?P<dt>{_DAY}{after_day}){time}"),
        day_first_ocr=re.compile(rf"(?P<dt>(?P<d>ler)(?<!\wler){after_day}){time}"),  # OCR'd "1er"
        month_first=re.compile(
            rf"(?P<dt>(?<!\w)(?P<m>{months})(?!{_L})\.?\s+(?P<d>\d{{1,2}})(?:st|nd|rd|th|d)?"
            rf"(?:\s*-\s*(?P<d2>\d{{1,2}}))?(?!\w|[/.:]\d)(?:\s*,?\s*(?P<y>\d{{4}})(?![\d\w]))?){time}"
            r"(?:(?<=\d)\s+(?P<ty>\d{4})(?![\d\w]))?"),  # asctime: "Mon Apr 18 14:20:57 2022"
        month_year=re.compile(
            rf"(?<!\w)(?P<m>{months})(?!{_L})\.?(?:\s+(?:de\s+|of\s+|d['’]\s*)?(?P<y>\d{{4}})(?![\d\w])"
            rf"|'(?P<y2>\d{{2}})(?!\w){fr_rel})?"),
        numeric=re.compile(
            r"(?P<dt>(?P<a>\d(?<![\w/.\-,]\d)\d?)(?P<s>[/.\-])(?P<b>\d{1,2})(?P=s)(?P<y>\d{4}|(?<=/)\d{2})"
            rf"(?![\w/]|[.\-,]\d)){time}"),
        md=re.compile(r"(?P<a>\d(?<![\w/.\-$]\d)\d?)/(?P<b>\d{1,2})(?![\w/]|[.,]\d)"),
        iso=re.compile(r"(?P<y>\d(?<![\w\-/.]\d)\d{3})-(?P<mo>\d{2})-(?P<d>\d{2})(?:[T ](?P<H>\d{2}):(?P<M>\d{2})"
                       r"(?::\d{2}(?:[.,]\d+)?)?(?:Z|[+\-]\d{2}:?\d{2})?)?(?![\w\-/]|[.:]\d)"),
        relative=re.compile(_relative_pattern(key, wdays)),
        weekday_before=re.compile(rf"(?<!\w)(?:{wdays})\.?,?\s+(?:the\s+)?$"),
        md_cue_before=re.compile(rf"(?<!\w)(?:(?:{_MD_CUES})|(?:{wdays})\.?,?)\s+$", re.IGNORECASE),
        strong_before=re.compile(rf"(?<!\w)(?:{_by_lang(_CUES_STRONG, key)})\s*$", re.IGNORECASE),
        weak_before=re.compile(rf"(?<!\w)(?:{_by_lang(_CUES_WEAK, key)})\s+$", re.IGNORECASE),
    )


def _cap(fragment: str) -> str:
    """A regex fragment that also matches with its first letter capitalised."""
    return f"[{fragment[0]}{fragment[0].upper()}]{fragment[1:]}"


def _relative_pattern(key: str, wdays: str) -> str:
    en = [
        r"(?P<dby>day\s+before\s+yesterday)", r"(?P<dat>day\s+after\s+tomorrow)",
        rf"(?P<yest>{_cap('yesterday')})", rf"(?P<today>{_cap('today')}|{_cap('tonight')})", rf"(?P<tom>{_cap('tomorrow')})",
        rf"(?P<dir>{_cap('last')}|{_cap('next')}|{_cap('this')})\s+(?:(?P<unit>week|month|year)|(?P<rwd>{wdays}))",
    ]
    fr = [
        rf"(?P<dby>{_cap('avant')}[-\s]hier)", rf"(?P<dat>{_cap('après')}[-\s]demain)", rf"(?P<yest>{_cap('hier')})",
        rf"(?P<today>{_cap('aujourd')}['’]hui)", rf"(?P<tom>{_cap('demain')})",
        r"(?P<unit>semaine|mois|année|an)\s+(?P<dir>dernière|dernier|prochaine|prochain|passée|passé)",
        rf"(?P<this>{_cap('cette')}\s+(?:année|semaine)|{_cap('ce')}\s+mois-ci)",
        rf"(?P<rwd>{wdays})\s+(?P<wdir>dernier|prochain)",
    ]
    if key == "en":
        alts = en
    elif key == "fr":
        alts = fr
    else:
        # Both: group names must be unique in one pattern, so the French ones get a suffix.
        alts = en + [re.sub(r"\(\?P<(\w+)>", r"(?P<\1_f>", a) for a in fr]
    return r"(?<![\w\-])(?:" + "|".join(alts) + r")(?![\w\-])"


_PATTERNS: dict[str, _Patterns] = {}


def _patterns(lang: str | None) -> _Patterns:
    key = lang if lang in ("fr", "en") else "both"
    if key not in _PATTERNS:
        _PATTERNS[key] = _compile(key)
    return _PATTERNS[key]


def _blocked_spans(text: str) -> list[tuple[int, int]]:
    """URLs and e-mail addresses: their digits are not dates."""
    spans = [(m.start(), m.end()) for m in re.finditer(r"(?:https?|ftp)://\S+|www\.\S+", text)]
    for m in re.finditer("@", text):
        left = re.search(r"[\w.+\-]+$", text[max(0, m.start() - 64):m.start()])
        right = re.compile(r"[\w\-]+(?:\.[\w\-]+)+").match(text, m.end())
        if left and right:
            spans.append((m.start() - len(left.group()), right.end()))
    return spans


def _g(m: re.Match[str], *names: str) -> str | None:
    """The first of the named groups that exists in the pattern and matched."""
    for n in names:
        if n in m.re.groupindex and m.group(n) is not None:
            return m.group(n)
    return None


def _year4(y: str | None, y2: str | None) -> int | None:
    if y is not None:
        return int(y)
    if y2 is not None:
        n = int(y2)
        return 2000 + n if n < 50 else 1900 + n
    return None


def _time_of(m: re.Match[str]) -> tuple[int, int] | None:
    """The (hour, minute) of a time that follows a date, or None when absent or impossible."""
    if "tm" not in m.re.groupindex or m.group("tm") is None:
        return None
    if m.group("zero"):
        return 0, 0
    if m.group("noon"):
        return 12, 0
    if m.group("H") is not None:
        h, mi = int(m.group("H")), int(m.group("M") or 0)
        if not 1 <= h <= 12:
            return None
        h = (h % 12) + (12 if m.group("ap").lower().startswith("p") else 0)
    elif m.group("H2") is not None:
        h, mi = int(m.group("H2")), int(m.group("M2"))
    else:
        h, mi = int(m.group("H3")), int(m.group("M3") or 0)
    return (h, mi) if h <= 23 and mi <= 59 else None


def _mk(y: int, mo: int, d: int) -> date | None:
    try:
        return date(y, mo, d)
    except ValueError:
        return None


def _near_year(mo: int, d: int, ref: date) -> date | None:
    """The day-month in the document's year, or the adjacent year when that is within 90 days."""
    best = _mk(ref.year, mo, d)
    for y in (ref.year - 1, ref.year + 1):
        c = _mk(y, mo, d)
        if c is None:
            continue
        gap = abs((c - ref).days)
        if gap <= 90 and (best is None or gap < abs((best - ref).days)):
            best = c
    return best


class _Finder:
    """One call of `find_dates`: the text, its patterns and the document date."""

    def __init__(self, text: str, lang: str | None, ref: date | None) -> None:
        self.text, self.lang, self.ref = text, lang, ref
        self.p = _patterns(lang)

    def weekday_start(self, start: int) -> int:
        """Extend a date back over a weekday written before it ("Friday, 8 March")."""
        m = self.p.weekday_before.search(self.text, max(0, start - 24), start)
        return m.start() if m else start

    def emit_day(self, m: re.Match[str], dt: date | None) -> Iterator[_Cand]:
        if dt is None:
            # An impossible date (30 février 2020) is no date, and its parts ("février 2020") neither.
            yield m.start(), m.end("dt"), "", "invalid", 3
            return
        start = self.weekday_start(m.start())
        t = _time_of(m)
        if t is not None:
            end = m.end("ty") if _g(m, "ty") and m.group("y") is None else m.end("tm")
            yield start, end, f"{dt.isoformat()}T{t[0]:02d}:{t[1]:02d}", "minute", 3
            return
        end = m.end("dt")
        # A full month name's trailing dot is the sentence's; an abbreviation's is the date's.
        if self.text[end - 1] == "." and _g(m, "m") and m.group("m").lower() in _FULL_MONTHS \
                and end == m.end("m") + 1:
            end -= 1
        yield start, end, dt.isoformat(), "day", 3

    def textual(self, m: re.Match[str]) -> Iterator[_Cand]:
        mo = MONTHS[m.group("m").lower()]
        d = int(re.sub(r"\D", "", m.group("d")) or 1)  # "ler" is OCR for "1er"
        y = _year4(m.group("y"), _g(m, "y2"))
        if y is None and _g(m, "ty") and _time_of(m):
            y = int(m.group("ty"))
        if y is not None:
            yield from self.emit_day(m, _mk(y, mo, d))
            return
        ref = self.ref
        if ref is None:
            return
        dt = _near_year(mo, d, ref)
        rel = (_g(m, "rel") or "").lower()
        if rel:
            # "le 6 novembre prochain": the next one after the document date; "dernier": the last before.
            dt = _mk(ref.year, mo, d)
            if dt is not None and rel == "prochain" and dt <= ref:
                dt = _mk(ref.year + 1, mo, d)
            elif dt is not None and rel == "dernier" and dt >= ref:
                dt = _mk(ref.year - 1, mo, d)
        yield from self.emit_day(m, dt)

    def month_year(self, m: re.Match[str]) -> Iterator[_Cand]:
        mo = MONTHS[m.group("m").lower()]
        y = _year4(m.group("y"), m.group("y2"))
        start = m.start()
        if y is None:
            before = _REL_BEFORE.search(self.text, max(0, start - 6), start) if self.lang != "fr" else None
            rel = (_g(m, "rel") or (before.group("r") if before else "")).lower()
            if self.ref is None or not rel:
                return
            start = before.start("r") if before else start
            fwd = rel in ("prochain", "next")
            y = self.ref.year + (1 if fwd and mo <= self.ref.month else 0) - (1 if not fwd and mo >= self.ref.month else 0)
        if 1000 <= y <= 2999:
            yield start, m.end(), f"{y:04d}-{mo:02d}", "month", 2

    def numeric(self, m: re.Match[str]) -> Iterator[_Cand]:
        a, b, ys = int(m.group("a")), int(m.group("b")), m.group("y")
        y = _year4(ys if len(ys) == 4 else None, ys if len(ys) == 2 else None) or 0
        mo, d = (a, b) if self.lang == "en" and a <= 12 else (b, a)
        yield from self.emit_day(m, _mk(y, mo, d))

    def md(self, m: re.Match[str]) -> Iterator[_Cand]:
        if self.ref is None or not self.p.md_cue_before.search(self.text, max(0, m.start() - 16), m.start()):
            return
        a, b = int(m.group("a")), int(m.group("b"))
        mo, d = (a, b) if self.lang == "en" and a <= 12 else (b, a)
        dt = _near_year(mo, d, self.ref) if 1 <= mo <= 12 else None
        if dt is not None:
            yield self.weekday_start(m.start()), m.end(), dt.isoformat(), "day", 2

    def iso(self, m: re.Match[str]) -> Iterator[_Cand]:
        dt = _mk(int(m.group("y")), int(m.group("mo")), int(m.group("d")))
        if dt is None:
            return
        if m.group("H") is not None and int(m.group("H")) <= 23 and int(m.group("M")) <= 59:
            yield m.start(), m.end(), f"{dt.isoformat()}T{m.group('H')}:{m.group('M')}", "minute", 3
        else:
            yield m.start(), m.start() + 10, dt.isoformat(), "day", 3

    def year(self, m: re.Match[str]) -> Iterator[_Cand]:
        text, s, e = self.text, m.start(), m.end()
        y1 = int(m.group("y"))
        if m.group("y2") is not None:
            y2 = int(m.group("y2"))
            if y1 < y2 <= y1 + 100 and y2 <= 2100 and not _LAW_NUMBER.search(text, max(0, s - 10), s):
                yield s, m.end("y"), str(y1), "year", 1
                yield m.start("y2"), e, str(y2), "year", 1
            return
        if _UNIT.match(text, e):
            return
        if self.p.strong_before.search(text, max(0, s - 24), s) or (
                self.p.weak_before.search(text, max(0, s - 12), s) and _AFTER_WEAK.match(text, e)):
            yield s, e, str(y1), "year", 1

    def relative(self, m: re.Match[str]) -> Iterator[_Cand]:
        ref = self.ref
        written = _WRITTEN_AFTER.match(self.text, m.end())
        if ref is None or written:
            # "This year (1912)": the writer says which year, the file's date (a 2019 e-book) does not
            if written and re.search(r"(?i)year|ann[ée]e|\ban\b", m.group()):
                yield m.start(), written.end(), written.group("year"), "year", 1
            return
        for name, delta in {"dby": -2, "dat": 2, "yest": -1, "today": 0, "tom": 1}.items():
            if _g(m, name, name + "_f"):
                yield m.start(), m.end(), (ref + timedelta(days=delta)).isoformat(), "day", 0
                return
        this = (_g(m, "this", "this_f") or "").lower()
        direction = (_g(m, "dir", "dir_f", "wdir", "wdir_f") or "").lower()
        step = 0 if direction == "this" or this else (1 if direction.startswith(("next", "prochain")) else -1)
        unit = (_g(m, "unit", "unit_f") or "").lower()
        if this:
            unit = "year" if "ann" in this else "week" if "semaine" in this else "month"
        wd_name = _g(m, "rwd", "rwd_f")
        if wd_name:
            if step == 0:
                return  # "this Tuesday" could be either side of the document date
            target = WEEKDAYS[wd_name.lower()]
            ahead = (target - ref.weekday()) % 7 or 7  # strictly after the document date
            back = (ref.weekday() - target) % 7 or 7  # strictly before it
            dt = ref + timedelta(days=ahead if step > 0 else -back)
            yield m.start(), m.end(), dt.isoformat(), "day", 0
        elif unit in ("week", "semaine"):
            monday = ref - timedelta(days=ref.weekday())
            yield m.start(), m.end(), (monday + timedelta(weeks=step)).isoformat(), "day", 0
        elif unit in ("month", "mois"):
            k = ref.year * 12 + ref.month - 1 + step
            yield m.start(), m.end(), f"{k // 12:04d}-{k % 12 + 1:02d}", "month", 0
        elif unit in ("year", "année", "an"):
            yield m.start(), m.end(), str(ref.year + step), "year", 0

    def candidates(self) -> Iterator[_Cand]:
        p, text = self.p, self.text
        if self.ref is None and _DIGIT.search(text) is None:
            return  # without a document date, every date written has a digit: a year, a day or a time
        runs: list[tuple[re.Pattern[str], Callable[[re.Match[str]], Iterator[_Cand]]]] = [
            (p.day_first, self.textual), (p.day_first_ocr, self.textual), (p.month_first, self.textual),
            (p.month_year, self.month_year), (p.numeric, self.numeric), (p.iso, self.iso), (_YEAR, self.year),
        ]
        if self.ref is not None:  # these read a date against the document's (`md` and `relative`)
            runs += [(p.md, self.md), (p.relative, self.relative)]
        for pattern, handle in runs:
            for m in pattern.finditer(text):
                yield from handle(m)


# a date written right after a relative expression, in brackets or after a comma
_WRITTEN_AFTER = re.compile(r"[ \t]*[(,][ \t]*(?P<year>(?:1[0-9]|20)\d\d)\b\)?")


def _select(cands: list[_Cand], blocked: list[tuple[int, int]]) -> list[_Cand]:
    """Keep the best candidates without overlaps: higher priority first, then longer."""
    return non_overlapping(cands, lambda c: (-c[4], c[0] - c[1], c[0]), blocked)


def find_dates(text: str, lang: str | None, doc_date: datetime | date | None = None) -> list[TextDate]:
    """All dates in `text` (French or English), in text order, without overlaps."""
    ref = doc_date.date() if isinstance(doc_date, datetime) else doc_date
    finder = _Finder(text, lang if lang in ("fr", "en") else None, ref)
    cands = list(finder.candidates())
    if not cands:
        return []
    kept = _select(cands, _blocked_spans(text) if "@" in text or "://" in text or "www." in text else [])
    return [TextDate(s, e, text[s:e], v, p) for s, e, v, p, _ in kept if p != "invalid"]
