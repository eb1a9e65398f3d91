"""Teams in results and standings lines: the names a score or a table row follows are competitors.

Wire copy, sports pages and league tables write lines such as "Port Vale 2 Oxford 0",
"Partick 3 0 2 1 1 2 2", "MINNESOTA AT MILWAUKEE" or "Worcestershire 238 and 303 (...), Derbyshire
471". The model reads a town or a county there as a place and a club as a person. In such a line the
name is a team: an organisation, or, when it is a country, the country (news annotation counts a
national side as the place). Countries are Babel's territory names in English and French; nothing
here comes from annotated data.
"""

from __future__ import annotations

import re
from functools import lru_cache

from ..model.mention import Mention
from .levers import SHIPPED, Levers
from .ner import clean

_WORD = r"[A-Z][\w'’.&-]*"
_NAME = rf"{_WORD}(?:[ ](?:(?:of|upon|on|the|de|du|la)[ ])?{_WORD}){{0,3}}"
_SCORE = re.compile(rf"^[ \t]*({_NAME})[ ]+\d{{1,3}}(?:[ ]+\(\d{{1,3}}\))?[ ]+({_NAME})[ ]+\d{{1,3}}"
                    rf"(?:[ ]+\(\d{{1,3}}\))?[ \t]*$", re.M)
_TABLE = re.compile(rf"^[ \t]*({_NAME})(?:[ ]+\d{{1,3}}){{5,}}[ \t]*$", re.M)
# "Birmingham v Barnsley", and the schedules' "MINNESOTA AT MILWAUKEE" (in capitals only: "Camp at Lose
# Tree." is a place)
_CAPS = r"[A-Z][A-Z'’.&-]*(?:[ ][A-Z][A-Z'’.&-]*){0,3}"
_FIXTURE = re.compile(rf"^[ \t]*(?:({_NAME})[ ]+(?:v|vs\.?)[ ]+({_NAME})|({_CAPS})[ ]+AT[ ]+({_CAPS}))(?<!\.)[ \t]*$", re.M)
# cricket: "Nottinghamshire 214 (P. Johnson 84), Kent 108-3." — two sides' scores in one line
_INNINGS = re.compile(rf"(?:^|\)[ ]*,[ ]*|:[ ]+|,[ ]+)({_NAME})[ ]+\d{{2,3}}(?:-\d{{1,2}})?"
                      rf"(?:[ ]+and[ ]+\d{{1,3}}(?:-\d{{1,2}})?)?(?=[ ]*(?:\(|,|\.|;|$))", re.M)
_HINT = re.compile(r"\d| AT | vs?\.? ")   # a score, a table or a fixture: no line of the text is one without
MAX_LINE = 80           # a results line is short…
MAX_INNINGS_LINE = 300  # …and the innings pattern is tried on lines up to this length
HOME_NATIONS = ("England", "Scotland", "Wales", "Northern Ireland")  # they field sides of their own


@lru_cache(maxsize=1)
def countries() -> frozenset[str]:
    from babel import Locale

    names = set(HOME_NATIONS)
    for lang in ("en", "fr"):
        for code, name in Locale(lang).territories.items():
            if code.isalpha():  # "FR", "GB"; numeric codes are regions ("Western Europe")
                names.add(name)
    return frozenset(n.casefold() for n in names)


def teams(text: str) -> list[tuple[int, int, str]]:
    """(start, end, type) of the competitors named in the text's results and standings lines."""
    if not _HINT.search(text):
        return []
    found: list[tuple[int, int]] = []
    for line in re.finditer(r"[^\n]+", text):
        s = line.group()
        if len(s) > MAX_INNINGS_LINE:
            continue
        base = line.start()
        if len(s) <= MAX_LINE:
            m = _SCORE.match(s) or _FIXTURE.match(s) or _TABLE.match(s)
            if m:
                found += [(base + m.start(g), base + m.end(g)) for g in range(1, (m.lastindex or 0) + 1)
                          if m.start(g) >= 0]
                continue
        innings = list(_INNINGS.finditer(s))
        if len(innings) >= 2:
            found += [(base + m.start(1), base + m.end(1)) for m in innings]
    land = countries()
    out = []
    for a, b in found:
        kind = "LOC" if text[a:b].casefold() in land else "ORG"
        # the model's spans' filters hold here too: a month or a code heading a table row is no team
        if clean(text, a, b, kind) == (a, b):
            out.append((a, b, kind))
    return out


def with_teams(text: str, mentions: list[Mention], levers: Levers = SHIPPED) -> list[Mention]:
    """The model's mentions with the teams of results lines in place of what it read there."""
    if not levers.teams:
        return mentions
    spans = teams(text)
    if not spans:
        return mentions
    kept = [m for m in mentions if not any(m.start < b and a < m.end for a, b, _ in spans)]
    added = [Mention(a, b, text[a:b], kind, "layout") for a, b, kind in spans]
    return sorted(kept + added, key=lambda m: m.start)
