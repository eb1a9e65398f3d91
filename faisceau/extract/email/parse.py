"""Parse one RFC 822 message into metadata, body texts, HTML bodies and attachments.

Two parsers give the same result. `parse_fast` (used by the extractor) reads the message
with the compat32 policy and decodes headers with `headers`/`addresses`: several times
faster than `email.policy.default`, which builds a header object per header. `parse_reference`
uses `email.policy.default` for headers, addresses and text parts; it is kept as the
reference the fast path is tested against over real corpora (tests/extract/test_email_corpus.py).
"""

from __future__ import annotations

import email
import email.errors
import email.policy
import io
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from email.generator import BytesGenerator
from email.message import Message
from typing import Any

from ...exc import ExtractionError
from .addresses import make_address, parse_addresses
from .headers import SURROGATE, decode_header, iso_pair, lenient_date, message_ids, parse_date, repair_8bit, unfold
from .textdecode import decode_text, html_charset

ADDRESS_HEADERS = {"from": "from", "to": "to", "cc": "cc", "bcc": "bcc",
                   "reply-to": "reply_to", "sender": "sender"}
MAX_HEADERS = 200
MAX_HEADER_VALUE = 4000

Addresses = Callable[[str, str], list[dict[str, Any]]]
Text = Callable[[str, str], str]
Date = Callable[[str, str], "tuple[str, str] | None"]


@dataclass
class Attachment:
    """A non-body part: its decoded bytes, declared name and type."""

    index: int
    content_type: str
    data: bytes
    filename: str | None = None
    is_message: bool = False
    content_id: str | None = None
    disposition: str | None = None


@dataclass
class ParsedMail:
    """What one message holds, before it is put on a document."""

    meta: dict[str, Any] = field(default_factory=dict)
    texts: list[str] = field(default_factory=list)
    htmls: list[str] = field(default_factory=list)
    attachments: list[Attachment] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def header_meta(items: list[tuple[str, str]], text: Text, addresses: Addresses, date: Date,
                warnings: list[str]) -> dict[str, Any]:
    """The metadata keys of a message from its raw header items and three decoders."""
    meta: dict[str, Any] = {}
    first: dict[str, str] = {}
    headers: list[list[str]] = []
    for name, raw in items:
        lname = name.lower()
        first.setdefault(lname, raw)
        if lname in ADDRESS_HEADERS:
            meta.setdefault(ADDRESS_HEADERS[lname], []).extend(addresses(lname, raw))
        if len(headers) < MAX_HEADERS:
            headers.append([name, text(lname, raw)[:MAX_HEADER_VALUE]])
    for key in ("subject", "thread-topic"):
        if key in first:
            meta[key.replace("-", "_")] = text(key, first[key])
    mailer = first.get("x-mailer") or first.get("user-agent")
    if mailer is not None:
        meta["x_mailer"] = text("x-mailer", mailer)
    if "thread-index" in first:
        meta["thread_index"] = unfold(repair_8bit(first["thread-index"])).strip()
    for key, name in (("message_id", "message-id"), ("in_reply_to", "in-reply-to")):
        ids = message_ids(first.get(name))
        if ids:
            meta[key] = ids[0]
    refs = message_ids(first.get("references"))
    if refs:
        meta["references"] = refs
    if "date" not in first:
        warnings.append("no Date header")
    else:
        pair = date("date", first["date"]) or lenient_date(first["date"])
        if pair is None:
            warnings.append(f"invalid date: {unfold(repair_8bit(first['date'])).strip()[:80]}")
        else:
            meta["date"], meta["date_utc"] = pair
    meta["headers"] = headers
    return meta


def _leaves(part: Message, root: bool = True) -> Iterator[Message]:
    """Leaf parts in order; an attached message is a leaf (its content is another document)."""
    if not root and part.get_content_type() in ("message/rfc822", "message/global"):
        yield part
    elif part.is_multipart():
        for sub in part.get_payload():
            if isinstance(sub, Message):
                yield from _leaves(sub, False)
    else:
        yield part


def message_bytes(part: Message) -> bytes:
    """The bytes of an attached message (the inner message as it was written)."""
    payload = part.get_payload()
    if isinstance(payload, list) and payload and isinstance(payload[0], Message):
        out = io.BytesIO()
        try:
            BytesGenerator(out, mangle_from_=False, policy=email.policy.compat32.clone(max_line_length=0)
                           ).flatten(payload[0])
            return out.getvalue()
        except (UnicodeError, LookupError, email.errors.MessageError):
            # headers or text the generator refuses to write back (control characters, non-ASCII)
            return _plain_bytes(payload[0])
    data = part.get_payload(decode=True)
    return data if isinstance(data, bytes) else b""


def _plain_bytes(msg: Message) -> bytes:
    """Serialise a message without the generator's checks: headers as read, then the body."""
    head = "".join(f"{k}: {v}\n" for k, v in msg.raw_items())
    if msg.is_multipart():
        boundary = msg.get_boundary() or "part"
        body = "".join(f"--{boundary}\n" + _plain_bytes(sub).decode("utf-8", "surrogateescape") + "\n"
                       for sub in msg.get_payload() if isinstance(sub, Message)) + f"--{boundary}--\n"
    else:
        payload = msg.get_payload()
        body = payload if isinstance(payload, str) else ""
    return (head + "\n" + body).encode("utf-8", "surrogateescape")


def walk_parts(msg: Message, filename: Callable[[Message], str | None],
               text: Callable[[Message], str], out: ParsedMail) -> None:
    """Sort leaf parts into body texts, HTML bodies and attachments."""
    for i, part in enumerate(_leaves(msg), 1):
        ctype = part.get_content_type()
        disposition = part.get_content_disposition()
        name = filename(part)
        if ctype in ("message/rfc822", "message/global") and part is not msg:
            out.attachments.append(Attachment(i, ctype, message_bytes(part), name, True, None, disposition))
            continue
        if not name and disposition != "attachment":
            if ctype == "text/plain":
                out.texts.append(text(part))
                continue
            if ctype == "text/html":
                out.htmls.append(text(part))
                continue
            if part.get_content_maintype() == "multipart":
                out.warnings.append(f"{ctype} without parts (missing boundary)")
                out.texts.append(decode_text(_payload(part), part.get_content_charset()))
                continue
        cid = part.get("content-id")
        out.attachments.append(Attachment(i, ctype, _payload(part), name, False,
                                          cid.strip().strip("<>") if isinstance(cid, str) else None,
                                          disposition))


def _payload(part: Message) -> bytes:
    data = part.get_payload(decode=True)
    if isinstance(data, bytes):
        return data
    raw = part.get_payload()
    return raw.encode("utf-8", "surrogateescape") if isinstance(raw, str) else b""


def _norm(text: str) -> str:
    return text.replace("\r\n", "\n")


def _fast_filename(part: Message) -> str | None:
    raw = [(k, v) for k, v in part.raw_items() if k.lower() in ("content-type", "content-disposition")]
    if any(SURROGATE.search(v) for _k, v in raw):
        # compat32 would turn raw 8-bit names into U+FFFD: repair them, then read the parameter
        part = Message()
        for k, v in raw:
            part[k] = repair_8bit(v)
    name = part.get_filename()
    return decode_header(name) or None if name else None


def _fast_text(part: Message) -> str:
    data = _payload(part)
    charset = part.get_content_charset()
    if charset is None and part.get_content_subtype() == "html":
        charset = html_charset(data)  # the <meta> tag is all an unlabelled HTML part has
    return _norm(decode_text(data, charset))


def _fast_date(_name: str, raw: str) -> tuple[str, str] | None:
    return parse_date(repair_8bit(raw))


def fast_header_meta(items: list[tuple[str, str]], warnings: list[str]) -> dict[str, Any]:
    """Metadata from raw header items with our own decoders (the fast path)."""
    return header_meta(items, lambda _n, v: decode_header(v), lambda _n, v: parse_addresses(v),
                       _fast_date, warnings)


def parse_fast(raw: bytes) -> ParsedMail:
    """Parse a message with compat32 and our own header decoding (the extractor's path)."""
    out = ParsedMail()
    try:
        msg = email.message_from_bytes(raw)
        out.meta = fast_header_meta(list(msg.raw_items()), out.warnings)
        walk_parts(msg, _fast_filename, _fast_text, out)
    except RecursionError:
        raise ExtractionError("MIME structure nested too deeply") from None
    return out


# --- the reference path: email.policy.default ---------------------------------------------

_POLICY = email.policy.default


def _ref_header(name: str, raw: str) -> Any:
    # 8-bit bytes are repaired first: policy.default would turn them into U+FFFD
    return _POLICY.header_fetch_parse(name, repair_8bit(raw))


def _ref_addresses(name: str, raw: str) -> list[dict[str, Any]]:
    header = _ref_header(name, raw)
    return [make_address(a.display_name, a.addr_spec if a.domain or a.username else "", str(a))
            for a in getattr(header, "addresses", ())]


def _ref_date(name: str, raw: str) -> tuple[str, str] | None:
    dt = getattr(_ref_header(name, raw), "datetime", None)
    return iso_pair(dt) if dt is not None else None


def _ref_text(part: Message) -> str:
    try:
        content = part.get_content()  # type: ignore[attr-defined]
    except (LookupError, KeyError):
        return _fast_text(part)
    return _norm(content) if isinstance(content, str) else _fast_text(part)


def _ref_filename(part: Message) -> str | None:
    name = part.get_filename()
    return repair_8bit(name).strip() or None if name else None


def parse_reference(raw: bytes) -> ParsedMail:
    """Parse a message with `email.policy.default` (slow; the fast path's reference)."""
    out = ParsedMail()
    msg = email.message_from_bytes(raw, policy=_POLICY)
    out.meta = header_meta(list(msg.raw_items()), lambda n, v: str(_ref_header(n, v)).strip(),
                           _ref_addresses, _ref_date, out.warnings)
    walk_parts(msg, _ref_filename, _ref_text, out)
    return out
