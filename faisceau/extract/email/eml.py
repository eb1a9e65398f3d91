"""RFC 822 / MIME messages: .eml, news articles, maildir files, Apple .emlx."""

from __future__ import annotations

import re
from collections.abc import Iterator
from email.parser import BytesHeaderParser
from email.policy import compat32
from pathlib import Path
from typing import Any

from ...exc import ExtractionError
from ...model import Child, Extracted
from ..base import Context, Extractor, Probe, register
from .headers import decode_header
from .naming import Names, ext_for, make_child, safe_name
from .parse import ParsedMail, parse_fast
from .textdecode import html_to_text

MAX_HTML = 4 << 20
# header names that mark the start of a message file (maildir files have no extension)
_KEY_HEADERS = {b"from", b"date", b"subject", b"message-id", b"received", b"return-path",
                b"delivered-to", b"to", b"x-original-to", b"mime-version", b"reply-to", b"sender",
                b"in-reply-to", b"references", b"x-mailer", b"content-type", b"newsgroups", b"path"}
_HEADER_LINE = re.compile(rb"^([!-9;-~]+)[ \t]*:")
_TNEF_NAMES = {"winmail.dat", "win.dat"}
_ENCRYPTED_TYPES = {"application/pgp-encrypted", "application/pkcs7-mime", "application/x-pkcs7-mime"}


def sniff_headers(head: bytes) -> int:
    """How many key mail headers open `head` (0 when it does not start with a header block)."""
    lines = head.splitlines()[:60]
    if not lines or not _HEADER_LINE.match(lines[0]):
        return 0
    keys = 0
    for line in lines[:-1] if len(head) >= 8192 else lines:
        if not line.strip():
            break  # end of the header block
        if line[:1] in (b" ", b"\t"):
            continue  # folded continuation
        m = _HEADER_LINE.match(line)
        if not m:
            return 0
        keys += m.group(1).lower() in _KEY_HEADERS
    return keys


def emlx_body(raw: bytes) -> bytes:
    """The message inside an Apple Mail .emlx (a byte count line, the message, a plist)."""
    first, _, rest = raw.partition(b"\n")
    if first.strip().isdigit():
        return rest[: int(first.strip())]
    return raw


def utf16_to_utf8(raw: bytes) -> bytes:
    """A message saved as UTF-16 (a BOM, or NUL every other byte) re-encoded as UTF-8."""
    head = raw[:400]
    le = head[1::2].count(0) > len(head) // 3
    be = head[0::2].count(0) > len(head) // 3
    if not (raw[:2] in (b"\xff\xfe", b"\xfe\xff") or le or be):
        return raw
    codec = "utf-16" if raw[:2] in (b"\xff\xfe", b"\xfe\xff") else "utf-16-le" if le else "utf-16-be"
    try:
        return raw.decode(codec).encode("utf-8")
    except UnicodeDecodeError:
        return raw


@register
class EmlExtractor(Extractor):
    """One e-mail message: headers to metadata, body to text, attachments to children."""

    NAME = "eml"
    VERSION = "1"
    MIME_TYPES = frozenset({"message/rfc822", "message/news", "message/global", "message/x-emlx"})
    EXTENSIONS = frozenset({"eml", "emlx", "mht", "mhtml", "nws"})
    SCORE = 20
    KIND = "email"

    @classmethod
    def match(cls, probe: Probe) -> int:
        """Declared type and extension, plus a sniff of the header block for maildir files."""
        score = super().match(probe)
        keys = sniff_headers(probe.head)
        if keys >= 2 and not probe.head.startswith(b"From "):
            score = max(score, cls.SCORE + (5 if keys >= 3 else 0))
        return score

    def extract(self, path: Path, doc: Extracted, ctx: Context) -> Iterator[Child]:
        """Parse the message; yield its attachments and attached messages."""
        raw = path.read_bytes()
        if path.suffix.lower() == ".emlx" or re.match(rb"^\d+[ \t]*\r?\n", raw[:20]):
            raw = emlx_body(raw)
        if not raw.strip():
            raise ExtractionError("empty message")
        parsed = parse_fast(utf16_to_utf8(raw))
        if not parsed.meta.get("headers"):
            # a headerless message (seen in mboxes): keep its text, say what is odd
            parsed.warnings.append("no headers")
        fill(doc, parsed)
        doc.mime = "message/news" if any(h[0].lower() == "newsgroups" for h in parsed.meta["headers"]) \
            else "message/rfc822"
        yield from children(parsed, ctx)


def fill(doc: Extracted, parsed: ParsedMail) -> None:
    """Put a parsed message's metadata, body text and HTML on the document."""
    doc.kind = "email"
    meta: dict[str, Any] = parsed.meta
    doc.metadata.update(meta)
    if meta.get("subject"):
        doc.metadata["title"] = meta["subject"]
    if meta.get("date"):
        doc.metadata["created"] = meta["date"]
    sender = (meta.get("from") or [{}])[0]
    author = sender.get("name") or sender.get("address") or sender.get("x500")
    if author:
        doc.metadata["author"] = author
    html = "\n".join(parsed.htmls)
    if html:
        doc.metadata["body_html"] = html[:MAX_HTML]
        if len(html) > MAX_HTML:
            doc.warnings.append(f"HTML body cut at {MAX_HTML >> 20} MB")
    text = "\n\n".join(t for t in parsed.texts if t.strip())
    if not text and html:
        text = html_to_text(html)
    doc.add_text(text, part="body")
    doc.metadata["attachment_count"] = len(parsed.attachments)
    doc.warnings.extend(parsed.warnings)
    if any(a.content_type in _ENCRYPTED_TYPES for a in parsed.attachments):
        doc.flag("encrypted")  # PGP/MIME or S/MIME: the content is in an encrypted part
        doc.metadata["encrypted"] = True


def _inner_subject(data: bytes) -> str:
    """The decoded subject of an attached message, read from its headers only."""
    msg = BytesHeaderParser(policy=compat32).parsebytes(data[:256 * 1024])
    for name, value in msg.raw_items():
        if name.lower() == "subject":
            return decode_header(value)
    return ""


def children(parsed: ParsedMail, ctx: Context) -> Iterator[Child]:
    """Attachments as `attachments/<name>`, attached messages as `attachments/<subject>.eml`."""
    names = Names()
    scratch = ctx.tempdir() if any(len(a.data) > 1 << 20 for a in parsed.attachments) else ctx.scratch
    n_msg = 0
    for att in parsed.attachments:
        meta: dict[str, object] = {"content_type": att.content_type}
        if att.filename:
            meta["filename"] = att.filename
        if att.content_id:
            meta["content_id"] = att.content_id
        if att.disposition:
            meta["disposition"] = att.disposition
        hint: str | None = att.content_type
        if att.is_message:
            n_msg += 1
            stem = safe_name(re.sub(r"[/\\]", "_", _inner_subject(att.data)))[:120] or f"message-{n_msg}"
            name, hint = names.take(f"{stem}.eml"), "message/rfc822"
        else:
            base = safe_name(att.filename)
            name = names.take(base or f"part-{att.index}{ext_for(att.content_type)}")
            if base.lower() in _TNEF_NAMES or att.content_type in ("application/ms-tnef",
                                                                   "application/vnd.ms-tnef"):
                hint = "application/vnd.ms-tnef"
            elif att.content_type == "application/octet-stream":
                hint = None  # says nothing: let the content decide
        yield make_child(name, att.data, scratch, hint, meta)
