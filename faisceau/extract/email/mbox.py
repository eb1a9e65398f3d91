"""Unix mbox files, streamed: one child per message, in bounded memory.

Messages are cut exactly where Python's `mailbox.mbox` cuts them (a line starting with
`From ` opens a message; the blank line before it belongs to no message) and their bytes
are what `mailbox.mbox.get_bytes()` returns. Like `mailbox.mbox` (mboxo), `>From ` lines are
left as they are: the format cannot tell an escaped `From ` from a quoted `>From `, so
un-escaping would alter messages that really contained `>From `.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

from ...exc import ExtractionError, LimitExceeded
from ...model import Child, Extracted
from ..base import Context, Extractor, register

LINE_CHUNK = 1 << 20
# a message larger than this goes to a scratch file instead of memory
SPILL_BYTES = 4 << 20


class _Message:
    """The bytes of one message being read: in memory, then in a scratch file when large."""

    def __init__(self, scratch: Path, separator: bytes, spill_bytes: int) -> None:
        self.scratch = scratch
        self.spill_bytes = spill_bytes
        self.separator = separator
        self.parts: list[bytes] = []
        self.size = 0
        self.file: BinaryIO | None = None
        self.path: Path | None = None

    def add(self, chunk: bytes) -> None:
        self.size += len(chunk)
        if self.file is not None:
            self.file.write(chunk)
            return
        self.parts.append(chunk)
        if self.size > self.spill_bytes:
            fd, name = tempfile.mkstemp(dir=self.scratch, prefix="mbox-")
            self.path = Path(name)
            self.file = os.fdopen(fd, "wb")
            self.file.writelines(self.parts)
            self.parts = []

    def child(self, name: str, drop_last_byte: bool) -> Child:
        """The finished message as a child; `drop_last_byte` removes the blank separator line."""
        meta = {"mbox_from": self.separator.decode("latin-1").rstrip("\r\n")[:200]}
        if self.file is not None and self.path is not None:
            if drop_last_byte:
                self.file.truncate(self.size - 1)
            self.file.close()
            return Child(name=name, path=self.path, mime_hint="message/rfc822", metadata=meta)
        data = b"".join(self.parts)
        return Child(name=name, data=data[:-1] if drop_last_byte else data,
                     mime_hint="message/rfc822", metadata=meta)


def iter_messages(path: Path, scratch: Path, doc: Extracted | None = None,
                  max_messages: int = 0, spill_bytes: int = SPILL_BYTES) -> Iterator[Child]:
    """Yield the messages of an mbox file as children `1`, `2`, … while reading it."""
    count = 0
    skipped = 0
    cur: _Message | None = None
    last_was_empty = False
    at_line_start = True
    last = b""
    with open(path, "rb") as f:
        while True:
            chunk = f.readline(LINE_CHUNK)
            if not chunk:
                break
            last = chunk
            if at_line_start and chunk.startswith(b"From "):
                if cur is not None:
                    count += 1
                    yield cur.child(str(count), last_was_empty)
                    if max_messages and count >= max_messages:
                        raise LimitExceeded(f"more than {max_messages} messages in mbox")
                cur = _Message(scratch, chunk, spill_bytes)
                last_was_empty = False
            else:
                if cur is None:
                    skipped += len(chunk)
                else:
                    cur.add(chunk)
                last_was_empty = at_line_start and chunk == b"\n"
            at_line_start = chunk.endswith(b"\n")
    if cur is not None:
        count += 1
        yield cur.child(str(count), last_was_empty)
    if doc is not None:
        doc.metadata["message_count"] = count
        if skipped:
            doc.warnings.append(f"{skipped} bytes before the first 'From ' line ignored")
        if last and not last.endswith(b"\n"):
            doc.warnings.append("file does not end with a newline (truncated?)")
    if skipped and count == 0:
        raise ExtractionError("not an mbox: no 'From ' separator line")


@register
class MboxExtractor(Extractor):
    """A Unix mailbox: each message becomes a child for the e-mail extractor."""

    NAME = "mbox"
    VERSION = "1"
    MIME_TYPES = frozenset({"application/mbox", "application/x-mbox"})
    EXTENSIONS = frozenset({"mbox", "mbx", "mbs"})
    MAGIC = (b"From ",)
    SCORE = 20
    KIND = "mailbox"

    def extract(self, path: Path, doc: Extracted, ctx: Context) -> Iterator[Child]:
        """Stream the messages out; `message_count` is set once the file is read."""
        doc.kind = "mailbox"
        doc.mime = "application/mbox"
        doc.metadata["message_count"] = 0
        yield from iter_messages(path, ctx.tempdir(), doc, ctx.settings.max_members)
