"""PDF documents through pdfium: text per page, metadata, attachments, broken files repaired.

The file is opened once with pypdfium2 and read page by page; everything else (catalog
language, encryption, annotation attachments) comes from the same pdfium handle, so a
large PDF costs little more than pdfium's own text extraction. Files pdfium cannot open
go through `pdf_repair` first.
"""

from __future__ import annotations

import ctypes
import hashlib
import re
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from importlib.metadata import PackageNotFoundError, version as dist_version
from pathlib import Path
from typing import Any, ClassVar, Iterator

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c

from ...exc import EncryptedDocument, ExtractionError, LimitExceeded, Truncated
from ...model import Child, Extracted
from ..base import Context, Extractor, register
from . import pdf_repair

_INFO_KEYS = {"Title": "title", "Author": "author", "Subject": "subject", "Keywords": "keywords",
              "Creator": "creator", "Producer": "producer"}
_DATE_KEYS = {"CreationDate": "created", "ModDate": "modified"}
# What a broken text layer looks like: pdfminer-style CID placeholders, private-use glyphs
# and C0 control codes from fonts without a usable ToUnicode map, replacement characters.
_GARBAGE = re.compile(r"\(cid:\d+\)|[\x00-\x08\x0b\x0c\x0e-\x1f\ue000-\uf8ff\ufffd]+")
GARBAGE_RATIO = 0.05
_PDF_DATE = re.compile(r"(?:D:)?\s*(\d{4})(\d\d)?(\d\d)?(\d\d)?(\d\d)?(\d\d)?\s*"
                       r"(?:([Zz+\-])\s*(?:(\d\d)'?\s*(?:(\d\d)'?)?)?)?")
# Counting image objects walks every object of a page: only done where OCR will look.
MAX_OBJECTS_WALKED = 10_000
# pdfium marks a hyphen it removed at a line end with the noncharacter U+FFFE; a soft
# hyphen says the same in valid Unicode, and the index folds it away.
PDFIUM_HYPHEN, SOFT_HYPHEN = "\ufffe", "\u00ad"
_UNSAFE_NAME = re.compile(r"[\x00-\x1f\x7f]")


def pdf_date(raw: str) -> str | None:
    """An ISO 8601 string from a PDF date (`D:YYYYMMDDHHmmSSOHH'mm'`), keeping its offset and
    precision (`2021`, `2021-05-06`, `2021-05-06T07:08:09+02:00`); None when unreadable."""
    raw = raw.strip().strip("\x00")
    m = _PDF_DATE.match(raw)
    if not m or raw[4:5] == "-":
        try:  # some producers write ISO 8601 instead of a PDF date
            return datetime.fromisoformat(raw).isoformat()
        except ValueError:
            return None
    year, month, day, hour, minute, second, sign, oh, om = m.groups()
    try:
        if hour is None:
            parts = [int(year), int(month or 1), int(day or 1)]
            datetime(*parts)  # validates the calendar date
            return "-".join([year] + [p for p in (month, day) if p])
        tz = None
        if sign in ("Z", "z"):
            tz = timezone.utc
        elif sign and oh:
            delta = timedelta(hours=int(oh), minutes=int(om or 0))
            tz = timezone(-delta if sign == "-" else delta)
        return datetime(int(year), int(month), int(day), int(hour), int(minute or 0),
                        int(second or 0), tzinfo=tz).isoformat()
    except (ValueError, TypeError):
        return None


def _pypdfium_version() -> str:
    """pypdfium2's version with the pdfium build it bundles."""
    try:
        ver = dist_version("pypdfium2")
    except PackageNotFoundError:  # pragma: no cover - vendored or odd installs
        ver = "unknown"
    build = getattr(getattr(pdfium, "PDFIUM_INFO", None), "build", None)
    return f"pypdfium2-{ver}" + (f"+pdfium-{build}" if build else "")


@dataclass
class _Attachments:
    """Embedded files written to scratch, named uniquely, identical copies kept once."""

    ctx: Context
    children: list[Child] = field(default_factory=list)
    _names: set[str] = field(default_factory=set)
    _seen: set[tuple[str, str]] = field(default_factory=set)
    _folder: Path | None = None

    def add(self, att: pdfium.PdfAttachment, **meta: Any) -> None:
        """Save one attachment (or record why it cannot be saved)."""
        try:
            original = att.get_name()
        except pdfium.PdfiumError:
            original = ""
        name = _safe_name(original, len(self.children) + 1)
        if original and original != name:
            meta["original_name"] = original
        size = ctypes.c_ulong()
        if not pdfium_c.FPDFAttachment_GetFile(att, None, 0, ctypes.byref(size)):
            self._push(name, None, status="skipped", reason="attachment not embedded", meta=meta)
            return
        limit = self.ctx.settings.max_file_size
        if size.value > limit:
            self._push(name, None, status="skipped", meta=meta,
                       reason=f"attachment of {size.value} bytes over max_file_size {limit}")
            return
        buf = (ctypes.c_char * max(size.value, 1))()
        out = ctypes.c_ulong()
        if size.value and not pdfium_c.FPDFAttachment_GetFile(att, buf, size.value, ctypes.byref(out)):
            self._push(name, None, status="failed", reason="attachment cannot be decoded", meta=meta)
            return
        data = memoryview(buf)[: min(out.value, size.value)].cast("B")
        key = (name, hashlib.sha256(data).hexdigest())
        if key in self._seen:  # the same file reached from the name tree and an annotation
            return
        self._seen.add(key)
        if self._folder is None:  # most PDFs have no attachment: no folder for them
            self._folder = self.ctx.tempdir()
        path = self._folder / f"{len(self.children) + 1}.bin"
        path.write_bytes(data)
        self._push(name, path, meta=meta)

    def _push(self, name: str, path: Path | None, meta: dict[str, Any],
              status: str | None = None, reason: str | None = None) -> None:
        # A repeated name gets " (2)" before its extension, which later stages use.
        unique = name
        stem, dot, ext = name.rpartition(".")
        if not stem:
            stem, dot, ext = name, "", ""
        n = 2
        while unique in self._names:
            unique = f"{stem} ({n}){dot}{ext}"
            n += 1
        self._names.add(unique)
        self.children.append(Child(f"attachments/{unique}", path=path, metadata=meta,
                                   status=status, reason=reason))


def _safe_name(name: str, index: int) -> str:
    """The last path component of an attachment name, without control characters."""
    base = _UNSAFE_NAME.sub("", name.replace("\\", "/")).rsplit("/", 1)[-1].strip()
    return base if base not in ("", ".", "..") else f"attachment-{index}"


@register
class PdfExtractor(Extractor):
    """PDF: text per page (with OCR needs), Info metadata, embedded files as children."""

    NAME = "pdf"
    VERSION = "1"
    MIME_TYPES = frozenset({"application/pdf", "application/x-pdf", "application/acrobat"})
    EXTENSIONS = frozenset({"pdf"})
    MAGIC = (b"%PDF",)
    KIND = "pdf"
    TOOLS: ClassVar[tuple[str, ...]] = pdf_repair.REPAIR_TOOLS

    @classmethod
    def version(cls) -> str:
        """Our version plus pypdfium2's and pdfium's, since text output depends on them."""
        return f"{cls.VERSION}+{_pypdfium_version()}"

    def extract(self, path: Path, doc: Extracted, ctx: Context) -> Iterator[Child]:
        """Fill `doc` with pages and metadata; yield embedded files."""
        doc.kind, doc.mime = "pdf", "application/pdf"
        layout = pdf_repair.inspect(path)
        if layout.size == 0:
            raise ExtractionError("empty file")
        if layout.header_offset < 0:
            raise ExtractionError("not a PDF: no %PDF header")
        pdf = _open(path, layout, doc, ctx)
        attachments = _Attachments(ctx)
        try:
            _metadata(pdf, layout, doc)
            for i in range(pdf.count_attachments()):
                attachments.add(pdf.get_attachment(i))
            _pages(pdf, layout, doc, ctx, attachments)
        finally:
            pdf.close()
        yield from attachments.children


def _open(path: Path, layout: pdf_repair.Layout, doc: Extracted, ctx: Context) -> pdfium.PdfDocument:
    """Open with pdfium (trying known passwords), else a repaired copy with pages."""
    pdf, error = _try_open(path, doc, ctx)
    if pdf is not None and len(pdf) > 0:
        return pdf
    if pdf is not None:
        pdf.close()
        error = "no pages"
    for repaired, tool in pdf_repair.repairs(path, layout, ctx):
        pdf, _ = _try_open(repaired, doc, ctx)
        if pdf is not None and len(pdf) > 0:
            doc.metadata["repaired_with"] = tool
            doc.warnings.append(f"repaired with {tool} ({error})")
            return pdf
        if pdf is not None:
            pdf.close()
    if layout.looks_truncated:
        raise Truncated()
    raise ExtractionError(f"damaged PDF: {error}")


def _try_open(path: Path, doc: Extracted, ctx: Context) -> tuple[pdfium.PdfDocument | None, str]:
    """The opened document, or None and pdfium's reason; raise when a password is missing."""
    try:
        return pdfium.PdfDocument(path), ""
    except pdfium.PdfiumError as e:
        code = getattr(e, "err_code", None)
        if code == pdfium_c.FPDF_ERR_SECURITY:
            raise EncryptedDocument("encrypted: unsupported security handler") from None
        if code != pdfium_c.FPDF_ERR_PASSWORD:
            return None, "data format error" if code == pdfium_c.FPDF_ERR_FORMAT else str(e)
    for password in ctx.passwords:
        try:
            pdf = pdfium.PdfDocument(path, password=password)
        except pdfium.PdfiumError:
            continue
        doc.metadata["password_used"] = True  # never the password itself
        return pdf, ""
    raise EncryptedDocument()


def _metadata(pdf: pdfium.PdfDocument, layout: pdf_repair.Layout, doc: Extracted) -> None:
    """Info dictionary, dates, page count, version, declared language, encryption."""
    md = doc.metadata
    for key, value in pdf.get_metadata_dict(skip_empty=True).items():
        value = value.replace("\x00", "").strip()
        if not value:
            continue
        if key in _INFO_KEYS:
            md[_INFO_KEYS[key]] = value
        elif key in _DATE_KEYS:
            iso = pdf_date(value)
            md[_DATE_KEYS[key] if iso else _DATE_KEYS[key] + "_raw"] = iso or value
    md["page_count"] = len(pdf)
    version = pdf.get_version()
    md["pdf_version"] = layout.version or (f"{version // 10}.{version % 10}" if version else None)
    lang = _catalog_language(pdf)
    if lang:
        md["language_declared"] = lang
    md["encrypted"] = pdfium_c.FPDF_GetSecurityHandlerRevision(pdf) != -1
    if md["encrypted"]:
        doc.flag("encrypted")


def _catalog_language(pdf: pdfium.PdfDocument) -> str | None:
    """/Lang of the catalog, when this pdfium build can read it."""
    getter = getattr(pdfium_c, "FPDFCatalog_GetLanguage", None)
    if getter is None:
        return None
    n = getter(pdf, None, 0)
    if n <= 2:
        return None
    buf = (ctypes.c_ushort * (n // 2))()
    getter(pdf, buf, n)
    return bytes(buf).decode("utf-16-le", "replace").rstrip("\x00").strip() or None


def _pages(pdf: pdfium.PdfDocument, layout: pdf_repair.Layout, doc: Extracted, ctx: Context,
           attachments: _Attachments) -> None:
    """Add every page's text; a page that fails is recorded and the others still read."""
    count = len(pdf)
    min_text, budget = ctx.settings.ocr_min_text, ctx.settings.max_text
    used = good = 0
    for i in range(count):
        number = i + 1
        if time.monotonic() > ctx.deadline:
            raise LimitExceeded(f"time limit {ctx.settings.time_limit} s exceeded at page {number} of {count}")
        try:
            page = pdf[i]
        except pdfium.PdfiumError:
            doc.add_page("", number=number, error="page cannot be loaded")
            doc.warnings.append(f"page {number}: cannot be loaded")
            continue
        try:
            textpage = page.get_textpage()
            text = textpage.get_text_range().replace("\r\n", "\n").replace(PDFIUM_HYPHEN, SOFT_HYPHEN)
            textpage.close()
            width, height = page.get_size()
            attrs: dict[str, Any] = {"width": round(width, 2), "height": round(height, 2)}
            needs_ocr = _needs_ocr(page, text, min_text, attrs)
            if pdfium_c.FPDFPage_GetAnnotCount(page) > 0:
                _annotation_files(pdf, page, number, attachments)
        except pdfium.PdfiumError as e:
            doc.add_page("", number=number, error=f"page cannot be read: {e}")
            doc.warnings.append(f"page {number}: cannot be read")
            continue
        finally:
            page.close()
        good += 1
        used += len(text.encode("utf-8", "surrogatepass"))
        if used > budget:  # keep the page (its number, its size) but not its text
            doc.flag(f"truncated at {budget // (1 << 20)} MB" if budget >= 1 << 20 else f"truncated at {budget} bytes")
            attrs["text_dropped"] = True
            text = ""
        doc.add_page(text, number=number, needs_ocr=needs_ocr, **attrs)
    if good < count and not layout.has_eof:
        doc.flag("truncated")
    if layout.looks_truncated:
        doc.flag("truncated")
    if good == 0:
        if layout.looks_truncated:
            raise Truncated()
        raise ExtractionError(f"damaged PDF: none of its {count} pages can be read")


def _needs_ocr(page: pdfium.PdfPage, text: str, min_text: int, attrs: dict[str, Any]) -> bool:
    """Whether the page lacks a usable text layer; notes why (and its images) in attrs."""
    nonspace = len("".join(text.split()))
    if nonspace >= min_text:
        if not _GARBAGE.search(text):
            return False
        garbage = sum(len(m.group()) for m in _GARBAGE.finditer(text))
        if garbage <= GARBAGE_RATIO * nonspace:
            return False
        attrs["text_layer"] = "garbage"
    objects = pdfium_c.FPDFPage_CountObjects(page)
    if objects <= 0 and not nonspace:
        attrs["blank"] = True  # nothing drawn: OCR would find nothing either
        return False
    attrs.setdefault("text_layer", "none" if not nonspace else "sparse")
    images = 0
    for j in range(min(objects, MAX_OBJECTS_WALKED)):
        obj = pdfium_c.FPDFPage_GetObject(page, j)
        if pdfium_c.FPDFPageObj_GetType(obj) == pdfium_c.FPDF_PAGEOBJ_IMAGE:
            images += 1
    attrs["images"] = images
    return True


def _annotation_files(pdf: pdfium.PdfDocument, page: pdfium.PdfPage, number: int,
                      attachments: _Attachments) -> None:
    """Files attached through FileAttachment annotations on this page."""
    for j in range(pdfium_c.FPDFPage_GetAnnotCount(page)):
        annot = pdfium_c.FPDFPage_GetAnnot(page, j)
        if not annot:
            continue
        try:
            if pdfium_c.FPDFAnnot_GetSubtype(annot) == pdfium_c.FPDF_ANNOT_FILEATTACHMENT:
                raw = pdfium_c.FPDFAnnot_GetFileAttachment(annot)
                if raw:
                    attachments.add(pdfium.PdfAttachment(raw, pdf), page=number)
        finally:
            pdfium_c.FPDFPage_CloseAnnot(annot)
