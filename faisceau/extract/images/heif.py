"""HEIC/HEIF photos (the iPhone's default since 2017): the raster image path, through pillow-heif.

pillow-heif (libheif with its HEVC decoder, shipped in its wheel) is a Pillow plugin: once its
opener is registered, `Image.open` reads a HEIC file like a JPEG, EXIF and GPS included. So this
extractor only says which files it takes; dimensions, EXIF/GPS, bombs and the pages that OCR
reads all come from `ImageExtractor`, and the OCR stage, which opens the same file with Pillow,
calls `register_opener` first. pillow-heif is imported then, not when the extractors load: libheif
adds about 25 MB to every worker's address space, which the memory limit counts, and a leak seldom
holds a HEIC photo.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import ClassVar

from ...model import Child, Extracted
from ..base import Context, Probe, register
from .image import ImageExtractor

# ISO base media "ftyp" brands of HEIF still images and sequences (ISO/IEC 23008-12); AVIF is
# left out: pillow-heif's wheel carries no AV1 decoder.
HEIF_BRANDS = frozenset({b"heic", b"heix", b"heim", b"heis", b"hevc", b"hevx", b"mif1", b"msf1"})

_registered = False


def register_opener() -> None:
    """Let Pillow open HEIC/HEIF files (once per process)."""
    global _registered
    if not _registered:
        import pillow_heif

        pillow_heif.register_heif_opener()
        _registered = True


def is_heif(path: Path) -> bool:
    """Whether a file starts with the `ftyp` box of a HEIF image."""
    try:
        with open(path, "rb") as f:
            head = f.read(12)
    except OSError:
        return False
    return head[4:8] == b"ftyp" and head[8:12] in HEIF_BRANDS


@register
class HeifExtractor(ImageExtractor):
    """HEIC/HEIF images: everything ImageExtractor records, decoded by libheif."""

    NAME = "heif"
    VERSION = "1"
    MIME_TYPES = frozenset({"image/heic", "image/heif", "image/heic-sequence", "image/heif-sequence"})
    EXTENSIONS = frozenset({"heic", "heif", "hif"})
    MAGIC: ClassVar[tuple[bytes, ...]] = ()  # the ftyp brand is at offset 8: see match()
    SCORE = 10
    KIND = "image"

    @classmethod
    def match(cls, probe: Probe) -> int:
        """MIME and extension, and the major brand of the file's leading `ftyp` box."""
        score = super(ImageExtractor, cls).match(probe)
        head = probe.head
        if head[4:8] == b"ftyp" and head[8:12] in HEIF_BRANDS:
            score += cls.SCORE
        return score

    @classmethod
    def version(cls) -> str:
        """Our version with Pillow's, pillow-heif's and libheif's: decoding depends on them."""
        import pillow_heif

        libheif = pillow_heif.libheif_version()
        return f"{super().version()}+pillow-heif{pillow_heif.__version__}+libheif{libheif}"

    def extract(self, path: Path, doc: Extracted, ctx: Context) -> Iterator[Child]:
        """ImageExtractor's work; the MIME type found by content (image/heic) is kept."""
        register_opener()
        found = doc.mime
        yield from super().extract(path, doc, ctx)
        if found in self.MIME_TYPES:  # Pillow names every HEIF "image/heif", HEVC-coded or not
            doc.mime = found
