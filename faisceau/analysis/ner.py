"""Named entities with spaCy: persons, organisations, places (and MISC), French and English.

The model's spans are mapped to four types, trimmed of what is not part of a name (articles,
possessive 's, quotes, punctuation) and filtered of junk (pronouns, single letters, numbers, code).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING, Any

from ..model.mention import Mention
from .levers import SHIPPED, Levers
from .models import load, model_for
from .normalise import Normalised, normalise

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


# the model's reading of a piece, kept by the bench across switchboards: (model, piece) → entities
Memo = dict[tuple[str, str], list[tuple[int, int, str]]]


def recognise(texts: list[str], lang: str | None, levers: Levers = SHIPPED, memo: Memo | None = None
              ) -> list[list[Mention]]:
    """The mentions in each text, read by the model of `lang`; offsets in code points of each text.
    (The stages then put the teams of results lines in place of what the model read there:
    `results.with_teams`.)"""
    nlp = load(model_for(lang), levers.fr_model)
    norms = [normalise(t, levers) for t in texts]
    return _recognise(nlp, texts, norms, prepare(nlp, [n.text for n in norms], levers), levers, memo)


def recognise_each(texts: list[str], lang: str | None, levers: Levers = SHIPPED) -> list[list[Mention]]:
    """The mentions in each text as `recognise([text], lang)` finds them, with one model call for all.

    `recognise` lets the texts it is given inform each other (a word's usual casing, an old print's
    long s); a batch of unrelated documents must not, so each text is prepared alone here and only
    the model's reading is shared: for short texts, the per-call overhead was most of the time."""
    nlp = load(model_for(lang), levers.fr_model)
    norms = [normalise(t, levers) for t in texts]
    return _recognise(nlp, texts, norms, [prepare(nlp, [n.text], levers)[0] for n in norms], levers, None)


def prepare(nlp: Language, texts: list[str], levers: Levers) -> list[str]:
    """The texts as the model reads them, recased and with the long s back (offsets kept)."""
    if levers.recase:
        texts = recased(texts, levers.recase_title)
    if levers.long_s:
        texts = long_s(texts, nlp.vocab)
    return texts


def _recognise(nlp: Language, texts: list[str], norms: list[Normalised], prepared: list[str], levers: Levers,
               memo: Memo | None) -> list[list[Mention]]:
    """The mentions of `texts` as the model reads their `prepared` forms (offsets of `norms`' texts)."""
    # each distinct piece is read once: a corpus repeats datelines, signatures, quoted replies
    where: dict[str, list[tuple[int, int]]] = {}   # piece → (text number, offset of the piece in it)
    for i, t in enumerate(prepared):
        if t.lower() == t and not any(map(str.isupper, t)):
            continue  # no capital, no name: every span would be dropped (see `clean`)
        for off, piece in _pieces(t):
            where.setdefault(piece, []).append((i, off))
    out: list[list[Mention]] = [[] for _ in texts]
    for (chunk, places), ents in zip(where.items(), _entities(nlp, list(where), memo)):
        spans: list[tuple[int, int, str]] = []
        for start_char, end_char, label in ents:
            kind = LABELS.get(label)
            if kind is None:
                continue
            for ps, pe in _parts(chunk[start_char:end_char], start_char, end_char, kind, levers):
                m = clean(chunk, ps, pe, kind, levers)
                if m is None:
                    continue
                s, e = m
                if kind == "PER" and levers.titles:
                    s = with_title(chunk, s)
                    suffix = _SUFFIX.match(chunk, e)
                    e = suffix.end() if suffix else e
                spans.append((s, e, kind))
        for i, off in places:
            norm, text = norms[i], texts[i]
            for s, e, kind in spans:
                a, b = norm.span(s + off, e + off)
                out[i].append(Mention(a, b, text[a:b], kind))
    return out


def _entities(nlp: Language, chunks: list[str], memo: Memo | None) -> Iterator[list[tuple[int, int, str]]]:
    """The model's entities of each chunk, (start, end, label), in order; read again only when not in `memo`."""
    if memo is None:
        # the chunk is the doc's text: `doc.text` would join its tokens again at every call
        for doc in _read(nlp, chunks):
            yield [(e.start_char, e.end_char, e.label_) for e in doc.ents]
        return
    name = str(nlp.meta.get("name", "")) + str(nlp.meta.get("lang", ""))
    todo = [c for c in dict.fromkeys(chunks) if (name, c) not in memo]
    for c, ents in zip(todo, _entities(nlp, todo, None)):
        memo[(name, c)] = ents
    for c in chunks:
        yield memo[(name, c)]


# short words an old print wrote with a long s, which the model knows as read too (from web text)
LONG_S_WORDS = {w.replace("s", "f", 1): w for w in "est sur ses son sa si sont sans soit sous se sera seront suis".split()}
_F_WORD = re.compile(r"(?<![\w-])[^\W\d_]*f[^\W\d_]*")


def long_s(texts: list[str], vocab: Any) -> list[str]:
    """Old prints' long s read as an f by OCR ("Laufanne", "préfent", "Confeil") written back as an s
    when the model knows the word so written and not as read. Offsets are kept."""
    vectors = vocab.vectors
    if not len(vectors.key2row):
        return texts
    strings = vocab.strings
    known = lambda w: strings[w] in vectors.key2row if w in strings else False  # noqa: E731
    cache: dict[str, str] = {}
    found: list[list[re.Match[str]]] = []   # each text's words with an f, read once
    fixed = 0
    for t in texts:
        words = list(_F_WORD.finditer(t)) if "f" in t else []
        found.append(words)
        for m in words:
            w = m.group()
            new = cache.get(w)
            if new is None:
                new = w
                if len(w) > 3 and not known(w):
                    tries = [w.replace("f", "s")] + [w[:i] + "s" + w[i + 1:] for i, c in enumerate(w) if c == "f"]
                    new = next((x for x in tries if known(x)), w)
                cache[w] = new
            fixed += new != w
    if fixed >= 2:  # an old print: its short words too ("eft" is "est")
        cache.update(LONG_S_WORDS)
    out = []
    for t, words in zip(texts, found):
        parts = []
        last = 0
        for m in words:
            w = m.group()
            new = cache[w]
            if new != w:
                parts.append(t[last:m.start()])
                parts.append(new)
                last = m.end()
        out.append("".join(parts) + t[last:] if parts else t)
    return out


def _parts(text: str, start: int, end: int, kind: str, levers: Levers = SHIPPED) -> list[tuple[int, int]]:
    """A place or a person named with another by "&" ("Berne & Argovie", "Dcfelice & Btgos") is two
    names; a company keeps its "&" ("Procter & Gamble")."""
    if kind not in ("LOC", "PER") or "&" not in text or not levers.ampersand:
        return [(start, end)]
    parts, a = [], start
    for amp in re.finditer(r"\s*&\s*", text):
        parts.append((a, start + amp.start()))
        a = start + amp.end()
    parts.append((a, end))
    return parts


# a line in capitals (a headline, a dateline, a heading): no lower-case letter, two capitals at least
_NO_LOWER_LINE = re.compile(r"^[^a-zß-ÿ\n]+$", re.M)   # (one pass, no backtracking over a long line)
_TWO_CAPITALS = re.compile(r"[A-ZÀ-Þ][^A-ZÀ-Þ]*[A-ZÀ-Þ]")
_CASED_WORD = re.compile(r"[^\W\d_][\w'’-]*")


def _caps_lines(text: str) -> list[re.Match[str]]:
    return [m for m in _NO_LOWER_LINE.finditer(text) if _TWO_CAPITALS.search(m.group())]


_LINE = re.compile(r"[^\n]+")
_LONG_WORD = re.compile(r"[^\W\d_]{4,}")


def _title_lines(text: str) -> list[re.Match[str]]:
    """Headline lines in title case ("Japan Get Lucky Win In Surprise Defeat"): three words of four letters
    or more, each capitalised, and lower-case letters (else it is a line in capitals)."""
    out = []
    for m in _LINE.finditer(text):
        words = _LONG_WORD.findall(m.group())
        if len(words) >= 3 and all(w[:1].isupper() for w in words) and not all(w.isupper() for w in words):
            out.append(m)
    return out


def recased(texts: list[str], headlines: bool = False) -> list[str]:
    """The texts with their lines in capitals written as the texts write those words elsewhere.

    The model reads "SOCCER - JAPAN GET LUCKY WIN" as one organisation; with "Japan" written as the
    texts write it, it finds the country. Each word takes the casing the same texts give it most
    often outside lines in capitals (lower case, capitalised, or capitals for an acronym); a word
    they never write otherwise is capitalised, as a headline's unknown word is most often a name.
    Only the case changes, so offsets are kept. With `headlines`, lines in title case too ("Japan Get
    Lucky Win"): their capitalised words only, acronyms and lower-case words left as written."""
    caps = [_caps_lines(t) for t in texts]
    if headlines:
        caps = [sorted(c + _title_lines(t), key=lambda m: m.start()) for c, t in zip(caps, texts)]
    if not any(caps):
        return texts
    lower: Counter[str] = Counter()
    title: Counter[str] = Counter()
    upper: Counter[str] = Counter()
    for t, lines in zip(texts, caps):
        if lines:
            cut, last = [], 0
            for line in lines:
                cut.append(t[last:line.start()])
                last = line.end()
            cut.append(t[last:])
            t = "".join(cut)
        for w in _CASED_WORD.findall(t):
            if w.islower():
                lower[w] += 1
            elif w.isupper():
                upper[w] += 1
            elif w[:1].isupper():
                title[w] += 1
    out = []
    for t, lines in zip(texts, caps):
        if not lines:
            out.append(t)
            continue
        chars = list(t)
        for line in lines:
            titled = headlines and line.group() != line.group().upper()
            for w in _CASED_WORD.finditer(line.group()):
                word = w.group()
                if titled and (word.islower() or word.isupper()):
                    continue
                low = word.lower()
                cap = "-".join(p[:1].upper() + p[1:] for p in low.split("-"))
                n_low, n_cap, n_up = lower[low], title[cap], upper[word]
                if n_up > max(n_low, n_cap):
                    continue
                new = cap if 3 * n_cap >= n_low else low
                if len(new) == len(word):
                    s = line.start() + w.start()
                    chars[s:s + len(word)] = new
        out.append("".join(chars))
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
_LEAD = re.compile(r"^(?:(?:the|The|THE|a|an|la|le|les|des|du)\s+|l['’]|[\"'«“‘(\[&]\s*)+")
_TRAIL = re.compile(r"(?:'s|’s|'|’|[\s.,;:!?\"»”)\]&-])+$")
_JUNK = re.compile(r"^(?:[\W\d_]+|\w\.?|[\w.-]*[=<>{}\\/@$#|][\w.-]*)$")
PRONOUNS = frozenset("""i me my you he him his she her it its we us our they them their who whom this that these
    those je tu il elle on nous vous ils elles lui leur eux moi toi ce cela ceci celui celle qui que dont
    le la les un une des du de au aux the a an of and et ou or mais but esq esquire jr sr""".split())


_DE = re.compile(r"(?:de\s+|d['’]|du\s+|des\s+)(?=[A-ZÀ-Þ])")
_BREAK = re.compile(r"\s*[\t\n\r\f\v|]")
# a dash or a bullet with a space on each side separates two things (a page title's "Site - Page", a
# heading's "Tome II - Travaux", "Paris – Lyon"); a name's own hyphen has no spaces ("Saint-Martin")
_SEPARATOR = re.compile(r"\s+[-–—•·]\s+")
# a part of a document by its number ("Tome II", "Titre III", "Chapter 4", "Annexe IV"): the model reads
# "Tome II" as it reads "Louis II", but no one is named (a king's name is not one of these words)
_STRUCTURE = re.compile(r"(?:Tome|Titre|Chapitre|Livre|Section|Partie|Annexe|Volume|Article|Chapter|Title|Book|Part"
                        r"|Appendix|Annex|Schedule)s?\.?\s+(?:[IVXLCDM]+|\d+)\b")
_NUMBERS = re.compile(r"(?:[\s,]+[\d.,:/-]+)+$")
_MONTH = re.compile(r"(?i)^(?:jan|feb|fév|fev|mar|apr|avr|may|mai|jun|juin|jul|juil|aug|août|aout|sep|oct|nov|dec|déc)\w*\.?"
                    r"(?:\s+\d{1,4})*$|^\d{1,2}(?:er)?\s+\w+\.?\s+\d{2,4}$")


def clean(text: str, start: int, end: int, kind: str, levers: Levers = SHIPPED) -> tuple[int, int] | None:
    """Trim a span to the name it holds, or None when what is left is not a name."""
    brk = _BREAK.search(text, start, end)
    if brk:  # a name never runs over a line end, a tab or a table cell
        end = brk.start()
    sep = _SEPARATOR.search(text, start, end) if levers.separators else None
    if sep:
        end = sep.start()
    span = text[start:end]
    lead = _LEAD.match(span)
    if lead and kind != "MISC":
        start += lead.end()
    if kind in ("LOC", "ORG"):  # "de France": a place or a body never starts with "de" ("de Gaulle" may)
        de = _DE.match(text, start, end)
        if de:
            start = de.end()
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
    if levers.structure and _STRUCTURE.match(span):
        return None
    num = _NUMBERS.search(span)
    if num:  # "Somerset 83", "Leicestershire 296": a score, not part of the name
        end -= len(num.group())
        span = text[start:end]
    if not span or any(c.isdigit() for c in span) or _MONTH.match(span) or _unbalanced(span):
        return None  # codes (EXT-01, VLAN40) and dates are not names
    if levers.lower_elsewhere and _lower_elsewhere(text, start, end, span):
        return None
    if _JUNK.match(span) or span.lower() in PRONOUNS or not any(c.isupper() for c in span[:1] + span):
        return None
    if kind == "PER" and _INITIALS.match(span):
        return None  # "S. M." (Sa Majesté), "L. M.": initials alone name no one
    if _ROMAN.match(span) or _odd_case(span):
        return None  # "XIV" alone, "aCted" (OCR noise)

    return start, end


_GOES_ON = re.compile(r"\s*[^\W\d_]+(?:\s+[A-Z][^\W\d_]+)*")
_INITIALS = re.compile(r"^(?:[^\W\d_](?:\.[\s'’-]*|\s+|$))+$")
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
