"""Quoted and forwarded blocks in a message body, English and French (and the common German forms).

`parse(text)` splits a body into the writer's own text and the blocks it quotes, most recent
first: Outlook "-----Original Message-----" / "De : … Envoyé : …" header blocks, forwarded
messages ("---------- Forwarded message ---------", Lotus "Forwarded by … on …", "Message
transféré"), attributions ("On …, X wrote:", "Le …, X a écrit :") with their "> " lines.
Each block keeps the sender, date and subject it names, so that a threader can match it to the
earlier message it quotes; `fingerprint` gives a short key of a text's opening words that
survives re-wrapping and "> " prefixes.
"""

from __future__ import annotations

import hashlib
import re
import zlib
from dataclasses import dataclass, field

_ORIGINAL = re.compile(
    r"^\s*-{2,}\s*(?:original message|message d'origine|message d’origine|ursprüngliche nachricht|"
    r"mensaje original|messaggio originale)\s*-{2,}\s*$", re.IGNORECASE)
_FORWARDED = re.compile(
    r"^\s*(?:-{2,}\s*(?:forwarded message|message transféré|message transfere|weitergeleitete nachricht|"
    r"mensaje reenviado)\s*-{2,}.*|begin forwarded message\s*:|début du message réexpédié\s*:|"
    r"debut du message reexpedie\s*:)\s*$", re.IGNORECASE)
_LOTUS = re.compile(r"^\s*-{3,}\s*Forwarded by\s+(?P<by>.+?)\s+on\s+(?P<date>.+?)\s*-{3,}\s*$", re.IGNORECASE)
_LOTUS_FROM = re.compile(r"^\s*(?P<sender>\S.{1,120}?)\s+on\s+(?P<date>\d{1,2}/\d{1,2}/\d{2,4}\s+\d{1,2}:\d{2}(?::\d{2})?"
                         r"\s*(?:AM|PM)?)\s*$", re.IGNORECASE)
_HEADER = re.compile(
    r"^\s*\*?(?P<key>from|de|von|sent|date|envoyé|envoye|gesendet|datum|to|à|a|an|cc|bcc|cci|subject|objet|"
    r"betreff|sujet|importance|priority|reply-to|répondre à)\s*\*?\s*:\s*\*?(?P<value>.*)$", re.IGNORECASE)
_ATTR_START = re.compile(r"^\s*(?:On|Le|Am|El|Il)\s+\S", re.IGNORECASE)
_ATTR_END = re.compile(r"(?:wrote|a écrit|a ecrit|schrieb|escribió|ha scritto)\s*:\s*$", re.IGNORECASE)
_ATTR_FULL = re.compile(r"^\s*(?:On|Le|Am|El|Il)\s+(?P<body>.+?)\s+(?:wrote|a écrit|a ecrit|schrieb|escribió|"
                        r"ha scritto)\s*:\s*$", re.IGNORECASE)
_NAME_WROTE = re.compile(r"^\s*(?P<sender>[^>\s][^:>]{1,80}?)\s+(?:wrote|a écrit|a ecrit|schrieb)\s*:\s*$",
                         re.IGNORECASE)
_ANGLE = re.compile(r"<([^<>\s]+@[^<>\s]+)>")
_FROM_DATE = re.compile(r"^(?P<sender>.+?)\s{2,}(?P<date>\d{1,2}/\d{1,2}/\d{2,4}\s+\d{1,2}:\d{2}.*)$")

_KEYS = {"from": "sender", "de": "sender", "von": "sender", "sent": "date", "date": "date", "envoyé": "date",
         "envoye": "date", "gesendet": "date", "datum": "date", "to": "to", "à": "to", "a": "to", "an": "to",
         "subject": "subject", "objet": "subject", "betreff": "subject", "sujet": "subject"}


@dataclass
class Block:
    """One quoted or forwarded message inside a body."""

    kind: str                      # original | forward | header | attribution | quote
    sender: str = ""
    date: str = ""
    subject: str = ""
    to: str = ""
    lines: list[str] = field(default_factory=list)

    @property
    def body(self) -> str:
        return "\n".join(_unquote(x) for x in self.lines)


@dataclass
class Parsed:
    own: str
    blocks: list[Block]


_QUOTE_MARKS = re.compile(r"^(?:\s*>)+ ?")


def _unquote(line: str) -> str:
    return _QUOTE_MARKS.sub("", line) if ">" in line[:40] else line


def _header_block(lines: list[str], i: int, block: Block) -> int:
    """Read "Key: value" lines from i into `block`; return the index after them (and the blank after)."""
    seen = 0
    last = ""
    while i < len(lines):
        line = _unquote(lines[i])
        m = _HEADER.match(line)
        if m and not (m["key"].lower() == "a" and not m["value"].strip()):
            key = _KEYS.get(m["key"].lower())
            last = key or ""
            if key and not getattr(block, key):
                setattr(block, key, m["value"].strip())
            seen += 1
        elif not line.strip():
            if seen:
                return i + 1
        elif seen and line[:1] in " \t" and last in ("to", "subject"):
            setattr(block, last, getattr(block, last) + " " + line.strip())
        elif not seen and (lm := _LOTUS_FROM.match(line)):
            block.sender, block.date = lm["sender"].replace('"', "").strip(), lm["date"]
            seen += 1
        else:
            return i
        i += 1
    return i


def _attribution(text: str) -> tuple[str, str]:
    """(sender, date) of an attribution such as "On Sun, 14 Nov 2010 at 19:05 -0800, Joe Perches wrote:"."""
    m = _ATTR_FULL.match(text)
    if not m:
        n = _NAME_WROTE.match(text)
        return (n["sender"].strip().strip('"'), "") if n else ("", "")
    body = m["body"].strip().rstrip(",")
    a = _ANGLE.search(body)
    if a:
        before = body[:a.start()].rstrip()
        # the name is what follows the date: after the last comma, or the words after a time
        name = before.rsplit(",", 1)[-1].strip() if "," in before else ""
        tm = re.search(r"\d{1,2}[:h]\d{2}(?::\d{2})?\s*(?:AM|PM)?\s*(?:[+-]\d{4})?\s*", before, re.IGNORECASE)
        if tm and (not name or re.search(r"\d", name)):
            name = before[tm.end():].strip()
            date = before[:tm.end()].strip()
        else:
            date = before.rsplit(",", 1)[0] if "," in before else before
        return (f"{name} <{a[1]}>".strip() if name else a[1]), date.strip(" ,")
    if "," in body:
        date, name = body.rsplit(",", 1)
        return name.strip().strip('"'), date.strip()
    return "", body


def parse(text: str) -> Parsed:
    """The writer's own text and the blocks it quotes, in order of appearance (most recent first)."""
    lines = (text or "").splitlines()
    own: list[str] = []
    blocks: list[Block] = []
    cur: Block | None = None       # the block being read; None while reading the writer's own text
    nested = False                 # inside a header-style block, which runs to the end of the body
    i = 0
    while i < len(lines):
        line = lines[i]
        plain = _unquote(line)
        new: Block | None = None
        nxt = i + 1
        if ":" not in plain and "--" not in plain and not (
                i + 1 < len(lines) and ":" in lines[i + 1] and _ATTR_START.match(plain)):
            pass  # every marker has a colon or a dashed rule (or is an attribution ending on the next line)
        elif _ORIGINAL.match(plain) or _FORWARDED.match(plain):
            new = Block("original" if _ORIGINAL.match(plain) else "forward")
            nxt = _header_block(lines, i + 1, new)
        elif (lm := _LOTUS.match(plain)):
            new = Block("forward", date=lm["date"])
            j = i + 1
            while j < len(lines) and not lines[j].strip():
                j += 1
            nxt = _header_block(lines, j, new)
        elif (hm := _HEADER.match(plain)) and _KEYS.get(hm["key"].lower()) == "sender" and _follows_header(lines, i):
            new = Block("header")
            nxt = _header_block(lines, i, new)
            fd = _FROM_DATE.match(new.sender)
            if fd and not new.date:
                new.sender, new.date = fd["sender"].strip(), fd["date"].strip()
        elif _ATTR_START.match(plain) and i + 1 < len(lines) and not _ATTR_END.search(plain) \
                and _ATTR_END.search(plain + " " + _unquote(lines[i + 1]).strip()) and len(plain) < 200:
            sender, date = _attribution(plain + " " + _unquote(lines[i + 1]).strip())
            new, nxt = Block("attribution", sender=sender, date=date), i + 2
        elif _ATTR_END.search(plain) and len(plain) < 250 and (_ATTR_FULL.match(plain) or _NAME_WROTE.match(plain)):
            sender, date = _attribution(plain)
            new = Block("attribution", sender=sender, date=date)
        if new is not None:
            new.sender = new.sender.removeprefix("mailto:")
            blocks.append(new)
            cur = new
            nested = nested or new.kind != "attribution"
            i = nxt
            continue
        quoted = line.lstrip().startswith(">")
        if cur is None:
            if quoted:
                cur = Block("quote")
                blocks.append(cur)
                cur.lines.append(line)
            else:
                own.append(line)
        elif nested or quoted or not line.strip():
            cur.lines.append(line)
        else:
            # bottom-posting: a plain line after "> " lines is the writer's own text again
            cur = None
            own.append(line)
        i += 1
    return Parsed("\n".join(own).strip(), blocks)


def _follows_header(lines: list[str], i: int) -> bool:
    """A "From:" line starts a quoted header block when a Sent/Date/To line follows within 4 lines."""
    for j in range(i + 1, min(i + 5, len(lines))):
        m = _HEADER.match(_unquote(lines[j]))
        if m and _KEYS.get(m["key"].lower()) in ("date", "to", "subject"):
            return True
    return False


def fingerprint(text: str, size: int = 160, minimum: int = 40) -> str | None:
    """A key of a text's first `size` letters and digits (case, spacing and "> " ignored); None if too short."""
    got: list[str] = []
    n = 0
    for line in (text or "").splitlines():
        letters = "".join(ch for ch in _unquote(line).casefold() if ch.isalnum())
        got.append(letters)
        n += len(letters)
        if n >= size:
            break
    joined = "".join(got)
    if len(joined) < minimum:
        return None
    return hashlib.sha1(joined[:size].encode("utf-8")).hexdigest()[:16]


_WORDS = re.compile(r"\w+", re.UNICODE)
SHINGLE = 4          # words per shingle: long enough that common phrases rarely match by chance
SHINGLE_MOD = 4      # a shingle is kept when its hash is a multiple of this: the same ones in both texts
SHINGLE_CAP = 64     # most shingles kept per text (the opening of a long text is enough to recognise it)


def shingles(text: str, cap: int = SHINGLE_CAP) -> tuple[int, ...]:
    """A sample of the text's 4-word shingles (hashed; "> " marks, case and spacing ignored).

    The sample keeps the shingles whose hash is a multiple of SHINGLE_MOD, so two texts that
    share a passage keep the same shingles of it whatever surrounds them: a reply's quoted
    block and the message it quotes can be compared by their samples alone.
    """
    words: list[str] = []
    for line in (text or "").splitlines():
        words += _WORDS.findall(_unquote(line).casefold())
    out: list[int] = []
    seen: set[int] = set()
    for i in range(len(words) - SHINGLE + 1):
        h = zlib.crc32(" ".join(words[i:i + SHINGLE]).encode("utf-8"))
        if h % SHINGLE_MOD == 0 and h not in seen:
            seen.add(h)
            out.append(h)
            if len(out) >= cap:
                break
    return tuple(out)


def quoted_parent_text(blocks: list[Block]) -> str:
    """The text a reply quotes from the message it answers: the first block, and the inline "> "
    runs that continue it, at their shallowest quoting depth (deeper lines are older messages)."""
    if not blocks:
        return ""
    lines = list(blocks[0].lines)
    for b in blocks[1:]:
        if b.kind != "quote":
            break
        lines += b.lines
    depths = [_depth(x) for x in lines if _unquote(x).strip()]
    if not depths:
        return ""
    top = min(depths)
    return "\n".join(_unquote(x) for x in lines if _depth(x) == top)


def _depth(line: str) -> int:
    m = _QUOTE_MARKS.match(line)
    return m.group(0).count(">") if m and ">" in line[:40] else 0


_MONTHS = {m: i for i, names in enumerate((
    ("jan", "january", "janv", "janvier", "januar"), ("feb", "february", "fév", "fev", "févr", "fevr", "février",
                                                       "fevrier", "februar"),
    ("mar", "march", "mars", "märz", "maerz"), ("apr", "april", "avr", "avril"), ("may", "mai"),
    ("jun", "june", "juin", "juni"), ("jul", "july", "juil", "juillet", "juli"), ("aug", "august", "août", "aout"),
    ("sep", "sept", "september", "septembre"), ("oct", "october", "octobre", "okt", "oktober"),
    ("nov", "november", "novembre"), ("dec", "december", "déc", "décembre", "decembre", "dez", "dezember")), 1)
    for m in names}
_MONTH_RE = "|".join(sorted((re.escape(m) for m in _MONTHS), key=len, reverse=True))
_D_NAMED = re.compile(rf"\b(?P<d>\d{{1,2}})(?:er)?\.?\s+(?P<mon>{_MONTH_RE})\.?,?\s+(?P<y>\d{{4}})", re.IGNORECASE)
_NAMED_D = re.compile(rf"\b(?P<mon>{_MONTH_RE})\.?\s+(?P<d>\d{{1,2}}),?\s+(?P<y>\d{{4}})", re.IGNORECASE)
_ISO = re.compile(r"\b(?P<y>\d{4})-(?P<m>\d{2})-(?P<d>\d{2})")
_SLASH = re.compile(r"\b(?P<m>\d{1,2})/(?P<d>\d{1,2})/(?P<y>\d{2,4})\b")
_TIME = re.compile(r"\b(?P<h>\d{1,2})[:h](?P<mi>\d{2})(?::(?P<s>\d{2}))?\s*(?P<ap>[ap]\.?m\.?)?(?:\s*(?P<tz>[+-]\d{4}))?",
                   re.IGNORECASE)


def loose_date(text: str) -> tuple[float, bool] | None:
    """(epoch seconds, whether the offset was given) of a date as mail clients write it in quotes.

    Without an offset the time is the writer's local time, returned as if it were UTC: a
    matcher then allows any whole quarter-hour offset.
    """
    import calendar
    import email.utils

    t = (text or "").strip()
    if not t:
        return None
    parsed = email.utils.parsedate_tz(t)
    if parsed and parsed[0] > 1900:
        return float(email.utils.mktime_tz(parsed)), parsed[9] is not None
    y = mo = d = None
    for rx in (_ISO, _D_NAMED, _NAMED_D, _SLASH):
        m = rx.search(t)
        if m:
            y = int(m["y"])
            y = y + 2000 if y < 50 else y + 1900 if y < 100 else y
            mo = _MONTHS.get(m["mon"].lower().rstrip(".")) if "mon" in m.groupdict() else int(m["m"])
            d = int(m["d"])
            rest = t[m.end():]
            break
    if not (y and mo and d) or not 1 <= mo <= 12 or not 1 <= d <= 31:
        return None
    h = mi = s = 0
    tz = None
    tm = _TIME.search(rest) or _TIME.search(t)
    if tm:
        h, mi, s = int(tm["h"]), int(tm["mi"]), int(tm["s"] or 0)
        ap = (tm["ap"] or "").lower().replace(".", "")
        if ap == "pm" and h < 12:
            h += 12
        elif ap == "am" and h == 12:
            h = 0
        tz = tm["tz"]
    if h > 23 or mi > 59 or s > 59:
        return None
    try:
        epoch = float(calendar.timegm((y, mo, d, h, mi, s, 0, 0, 0)))
    except (ValueError, OverflowError):
        return None
    if tz:
        sign = 1 if tz[0] == "+" else -1
        epoch -= sign * (int(tz[1:3]) * 3600 + int(tz[3:5]) * 60)
    return epoch, bool(tz)
