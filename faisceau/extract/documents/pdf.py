"""PDF documents through pdfium: text per page, metadata, attachments, broken files repaired.

The file is opened once with pypdfium2 and read page by page; the catalog language, the
encryption and which pages carry file annotations come from the same pdfium handle, so a
large PDF costs little more than pdfium's own text extraction. pikepdf opens the file only
when it has attached files, to decode them with bounded memory. Files pdfium cannot open
go through `pdf_repair` first.
"""

from __future__ import annotations

import ctypes
import os
import re
import time
import zlib
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, timezone
from importlib.metadata import PackageNotFoundError
from importlib.metadata import version as dist_version
from pathlib import Path
from typing import Any, ClassVar

import pikepdf
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
_EF_KEYS = ("/UF", "/F", "/Unix", "/Mac", "/DOS")
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
            datetime(int(year), int(month or 1), int(day or 1))  # validates the calendar date
            return "-".join([year] + [p for p in (month, day) if p])
        tz = None
        if sign in ("Z", "z"):
            tz = UTC
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
    """Embedded files, decoded to scratch with bounded memory and a bomb guard, named uniquely.

    pikepdf reads them rather than pdfium, whose attachment API inflates a whole stream in
    memory (up to 1 GiB, at about twice that in peak memory) before we can refuse it.
    """

    ctx: Context
    children: list[Child] = field(default_factory=list)
    _names: set[str] = field(default_factory=set)
    _seen: set[tuple[int, int]] = field(default_factory=set)
    _folder: Path | None = None

    def collect(self, path: Path, passwords: Sequence[str], annotated_pages: list[int]) -> None:
        """Files of the EmbeddedFiles name tree, then of FileAttachment annotations.

        Raise EncryptedDocument when no password opens them: a PDF can encrypt only its
        attached files (crypt filter /AuthEvent /EFOpen), its pages opening with none.
        """
        with _open_attachments(path, passwords) as pk:
            names = pk.Root.get("/Names")
            tree = names.get("/EmbeddedFiles") if isinstance(names, pikepdf.Dictionary) else None
            if isinstance(tree, pikepdf.Dictionary):
                for _, spec in pikepdf.NameTree(tree).items():
                    self.add(spec)
            for index in annotated_pages:
                for annot in pk.pages[index].obj.get("/Annots", pikepdf.Array()):
                    if isinstance(annot, pikepdf.Dictionary) and annot.get("/Subtype") == "/FileAttachment":
                        self.add(annot.get("/FS"), page=index + 1)

    def add(self, spec: Any, **meta: Any) -> None:
        """Save one file specification's embedded file, or record why it cannot be saved."""
        if not isinstance(spec, pikepdf.Dictionary):
            return  # a bare file name: a reference to a file outside the PDF
        original = str(spec.get("/UF") or spec.get("/F") or "")
        name = _safe_name(original, len(self.children) + 1)
        if original and original != name:
            meta["original_name"] = original
        if isinstance(spec.get("/Desc"), pikepdf.String):
            meta["description"] = str(spec.Desc)
        ef = spec.get("/EF")
        # /UF and /F first; the old per-platform variants (/Unix, /Mac, /DOS) can hold other
        # content, so every distinct stream is kept.
        found = [(k, ef[k]) for k in _EF_KEYS if k in ef] if isinstance(ef, pikepdf.Dictionary) else []
        streams = [(k, st) for k, st in found if isinstance(st, pikepdf.Stream)]
        if not streams:
            self._push(name, None, meta, "skipped", "attachment not embedded")
        for key, stream in streams:
            if stream.objgen in self._seen:  # the same file reached twice (name tree and annotation)
                continue
            self._seen.add(stream.objgen)
            variant = {"variant": key[1:]} if key in ("/Unix", "/Mac", "/DOS") else {}
            self._save(name, stream, {**meta, **variant})

    def _save(self, name: str, stream: pikepdf.Stream, meta: dict[str, Any]) -> None:
        if self._folder is None:  # most PDFs have no attachment: no folder for them
            self._folder = self.ctx.tempdir()
        path = self._folder / f"{len(self.children) + 1}.bin"
        try:
            if not _decode_to(stream, path, self.ctx):
                meta["truncated"] = True  # what could be inflated is kept
        except LimitExceeded as e:
            path.unlink(missing_ok=True)
            self._push(name, None, meta, "skipped", e.reason)
            return
        except (pikepdf.PdfError, zlib.error, ValueError, NotImplementedError):
            path.unlink(missing_ok=True)
            self._push(name, None, meta, "failed", "attachment cannot be decoded")
            return
        self._push(name, path, meta)

    def refuse(self, name: str, reason: str) -> None:
        """Account for a file that cannot be read at all (known by name only) as failed."""
        self._push(_safe_name(name, len(self.children) + 1), None, {}, "failed", reason)

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


def _open_attachments(path: Path, passwords: Sequence[str]) -> pikepdf.Pdf:
    """Open with qpdf for the attachments, trying each password (the pages' one first)."""
    for password in dict.fromkeys(passwords):  # each once, in order
        try:
            return pikepdf.open(path, password=password)
        except pikepdf.PasswordError:
            continue
    raise EncryptedDocument()


def _safe_name(name: str, index: int) -> str:
    """The last path component of an attachment name, without control characters."""
    base = _UNSAFE_NAME.sub("", name.replace("\\", "/")).rsplit("/", 1)[-1].strip()
    return base if base not in ("", ".", "..") else f"attachment-{index}"


def _decode_to(stream: pikepdf.Stream, path: Path, ctx: Context) -> bool:
    """Write a stream's decoded data to path; False when it ends early (a cut Flate stream).

    Raise LimitExceeded for a bomb or an oversize file.

    Plain Flate (nearly every embedded file) is inflated chunk by chunk; other filters are
    decoded by qpdf in memory, after a counting pass when Flate comes first.
    """
    raw = stream.read_raw_bytes()
    filters = stream.get("/Filter")
    chain = [str(f) for f in filters] if isinstance(filters, pikepdf.Array) else (
        [str(filters)] if filters is not None else [])
    limit, ratio = ctx.settings.max_file_size, ctx.settings.max_ratio

    def guard(size: int) -> None:
        if size > limit:
            raise LimitExceeded(f"attachment over max_file_size {limit}")
        # checked while inflating, so the final ratio is unknown: only that it is over
        if size >= ctx.settings.ratio_min_size and size > ratio * max(len(raw), 1):
            raise LimitExceeded(f"zip bomb: expansion ratio over limit 1:{ratio}")

    plain = chain == ["/FlateDecode"] and stream.get("/DecodeParms") is None
    if chain[:1] == ["/FlateDecode"]:
        try:
            complete = _inflate(raw, path if plain else None, guard)
            if plain:
                return complete
        except zlib.error:  # damaged data: qpdf salvages what it can, below
            path.unlink(missing_ok=True)
    data = stream.read_bytes()
    guard(len(data))
    path.write_bytes(data)
    return True


def _inflate(raw: bytes, dest: Path | None, guard: Callable[[int], None]) -> bool:
    """Inflate raw into dest (or just count the bytes), 1 MB at a time, guarding the size;
    whether the Flate stream was complete."""
    inflater, size, todo = zlib.decompressobj(), 0, raw
    with dest.open("wb") if dest else open(os.devnull, "wb") as out:
        while todo and not inflater.eof:
            chunk = inflater.decompress(todo, 1 << 20)
            todo = inflater.unconsumed_tail
            size += len(chunk)
            guard(size)
            out.write(chunk)
        chunk = inflater.flush()
        guard(size + len(chunk))
        out.write(chunk)
    return inflater.eof


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
        pdf, opened, password = _open(path, layout, doc, ctx)
        try:
            _metadata(pdf, layout, doc)
            annotated = _pages(pdf, layout, doc, ctx)
            embedded = _attachment_names(pdf)
        finally:
            pdf.close()
        if not (embedded or annotated):
            return
        attachments = _Attachments(ctx)
        try:
            attachments.collect(opened, [password, *ctx.passwords], annotated)
        except EncryptedDocument:
            # Only the attached files are encrypted and no known password opens them: the
            # pages are read, and each file pdfium names is accounted for as encrypted.
            doc.flag("attachments encrypted")
            for name in embedded:
                attachments.refuse(name, "encrypted")
        except (pikepdf.PdfError, ValueError, TypeError, AttributeError) as e:
            # the pages are read; say why (some of) the attached files are not
            first_line = str(e).strip().splitlines()[0][:200] if str(e).strip() else type(e).__name__
            doc.warnings.append(f"attachments not read: {first_line}")
        yield from attachments.children


def _open(path: Path, layout: pdf_repair.Layout, doc: Extracted,
          ctx: Context) -> tuple[pdfium.PdfDocument, Path, str]:
    """Open with pdfium (trying known passwords), else a repaired copy with pages.

    Returns the document, the file it was opened from and the password that opened it.
    """
    pdf, error, password = _try_open(path, doc, ctx)
    if pdf is not None and len(pdf) > 0:
        return pdf, path, password
    if pdf is not None:
        pdf.close()
        error = "no pages"
    for repaired, tool in pdf_repair.repairs(path, layout, ctx):
        pdf, _, password = _try_open(repaired, doc, ctx)
        if pdf is not None and len(pdf) > 0:
            doc.metadata["repaired_with"] = tool
            doc.warnings.append(f"repaired with {tool} ({error})")
            return pdf, repaired, password
        if pdf is not None:
            pdf.close()
    if layout.looks_truncated:
        raise Truncated()
    raise ExtractionError(f"damaged PDF: {error}")


def _try_open(path: Path, doc: Extracted,
              ctx: Context) -> tuple[pdfium.PdfDocument | None, str, str]:
    """(document, "", password) or (None, pdfium's reason, ""); raise when a password is missing."""
    try:
        return pdfium.PdfDocument(path), "", ""
    except pdfium.PdfiumError as e:
        code = getattr(e, "err_code", None)
        if code == pdfium_c.FPDF_ERR_SECURITY:
            raise EncryptedDocument("encrypted: unsupported security handler") from None
        if code != pdfium_c.FPDF_ERR_PASSWORD:
            return None, "data format error" if code == pdfium_c.FPDF_ERR_FORMAT else str(e), ""
    for password in ctx.passwords:
        try:
            pdf = pdfium.PdfDocument(path, password=password)
        except pdfium.PdfiumError:
            continue
        doc.metadata["password_used"] = True  # never the password itself
        return pdf, "", password
    raise EncryptedDocument()


def _attachment_names(pdf: pdfium.PdfDocument) -> list[str]:
    """The names of the embedded files pdfium sees (readable even when their data is encrypted)."""
    names = []
    for i in range(pdf.count_attachments()):
        try:
            names.append(pdf.get_attachment(i).get_name())
        except pdfium.PdfiumError:
            names.append("")
    return names


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


def _pages(pdf: pdfium.PdfDocument, layout: pdf_repair.Layout, doc: Extracted,
           ctx: Context) -> list[int]:
    """Add every page's text; a page that fails is recorded and the others still read.

    Returns the indexes of pages with FileAttachment annotations.
    """
    count = len(pdf)
    annotated: list[int] = []
    min_text, budget = ctx.settings.ocr_min_text, ctx.settings.max_text
    used = good = drawn = 0
    for i in range(count):
        number = i + 1
        if time.monotonic() > ctx.deadline:
            raise LimitExceeded(f"time limit {ctx.settings.time_limit} s exceeded at page {number}")
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
            rotation = page.get_rotation()
            if rotation:  # OCR needs to know which way is up
                attrs["rotation"] = rotation
            needs_ocr = _needs_ocr(page, text, min_text, attrs)
            if pdfium_c.FPDFPage_GetAnnotCount(page) > 0 and _has_file_annotation(page):
                annotated.append(i)
        except pdfium.PdfiumError as e:
            doc.add_page("", number=number, error=f"page cannot be read: {e}")
            doc.warnings.append(f"page {number}: cannot be read")
            continue
        finally:
            page.close()
        good += 1
        drawn += not attrs.get("blank")
        used += len(text) if text.isascii() else len(text.encode("utf-8", "surrogatepass"))
        if used > budget:  # keep the page (its number, its size) but not its text
            doc.flag(_budget_flag(budget))
            attrs["text_dropped"] = True
            text = ""
        doc.add_page(text, number=number, needs_ocr=needs_ocr, **attrs)
    if good < count and not layout.has_eof:
        doc.flag("truncated")
    if layout.looks_truncated:
        doc.flag("truncated")
    # In a file cut short, pages whose content was lost read as blank: nothing left at all
    # is a truncated file, not an empty document.
    if layout.looks_truncated and not drawn:
        raise Truncated()
    if good == 0:
        raise ExtractionError(f"damaged PDF: none of its {count} pages can be read")
    return annotated


def _budget_flag(budget: int) -> str:
    """The flag of a document whose text went over max_text: `truncated at 50 MB`."""
    mb = 1 << 20
    return f"truncated at {budget // mb} MB" if budget % mb == 0 else f"truncated at {budget} bytes"


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


def _has_file_annotation(page: pdfium.PdfPage) -> bool:
    """Whether the page carries a FileAttachment annotation (pdfium reads them cheaply)."""
    for j in range(pdfium_c.FPDFPage_GetAnnotCount(page)):
        annot = pdfium_c.FPDFPage_GetAnnot(page, j)
        if annot:
            subtype = pdfium_c.FPDFAnnot_GetSubtype(annot)
            pdfium_c.FPDFPage_CloseAnnot(annot)
            if subtype == pdfium_c.FPDF_ANNOT_FILEATTACHMENT:
                return True
    return False
