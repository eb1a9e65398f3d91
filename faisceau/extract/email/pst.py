"""Outlook .pst/.ost stores: one RFC 822 child per item, folder by folder.

Read with libpff (pypff) while walking the folder tree, so a large store is never held in
memory; each item is rebuilt as an .eml written to scratch (`compose`). Without pypff,
readpst does the work. A store that breaks half-way keeps the children already yielded
and ends in an ExtractionError with the reason.
"""

from __future__ import annotations

import re
import tempfile
from collections.abc import Iterator
from datetime import UTC
from pathlib import Path
from typing import Any

from ...exc import ExtractionError, LimitExceeded
from ...model import Child, Extracted
from ..base import Context, Extractor, register
from .compose import OutlookItem, write_message
from .rtftext import rtf_to_text

try:
    import pypff
except ImportError:  # the readpst fallback takes over
    pypff = None

# MAPI property tags read from record sets
PR_MESSAGE_CLASS, PR_SUBJECT, PR_SENDER_NAME, PR_SENDER_EMAIL = 0x001A, 0x0037, 0x0C1A, 0x0C1F
PR_SENDER_SMTP, PR_INTERNET_MESSAGE_ID, PR_IN_REPLY_TO_ID = 0x5D01, 0x1035, 0x1042
PR_RECIPIENT_TYPE, PR_DISPLAY_NAME, PR_EMAIL_ADDRESS, PR_SMTP_ADDRESS = 0x0C15, 0x3001, 0x3003, 0x39FE
PR_ATTACH_LONG_FILENAME, PR_ATTACH_FILENAME, PR_ATTACH_MIME_TAG = 0x3707, 0x3704, 0x370E
PR_ATTACH_METHOD = 0x3705
PR_CLIENT_SUBMIT_TIME, PR_MESSAGE_DELIVERY_TIME = 0x0039, 0x0E06
MAX_DEPTH = 64
_UNSAFE = re.compile(r"[!/\\\x00-\x1f]+")


def folder_name(name: str | None) -> str:
    """A folder name safe in a provenance path (no `!`, slashes or control characters)."""
    return _UNSAFE.sub("_", (name or "").strip()).strip() or "_"


def _props(item: Any) -> dict[int, Any]:
    """The first record set of an item as {property tag: record entry}."""
    out: dict[int, Any] = {}
    try:
        if item.number_of_record_sets:
            for entry in item.get_record_set(0).entries:
                out.setdefault(entry.entry_type, entry)
    except (OSError, MemoryError):
        pass
    return out


def _str(props: dict[int, Any], tag: int) -> str:
    entry = props.get(tag)
    if entry is None:
        return ""
    try:
        value = entry.data_as_string
    except (OSError, MemoryError, UnicodeError, TypeError, ValueError):
        return ""
    return (value or "").replace("\x00", "").strip()


def _text(data: bytes | None) -> str:
    if not data:
        return ""
    for codec in ("utf-8", "cp1252", "latin-1"):
        try:
            return data.decode(codec).replace("\x00", "")
        except UnicodeDecodeError:
            continue
    return ""


def _recipients(message: Any, item: OutlookItem) -> None:
    try:
        table = _attr(message, "recipients")
        count = table.number_of_record_sets if table is not None else 0
        for i in range(count):
            props = {e.entry_type: e for e in table.get_record_set(i).entries}
            address = _str(props, PR_SMTP_ADDRESS) or _str(props, PR_EMAIL_ADDRESS)
            pair = (_str(props, PR_DISPLAY_NAME), address)
            kind = props.get(PR_RECIPIENT_TYPE)
            kind_n = kind.data_as_integer if kind is not None else 1
            {2: item.cc, 3: item.bcc}.get(kind_n, item.to).append(pair)
    except (OSError, MemoryError):
        pass  # recipient table unreadable: transport headers or display names still tell


def _attr(obj: Any, name: str) -> Any:
    """An attribute of a libpff item, None when the item type lacks it or it is unreadable."""
    try:
        return getattr(obj, name, None)
    except (OSError, UnicodeError, ValueError, MemoryError):
        return None


def read_item(message: Any, warnings: list[str], depth: int = 0) -> OutlookItem:
    """Everything needed to rebuild one PST item (mail, contact, appointment…) as a message."""
    props = _props(message)
    item = OutlookItem(message_class=_str(props, PR_MESSAGE_CLASS))
    item.transport_headers = _attr(message, "transport_headers") or ""
    item.subject = _attr(message, "subject") or _str(props, PR_SUBJECT)
    item.sender = (_str(props, PR_SENDER_NAME),
                   _str(props, PR_SENDER_SMTP) or _str(props, PR_SENDER_EMAIL))
    item.message_id = _str(props, PR_INTERNET_MESSAGE_ID)
    item.in_reply_to = _str(props, PR_IN_REPLY_TO_ID)
    for name in ("client_submit_time", "delivery_time", "creation_time"):
        when = _attr(message, name)
        if when is not None:
            item.date = when.replace(tzinfo=UTC)  # libpff gives naive UTC
            break
    _recipients(message, item)
    item.text = _text(_attr(message, "plain_text_body"))
    item.html = _text(_attr(message, "html_body"))
    if not item.text and not item.html:
        rtf = _attr(message, "rtf_body")
        if rtf:
            item.text = rtf_to_text(rtf)
    if not item.text and not item.html:
        item.text = _item_text(props)
    _attachments(message, item, warnings, depth)
    return item


def _item_text(props: dict[int, Any]) -> str:
    """The string properties of an item without a body (a contact, a distribution list)."""
    lines = []
    for tag, entry in sorted(props.items()):
        if getattr(entry, "value_type", None) in (0x1F, 0x1E) and tag < 0x8000 and tag not in (
                PR_MESSAGE_CLASS, 0x0E1D, 0x3FFA, 0x0E02, 0x0E03, 0x0E04):
            value = _str(props, tag)
            if value and len(value) < 1000:
                lines.append(value)
    return "\n".join(dict.fromkeys(lines))


def _attachments(message: Any, item: OutlookItem, warnings: list[str], depth: int) -> None:
    count = _attr(message, "number_of_attachments") or 0
    for j in range(count):
        try:
            att = message.get_attachment(j)
            props = _props(att)
            name = _str(props, PR_ATTACH_LONG_FILENAME) or _str(props, PR_ATTACH_FILENAME) \
                or _str(props, PR_DISPLAY_NAME)
            mime = _str(props, PR_ATTACH_MIME_TAG) or "application/octet-stream"
            size = att.get_size() or 0
            method = props.get(PR_ATTACH_METHOD)
            if method is not None and method.data_as_integer == 5 and not att.number_of_sub_items:
                # an embedded message libpff exposes only as raw property bytes
                warnings.append(f"{item.subject[:40]!r}: embedded message {name!r} not readable by libpff")
                continue
            if size:
                item.attachments.append((name, mime, att.read_buffer(size)))
            elif att.number_of_sub_items and depth < 8:
                inner = att.get_sub_item(0)
                if hasattr(inner, "number_of_attachments"):
                    item.messages.append(read_item(inner, warnings, depth + 1))
        except (OSError, MemoryError) as e:  # libpff reports objects it cannot build as MemoryError
            warnings.append(f"{item.subject[:40]!r}: attachment {j + 1} unreadable: {e}"[:200])


@register
class PstExtractor(Extractor):
    """An Outlook data file: every item becomes an .eml child named `<folder path>/<n>`."""

    NAME = "pst"
    VERSION = "1"
    MIME_TYPES = frozenset({"application/vnd.ms-outlook-pst", "application/vnd.ms-outlook-ost"})
    EXTENSIONS = frozenset({"pst", "ost"})
    MAGIC = (b"!BDN",)
    SCORE = 20
    KIND = "mailbox"
    TOOLS = ("readpst",)

    def extract(self, path: Path, doc: Extracted, ctx: Context) -> Iterator[Child]:
        """Walk the folders; yield one message child per item."""
        doc.kind = "mailbox"
        doc.mime = "application/vnd.ms-outlook-pst"
        if pypff is None:
            from .readpst import extract_with_readpst
            yield from extract_with_readpst(path, doc, ctx)
            return
        store = pypff.file()
        try:
            store.open(str(path))
        except (OSError, MemoryError) as e:  # libpff reports objects it cannot build as MemoryError
            raise ExtractionError(f"unreadable PST: {e}"[:200]) from None
        try:
            if store.encryption_type not in (0, 1, None):
                doc.metadata["encryption_type"] = store.encryption_type
            yield from _walk_store(store, doc, ctx)
        finally:
            store.close()


def _walk_store(store: Any, doc: Extracted, ctx: Context) -> Iterator[Child]:
    scratch = ctx.tempdir()
    folders: list[dict[str, Any]] = []
    doc.metadata["folders"] = folders
    doc.metadata["message_count"] = 0
    limit = ctx.settings.max_members
    try:
        root = store.get_root_folder()
    except (OSError, MemoryError) as e:  # libpff reports objects it cannot build as MemoryError
        raise ExtractionError(f"corrupt PST: no root folder: {e}"[:200]) from None
    stack: list[tuple[Any, str, int]] = [(root, "", 0)]
    broken: list[str] = []  # folders that could not be read: the walk goes on, then fails
    while stack:
        folder, prefix, depth = stack.pop()
        try:
            n_items = folder.number_of_sub_messages
            subs = [folder.get_sub_folder(i) for i in range(folder.number_of_sub_folders)]
        except (OSError, MemoryError) as e:  # libpff reports objects it cannot build as MemoryError
            broken.append(f"{prefix or '/'}: {str(e).split('. ')[0]}")
            continue
        if prefix:
            folders.append({"path": prefix, "messages": n_items})
        for i in range(n_items):
            try:
                message = folder.get_sub_message(i)
                item = read_item(message, doc.warnings)
            except (OSError, MemoryError) as e:  # libpff reports objects it cannot build as MemoryError
                doc.warnings.append(f"{prefix}/{i + 1}: unreadable item: {e}"[:200])
                continue
            fd, name = tempfile.mkstemp(dir=scratch, prefix="pst-", suffix=".eml")
            with open(fd, "wb") as f:
                write_message(item, f)
            doc.metadata["message_count"] += 1
            if limit and doc.metadata["message_count"] > limit:
                raise LimitExceeded(f"more than {limit} items in PST")
            yield Child(name=f"{prefix or '_'}/{i + 1}", path=Path(name), mime_hint="message/rfc822",
                        metadata={"folder": prefix, "message_class": item.message_class})
        if depth < MAX_DEPTH:
            for sub in reversed(subs):
                sub_name = folder_name(_attr(sub, "name"))
                stack.append((sub, f"{prefix}/{sub_name}" if prefix else sub_name, depth + 1))
    if broken:
        raise ExtractionError(f"corrupt PST: {len(broken)} folder(s) unreadable, first {broken[0]}"[:200])
