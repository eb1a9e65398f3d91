"""The synthetic search corpus of `bench/search.py`, derived from the real shared corpora.

Real documents: every message of `enron_mbox/mbox` (parsed with `email.policy.default`:
subject, text/plain body, From/To/Cc addresses, display names from the address or from
X-From/X-To, Date; exact duplicates across folders dropped on (from, date, subject, body)) and
every page of `fr-assemblee-nationale-dossiers` (ISO-8859-1 HTML read as windows-1252, its
superset; text of <body> by selectolax without <script>/<style>, title from <title>, date from
the last French date written in the text). Enron is language "en", the pages "fr".

Synthetic document n (deterministic: one `random.Random` per chunk, seeded with the seed and
the chunk number): base = the real documents in a seeded shuffle, cycled; text = the base's
own paragraphs plus 1–3 paragraphs of other real documents of the same language, shuffled, then
cut at the paragraph boundary nearest to the base's own length (so the average length stays
close to the real documents'); fresh id `synth-n`, path `synth/<n>/<base name>`, the base's
title, sender and recipients, its date moved by up to ±2 years (offset kept), kind email / html.

Queries and batch names are drawn from the same data, deterministically (`make_queries`, `names`).
"""

from __future__ import annotations

import datetime as dt
import email
import email.policy
import hashlib
import itertools
import mailbox
import random
import re
import sqlite3
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from selectolax.lexbor import LexborHTMLParser as HTMLParser

from faisceau.index.documents import Address, IndexDoc

FR_MONTHS = {m: i + 1 for i, m in enumerate(
    "janvier février mars avril mai juin juillet août septembre octobre novembre décembre".split())}
_FR_DATE = re.compile(r"\b(\d{1,2})(?:er)?\s+(" + "|".join(FR_MONTHS) + r")\s+((?:19|20)\d\d)\b", re.IGNORECASE)
_WORD = re.compile(r"[^\W_]+")          # a run of letters/digits: what both tokenizers see as a word
_NAME_WORD = re.compile(r"^[^\W\d_]{2,}$")
TYPES = ("common", "rare", "two-term", "match-all")
SKIP_WORDS = {"and", "or", "not", "near", "to"}   # operators on one side or the other


@dataclass
class Base:
    """One real document, cut into paragraphs for recombination."""

    name: str
    kind: str
    language: str
    title: str
    paras: list[str]
    date: dt.datetime | None
    senders: list[Address] = field(default_factory=list)
    to: list[Address] = field(default_factory=list)
    cc: list[Address] = field(default_factory=list)

    @property
    def length(self) -> int:
        return sum(len(p) for p in self.paras) + 2 * max(0, len(self.paras) - 1)


def _addresses(msg: email.message.EmailMessage, header: str, names_header: str) -> list[Address]:
    """Addresses of a header; names from X-From/X-To when the header has none (Enron's case)."""
    try:
        h = msg[header]
        found = [Address(a.addr_spec.lower(), a.display_name) for a in (h.addresses if h is not None else ())]
    except (TypeError, ValueError, IndexError, AttributeError):  # malformed Enron headers: keep none
        return []
    found = [a for a in found if a.address and a.address != "<>"]
    raw = str(msg.get(names_header) or "")
    names = [re.sub(r"<[^>]*>", "", n).strip(" '\"") for n in raw.split(",")] if raw else []
    if len(names) == len(found):
        for a, n in zip(found, names):
            if not a.name and n and "@" not in n:
                a.name = n
    return found


def _split_paras(text: str, min_len: int = 200) -> list[str]:
    """Paragraphs at blank lines; short ones are glued to the next so each is a real passage."""
    out, cur = [], ""
    for p in re.split(r"\n\s*\n", text.strip()):
        p = p.strip()
        if not p:
            continue
        cur = f"{cur}\n\n{p}" if cur else p
        if len(cur) >= min_len:
            out.append(cur)
            cur = ""
    if cur:
        out.append(cur)
    return out


def read_enron(folder: Path, limit: int = 0) -> list[Base]:
    """The distinct messages of every mbox in `folder` (at most `limit` files if set)."""
    files = sorted(p for p in folder.iterdir() if p.is_file())
    if limit:
        files = files[:limit]
    seen: set[bytes] = set()
    out = []
    for path in files:
        box = mailbox.mbox(str(path), create=False)
        for i, key in enumerate(box.keys()):
            msg = email.message_from_bytes(box.get_bytes(key), policy=email.policy.default)
            try:
                part = msg.get_body(("plain",))
                body = part.get_content() if part is not None else ""
            except (LookupError, ValueError):
                body = ""
            subject = str(msg.get("subject") or "")
            try:
                d = msg["date"].datetime if msg["date"] is not None else None
            except (TypeError, ValueError, AttributeError):
                d = None
            senders = _addresses(msg, "from", "x-from")
            key_ = hashlib.md5("\x00".join([",".join(a.address for a in senders), str(d), subject, body])
                               .encode("utf-8", "surrogatepass")).digest()
            if key_ in seen:
                continue
            seen.add(key_)
            paras = _split_paras(body)
            if not paras and not subject:
                continue
            out.append(Base(f"{path.name}-{i}.eml", "email", "en", subject, paras or [subject], d,
                            senders, _addresses(msg, "to", "x-to"), _addresses(msg, "cc", "x-cc")))
    return out


def read_assemblee(folder: Path, limit: int = 0) -> list[Base]:
    """The pages of the Assemblée nationale dossiers (at most `limit` if set)."""
    files = sorted(p for p in folder.rglob("*.asp") if p.is_file())
    if limit:
        files = files[:limit]
    out = []
    for path in files:
        tree = HTMLParser(path.read_bytes().decode("cp1252", errors="replace"))
        tree.strip_tags(["script", "style", "noscript"])
        t = tree.css_first("title")
        title = " ".join(t.text().split()) if t is not None else path.stem
        body = tree.body.text(separator="\n") if tree.body is not None else ""
        lines = [" ".join(line.split()) for line in body.splitlines()]
        # one text node per line: glue lines into passages of a few hundred characters
        paras, cur = [], []
        for line in lines:
            if line:
                cur.append(line)
            if sum(map(len, cur)) >= 300:
                paras.append("\n".join(cur))
                cur = []
        if cur:
            paras.append("\n".join(cur))
        if not paras:
            continue
        dates = [d for m in _FR_DATE.findall(" ".join(paras)) if (d := _fr_date(*m)) is not None]
        name = "-".join(path.relative_to(folder).parts)
        out.append(Base(name, "html", "fr", title, paras, max(dates) if dates else None))
    return out


def _fr_date(day: str, month: str, year: str) -> dt.datetime | None:
    """A date written in French (`12 juin 2003`), or None when it is not a real day (`31 juin`)."""
    try:
        return dt.datetime(int(year), FR_MONTHS[month.lower()], int(day), 12, tzinfo=dt.UTC)
    except (KeyError, ValueError):
        return None


def fold(word: str) -> str:
    """Lower case without accents: the form FTS5 (remove_diacritics 2) and faisceau's fold agree on."""
    return "".join(c for c in unicodedata.normalize("NFKD", word.lower()) if not unicodedata.combining(c))


def words(text: str) -> list[str]:
    """The words of `text` as both tokenizers cut them (runs of letters and digits)."""
    return _WORD.findall(text)


class Corpus:
    """N synthetic documents over a list of real ones, generated chunk by chunk, always the same."""

    def __init__(self, bases: list[Base], n: int, seed: int = 1) -> None:
        self.n = n
        self.seed = seed
        self.bases = list(bases)
        random.Random(seed).shuffle(self.bases)
        self.pool: dict[str, list[str]] = {}
        for b in self.bases:
            self.pool.setdefault(b.language, []).extend(b.paras)

    def chunks(self, size: int) -> Iterator[list[IndexDoc]]:
        for start in range(0, self.n, size):
            rng = random.Random(self.seed * 1_000_003 + start // size)
            yield [self.make(i, rng) for i in range(start, min(self.n, start + size))]

    def make(self, n: int, rng: random.Random) -> IndexDoc:
        base = self.bases[n % len(self.bases)]
        pool = self.pool[base.language]
        paras = base.paras + [rng.choice(pool) for _ in range(rng.randint(1, 3))]
        rng.shuffle(paras)
        taken: list[str] = []
        target, size = base.length, 0
        for p in paras:
            # stop at the paragraph boundary nearest to the base's own length
            if taken and size + len(p) - target > target - size:
                break
            taken.append(p)
            size += len(p) + 2
        date = None
        if base.date is not None:
            d = base.date + dt.timedelta(seconds=rng.randint(-730 * 86400, 730 * 86400))
            date = d.isoformat()
        return IndexDoc(id=f"synth-{n}", path=f"synth/{n}/{base.name}", text="\n\n".join(taken),
                        title=base.title, language=base.language, kind=base.kind,
                        mime="message/rfc822" if base.kind == "email" else "text/html", date=date,
                        senders=base.senders, to=base.to, cc=base.cc, has=["text"])


def names(bases: list[Base], want: int, seed: int = 1) -> list[str]:
    """`want` person names / capitalised words as queries: phrases for full names, bare words else.

    Display names of Enron senders and recipients first, then French capitalised words that do
    not start a sentence; if that is not enough, first names combined with last names.
    """
    full: dict[str, None] = {}
    singles: dict[str, None] = {}
    for b in bases:
        for a in (*b.senders, *b.to, *b.cc):
            parts = [w for w in re.split(r"[\s,.]+", a.name) if _NAME_WORD.match(w)]
            if len(parts) >= 2:
                full[" ".join(parts[:3])] = None
    for b in bases:
        if b.language != "fr":
            continue
        for p in b.paras:
            for m in re.finditer(r"(?<=[a-zà-ÿ,;] )([A-ZÉÈ][a-zà-ÿ]{2,})\b", p):
                singles[m[1]] = None
    rng = random.Random(seed)
    fulls, ones = sorted(full), sorted(singles)
    rng.shuffle(fulls)
    rng.shuffle(ones)
    # mostly full names (what a batch of people to screen looks like), a fifth single words
    ones = ones[:want // 5]
    out = [f'"{n}"' for n in fulls[:want - len(ones)]] + ones
    rng.shuffle(out)
    if len(out) < want:
        firsts = sorted({n.split()[0] for n in fulls})
        lasts = sorted({n.split()[-1] for n in fulls})
        seen = set(out)
        while len(out) < want and firsts and lasts:
            q = f'"{rng.choice(firsts)} {rng.choice(lasts)}"'
            if q not in seen:
                seen.add(q)
                out.append(q)
    return out[:want]


# -- queries -------------------------------------------------------------------------------------

def vocabulary(db: sqlite3.Connection) -> dict[str, int]:
    """Document frequency of every plain word (3–20 ASCII letters after folding) in the FTS5 index."""
    db.execute("CREATE VIRTUAL TABLE temp.vocab USING fts5vocab(main, fts, 'row')")
    out = {}
    for term, df in db.execute("SELECT term, doc FROM temp.vocab"):
        if 3 <= len(term) <= 20 and term.isascii() and term.isalpha() and term not in SKIP_WORDS:
            out[term] = df
    return out


def make_queries(vocab: dict[str, int], bases: list[Base], n_docs: int, n: int, n_all: int,
                 seed: int) -> list[tuple[str, str, str | None]]:
    """(type, faisceau query, FTS5 query or None for match-all), the types interleaved."""
    rng = random.Random(seed + 7)
    k = n // 3
    common = sorted(t for t, df in vocab.items() if df > n_docs / 100)
    rare = sorted(t for t, df in vocab.items() if 3 <= df <= 100 and len(t) >= 4)
    mid = {t for t, df in vocab.items() if df >= max(20, n_docs // 2000)}
    def pick(pool: list[str]) -> list[str]:
        return rng.sample(pool, k) if len(pool) >= k else rng.choices(pool, k=k)

    qs: dict[str, list[tuple[str, str, str | None]]] = {
        "common": [("common", t, f'"{t}"') for t in pick(common)],
        "rare": [("rare", t, f'"{t}"') for t in pick(rare)],
        "two-term": []}
    while len(qs["two-term"]) < k:
        base = rng.choice(bases)
        para = rng.choice(base.paras)
        toks = [fold(w) for w in words(para)]
        if len(qs["two-term"]) % 2 == 0:   # two words of one real document
            cand = sorted({t for t in toks if t in mid and t in vocab})
            if len(cand) >= 2:
                a, b = rng.sample(cand, 2)
                qs["two-term"].append(("two-term", f"{a} AND {b}", f'"{a}" AND "{b}"'))
        else:                              # a phrase of two adjacent words
            pairs = [(a, b) for a, b in itertools.pairwise(toks) if a in vocab and b in vocab and a != b]
            if pairs:
                a, b = rng.choice(pairs)
                qs["two-term"].append(("two-term", f'"{a} {b}"', f'"{a} {b}"'))
    out: list[tuple[str, str, str | None]] = []
    step = max(1, (3 * k) // max(1, n_all))
    for i in range(k):
        out += [qs["common"][i], qs["rare"][i], qs["two-term"][i]]
    for j in range(n_all):
        out.insert(min(len(out), j * (step + 1)), ("match-all", "", None))
    return out
