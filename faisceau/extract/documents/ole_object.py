"""Embedded OLE objects: `oleObject1.bin` of an OOXML file, `Object 1` of a legacy Office file.

Such an object is a Compound File (CFB) wrapping what the author embedded. Its payload is
given back as a child, so the normal pipeline reads it (and its own children, under the
depth limits):

- `\\x01Ole10Native`: an OLE 1.0 "package" (Packager): the embedded file's name and bytes;
  native data that is not a package is given as it is (e.g. a Paintbrush bitmap);
- `Package`: the bytes of an OOXML file (an Excel table embedded in a Word report);
- `CONTENTS`: the bytes of another file, e.g. an embedded PDF;
- `WordDocument`, `Workbook`/`Book`, `PowerPoint Document`: the CFB is itself a legacy Office
  document and goes to the legacy-office extractor; `EncryptedPackage` to the OOXML one.

Anything else is skipped with the object's type and the streams it holds, so a reviewer sees
which kind of object is not read. The presentation caches (`\\x02OlePres000`, the picture Office
shows in place of the object) are not payloads. Only stream bytes are read: nothing is run.
"""

from __future__ import annotations

import re
import struct
import zipfile
from collections.abc import Iterator
from io import BytesIO
from pathlib import Path
from typing import Any

from ...exc import ExtractionError, Skipped
from ...model import Child, Extracted
from ..base import Context, Extractor, Probe, register
from .legacy_office import LegacyOfficeExtractor

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
LEGACY_STREAMS = frozenset({"worddocument", "workbook", "book", "powerpoint document"})
NATIVE = "\x01ole10native"
_NATIVE_ENTRY = "\x01Ole10Native".encode("utf-16-le")  # as the name is written in a CFB directory
PACKAGE_TYPE = 0x00030000  # an embedded copy of a file; 1 would be a link to it (no bytes)
MAX_NAME = 200
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
# file-type signatures of payloads, for the extension of the child's name when none is given
SIGNATURES = ((b"%PDF-", "pdf"), (OLE_MAGIC, "bin"), (b"{\\rtf", "rtf"), (b"\x89PNG", "png"),
              (b"\xff\xd8\xff", "jpg"), (b"GIF8", "gif"), (b"BM", "bmp"))
OOXML_DIRS = (("word/", "docx"), ("xl/", "xlsx"), ("ppt/", "pptx"), ("visio/", "vsdx"))
_OXML = "application/vnd.openxmlformats-officedocument."
OOXML_MIMES = {"docx": _OXML + "wordprocessingml.document", "xlsx": _OXML + "spreadsheetml.sheet",
               "pptx": _OXML + "presentationml.presentation", "vsdx": "application/vnd.ms-visio.drawing.main+xml"}


@register
class OleObjectExtractor(Extractor):
    """An embedded OLE object: its packaged file, OOXML package or CONTENTS as a child."""

    NAME = "ole-object"
    VERSION = "1"
    KIND = "archive"
    SCORE = 20
    MIME_TYPES = frozenset({"application/x-ole-storage", "application/CDFV2"})

    @classmethod
    def match(cls, probe: Probe) -> int:
        """By libmagic's type, except under a legacy Office extension (a Works .wps is a CFB
        libmagic does not name: LibreOffice reads it); an unnamed CFB whose directory (when in
        the head) names an Ole10Native stream is an object even when its payload's own names are
        there too (an embedded .msg's `__substg1.0_` streams would otherwise draw the Outlook reader)."""
        if probe.extension in LegacyOfficeExtractor.EXTENSIONS:
            return 0
        score = super().match(probe)
        if score and probe.head.startswith(OLE_MAGIC) and _NATIVE_ENTRY in probe.head:
            score += cls.SCORE // 2
        return score

    @classmethod
    def version(cls) -> str:
        """Our version and olefile's."""
        import olefile

        return f"{cls.VERSION}+olefile{olefile.__version__}"

    def extract(self, path: Path, doc: Extracted, ctx: Context) -> Iterator[Child]:
        """Hand a legacy Office CFB on; otherwise yield the object's payloads as children."""
        import olefile

        doc.kind = self.KIND
        prog_id, children, streams, lower = "", [], [], set()
        try:
            with olefile.OleFileIO(str(path)) as ole:
                streams = ["/".join(s) for s in ole.listdir(streams=True, storages=False)]
                lower = {s.lower() for s in streams}
                if lower & LEGACY_STREAMS:
                    delegate = "legacy"
                elif "encryptedpackage" in lower:
                    delegate = "ooxml"
                elif "__properties_version1.0" in lower:
                    delegate = "msg"  # an Outlook item libmagic did not name
                else:
                    delegate = ""
                    prog_id = _prog_id(_read(ole, streams, "\x01compobj"))
                    if prog_id:
                        doc.metadata["ole_prog_id"] = prog_id
                    children = list(_payloads(ole, streams, ctx))
        except Exception as e:  # noqa: BLE001 — olefile on hostile input raises more than OSError; reason kept
            raise ExtractionError(f"unreadable OLE file: {str(e)[:100]}") from None
        if delegate == "legacy":
            yield from LegacyOfficeExtractor().extract(path, doc, ctx)
            return
        if delegate == "ooxml":
            from .ooxml import OoxmlExtractor

            yield from OoxmlExtractor().extract(path, doc, ctx)
            return
        if delegate == "msg":
            from ..email.msg import MsgExtractor

            yield from MsgExtractor().extract(path, doc, ctx)
            return
        if not children:
            what = f" {prog_id}" if prog_id else ""
            known = lower & {NATIVE, "package", "contents"}
            # what else it holds, leaving out the \x01CompObj, \x02OlePres, \x03ObjInfo kind of metadata
            others = {x for x in lower if x[:1] not in ("\x01", "\x02", "\x03", "\x05") and x not in known}
            kind = "empty" if known and not others else "unsupported"  # only payload streams, all empty
            raise Skipped(f"{kind} OLE object{what}: streams {_stream_list(streams)}")
        yield from children


def _read(ole: Any, streams: list[str], name: str) -> bytes | None:
    """The bytes of a top-level stream, by case-insensitive name, or None."""
    for s in streams:
        if s.lower() == name:
            data: bytes = ole.openstream(s).read()
            return data
    return None


def _payloads(ole: Any, streams: list[str], ctx: Context) -> Iterator[Child]:
    """Children for each non-empty payload stream the object holds (top-level streams only):
    LibreOffice writes an empty `CONTENTS` beside the real payload of the objects it stores."""
    native = _read(ole, streams, NATIVE)
    if native and native[4:].strip(b"\x00"):
        yield _native_child(native, ctx)
    package = _read(ole, streams, "package")
    if package:
        ext = _ooxml_extension(package)
        # the package's type as a hint: libmagic calls some of them plain zips
        yield _child(ctx, f"Package.{ext}", package, {"ole_stream": "Package"}, OOXML_MIMES.get(ext))
    contents = _read(ole, streams, "contents")
    if contents and contents.strip(b"\x00"):
        yield _child(ctx, f"CONTENTS.{_extension(contents)}", contents, {"ole_stream": "CONTENTS"})


def _native_child(data: bytes, ctx: Context) -> Child:
    """The packaged file of an Ole10Native stream, named as the package names it; native data
    that is not a package is given whole (the pipeline identifies it by its content)."""
    size = int.from_bytes(data[:4], "little") if len(data) >= 4 else 0
    body = data[4:4 + size] if 0 < size <= len(data) - 4 else data[4:]
    package = parse_package(body)
    if package is None:
        return _child(ctx, f"Ole10Native.{_extension(body)}", body, {"ole_stream": "Ole10Native"})
    name, meta, payload = package
    meta["ole_stream"] = "Ole10Native"
    return _child(ctx, name or f"Ole10Native.{_extension(payload)}", payload, meta)


def parse_package(body: bytes) -> tuple[str, dict[str, Any], bytes] | None:
    """(file name, metadata, file bytes) of OLE 1.0 Packager native data, or None when the data
    is not a package of an embedded file ([MS-OLEDS] native data of the "Package" class).

    Layout: WORD 2, label (ANSI, NUL-ended), source path (ANSI, NUL-ended), DWORD 0x00030000,
    DWORD length + temporary path (ANSI), DWORD length + data; then, optionally, the temporary
    path, label and source path again in UTF-16 (each a DWORD count of characters + text).
    """
    try:
        if body[:2] != b"\x02\x00":
            return None
        label, pos = _cstring(body, 2)
        source, pos = _cstring(body, pos)
        (kind,) = struct.unpack_from("<I", body, pos)
        if kind != PACKAGE_TYPE:
            return None
        (n,) = struct.unpack_from("<I", body, pos + 4)
        temp = _ansi(body[pos + 8:pos + 8 + n])
        pos += 8 + n
        (n,) = struct.unpack_from("<I", body, pos)
        payload = body[pos + 4:pos + 4 + n]
        if len(payload) != n:
            return None
        pos += 4 + n
    except struct.error:
        return None
    wide: list[str] = []
    for _ in range(3):  # UTF-16 temporary path, label, source path (newer packagers only)
        if pos + 4 > len(body):
            break
        (chars,) = struct.unpack_from("<I", body, pos)
        text = body[pos + 4:pos + 4 + 2 * chars]
        if len(text) != 2 * chars:
            break
        wide.append(text.decode("utf-16-le", "replace").rstrip("\x00"))
        pos += 4 + 2 * chars
    if len(wide) == 3:
        temp, label, source = wide[0] or temp, wide[1] or label, wide[2] or source
    meta: dict[str, Any] = {}
    if label:
        meta["ole_label"] = _clip(label)
    if source:
        meta["ole_source_path"] = _clip(source)  # where the author's machine had the file
    name = next((_basename(s) for s in (label, source, temp) if _basename(s)), "")
    return name, meta, payload


def _cstring(data: bytes, pos: int) -> tuple[str, int]:
    """A NUL-ended ANSI string at pos, and the position after its NUL."""
    end = data.index(b"\x00", pos) if b"\x00" in data[pos:pos + 4096] else -1
    if end < 0:
        raise struct.error("unterminated string")
    return _ansi(data[pos:end]), end + 1


def _ansi(raw: bytes) -> str:
    """Packager strings are in the author's ANSI code page: cp1252 is the usual one."""
    return raw.split(b"\x00", 1)[0].decode("cp1252", "replace")


def _basename(path: str) -> str:
    """The file name of a Windows or POSIX path, without control characters."""
    base = _CONTROL.sub("", re.split(r"[\\/]", path)[-1]).strip()
    return "" if base in (".", "..") else base[:MAX_NAME]


def _clip(text: str) -> str:
    return _CONTROL.sub("", text)[:500]


def _prog_id(data: bytes | None) -> str:
    """The ProgID (e.g. `Excel.Sheet.12`) or else the user type of a `\\x01CompObj` stream
    ([MS-OLEDS] CompObjStream: a 28-byte header, user type, clipboard format, ProgID)."""
    if not data or len(data) < 32:
        return ""
    try:
        pos = 28
        user_type, pos = _prefixed(data, pos)
        (marker,) = struct.unpack_from("<I", data, pos)
        if marker in (0xFFFFFFFF, 0xFFFFFFFE):
            pos += 8  # a standard clipboard format id follows the marker
        elif marker:
            pos += 4 + marker
        else:
            pos += 4
        prog_id, pos = _prefixed(data, pos)
    except struct.error:
        return ""
    return _clip(prog_id or user_type)[:MAX_NAME]


def _prefixed(data: bytes, pos: int) -> tuple[str, int]:
    """A DWORD-length-prefixed ANSI string at pos, and the position after it."""
    (n,) = struct.unpack_from("<I", data, pos)
    if n > len(data) - pos - 4:
        raise struct.error("string past the end")
    return _ansi(data[pos + 4:pos + 4 + n]).strip(), pos + 4 + n


def _extension(data: bytes) -> str:
    """An extension for a payload from its signature ('bin' when unknown)."""
    return next((ext for sig, ext in SIGNATURES if data.startswith(sig)), "bin")


def _ooxml_extension(data: bytes) -> str:
    """docx, xlsx, pptx… from the part names of a `Package` stream's zip (central directory only)."""
    try:
        with zipfile.ZipFile(BytesIO(data)) as z:
            names = z.namelist()
    except (zipfile.BadZipFile, OSError, ValueError, EOFError):
        return "bin"
    for prefix, ext in OOXML_DIRS:
        if any(n.startswith(prefix) for n in names):
            return ext
    return "zip"


def _child(ctx: Context, name: str, data: bytes, meta: dict[str, Any], mime_hint: str | None = None) -> Child:
    """A child holding payload bytes, written to scratch (never larger than the object itself)."""
    dest = ctx.tempdir() / "payload"
    dest.write_bytes(data)
    return Child(name=name, path=dest, metadata=meta, mime_hint=mime_hint)


def _stream_list(streams: list[str]) -> str:
    """The object's stream names, readable (the \\x01/\\x03 prefixes dropped), for a reason."""
    names = sorted({_CONTROL.sub("", s) for s in streams})
    text = ", ".join(names) or "none"
    return text if len(text) <= 200 else text[:197] + "…"
