"""Mail artefacts read as text before the entity model sees it: Lotus Notes / X.500 addresses, inline
placeholders and subject lines.

A mail text is full of machine furniture the model takes for names: Lotus Notes addresses
("John Arnold/HOU/ECT@ECT", "Shelley Corman/ET&S/Enron@Enron", "Ramon Pizarro/ENRON_DEVELOPMENT@
ENRON_DEVELOPMENT") gave canonical names such as "John Arnold/HOU", "S/Enron@ENRON" and
"ENRON_DEVELOPMENT"; the "[IMAGE]" an HTML mail leaves where a picture was became an entity with
thousands of mentions. `masked` blanks that furniture with spaces (same length, so every offset
still points into the stored text): the person's name before a Lotus address stays and is read as a
name. `subject_lines` finds the lines that are a subject ("Subject: Lavorato Mtg", the calendar
entry whose first line repeats its subject): the words of a subject are a topic, not a person.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

# A Lotus Notes / X.500 hierarchical address after a name: "/OU[/OU…]@DOMAIN[@DOMAIN]" — the
# organisational units may hold "&" ("ET&S") and "_" ("ENRON_DEVELOPMENT"); the domain has no dot
# (a dot would make it an Internet address, which the identifiers stage keeps).
_LOTUS_TAIL = re.compile(r"(?:/[\w&.'-]+(?: [A-Z][\w&'-]*)*)+@[\w&-]+(?: [A-Z][\w&-]*)*(?:@[\w&-]+)*(?![\w.@-])")
# …and without its domain, as Notes prints a forwarder ("Forwarded by Steven J Kean/NA/Enron on
# 01/02/2001") or a list ("cc: Errol McLaughlin/Corp/Enron, …"), or a line cuts it ("Mausser/HOU/"):
# units that start with a capital, right after a lower-case letter, then " on", a comma or a line end
_LOTUS_UNITS = re.compile(r"(?<=[a-z])(?:/[A-Z][\w&'-]*)+/?(?=[ \t]+on\b|[ \t]*[,;(]|[ \t]*$)", re.M)
# …or two units or more, one of them in capitals, wherever it stands ("Scott Neal/HOU/ECT (Invited)");
# "Upgrades/Downgrades/Coverage" has no unit in capitals and stays
_LOTUS_CAPS_UNITS = re.compile(r"(?<=[a-z])(?=(?:/[A-Z][\w&'-]*)*/[A-Z&]{2,}(?![\w'-]))(?:/[A-Z][\w&'-]*){2,}/?")
# the rest of a cut address ("ECT@ECT", "Communications@Enron Communications" on the next line): a
# capitalised word at a dotless domain, not right after another word ("Sally Beck@ECT" keeps "Beck")
_CAPS_AT = re.compile(r"(?<![\w.@-])(?<![A-Za-z] )[A-Z][\w&-]*@[A-Za-z][\w&-]*(?: [A-Z][\w&-]*)*(?![\w.@-])")
# "Sally Beck@ECT", "Karen S Owens@ees", "Andrea Richards @ ENRON": a Notes name at a bare domain
_NOTES_AT = re.compile(r"(?<=[a-z])(?: @ |@)[A-Za-z][A-Za-z_&-]+(?:@[A-Za-z][\w&-]*)*(?![\w.@-])")
# a unit alone, as Notes prints the sender's domain or a wrapped address ends: "@ENRON_DEVELOPMENT"
_UNDERSCORED = re.compile(r"(?<![\w])@?[A-Z]+(?:_[A-Z]+)+(?![\w])")
# what a mail client writes where an image or an attachment was: "[IMAGE]", "<<File: a.doc>>",
# "<< OLE Object: Picture (Metafile) >>", "<<...>>" (seen in the Enron mailboxes)
_PLACEHOLDER = re.compile(r"\[(?:IMAGE|image|Image|cid:[^\]\n]{0,200})\]|<<[^<>\n]{0,200}>>")

_SUBJECT_FIELD = re.compile(r"(?im)^[ \t>]*(?:Subject|Objet|Sujet|Betreff|Asunto|Oggetto|RE|Re|TR|Fwd?|FW)[ \t]*:[^\n]*")


def masked(text: str) -> str:
    """The text with mail furniture blanked by spaces (same length: offsets are kept)."""
    if not any(c in text for c in "@/[_") and "<<" not in text:
        return text
    chars: list[str] | None = None
    for pattern in (_LOTUS_TAIL, _LOTUS_UNITS, _LOTUS_CAPS_UNITS, _CAPS_AT, _NOTES_AT, _UNDERSCORED, _PLACEHOLDER):
        for m in pattern.finditer(text):
            if chars is None:
                chars = list(text)
            s, e = m.span()
            # a line end inside keeps its place, so lines stay lines for the model and the rules
            chars[s:e] = ["\n" if c == "\n" else " " for c in text[s:e]]
    return text if chars is None else "".join(chars)


def subject_lines(text: str, meta: dict[str, Any]) -> list[tuple[int, int]]:
    """The (start, end) of each line of the text that is a subject: a "Subject:" field of a quoted
    or forwarded header, or a line that repeats the message's own subject."""
    out = [m.span() for m in _SUBJECT_FIELD.finditer(text)]
    subject = " ".join(str(meta.get("subject") or "").split())
    subject = re.sub(r"(?i)^(?:(?:re|fwd?|fw|tr)\s*:\s*)+", "", subject)
    if len(subject) >= 4:
        pattern = re.compile(r"(?m)^[ \t]*" + r"\s+".join(map(re.escape, subject.split())) + r"[ \t]*$")
        out += [m.span() for m in pattern.finditer(text)]
    return sorted(out)


def within(spans: Iterable[tuple[int, int]], start: int, end: int) -> bool:
    """Whether [start, end) lies inside one of the spans."""
    return any(s <= start and end <= e for s, e in spans)
