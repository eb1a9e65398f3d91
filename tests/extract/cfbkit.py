"""A minimal Compound File (CFB, [MS-CFB]) writer, for tests: olefile reads CFB but cannot write
one, and an OLE object needs real streams to be tested on.

Version 3 (512-byte sectors), top-level streams only, each stored in regular sectors: a stream
shorter than the 4096-byte mini-stream cutoff is padded with NULs to it (every payload parser
tested here reads its own lengths, so the padding is never content). One FAT sector holds up
to 128 sectors: enough for test objects of a few streams of some kilobytes.
"""

from __future__ import annotations

import struct

SECTOR = 512
CUTOFF = 4096
ENDOFCHAIN, FREESECT, FATSECT, NOSTREAM = 0xFFFFFFFE, 0xFFFFFFFF, 0xFFFFFFFD, 0xFFFFFFFF
MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


def _entry(name: str, kind: int, start: int, size: int, left: int = NOSTREAM, right: int = NOSTREAM,
           child: int = NOSTREAM) -> bytes:
    """One 128-byte directory entry (kind 5: root storage, 2: stream), coloured black."""
    raw = (name + "\x00").encode("utf-16-le")
    assert len(raw) <= 64, name
    return (raw.ljust(64, b"\x00") + struct.pack("<HBB", len(raw), kind, 1)
            + struct.pack("<III", left, right, child) + b"\x00" * 16 + b"\x00" * 4
            + b"\x00" * 16 + struct.pack("<IQ", start, size))


def cfb(streams: dict[str, bytes]) -> bytes:
    """The bytes of a compound file holding these top-level streams."""
    items = [(name, data.ljust(CUTOFF, b"\x00")) for name, data in streams.items()]
    # sector 0: FAT; then directory sectors; then each stream's sectors in turn
    dir_sectors = -(-(len(items) + 1) // 4)
    fat = [FATSECT] + [ENDOFCHAIN if i == dir_sectors - 1 else 2 + i for i in range(dir_sectors)]
    starts, body = [], b""
    for _, data in items:
        count = -(-len(data) // SECTOR)
        first = len(fat)
        starts.append(first)
        fat += [first + i + 1 for i in range(count - 1)] + [ENDOFCHAIN]
        body += data.ljust(count * SECTOR, b"\x00")
    assert len(fat) <= SECTOR // 4, "too many sectors for one FAT sector"
    fat_bytes = struct.pack(f"<{len(fat)}I", *fat).ljust(SECTOR, b"\xff")
    # the root's child is the first stream; the others hang off right-sibling links (a degenerate
    # but valid tree: every entry is black, so the red-black rules hold)
    entries = _entry("Root Entry", 5, ENDOFCHAIN, 0, child=1 if items else NOSTREAM)
    for i, ((name, data), start) in enumerate(zip(items, starts, strict=True)):
        right = i + 2 if i + 1 < len(items) else NOSTREAM
        entries += _entry(name, 2, start, len(data), right=right)
    directory = entries.ljust(dir_sectors * SECTOR, b"\x00")
    header = (MAGIC + b"\x00" * 16 + struct.pack("<HHHHH", 0x3E, 3, 0xFFFE, 9, 6) + b"\x00" * 6
              + struct.pack("<IIIIIIIII", 0, 1, 1, 0, CUTOFF, ENDOFCHAIN, 0, ENDOFCHAIN, 0))
    difat = struct.pack("<I", 0) + b"\xff" * (109 * 4 - 4)
    return (header + difat).ljust(SECTOR, b"\x00") + fat_bytes + directory + body


def ole10native(label: str, source: str, payload: bytes, *, unicode: bool = True) -> bytes:
    """An `\\x01Ole10Native` stream of an OLE 1.0 package ([MS-OLEDS] Packager layout)."""
    temp = "C:\\Users\\someone\\AppData\\Local\\Temp\\" + label
    body = (b"\x02\x00" + label.encode("cp1252") + b"\x00" + source.encode("cp1252") + b"\x00"
            + struct.pack("<I", 0x00030000) + struct.pack("<I", len(temp) + 1) + temp.encode("cp1252") + b"\x00"
            + struct.pack("<I", len(payload)) + payload)
    if unicode:
        for text in (temp, label, source):
            body += struct.pack("<I", len(text)) + text.encode("utf-16-le")
    return struct.pack("<I", len(body)) + body


def compobj(user_type: str, prog_id: str) -> bytes:
    """A `\\x01CompObj` stream: header, user type, no clipboard format, ProgID."""
    def prefixed(s: str) -> bytes:
        raw = s.encode("cp1252") + b"\x00"
        return struct.pack("<I", len(raw)) + raw

    header = struct.pack("<HHI", 1, 0xFFFE, 0x0A03) + b"\xff" * 4 + b"\x00" * 16
    return header + prefixed(user_type) + struct.pack("<I", 0) + prefixed(prog_id) + struct.pack("<I", 0x71B239F4)
