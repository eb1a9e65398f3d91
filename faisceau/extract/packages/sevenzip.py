"""7z archives (and cab, cpio, ar, .Z, .zst, damaged zips) through the `7zz` command line.

Everything is listed first (`7zz l -slt -ba`) so sizes, ratios, links and encryption are
judged before a byte is written; only the members that pass are extracted, into a fresh
folder under the scratch area, and what was written is then taken back without trusting it.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path

from ...exc import EncryptedDocument, ExtractionError, Truncated
from ...model import Child, Extracted
from ..base import Context, Extractor, register
from ._member import BAD_CRC, ENCRYPTED, Container, Member
from ._outdir import collect

# A password that cannot be right: passing -p stops 7zz from ever prompting.
NO_PASSWORD = "\x01faisceau-no-password"
_TIME = re.compile(r"^(\d{4}-\d\d-\d\d) (\d\d:\d\d:\d\d)(\.\d+)?$")
_KINDS = {"l": "symlink", "d": "dir", "c": "device", "b": "device", "p": "fifo", "s": "device"}


@dataclass
class Listing:
    """What `7zz l` said about an archive."""

    members: list[Member] = field(default_factory=list)
    packed: dict[int, int | None] = field(default_factory=dict)
    truncated: bool = False
    password: str | None = None


def _mode(text: str) -> tuple[str, int | None]:
    """Kind and permission bits from `Attributes = A -rw-r--r--` (Unix part when present)."""
    parts = text.split()
    kind = "dir" if parts and "D" in parts[0] and not parts[0].startswith("-") else "file"
    if len(parts) >= 2 and len(parts[1]) == 10:
        perm = parts[1]
        kind = _KINDS.get(perm[0], "file")
        bits = 0
        for i, ch in enumerate(perm[1:]):
            if ch not in "-":
                bits |= 1 << (8 - i)
        return kind, bits
    return kind, None


def _time(text: str, utc: bool) -> str | None:
    m = _TIME.match(text.strip())
    if not m:
        return None
    return f"{m.group(1)}T{m.group(2)}" + ("+00:00" if utc else "")


def parse_listing(out: str, utc: bool) -> Listing:
    """Members from `7zz l -slt -ba` output; solid blocks share their packed size out
    between members in proportion to their sizes (the ratio of a block is theirs)."""
    listing = Listing()
    blocks: dict[str, list[Member]] = {}
    block_packed: dict[str, int] = {}
    for chunk in (c for c in re.split(r"\n\s*\n", out) if c.strip()):
        f: dict[str, str] = {}
        for line in chunk.splitlines():
            k, sep, v = line.partition(" = ")
            if sep:
                f.setdefault(k.strip(), v)
            elif line.endswith(" ="):
                f.setdefault(line[:-2].strip(), "")
        if "Path" not in f and "Size" not in f and "Packed Size" not in f:
            continue
        kind, mode = _mode(f.get("Attributes", ""))
        if f.get("Folder") == "+":
            kind = "dir"
        m = Member(name=f.get("Path", ""), index=len(listing.members),
                   size=int(f["Size"]) if f.get("Size", "").isdigit() else None,
                   packed=int(f["Packed Size"]) if f.get("Packed Size", "").isdigit() else None,
                   mtime=_time(f.get("Modified", ""), utc), mode=mode, kind=kind,
                   encrypted=f.get("Encrypted") == "+", comment=f.get("Comment") or None)
        listing.members.append(m)
        block = f.get("Block", "")
        if block:
            blocks.setdefault(block, []).append(m)
            if m.packed is not None:
                block_packed[block] = block_packed.get(block, 0) + m.packed
        listing.packed[m.index] = m.packed
    for block, ms in blocks.items():
        total = sum(m.size or 0 for m in ms)
        if block in block_packed and len(ms) > 1 and total:
            for m in ms:
                listing.packed[m.index] = max(1, block_packed[block] * (m.size or 0) // total)
    return listing


def _reason(msg: str) -> str:
    """A short groupable reason from a 7zz `ERROR: <msg> : <name>` line."""
    low = msg.lower()
    if "wrong password" in low:
        return ENCRYPTED
    if "crc failed" in low:
        return BAD_CRC
    if "unavailable data" in low:
        return "split archive: missing volume"
    if "unsupported method" in low:
        return "unsupported compression method"
    if "unexpected end" in low:
        return "truncated"
    if "data error" in low:
        return "corrupt member: data error"
    return "corrupt member: " + low.strip(" .")


def _run(ctx: Context, tool: str, *args: str, limit: int | None = None) -> tuple[int, str, str]:
    # TZ=UTC: 7zz prints times in local time; 7z stores them in UTC
    argv = ["env", "TZ=UTC", tool, *args]
    if limit is not None and shutil.which("prlimit"):
        # the kernel stops any file growing past the cap: sizes in headers may lie
        argv = ["prlimit", f"--fsize={limit}", "--", *argv]
    p = ctx.run(argv)
    return p.returncode, p.stdout.decode("utf-8", "replace"), p.stderr.decode("utf-8", "replace")


def _short_7z(path: Path) -> bool:
    """Whether a 7z file ends before the header its start header points to (a 7z keeps its
    directory at the end, so a cut one lists nothing: say truncated, not corrupt)."""
    with open(path, "rb") as f:
        head = f.read(32)
    if len(head) < 32 or not head.startswith(SevenZipExtractor.MAGIC[0]):
        return False
    offset = int.from_bytes(head[12:20], "little")
    size = int.from_bytes(head[20:28], "little")
    return 32 + offset + size > path.stat().st_size


def _size_cap(path: Path, ctx: Context, container: Container, todo: list[Member]) -> int:
    """The largest file an external unpacker may write: one byte over what the limits allow,
    so that a file reaching it is known to have been cut and is refused."""
    s = ctx.settings
    cap = int(min(s.max_file_size, max(0, s.max_expansion - container.total)))
    if any(m.size is None for m in todo):
        # no declared size to judge beforehand: bound by the ratio to the whole archive
        cap = int(min(cap, max(s.ratio_min_size, s.max_ratio * path.stat().st_size)))
    return cap + 1


def list_archive(path: Path, ctx: Context, utc: bool) -> Listing:
    """List the archive, trying the known passwords when its headers are encrypted."""
    tool = ctx.tool("sevenzip")
    for pw in (None, *ctx.passwords):
        rc, out, err = _run(ctx, tool, "l", "-slt", "-ba", "-sccUTF-8", f"-p{pw or NO_PASSWORD}",
                            "--", str(path))
        if "encrypted archive" in err.lower() or ("wrong password" in err.lower() and not out.strip()):
            continue
        listing = parse_listing(out, utc)
        listing.password = pw
        if rc != 0 and not listing.members:
            if _short_7z(path):
                raise Truncated()
            if "cannot open the file as" in err.lower():
                raise ExtractionError("corrupt archive")
            raise Truncated() if "unexpected end" in err.lower() else ExtractionError(
                "corrupt archive: " + (err.strip().splitlines() or ["7zz failed"])[-1][:120])
        listing.truncated = rc != 0 and ("unexpected end" in err.lower() or "error" in err.lower())
        return listing
    raise EncryptedDocument()


def _link_target(path: Path, ctx: Context, tool: str, m: Member) -> str | None:
    """A symlink member's target (its few bytes of content), read to stdout, never created."""
    p = ctx.run(["env", "TZ=UTC", tool, "e", "-so", "-bsp0", "-spd", "-sccUTF-8",
                 f"-p{NO_PASSWORD}", "--", str(path), m.name])
    return p.stdout[:4096].decode("utf-8", "replace") or None if p.returncode == 0 else None


def _find_password(path: Path, ctx: Context, tool: str, m: Member) -> str | None:
    """The first known password that decrypts member `m`, tested without writing."""
    for pw in ctx.passwords:
        rc, _, _ = _run(ctx, tool, "t", "-bso0", "-bsp0", "-spd", "-sccUTF-8", f"-p{pw}", "--",
                        str(path), m.name)
        if rc == 0:
            return pw
    return None


def unpack(path: Path, doc: Extracted, ctx: Context, container: Container, *, utc: bool = True,
           only: dict[str, Member] | None = None,
           only_reasons: dict[str, str] | None = None) -> Iterator[Child]:
    """Yield a Child per member of the archive at `path` (only those named in `only`, keeping
    that Member's names and metadata, when given; one 7-Zip does not list fails with its
    `only_reasons` entry); raise Truncated after the readable ones when the archive ends
    early."""
    tool = ctx.tool("sevenzip")
    listing = list_archive(path, ctx, utc)
    members = listing.members
    if only is not None:
        members = [replace(only[m.name], index=m.index) for m in members if m.name in only]
        for name in set(only) - {m.name for m in members}:
            yield container.failed(only[name], (only_reasons or {}).get(name, "not extracted"))
    if only is None:
        doc.metadata["member_count"] = sum(m.kind != "dir" for m in members)
    todo: list[Member] = []
    for m in members:
        if m.kind == "dir":
            continue
        if only is None:  # members handed over by another extractor were counted there
            container.next_member()
        if container.spent:
            yield container.skipped(m, container.expansion_reason)
            continue
        if m.kind == "symlink" and m.link is None and not m.encrypted and (m.size or 0) <= 4096:
            m.link = _link_target(path, ctx, tool, m)
        if (why := m.link_reason()) is not None:
            yield container.skipped(m, why)
            continue
        if (refusal := container.plan(m, Member(m.name, m.index, m.size, listing.packed.get(m.index)))) is not None:
            yield refusal
            continue
        todo.append(m)
    if any(m.encrypted for m in members):
        doc.metadata["encrypted"] = True
    pw = listing.password
    locked = [m for m in todo if m.encrypted]
    if locked and pw is None:
        pw = _find_password(path, ctx, tool, locked[0])
        if pw is None:
            for m in locked:
                yield container.failed(m, ENCRYPTED)
            todo = [m for m in todo if not m.encrypted]
    if not todo:
        if listing.truncated:
            raise Truncated()
        return
    out = container.ctx.tempdir()
    args = ["x", "-y", "-bso0", "-bsp0", "-spd", "-sccUTF-8", "-scsUTF-8", f"-p{pw or NO_PASSWORD}",
            f"-o{out}"]
    wanted = [m for m in listing.members if m.kind != "dir"]
    if only is not None or len(todo) != len(wanted):
        # an include list (not a trailing @file, which after `--` is a literal name)
        listfile = container.ctx.tempdir() / "list.txt"
        listfile.write_text("".join(m.name + "\n" for m in todo), "utf-8")
        args.append(f"-i@{listfile}")
    args += ["--", str(path)]
    rc, _, err = _run(ctx, tool, *args, limit=_size_cap(path, ctx, container, todo))
    if len(todo) == 1 and not todo[0].name:
        # single-stream formats (.Z, .zst) list no name: 7zz names the output itself
        written = [p for p in out.rglob("*") if p.is_file() or p.is_symlink()]
        if len(written) == 1:
            todo[0].name = written[0].relative_to(out).as_posix()
            listing.packed[todo[0].index] = listing.packed.get(todo[0].index) or path.stat().st_size
    errors: dict[str, str] = {}
    for line in err.splitlines():
        if line.startswith("ERROR: "):
            msg, sep, name = line[7:].partition(" : ")
            if sep:
                errors[name] = _reason(msg)
    yield from collect(out, todo, errors, container, listing.packed,
                       "truncated" if listing.truncated or "unexpected end" in err.lower()
                       else "not extracted", only_reasons or {})
    if listing.truncated or "unexpected end" in err.lower() or "headers error" in err.lower():
        raise Truncated()


@register
class SevenZipExtractor(Extractor):
    """7z archives, with bomb checks on the listing before anything is extracted."""

    NAME = "7z"
    VERSION = "1"
    MIME_TYPES = frozenset({"application/x-7z-compressed"})
    EXTENSIONS = frozenset({"7z"})
    MAGIC = (b"7z\xbc\xaf\x27\x1c",)
    SCORE = 10
    KIND = "archive"
    TOOLS = ("sevenzip",)

    def extract(self, path: Path, doc: Extracted, ctx: Context) -> Iterator[Child]:
        """Yield each member of the 7z archive."""
        doc.kind = "archive"
        doc.mime = "application/x-7z-compressed"
        yield from unpack(path, doc, ctx, Container(ctx), utc=True)


@register
class OtherArchiveExtractor(Extractor):
    """Archive formats no Python library reads here but 7-Zip does: cab, cpio, ar, .Z, zstd."""

    NAME = "7z-other"
    VERSION = "1"
    MIME_TYPES = frozenset({
        "application/vnd.ms-cab-compressed", "application/x-cpio", "application/x-archive",
        "application/x-compress", "application/zstd", "application/x-zstd",
    })
    EXTENSIONS = frozenset({"cab", "cpio", "ar", "z", "zst", "tzst"})
    MAGIC = (b"MSCF\x00\x00\x00\x00", b"070701", b"070707", b"!<arch>\n", b"\x1f\x9d",
             b"\x28\xb5\x2f\xfd")
    SCORE = 8
    KIND = "archive"
    TOOLS = ("sevenzip",)

    def extract(self, path: Path, doc: Extracted, ctx: Context) -> Iterator[Child]:
        """Yield each member through 7zz (times in these formats are local: kept floating)."""
        doc.kind = "archive"
        yield from unpack(path, doc, ctx, Container(ctx), utc=False)
