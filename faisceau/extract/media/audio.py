"""Audio files (voice memos, calls, music): duration, codec, tags; no transcription yet."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import ClassVar

from ...model import Child, Extracted
from ..base import Context, Extractor, Probe, register
from ._ffprobe import describe, probe


class MediaExtractor(Extractor):
    """What audio and video share: ffprobe reads the file; its streams tell the kind.

    An .mp4 holding only sound is audio, a .ogg or .webm holding a picture track is video,
    whatever the extension or libmagic said."""

    TOOLS: ClassVar[tuple[str, ...]] = ("ffprobe",)

    def extract(self, path: Path, doc: Extracted, ctx: Context) -> Iterator[Child]:
        """Fill doc's metadata (duration, codecs, tags, place); no text and no children."""
        doc.kind = describe(probe(path, ctx), doc)
        return
        yield  # pragma: no cover  (a generator with no children)


@register
class AudioExtractor(MediaExtractor):
    """Audio: m4a, mp3, ogg/opus, wav, amr, flac, aac, wma, aiff, caf."""

    NAME = "audio"
    VERSION = "1"
    MIME_TYPES = frozenset({
        "audio/mpeg", "audio/mp3", "audio/x-m4a", "audio/mp4", "audio/m4a", "audio/aac", "audio/x-hx-aac-adts",
        "audio/ogg", "audio/opus", "audio/x-opus+ogg", "audio/vorbis", "audio/x-vorbis+ogg", "audio/wav",
        "audio/x-wav", "audio/wave", "audio/vnd.wave", "audio/amr", "audio/amr-wb", "audio/3gpp", "audio/flac",
        "audio/x-flac", "audio/x-ms-wma", "audio/x-aiff", "audio/aiff", "audio/x-caf", "audio/basic",
    })
    EXTENSIONS = frozenset({"m4a", "mp3", "ogg", "oga", "opus", "wav", "amr", "awb", "flac", "aac", "wma",
                            "aif", "aiff", "caf", "au"})
    MAGIC = (b"#!AMR", b"ID3", b"fLaC", b"OggS", b"caff")
    SCORE = 10
    KIND = "audio"

    @classmethod
    def match(cls, probe: Probe) -> int:
        """MIME, extension, magic; a RIFF WAVE and an MPEG audio frame need more than a prefix."""
        score = super().match(probe)
        head = probe.head
        if head[:4] == b"RIFF" and head[8:12] == b"WAVE":
            score += cls.SCORE
        return score
