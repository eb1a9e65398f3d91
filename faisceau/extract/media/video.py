"""Video files (phone videos, recordings): duration, codecs, frame size, tags, place."""

from __future__ import annotations

from ..base import Probe, register
from .audio import MediaExtractor


@register
class VideoExtractor(MediaExtractor):
    """Video: mp4, mov, 3gp, mkv, webm, avi, wmv, flv, mpeg; audio-only content ends as audio."""

    NAME = "video"
    VERSION = "1"
    MIME_TYPES = frozenset({
        "video/mp4", "video/quicktime", "video/3gpp", "video/3gpp2", "video/x-matroska", "video/webm",
        "video/x-msvideo", "video/avi", "video/msvideo", "video/x-ms-asf", "video/x-ms-wmv", "video/x-flv",
        "video/mpeg", "video/mp2t", "video/ogg", "video/x-m4v",
    })
    EXTENSIONS = frozenset({"mp4", "m4v", "mov", "qt", "3gp", "3g2", "mkv", "webm", "avi", "wmv", "asf", "flv",
                            "mpg", "mpeg", "ts", "mts", "m2ts", "ogv"})
    MAGIC = (b"\x1a\x45\xdf\xa3",)  # Matroska / WebM (EBML)
    SCORE = 10
    KIND = "video"

    @classmethod
    def match(cls, probe: Probe) -> int:
        """MIME, extension, magic; an AVI's RIFF and an ISO media `ftyp` box that is not HEIF."""
        score = super().match(probe)
        head = probe.head
        if head[:4] == b"RIFF" and head[8:12] == b"AVI ":
            score += cls.SCORE
        elif head[4:8] == b"ftyp" and head[8:12] in _VIDEO_BRANDS:
            score += cls.SCORE
        return score


# ISO base media brands of MP4/QuickTime/3GPP movies (M4A is claimed by audio through its MIME).
_VIDEO_BRANDS = frozenset({b"isom", b"iso2", b"iso4", b"iso5", b"iso6", b"mp41", b"mp42", b"avc1", b"qt  ",
                           b"3gp4", b"3gp5", b"3gp6", b"3g2a", b"M4V ", b"MSNV", b"dash"})
