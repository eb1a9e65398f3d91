"""From an e-mail document (metadata and body, as the extractor stored them) to a `MailRecord`."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from . import people, quotes, subjects
from .copies import same_message_key
from .threader import MailRecord, Quote, norm_mid

_MID = re.compile(r"<[^<>]+>")
MAX_QUOTES = 8


def header(metadata: dict[str, Any], name: str) -> str:
    """The first value of a header, or ""."""
    low = name.lower()
    for pair in metadata.get("headers") or []:
        if len(pair) == 2 and str(pair[0]).lower() == low:
            return str(pair[1])
    return ""


def msg_ids(value: str) -> tuple[str, ...]:
    out = [norm_mid(x) for x in _MID.findall(value or "")]
    return tuple(x for x in out if x)


def epoch(date_utc: str | None) -> float | None:
    if not date_utc:
        return None
    try:
        d = dt.datetime.fromisoformat(str(date_utc))
    except ValueError:
        return None
    if d.tzinfo is None:
        d = d.replace(tzinfo=dt.UTC)
    return d.timestamp()


def addresses(metadata: dict[str, Any], role: str) -> list[dict[str, Any]]:
    return [a for a in metadata.get(role) or [] if isinstance(a, dict)]


def address_of(a: dict[str, Any]) -> str:
    return str(a.get("address") or a.get("x500") or a.get("raw") or "").strip().lower()


def build(doc_id: str, source: str, metadata: dict[str, Any], text: str) -> MailRecord:
    """The threader's view of one e-mail."""
    senders = addresses(metadata, "from")
    sender = address_of(senders[0]) if senders else ""
    keys = set()
    for a in senders[:1]:
        keys |= people.keys(address_of(a), str(a.get("name") or ""))
    xfrom = header(metadata, "X-From")
    if xfrom:
        keys |= people.keys(*people.split_sender(xfrom))
    to = [address_of(a) for a in addresses(metadata, "to")]
    cc = [address_of(a) for a in addresses(metadata, "cc")]
    bcc = [address_of(a) for a in addresses(metadata, "bcc")]
    parsed = quotes.parse(text or "")
    qs = []
    for b in parsed.blocks[:MAX_QUOTES]:
        when = quotes.loose_date(b.date) if b.date else None
        qs.append(Quote(tuple(sorted(people.keys(*people.split_sender(b.sender)))) if b.sender else (),
                        when[0] if when else None, bool(when and when[1]), subjects.normalise(b.subject),
                        quotes.fingerprint(b.body)))
    block_fps = tuple(q.fp for q in qs if q.fp)
    quoted = quotes.shingles(quotes.quoted_parent_text(parsed.blocks[:MAX_QUOTES]))
    subject = str(metadata.get("subject") or header(metadata, "Subject") or header(metadata, "Thread-Topic"))
    return MailRecord(
        id=doc_id,
        message_id=norm_mid(str(metadata.get("message_id") or header(metadata, "Message-ID"))),
        in_reply_to=msg_ids(header(metadata, "In-Reply-To")),
        references=msg_ids(header(metadata, "References")),
        thread_index=header(metadata, "Thread-Index").strip(),
        subject=subject,
        date=epoch(metadata.get("date_utc")),
        sender=sender,
        sender_keys=tuple(sorted(keys)),
        recipients=tuple(sorted(set(to + cc + bcc) - {""})),
        quotes=tuple(qs),
        own_fp=quotes.fingerprint(parsed.own),
        own_shingles=quotes.shingles(parsed.own),
        quoted_shingles=quoted,
        block_fps=block_fps,
        copy_key=same_message_key(sender, to, cc, metadata.get("date_utc"), subject, text or ""),
        source=source,
    )


def to_json(r: MailRecord) -> dict[str, Any]:
    d = dict(r.__dict__)
    d["quotes"] = [dict(q.__dict__) for q in r.quotes]
    return d


def from_json(d: dict[str, Any]) -> MailRecord:
    d = dict(d)
    d["quotes"] = tuple(Quote(**{**q, "sender_keys": tuple(q["sender_keys"])}) for q in d.get("quotes") or [])
    for k in ("in_reply_to", "references", "sender_keys", "recipients", "block_fps", "own_shingles",
              "quoted_shingles"):
        d[k] = tuple(d.get(k) or ())
    return MailRecord(**d)
