"""Legacy office files (doc, xls, ppt, rtf, WordPerfect, Write, StarOffice, xlsb) via LibreOffice.

Each file is converted to OpenDocument by LibreOffice headless — its native format, so
comments, tracked changes, hidden text, hidden sheets and notes survive — and the result is
read by the ODF parser, so hidden parts are marked exactly as for odt/ods/odp. LibreOffice
runs through `ctx.run` (no network, killed at the deadline) with a fresh profile per call
and the input copied under a safe name.
"""

from __future__ import annotations

import shutil
import zipfile
from collections.abc import Iterator
from pathlib import Path

from ...exc import EncryptedDocument, ExtractionError
from ...model import Child, Extracted
from ..base import Context, Extractor, register
from .odf import extract_odf

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
# OLE stream → (kind, ODF target, extension for LibreOffice, MIME type)
OLE_STREAMS = {
    "worddocument": ("document", "odt", "doc", "application/msword"),
    "workbook": ("spreadsheet", "ods", "xls", "application/vnd.ms-excel"),
    "book": ("spreadsheet", "ods", "xls", "application/vnd.ms-excel"),
    "powerpoint document": ("presentation", "odp", "ppt", "application/vnd.ms-powerpoint"),
}
HEADS = {
    b"{\\rtf": ("document", "odt", "rtf", "application/rtf"),
    b"\xffWPC": ("document", "odt", "wpd", "application/vnd.wordperfect"),
    b"\x31\xbe\x00\x00": ("document", "odt", "wri", "application/x-mswrite"),
    b"\x32\xbe\x00\x00": ("document", "odt", "wri", "application/x-mswrite"),
}
SUN = {"writer": ("document", "odt", "sxw"), "calc": ("spreadsheet", "ods", "sxc"),
       "impress": ("presentation", "odp", "sxi")}
# Excel's default password for write-protected workbooks: such files are encrypted with it
DEFAULT_PASSWORDS = ("VelvetSweatshop",)
_VERSION: str | None = None


@register
class LegacyOfficeExtractor(Extractor):
    """Binary and older office formats, converted to ODF by LibreOffice then parsed."""

    NAME = "legacy-office"
    VERSION = "1"
    KIND = "document"
    SCORE = 20
    TOOLS = ("soffice",)
    MIME_TYPES = frozenset({
        "application/msword", "application/vnd.ms-word", "application/vnd.ms-excel",
        "application/vnd.ms-powerpoint", "application/vnd.ms-office", "application/rtf", "text/rtf",
        "application/vnd.wordperfect", "application/wordperfect", "application/x-mswrite",
        "application/vnd.ms-works", "application/vnd.ms-excel.sheet.binary.macroEnabled.12",
        "application/vnd.sun.xml.writer", "application/vnd.sun.xml.calc", "application/vnd.sun.xml.impress",
    })
    EXTENSIONS = frozenset({"doc", "dot", "xls", "xlt", "xlsb", "ppt", "pps", "pot", "rtf", "wpd", "wp",
                            "wp5", "wri", "wps", "sxw", "stw", "sxc", "stc", "sxi", "sti"})

    def extract(self, path: Path, doc: Extracted, ctx: Context) -> Iterator[Child]:
        """Convert with LibreOffice (decrypting first with a known password), then parse as ODF."""
        if path.stat().st_size == 0:
            raise ExtractionError("empty file")
        kind, target, ext, mime = detect(path)
        original = _ole_metadata(path) if ext in ("doc", "xls", "ppt") else {}
        decrypted = decrypt_ole(path, doc, ctx) if ext in ("doc", "xls", "ppt") else None
        converted = convert(decrypted or path, target, ext, ctx)
        yield from extract_odf(converted, doc, ctx)
        # the ODF generator names LibreOffice, not the program that wrote the original
        doc.metadata.pop("application", None)
        doc.metadata.update(original)
        doc.metadata["converted_with"] = soffice_version(ctx)
        doc.kind = kind
        if ext == "xls":
            # xls notes carry no date: LibreOffice stamps them with the day of the conversion
            for seg in doc.segments:
                if seg.part == "cell-comment":
                    seg.attrs.pop("date", None)
        if mime:
            doc.mime = mime


def detect(path: Path) -> tuple[str, str, str, str]:
    """(kind, ODF target, extension, MIME) of a legacy file, from its content."""
    with open(path, "rb") as f:
        head = f.read(64)
    if head.startswith(OLE_MAGIC):
        import olefile

        try:
            with olefile.OleFileIO(str(path)) as ole:
                streams = {"/".join(s).lower() for s in ole.listdir()}
        except Exception as e:  # noqa: BLE001 — third-party parser on hostile input; reason kept
            raise ExtractionError(f"unreadable OLE file: {str(e)[:100]}") from None
        for stream, found in OLE_STREAMS.items():
            if stream in streams:
                return found
        # an encrypted OOXML package, or an OLE file LibreOffice may still know (Works, …)
        return ("document", "odt", "doc", "")
    for magic, found in HEADS.items():
        if head.startswith(magic):
            return found
    if head.startswith(b"PK\x03\x04"):
        try:
            with zipfile.ZipFile(path) as z:
                names = set(z.namelist())
                mimetype = z.read("mimetype")[:100].decode("ascii", "replace") if "mimetype" in names else ""
        except (zipfile.BadZipFile, OSError, EOFError, ValueError) as e:
            raise ExtractionError(f"unreadable zip: {str(e)[:100]}") from None
        if "xl/workbook.bin" in names:
            return ("spreadsheet", "ods", "xlsb", "application/vnd.ms-excel.sheet.binary.macroEnabled.12")
        for app, (kind, target, ext) in SUN.items():
            if mimetype == f"application/vnd.sun.xml.{app}":
                return (kind, target, ext, mimetype)
    return ("document", "odt", "bin", "")


def decrypt_ole(path: Path, doc: Extracted, ctx: Context) -> Path | None:
    """Decrypt a password-protected Office file into scratch with a known password.

    Returns the decrypted file, None when the OLE file is not encrypted, and raises
    EncryptedDocument when no password in `ctx.passwords` opens it.
    """
    import msoffcrypto

    try:
        with open(path, "rb") as f:
            office = msoffcrypto.OfficeFile(f)
            encrypted = office.is_encrypted()
    except Exception as e:  # noqa: BLE001 — a third-party parser on hostile input; reason kept
        if "Unsupported" in str(e) or "Unrecognized" in str(e):
            return None
        raise ExtractionError(f"unreadable OLE file: {str(e)[:100]}") from None
    if not encrypted:
        return None
    doc.metadata["encrypted"] = True
    out = ctx.tempdir() / "decrypted"
    for password in (*DEFAULT_PASSWORDS, *ctx.passwords):
        try:
            with open(path, "rb") as f, open(out, "wb") as w:
                office = msoffcrypto.OfficeFile(f)
                office.load_key(password=password, verify_password=True)
                office.decrypt(w)
        except Exception:  # noqa: BLE001,S112 — a wrong password shows up as any of several errors
            continue
        if password not in DEFAULT_PASSWORDS:
            doc.flag("decrypted")
        return out
    doc.flag("encrypted")
    raise EncryptedDocument()


def convert(path: Path, target: str, ext: str, ctx: Context) -> Path:
    """Convert a file with LibreOffice headless to `target` (odt/ods/odp); return the result."""
    soffice = ctx.tool("soffice")
    work = ctx.tempdir()
    # a safe ASCII name: member names can be hostile, and soffice picks filters by extension
    src = work / f"input.{ext}"
    shutil.copyfile(path, src)
    outdir = work / "out"
    # a fresh profile per call: a shared one breaks concurrent conversions
    profile = work / "profile"
    result = ctx.run([soffice, "--headless", "--norestore", "--nologo", "--nodefault", "--nolockcheck",
                      f"-env:UserInstallation={profile.as_uri()}", "--convert-to", target,
                      "--outdir", str(outdir), str(src)], cwd=work)
    converted = outdir / f"input.{target}"
    if not converted.is_file() or converted.stat().st_size == 0:
        raise ExtractionError(f"libreoffice conversion failed: {_reason(result.stderr, result.stdout, result.returncode)}")
    src.unlink()
    return converted


def _reason(stderr: bytes, stdout: bytes, code: int) -> str:
    """A short reason from LibreOffice's output (its last meaningful line)."""
    lines = [ln.strip() for ln in (stderr + b"\n" + stdout).decode("utf-8", "replace").splitlines()]
    lines = [ln for ln in lines if ln and not ln.startswith(("convert ", "Warning: failed to launch javaldx"))]
    reason = lines[-1] if lines else f"no output file (exit code {code})"
    return reason.removeprefix("Error: ")[:150]


def soffice_version(ctx: Context) -> str:
    """`LibreOffice <version>` of the converter, asked once per process."""
    global _VERSION
    if _VERSION is None:
        try:
            out = ctx.run([ctx.tool("soffice"), "--version"], timeout=30).stdout.decode("utf-8", "replace")
            words = out.split()
            _VERSION = " ".join(words[:2]) if len(words) >= 2 else "LibreOffice"
        except ExtractionError:
            _VERSION = "LibreOffice"
    return _VERSION


def _ole_metadata(path: Path) -> dict[str, object]:
    """The original application and dates from the OLE summary information, where present."""
    import olefile

    try:
        with olefile.OleFileIO(str(path)) as ole:
            meta = ole.get_metadata()
    except Exception:  # noqa: BLE001 — best effort: LibreOffice's conversion carries the rest
        return {}
    out: dict[str, object] = {}
    app = meta.creating_application
    if isinstance(app, bytes):
        app = app.decode("cp1252", "replace")
    if app and str(app).strip("\x00 "):
        out["application"] = str(app).strip("\x00 ")
    return out
