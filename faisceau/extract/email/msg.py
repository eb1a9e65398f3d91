"""Outlook .msg files (OLE compound documents) with extract-msg.

Metadata comes from the transport headers when the message kept them (received mail),
else from MAPI properties. Embedded messages are exported by extract-msg as standalone
.msg files (`attachments/<name>.msg`), so the same extractor reads them with nothing lost.
Contacts, appointments, tasks and notes are not mail but are read for their text.
"""

from __future__ import annotations

import email.parser
import email.policy
import struct
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, TypeVar

import extract_msg

from ...exc import EncryptedDocument, ExtractionError
from ...model import Child, Extracted
from ..base import Context, Extractor, register
from .addresses import make_address, parse_addresses
from .eml import fill
from .headers import iso_pair
from .naming import Names, ext_for, make_child, safe_name
from .parse import ParsedMail, fast_header_meta
from .rtftext import rtf_to_text
from .textdecode import decode_text, html_charset

T = TypeVar("T")
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_KINDS = (("ipm.contact", "contact"), ("ipm.distlist", "contact"), ("ipm.appointment", "calendar"),
          ("ipm.schedule", "calendar"), ("ipm.task", "other"), ("ipm.stickynote", "other"))
_CONTACT_FIELDS = ("displayName", "companyName", "jobTitle", "email1", "email2", "email3",
                   "businessTelephoneNumber", "mobileTelephoneNumber", "homeTelephoneNumber",
                   "workAddress", "homeAddress")
_CALENDAR_FIELDS = ("location", "startDate", "endDate", "organizer", "requiredAttendees",
                    "optionalAttendees")


def _get(warnings: list[str], what: str, fn: Callable[[], T]) -> T | None:
    """One property, or None with a warning when extract-msg cannot decode it."""
    try:
        return fn()
    except Exception as e:  # noqa: BLE001 - extract-msg raises anything on broken properties
        warnings.append(f"unreadable {what}: {type(e).__name__}")
        return None


def _clean(value: Any) -> str:
    return str(value).replace("\x00", "").strip() if value is not None else ""


def open_msg(path: Path) -> Any:
    """Open a .msg with extract-msg; a file that is not one ends in a clear reason."""
    try:
        return extract_msg.openMsg(str(path), strict=False, delayAttachments=False)
    except extract_msg.exceptions.InvalidFileFormatError as e:
        raise ExtractionError(f"not an Outlook message: {e}") from None
    except (OSError, EOFError, ValueError, KeyError, IndexError, TypeError, AttributeError, AssertionError,
            NotImplementedError, UnicodeError, struct.error, extract_msg.exceptions.ExMsgBaseException) as e:
        raise ExtractionError(f"unreadable Outlook message: {type(e).__name__}: {e}"[:200]) from None


def message_meta(msg: Any, warnings: list[str]) -> dict[str, Any]:
    """Metadata from transport headers when present, completed from MAPI properties."""
    headers = _get(warnings, "transport headers", lambda: msg.getStringStream("__substg1.0_007D"))
    meta: dict[str, Any] = {}
    if headers and headers.strip():
        items = list(email.parser.HeaderParser(policy=email.policy.compat32)
                     .parsestr(headers.replace("\x00", "")).raw_items())
        meta = fast_header_meta(items, [])
    if not meta.get("subject"):
        subject = _clean(_get(warnings, "subject", lambda: msg.subject))
        if subject:
            meta["subject"] = subject
    if not meta.get("from"):
        sender = _clean(_get(warnings, "sender", lambda: msg.sender))
        if sender:
            meta["from"] = parse_addresses(sender)
    recipients = _get(warnings, "recipients", lambda: list(msg.recipients)) or []
    by_type: dict[str, list[dict[str, Any]]] = {}
    for r in recipients:
        kind = getattr(getattr(r, "type", None), "name", "TO").lower()
        name, addr = _clean(getattr(r, "name", "")), _clean(getattr(r, "email", ""))
        smtp = _clean(_get(warnings, "recipient address", lambda: r.smtpAddress))  # noqa: B023 (called at once)
        by_type.setdefault(kind, []).append(make_address(name if name != addr else "", smtp or addr,
                                                         f"{name} <{addr}>" if addr else name))
    for kind in ("to", "cc", "bcc"):
        if not meta.get(kind) and by_type.get(kind):
            meta[kind] = by_type[kind]
    if not meta.get("date"):
        when = _get(warnings, "date", lambda: msg.date)
        if when is not None and hasattr(when, "isoformat"):
            meta["date"], meta["date_utc"] = iso_pair(when)
    for key, attr in (("message_id", "messageId"), ("in_reply_to", "inReplyTo")):
        if not meta.get(key):
            value = _clean(_get(warnings, attr, lambda: getattr(msg, attr, None))).strip("<>")  # noqa: B023 (called at once)
            if value:
                meta[key] = value
    meta.setdefault("headers", [])
    return meta


def message_bodies(msg: Any, warnings: list[str], out: ParsedMail) -> None:
    """Plain, HTML and RTF bodies; RTF-only bodies de-encapsulated or reduced to text."""
    body = _clean(_get(warnings, "body", lambda: msg.body))
    html_raw = _get(warnings, "HTML body", lambda: msg.htmlBody)
    if isinstance(html_raw, bytes) and html_raw.strip():
        out.htmls.append(decode_text(html_raw, html_charset(html_raw) or "utf-8"))
    if body:
        out.texts.append(body.replace("\r\n", "\n"))
    elif not out.htmls:
        rtf = _get(warnings, "RTF body", lambda: msg.rtfBody)
        if isinstance(rtf, bytes) and rtf:
            out.texts.append(rtf_to_text(rtf))


def extra_text(msg: Any, kind: str, warnings: list[str]) -> str:
    """Readable fields of a contact or an appointment (they have little or no body)."""
    fields = _CONTACT_FIELDS if kind == "contact" else _CALENDAR_FIELDS if kind == "calendar" else ()
    lines = []
    for name in fields:
        value = _get(warnings, name, lambda: getattr(msg, name, None))  # noqa: B023 (called at once)
        if value not in (None, "", [], {}):
            lines.append(f"{name}: {_clean(value)}")
    return "\n".join(lines)


@register
class MsgExtractor(Extractor):
    """An Outlook item: mail, contact, appointment, task or note."""

    NAME = "msg"
    VERSION = "1"
    MIME_TYPES = frozenset({"application/vnd.ms-outlook", "application/x-ole-storage-msg"})
    EXTENSIONS = frozenset({"msg", "oft"})
    SCORE = 20
    KIND = "email"

    @classmethod
    def version(cls) -> str:
        """Our version and extract-msg's."""
        return f"{cls.VERSION}+extract-msg-{getattr(extract_msg, '__version__', '?')}"

    @classmethod
    def match(cls, probe: Any) -> int:
        """By type or extension, and OLE files whose head names the .msg property streams."""
        score = super().match(probe)
        if probe.head.startswith(OLE_MAGIC) and "__substg1.0_".encode("utf-16-le") in probe.head:
            score = max(score, cls.SCORE + 5)
        return score

    def extract(self, path: Path, doc: Extracted, ctx: Context) -> Iterator[Child]:
        """Read the item; yield its attachments."""
        msg = open_msg(path)
        try:
            yield from self._extract(msg, doc, ctx)
        except (OSError, struct.error, EOFError) as e:
            # streams are read lazily: a broken sector shows up only now (OleFileError is an OSError)
            raise ExtractionError(f"unreadable Outlook message: {type(e).__name__}: {e}"[:200]) from None
        finally:
            msg.close()

    def _extract(self, msg: Any, doc: Extracted, ctx: Context) -> Iterator[Child]:
        warnings: list[str] = []
        class_type = _clean(_get(warnings, "message class", lambda: msg.classType)).lower()
        kind = next((k for prefix, k in _KINDS if class_type.startswith(prefix)), "email")
        if class_type.startswith("ipm.note.smime") and not class_type.endswith("multipartsigned"):
            doc.flag("encrypted")
        parsed = ParsedMail(meta=message_meta(msg, warnings))
        message_bodies(msg, warnings, parsed)
        extra = extra_text(msg, kind, warnings)
        if extra:
            parsed.texts.append(extra)
        attachments = _get(warnings, "attachments", lambda: list(msg.attachments)) or []
        parsed.warnings = warnings
        fill(doc, parsed)
        doc.kind = kind
        doc.mime = "application/vnd.ms-outlook"
        doc.metadata["message_class"] = class_type
        doc.metadata["attachment_count"] = len(attachments)
        if "encrypted" in doc.flags:
            doc.metadata["encrypted"] = True
        names = Names()
        scratch = ctx.tempdir()
        for i, att in enumerate(attachments, 1):
            child = _attachment_child(att, i, names, scratch, doc.warnings)
            if child is not None:
                yield child
        if "encrypted" in doc.flags and not doc.text:
            raise EncryptedDocument()


def _attachment_child(att: Any, index: int, names: Names, scratch: Path,
                      warnings: list[str]) -> Child | None:
    """A child for one attachment: bytes of a file, or an embedded message exported as .msg."""
    filename = _clean(_get(warnings, "attachment name", att.getFilename))
    mime = _clean(getattr(att, "mimetype", None)) or "application/octet-stream"
    data = _get(warnings, "attachment data", lambda: att.data)
    meta: dict[str, object] = {"content_type": mime}
    if filename:
        meta["filename"] = filename
    if data is None:
        return None
    if not isinstance(data, bytes):
        export = getattr(data, "exportBytes", None)
        if export is None:
            warnings.append(f"attachment {index}: {type(data).__name__} not exported")
            return None
        exported = _get(warnings, "embedded message", export)
        if exported is None:
            return None
        stem = safe_name(filename).rsplit(".", 1)[0] if filename else ""
        stem = stem or safe_name(_clean(getattr(data, "subject", ""))) or f"message-{index}"
        return make_child(names.take(f"{stem}.msg"), exported, scratch, "application/vnd.ms-outlook", meta)
    name = names.take(safe_name(filename) or f"part-{index}{ext_for(mime)}")
    hint = None if mime == "application/octet-stream" else mime
    return make_child(name, data, scratch, hint, meta)

