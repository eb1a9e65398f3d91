"""Build an RFC 822 message from Outlook item properties (PST messages become .eml children).

Transport headers are kept as they were received when the item has them; otherwise
From/To/Cc/Subject/Date/Message-ID are synthesised from properties. The body is rebuilt
as MIME (text, HTML, attachments, embedded messages) so the e-mail extractor reads it like
any other message.
"""

from __future__ import annotations

import email.errors
import email.parser
import email.policy
import io
from dataclasses import dataclass, field, replace
from datetime import datetime
from email.generator import BytesGenerator
from email.header import Header
from email.message import Message
from email.mime.application import MIMEApplication
from email.mime.message import MIMEMessage
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from email.utils import format_datetime, formataddr
from typing import BinaryIO

# headers describing the original body, which is rebuilt here
_BODY_HEADERS = {"content-type", "content-transfer-encoding", "mime-version", "content-disposition"}


@dataclass
class OutlookItem:
    """What is known of an Outlook message, whatever it was read from."""

    transport_headers: str = ""
    subject: str = ""
    sender: tuple[str, str] = ("", "")
    to: list[tuple[str, str]] = field(default_factory=list)
    cc: list[tuple[str, str]] = field(default_factory=list)
    bcc: list[tuple[str, str]] = field(default_factory=list)
    date: datetime | None = None
    message_id: str = ""
    in_reply_to: str = ""
    message_class: str = ""
    text: str = ""
    html: str = ""
    attachments: list[tuple[str, str, bytes]] = field(default_factory=list)  # name, mime, data
    messages: list[OutlookItem] = field(default_factory=list)


def _header(value: str) -> str:
    """A header value safe to serialise (non-ASCII goes in RFC 2047 words)."""
    value = " ".join(value.replace("\x00", "").split())
    return value if value.isascii() else Header(value, "utf-8").encode()


def _addr(pair: tuple[str, str]) -> str:
    name, address = pair
    if not address:
        return name
    return formataddr((name, address)) if name.isascii() else formataddr((name, address), "utf-8")


def to_message(item: OutlookItem, depth: int = 0) -> Message:
    """The item as a MIME message object."""
    body: Message
    alt: list[Message] = []
    if item.text or not item.html:
        alt.append(MIMEText(item.text, "plain", "utf-8"))
    if item.html:
        alt.append(MIMEText(item.html, "html", "utf-8"))
    body = alt[0] if len(alt) == 1 else MIMEMultipart("alternative", _subparts=alt)
    parts: list[Message] = []
    for name, mime, data in item.attachments:
        maintype, _, subtype = mime.partition("/")
        part = MIMEApplication(data, _subtype="octet-stream")
        if maintype and subtype and mime != "application/octet-stream":
            part.replace_header("Content-Type", mime)
        if name:
            fname: str | tuple[str, str, str] = name if name.isascii() else ("utf-8", "", name)
            part.add_header("Content-Disposition", "attachment", filename=fname)
        else:
            part.add_header("Content-Disposition", "attachment")
        parts.append(part)
    if depth < 8:
        for inner in item.messages:
            parts.append(MIMEMessage(to_message(inner, depth + 1)))
    msg = MIMEMultipart("mixed", _subparts=[body, *parts]) if parts else body
    _put_headers(msg, item)
    return msg


def _put_headers(msg: Message, item: OutlookItem) -> None:
    kept: set[str] = set()
    if item.transport_headers.strip():
        parsed = email.parser.HeaderParser(policy=email.policy.compat32).parsestr(
            item.transport_headers.replace("\x00", "").lstrip())
        for name, value in parsed.raw_items():
            if name.lower() not in _BODY_HEADERS:
                msg[name] = _header(value) if not value.isascii() else value
                kept.add(name.lower())
    if "from" not in kept and any(item.sender):
        msg["From"] = _header(_addr(item.sender))
    for key, people in (("To", item.to), ("Cc", item.cc), ("Bcc", item.bcc)):
        if key.lower() not in kept and people:
            msg[key] = _header(", ".join(_addr(p) for p in people))
    if "subject" not in kept and item.subject:
        msg["Subject"] = _header(item.subject)
    if "date" not in kept and item.date is not None:
        msg["Date"] = format_datetime(item.date)
    if "message-id" not in kept and item.message_id:
        msg["Message-ID"] = _header(item.message_id)
    if "in-reply-to" not in kept and item.in_reply_to:
        msg["In-Reply-To"] = _header(item.in_reply_to)
    if item.message_class:
        msg["X-Outlook-Message-Class"] = _header(item.message_class)


def write_message(item: OutlookItem, out: BinaryIO) -> None:
    """Serialise the item as RFC 822 bytes into `out`."""
    buf = io.BytesIO()
    try:
        BytesGenerator(buf, mangle_from_=False, policy=email.policy.compat32).flatten(to_message(item))
    except (email.errors.MessageError, UnicodeError, LookupError):
        # transport headers the generator refuses (control characters): synthesise them instead
        buf = io.BytesIO()
        bare = replace(item, transport_headers="")
        BytesGenerator(buf, mangle_from_=False, policy=email.policy.compat32).flatten(to_message(bare))
    out.write(buf.getvalue())
