"""Single gzip, bzip2 and xz files: one child, the decompressed file. A compressed tar is
recognised by its content (not its name) and handed to the tar code."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from ...model import Child, Extracted
from ..base import Context, Extractor, register
from ._streams import CODECS
from .tar import unpack_any


@register
class CompressedExtractor(Extractor):
    """gzip / bzip2 / xz: the one file inside, or the members of the tar inside."""

    NAME = "compressed"
    VERSION = "1"
    MIME_TYPES = frozenset({
        "application/gzip", "application/x-gzip", "application/x-bzip2", "application/x-xz",
    })
    EXTENSIONS = frozenset({"gz", "gzip", "bz2", "bzip2", "xz"})
    MAGIC = tuple(m for magics, _, _ in CODECS.values() for m in magics)
    SCORE = 10
    KIND = "archive"

    def extract(self, path: Path, doc: Extracted, ctx: Context) -> Iterator[Child]:
        """Yield the decompressed file (or the tar's members), streamed under the limits."""
        yield from unpack_any(path, doc, ctx)
