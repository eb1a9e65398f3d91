"""Reading XML parts out of zip-based office files, safely.

OOXML and ODF files are zips of XML parts. Every part is read with its declared size checked
against the container's expansion budget and ratio limit (zip-bomb guard) before a byte is
inflated, and parsed with defusedxml so entity declarations (billion laughs, external
entities) are refused instead of expanded.
"""

from __future__ import annotations

import posixpath
import re
import shutil
import zipfile
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import IO
from xml.etree.ElementTree import Element, ParseError

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring as _fromstring
from defusedxml.ElementTree import iterparse as _iterparse

from ...exc import EncryptedDocument, ExtractionError, LimitExceeded, Truncated
from ..base import Context, check_ratio

# A part parsed whole into a tree costs several times its size in memory; bigger ones must be
# streamed (sheets are) or refused. A fraction of the worker's memory limit keeps us inside it.
DOM_SHARE = 8


def local(tag: str) -> str:
    """The local name of a `{namespace}name` tag."""
    return tag.rsplit("}", 1)[-1]


class ZipParts:
    """A zip container whose members are read under the expansion and ratio limits."""

    def __init__(self, path: Path, ctx: Context) -> None:
        self.ctx = ctx
        self.budget = int(ctx.settings.max_expansion)
        self.dom_limit = max(1 << 20, int(ctx.settings.memory_limit) // DOM_SHARE)
        try:
            self.zf = zipfile.ZipFile(path)
            infos = self.zf.infolist()
        except zipfile.BadZipFile as e:
            with open(path, "rb") as f:
                head = f.read(4)
            # a file that starts like a zip but has no readable central directory was cut short
            if head == b"PK\x03\x04":
                raise Truncated("truncated: zip central directory missing") from None
            raise ExtractionError(f"not a zip file: {e}") from None
        except (OSError, ValueError, EOFError) as e:
            raise ExtractionError(f"unreadable zip: {e}") from None
        if len(infos) > ctx.settings.max_members:
            raise LimitExceeded(f"too many members: {len(infos)} over limit {ctx.settings.max_members}")
        # several entries may share a name in a hostile zip; the last one wins, as in zipfile
        self.infos: dict[str, zipfile.ZipInfo] = {i.filename: i for i in infos}

    def __enter__(self) -> ZipParts:
        return self

    def __exit__(self, *exc: object) -> None:
        self.zf.close()

    def names(self) -> list[str]:
        """Member names, in the order of the central directory."""
        return list(self.infos)

    def has(self, name: str) -> bool:
        """Whether the zip holds a member of that name."""
        return name in self.infos

    def size(self, name: str) -> int:
        """Declared uncompressed size of a member."""
        return self.infos[name].file_size

    def _admit(self, name: str) -> zipfile.ZipInfo:
        """Check a member against the limits and charge it to the budget."""
        info = self.infos.get(name)
        if info is None:
            raise ExtractionError(f"missing part {name}")
        if info.flag_bits & 0x1:
            raise EncryptedDocument()
        check_ratio(info.compress_size, info.file_size, self.ctx)
        self.budget -= info.file_size
        if self.budget < 0:
            raise LimitExceeded(f"expansion over limit {self.ctx.settings.max_expansion} bytes")
        return info

    def open(self, name: str) -> IO[bytes]:
        """A stream of one member (zipfile stops at the declared size and checks the CRC)."""
        info = self._admit(name)
        try:
            return self.zf.open(info)
        except (zipfile.BadZipFile, NotImplementedError, zlib.error, OSError, EOFError) as e:
            raise _member_error(name, e) from None

    def read(self, name: str) -> bytes:
        """The content of one member, whole."""
        with self.open(name) as f:
            try:
                return f.read()
            except (zipfile.BadZipFile, zlib.error, OSError, EOFError) as e:
                raise _member_error(name, e) from None

    def parse(self, name: str) -> Element | None:
        """One XML member parsed whole (defused), or None when absent."""
        if name not in self.infos:
            return None
        size = self.infos[name].file_size
        if size > self.dom_limit:
            raise LimitExceeded(f"XML part {name} too large: {size} bytes over {self.dom_limit}")
        return parse_xml(self.read(name), name)

    def iterparse(self, name: str, events: tuple[str, ...] = ("end",)) -> Iterator[tuple[str, Element]]:
        """Stream one XML member (defused), for parts that may be large (sheets, ODF content)."""
        with self.open(name) as f:
            try:
                yield from _iterparse(f, events=events, forbid_dtd=False, forbid_entities=True,
                                      forbid_external=True)
            except DefusedXmlException as e:
                raise _defused_error(name, e) from None
            except ParseError as e:
                raise ExtractionError(f"malformed XML in {name}: {e}") from None
            except (zipfile.BadZipFile, zlib.error, OSError, EOFError) as e:
                raise _member_error(name, e) from None

    def stream(self, name: str, tags: frozenset[str]) -> Iterator[Element]:
        """Elements with one of these local names, each complete, then dropped from the tree
        so that memory stays bounded however long the part (rows of a sheet, shared strings)."""
        stack: list[Element] = []
        for event, el in self.iterparse(name, ("start", "end")):
            if event == "start":
                stack.append(el)
                continue
            stack.pop()
            if local(el.tag) in tags:
                yield el
                if stack:
                    stack[-1].remove(el)

    def copy_to(self, name: str, dest: Path) -> None:
        """Write one member to a file, streaming (for embedded files and media)."""
        with self.open(name) as src, open(dest, "wb") as out:
            try:
                shutil.copyfileobj(src, out, 1 << 20)
            except (zipfile.BadZipFile, zlib.error, OSError, EOFError) as e:
                raise _member_error(name, e) from None


def parse_xml(data: bytes, name: str) -> Element:
    """Parse XML bytes with entity declarations and external references refused."""
    try:
        return _fromstring(data, forbid_dtd=False, forbid_entities=True, forbid_external=True)
    except DefusedXmlException as e:
        raise _defused_error(name, e) from None
    except ParseError as e:
        raise ExtractionError(f"malformed XML in {name}: {e}") from None


def _defused_error(name: str, e: Exception) -> ExtractionError:
    kind = type(e).__name__
    if "Entit" in kind:
        return ExtractionError(f"XML entity expansion refused in {name}")
    return ExtractionError(f"XML external reference refused in {name}")


def _member_error(name: str, e: Exception) -> ExtractionError:
    msg = str(e)
    if isinstance(e, EOFError) or "Truncated" in msg or "truncated" in msg:
        return Truncated(f"truncated: zip member {name} cut short")
    return ExtractionError(f"corrupt zip member {name}: {msg[:120]}")


def rels(parts: ZipParts, part: str) -> list[tuple[str, str, str]]:
    """(id, type, target part) of a part's internal relationships ("" for the package)."""
    folder, base = posixpath.split(part)
    name = posixpath.join(folder, "_rels", base + ".rels")
    root = parts.parse(name) if parts.has(name) else None
    out = []
    for el in root if root is not None else ():
        target = el.get("Target", "")
        if el.get("TargetMode") == "External" or not target:
            continue
        target = target.lstrip("/") if target.startswith("/") else posixpath.normpath(posixpath.join(folder, target))
        out.append((el.get("Id", ""), el.get("Type", "").rsplit("/", 1)[-1], target))
    return out


def rid(el: Element) -> str | None:
    """The r:id attribute of an element, whatever the relationships namespace (strict or not)."""
    return next((v for k, v in el.attrib.items() if k.endswith("}id")), None)


def on(el: Element | None) -> bool:
    """Whether an OOXML on/off property element is on (present and not val=0/false/off)."""
    if el is None:
        return False
    val = next((v for k, v in el.attrib.items() if local(k) == "val"), "1")
    return val.lower() not in ("0", "false", "off")


def child(el: Element, name: str) -> Element | None:
    """The first child with that local name."""
    return next((c for c in el if local(c.tag) == name), None)


def numbered(names: list[str], pattern: str) -> list[str]:
    """Names matching a pattern, ordered by the number its first group captures."""
    found = [(int(m.group(1) or 0), n) for n in names if (m := re.fullmatch(pattern, n))]
    return [n for _, n in sorted(found)]


def ns(el: Element) -> str:
    """The namespace URI of an element's tag."""
    return el.tag[1:].split("}", 1)[0] if el.tag.startswith("{") else ""


def iso_date(text: str) -> str | None:
    """An ISO 8601 string for a W3C/ODF date, keeping its offset; None when unreadable."""
    from datetime import datetime

    s = text.strip()
    # ODF writes up to nine fractional digits; Python reads at most six
    s = re.sub(r"(\.\d{6})\d+", r"\1", s)
    try:
        return datetime.fromisoformat(s).isoformat()
    except ValueError:
        return None


def tab_line(cells: list[tuple[int, str]]) -> str:
    """A sheet row as tab-separated values by column number; a run of empty columns stays short."""
    out: list[str] = []
    prev = None
    for col, val in cells:
        if prev is not None:
            out.append("\t" * max(1, min(col - prev, 4)))
        out.append(val.replace("\t", " ").replace("\n", " "))
        prev = col
    return "".join(out)


def column_number(ref: str | None) -> int | None:
    """The 1-based column number of an A1-style cell reference."""
    m = re.match(r"([A-Z]+)", ref or "")
    if not m:
        return None
    n = 0
    for ch in m.group(1):
        n = n * 26 + ord(ch) - 64
    return n


def on_attr(value: str | None) -> bool:
    """Whether an OOXML boolean attribute is true."""
    return value is not None and value.lower() in ("1", "true")
