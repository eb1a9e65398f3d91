"""TNEF (winmail.dat): the Outlook body and attachments an e-mail carried in one blob."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import tnefparse

from ...exc import ExtractionError
from ...model import Child, Extracted
from ..base import Context, Extractor, Probe, register
from .naming import Names, make_child, safe_name
from .rtftext import rtf_to_text
from .textdecode import decode_text, html_charset, html_to_text

TNEF_MAGIC = b"\x78\x9f\x3e\x22"
MAX_HTML = 4 << 20


def _text(value: Any, charset: str | None = None) -> str:
    if value is None:
        return ""
    if isinstance(value, bytes):
        return decode_text(value.rstrip(b"\x00"), charset)
    return str(value).replace("\x00", "")


@register
class TnefExtractor(Extractor):
    """A TNEF stream: body text (plain, HTML or RTF) and the files inside as children."""

    NAME = "tnef"
    VERSION = "1"
    MIME_TYPES = frozenset({"application/vnd.ms-tnef", "application/ms-tnef"})
    EXTENSIONS = frozenset({"tnef"})
    MAGIC = (TNEF_MAGIC,)
    SCORE = 20
    KIND = "other"

    @classmethod
    def match(cls, probe: Probe) -> int:
        """By type, extension, magic, or the name winmail.dat."""
        score = super().match(probe)
        if probe.name.rsplit("/", 1)[-1].lower() in ("winmail.dat", "win.dat"):
            score += cls.SCORE // 2 + 1
        return score

    def extract(self, path: Path, doc: Extracted, ctx: Context) -> Iterator[Child]:
        """Decode the TNEF stream; yield the attachments."""
        data = path.read_bytes()
        if not data.startswith(TNEF_MAGIC):
            raise ExtractionError("not a TNEF file: bad signature")
        try:
            tnef = tnefparse.TNEF(data)
        except Exception as e:  # noqa: BLE001
            # tnefparse checks structure with assert statements and fails on bad data with
            # whatever the next line raises (LookupError, UnboundLocalError…): all mean corrupt
            raise ExtractionError(f"corrupt TNEF: {type(e).__name__}: {e}"[:200]) from None
        doc.kind = "other"
        doc.mime = "application/vnd.ms-tnef"
        body = _text(getattr(tnef, "body", None))
        html = _text(getattr(tnef, "htmlbody", None))
        if html and isinstance(getattr(tnef, "htmlbody", None), bytes):
            html = _text(tnef.htmlbody, html_charset(tnef.htmlbody))
        if html:
            doc.metadata["body_html"] = html[:MAX_HTML]
        if not body and not html:
            try:
                rtf = tnef.rtfbody
            except Exception as e:  # noqa: BLE001 - compressed_rtf raises a bare Exception on bad CRC
                doc.warnings.append(f"RTF body unreadable: {e}"[:120])
                rtf = None
            if rtf:
                body = rtf_to_text(rtf if isinstance(rtf, bytes) else str(rtf).encode("latin-1", "replace"))
        doc.add_text(body or (html_to_text(html) if html else ""), part="body")
        subject = _text(getattr(tnef, "subject", None))
        if subject:
            doc.metadata["subject"] = doc.metadata["title"] = subject.strip()
        attachments = list(getattr(tnef, "attachments", []) or [])
        doc.metadata["attachment_count"] = len(attachments)
        names = Names()
        scratch = ctx.tempdir()
        for i, att in enumerate(attachments, 1):
            try:
                filename = att.long_filename() or ""
            except (ValueError, KeyError, IndexError, TypeError, UnicodeError):
                filename = ""
            filename = _text(filename).strip()
            content = att.data if isinstance(att.data, bytes) else b""
            meta: dict[str, object] = {"filename": filename} if filename else {}
            yield make_child(names.take(safe_name(filename) or f"part-{i}.bin"), content, scratch, None, meta)
