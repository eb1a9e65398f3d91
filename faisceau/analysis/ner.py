"""Named entities with spaCy: persons, organisations, places (and MISC), French and English.

The model's spans are mapped to four types, trimmed of what is not part of a name (articles,
possessive 's, quotes, punctuation) and filtered of junk (pronouns, single letters, numbers, code).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Iterable, Iterator

from .models import load, model_for

if TYPE_CHECKING:
    from spacy.language import Language
    from spacy.tokens import Doc

# OntoNotes labels (English) and WikiNER labels (French) to ours; the rest (dates, amounts) is not a name
LABELS = {
    "PERSON": "PER", "PER": "PER", "ORG": "ORG", "GPE": "LOC", "LOC": "LOC", "FAC": "LOC",
    "NORP": "MISC", "EVENT": "MISC", "PRODUCT": "MISC", "WORK_OF_ART": "MISC", "LAW": "MISC",
    "LANGUAGE": "MISC", "MISC": "MISC",
}
TYPES = ("PER", "ORG", "LOC", "MISC")
BATCH = 256
MAX_CHARS = 50_000    # texts are read in pieces of this size (spaCy's cost grows with the piece)…
BATCH_CHARS = 50_000  # …and given to the model in batches of at most BATCH pieces and this many
# characters: the model's arrays grow with the tokens of a batch (a 165,000-token batch of a big
# spreadsheet's text asked for 182 MiB at once, over a worker's memory limit)


@dataclass(frozen=True)
class Mention:
    start: int
    end: int
    text: str
    type: str
    source: str = "model"   # model | header | corpus


def recognise(texts: list[str], lang: str | None) -> list[list[Mention]]:
    """The mentions in each text, read by the model of `lang`; offsets in code points of each text."""
    nlp = load(model_for(lang))
    pieces: list[tuple[int, int]] = []   # (text number, offset of the piece in it)
    chunks: list[str] = []
    for i, t in enumerate(texts):
        for off, piece in _pieces(t):
            pieces.append((i, off))
            chunks.append(piece)
    out: list[list[Mention]] = [[] for _ in texts]
    for (i, off), doc in zip(pieces, _read(nlp, chunks)):
        for ent in doc.ents:
            kind = LABELS.get(ent.label_)
            if kind is None:
                continue
            m = clean(doc.text, ent.start_char, ent.end_char, kind)
            if m is not None:
                s, e = m
                if kind == "PER":
                    s = with_title(doc.text, s)
                    suffix = _SUFFIX.match(doc.text, e)
                    e = suffix.end() if suffix else e
                out[i].append(Mention(s + off, e + off, doc.text[s:e], kind))
    return out


# a title or rank written just before a person's name is part of how the text names them
# ("M. Dupont", "le général Weygand", "Mr. Bezos", "Judge Hand"); the entity's key drops it again
_TITLE = re.compile(r"(?:\b(?:M|MM|Mme|Mmes|Mlle|Mr|Mrs|Ms|Dr|Pr|Prof|Me|Mgr|Gen|Col|[Cc]apt|Lt|Sgt|[Hh]on|Rev)\.?"
                    r"|\b(?:[Gg]énéral|[Mm]aréchal|[Cc]olonel|[Cc]apitaine|[Ll]ieutenant|[Cc]ommandant|[Aa]miral"
                    r"|[Dd]octeur|[Aa]bbé|[Mm]aître|[Mm]adame|[Mm]onsieur|[Mm]ademoiselle|[Cc]omte|[Cc]omtesse|[Dd]uc"
                    r"|[Dd]uchesse|[Pp]rince|[Pp]rincesse|[Bb]aron|[Mm]arquis|[Cc]itoyen|[Jj]udge|[Gg]eneral|[Cc]olonel|[Cc]aptain"
                    r"|[Aa]dmiral|[Dd]octor|Sir|Lady|Lord|President|Senator|Governor|Count|Countess|Duke|Duchess|Princess"
                    r"|King|Queen|Emperor|Baron|Citizen|Abbe))\s+$")
# …and so is a suffix written just after it ("Samuel T. Sawyer, Esq.", "John Smith Jr.")
_SUFFIX = re.compile(r",?\s+(?:Esqs?|Esquire|Jr|Sr)\b\.?")


def with_title(text: str, start: int) -> int:
    """The start of a person's mention moved back over the title written just before it."""
    t = _TITLE.search(text, max(0, start - 14), start)
    return t.start() if t else start


def _read(nlp: Language, chunks: list[str]) -> Iterator[Doc]:
    """The model's reading of each chunk, in order, in batches bounded by count and by size."""
    start = 0
    while start < len(chunks):
        end, size = start, 0
        while end < len(chunks) and end - start < BATCH and (end == start or size + len(chunks[end]) <= BATCH_CHARS):
            size += len(chunks[end])
            end += 1
        yield from nlp.pipe(chunks[start:end], batch_size=end - start)
        start = end


def _pieces(text: str) -> Iterator[tuple[int, str]]:
    """A long text in pieces cut at paragraph or line ends, so no name is cut in two."""
    start = 0
    while len(text) - start > MAX_CHARS:
        cut = text.rfind("\n", start + MAX_CHARS // 2, start + MAX_CHARS)
        if cut < 0:
            cut = text.rfind(" ", start + MAX_CHARS // 2, start + MAX_CHARS)
        if cut < 0:
            cut = start + MAX_CHARS
        yield start, text[start:cut]
        start = cut
    yield start, text[start:]


# leading articles and quotes; French articles only in lower case, so "La Rochelle" stays whole
_LEAD = re.compile(r"^(?:(?:the|The|THE|a|an|la|le|les|des|du)\s+|l['’]|[\"'«“‘(\[]\s*)+")
_TRAIL = re.compile(r"(?:'s|’s|'|’|[\s.,;:!?\"»”)\]-])+$")
_JUNK = re.compile(r"^(?:[\W\d_]+|\w\.?|[\w.-]*[=<>{}\\/@$#|][\w.-]*)$")
PRONOUNS = frozenset("""i me my you he him his she her it its we us our they them their who whom this that these
    those je tu il elle on nous vous ils elles lui leur eux moi toi ce cela ceci celui celle qui que dont
    le la les un une des du de au aux the a an of and et ou or mais but esq esquire jr sr""".split())


_BREAK = re.compile(r"\s*[\t\n\r\f\v|]")
_NUMBERS = re.compile(r"(?:[\s,]+[\d.,:/-]+)+$")
_MONTH = re.compile(r"(?i)^(?:jan|feb|fév|fev|mar|apr|avr|may|mai|jun|juin|jul|juil|aug|août|aout|sep|oct|nov|dec|déc)\w*\.?"
                    r"(?:\s+\d{1,4})*$|^\d{1,2}(?:er)?\s+\w+\.?\s+\d{2,4}$")


def clean(text: str, start: int, end: int, kind: str) -> tuple[int, int] | None:
    """Trim a span to the name it holds, or None when what is left is not a name."""
    brk = _BREAK.search(text, start, end)
    if brk:  # a name never runs over a line end, a tab or a table cell
        end = brk.start()
    span = text[start:end]
    lead = _LEAD.match(span)
    if lead and kind != "MISC":
        start += lead.end()
    span = text[start:end]
    trail = _TRAIL.search(span)
    if trail:
        # keep the full stop of an abbreviation (Corp., U.S.) and an initial (J.)
        cut = trail.start()
        if span[cut:cut + 1] == "." and re.search(r"(?:\b\w|Corp|Inc|Ltd|Co|Jr|Sr|St|Bros)$", span[:cut]):
            cut += 1
        end = start + cut
    if text[end - 1:end] == "¬":  # a word cut at a line end ("Uni¬ ted States"): the name goes on after it
        more = _GOES_ON.match(text, end)
        if more:
            end = more.end()
    span = text[start:end]
    num = _NUMBERS.search(span)
    if num:  # "Somerset 83", "Leicestershire 296": a score, not part of the name
        end -= len(num.group())
        span = text[start:end]
    if not span or any(c.isdigit() for c in span) or _MONTH.match(span) or _unbalanced(span):
        return None  # codes (EXT-01, VLAN40) and dates are not names
    if _lower_elsewhere(text, start, end, span):
        return None
    if _JUNK.match(span) or span.lower() in PRONOUNS or not any(c.isupper() for c in span[:1] + span):
        return None
    if _ROMAN.match(span) or _odd_case(span):
        return None  # "XIV" alone, "aCted" (OCR noise)
    return start, end


_GOES_ON = re.compile(r"\s*[^\W\d_]+(?:\s+[A-Z][^\W\d_]+)*")
_ROMAN = re.compile(r"^[IVXLCDM]+\.?$")


def _odd_case(span: str) -> bool:
    """A lower-case letter then a capital inside a word that starts in lower case: OCR noise ("aCted")."""
    first = span.split()[0]
    return first[:1].islower() and any(c.isupper() for c in first[1:]) and "'" not in first and "’" not in first


def _unbalanced(span: str) -> bool:
    return any(span.count(a) != span.count(b) for a, b in ("()", "[]", "{}"))


def _lower_elsewhere(text: str, start: int, end: int, span: str) -> bool:
    """A single capitalised word at the start of a sentence or line that the same text also writes in
    lower case ("Site", "Décision") is an ordinary word, not a name."""
    if " " in span or not span[:1].isupper() or span.isupper():
        return False
    before = text[max(0, start - 3):start].rstrip(" \"'«“(—-–")
    if before and before[-1:] not in ".!?:\n\t":
        return False
    low = span.lower()
    return re.search(r"(?<![\w-])" + re.escape(low) + r"(?![\w-])", text) is not None


def mentions_json(mentions: Iterable[Mention]) -> list[dict[str, object]]:
    return [{"start": m.start, "end": m.end, "text": m.text, "type": m.type, "source": m.source} for m in mentions]
