"""Raster images (PNG, JPEG, TIFF incl. multi-page, BMP, GIF, WebP, JPEG 2000, PNM): size, EXIF,
GPS, pages.

No text here: every page large enough to hold writing is marked `needs_ocr` and the OCR
stage reads it later. Pixel bombs are refused from the header, before a single pixel is
decoded; the image is then decoded (cheaply where the format allows) to tell a truncated
or corrupt file from a good one.
"""

from __future__ import annotations

import math
import re
import struct
import warnings
import zlib
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any, ClassVar

from PIL import ExifTags, Image, TiffImagePlugin, UnidentifiedImageError

from ...exc import ExtractionError, LimitExceeded, Truncated
from ...model import Child, Extracted
from ..base import Context, Extractor, Probe, register

MIN_OCR_SIDE = 32  # smaller images are logos, spacers and tracking pixels: nothing to read
MAX_FRAMES = 10_000  # pages of a TIFF looked at; beyond that the file is hostile or absurd
# Non-JPEG images above this many pixels are verified, not decoded: decoding allocates
# width × height × bands bytes, too much for one worker's memory budget.
DECODE_PIXELS = 40_000_000
MAX_EXIF_VALUE = 500  # characters kept of one EXIF text value
# TIFF structure tags that getexif() reports for TIFF files: layout and offsets, not facts
# (dimensions and resolution are recorded on their own; orientation and compression stay).
_STRUCTURE_TAGS = frozenset({256, 257, 258, 262, 266, 273, 277, 278, 279, 282, 283, 284, 296,
                             301, 317, 320, 322, 323, 324, 325, 330, 338, 339, 700, 33723,
                             34377, 37724, 50341})
_SKIPPED_EXIF = frozenset({"MakerNote", "PrintImageMatching", "ExifOffset", "GPSInfo"})
# What Pillow raises on damaged data; anything else is a bug and propagates.
_DATA_ERRORS = (OSError, SyntaxError, EOFError, ValueError, struct.error, IndexError, KeyError,
                TypeError, ZeroDivisionError, zlib.error)
_EXIF_DATE = re.compile(r"^(\d{4}):(\d{2}):(\d{2})[ T](\d{2}):(\d{2}):(\d{2})")
_OFFSET = re.compile(r"^[+-]\d{2}:\d{2}$")


@register
class ImageExtractor(Extractor):
    """Raster images through Pillow: dimensions, frames, DPI, EXIF with GPS; OCR left to later."""

    NAME = "image"
    VERSION = "1"
    MIME_TYPES = frozenset({
        "image/png", "image/jpeg", "image/pjpeg", "image/tiff", "image/bmp", "image/x-ms-bmp",
        "image/gif", "image/webp",
        # JPEG 2000 (file format and raw codestream) and the Netpbm family: Pillow decodes them
        "image/jp2", "image/jpx", "image/x-jp2-codestream",
        "image/x-portable-bitmap", "image/x-portable-greymap", "image/x-portable-pixmap",
        "image/x-portable-anymap",
    })
    EXTENSIONS = frozenset({"png", "jpg", "jpeg", "jpe", "jfif", "tif", "tiff", "bmp", "dib",
                            "gif", "webp", "jp2", "j2k", "j2c", "jpc", "jpf", "jpx",
                            "pbm", "pgm", "ppm", "pnm"})
    MAGIC: ClassVar[tuple[bytes, ...]] = (b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff", b"II*\x00", b"MM\x00*",
                                         b"GIF87a", b"GIF89a", b"\x00\x00\x00\x0cjP  \r\n\x87\n",
                                         b"\xff\x4f\xff\x51")
    SCORE = 10
    KIND = "image"

    @classmethod
    def match(cls, probe: Probe) -> int:
        """MIME, extension and magic; WebP and BMP signatures need more than a prefix."""
        score = super().match(probe)
        head = probe.head
        if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
            score += cls.SCORE
        elif head[:2] == b"BM" and len(head) >= 18 and head[14] in (12, 40, 52, 56, 64, 108, 124):
            score += cls.SCORE
        return score

    @classmethod
    def version(cls) -> str:
        """Extractor version with Pillow's."""
        import PIL

        return f"{cls.VERSION}+pillow{PIL.__version__}"

    def extract(self, path: Path, doc: Extracted, ctx: Context) -> Iterator[Child]:
        """Read the header, refuse bombs, record metadata, check the pixels decode."""
        doc.kind = self.KIND
        limit = ctx.settings.max_pixels
        # Pillow refuses at twice its limit and only warns at once: the warning is made an
        # error below so that our limit is the one enforced.
        Image.MAX_IMAGE_PIXELS = limit
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            try:
                with Image.open(path) as img:
                    _describe(img, doc, limit)
                    _check_decodes(path, img)
            except (Image.DecompressionBombError, Image.DecompressionBombWarning) as e:
                raise LimitExceeded(_bomb_reason(str(e), limit)) from None
            except UnidentifiedImageError:
                raise ExtractionError("corrupt image: format not recognised") from None
            except _DATA_ERRORS as e:
                raise _data_error(e) from None
        return
        yield  # pragma: no cover  (a generator with no children)


def _bomb_reason(message: str, limit: int) -> str:
    m = re.search(r"\((\d+) pixels\)", message)
    pixels = m.group(1) if m else "too many"
    return f"pixel bomb: {pixels} pixels over limit {limit}"


def _check_pixels(size: tuple[int, int], limit: int) -> None:
    pixels = max(1, size[0]) * max(1, size[1])
    if pixels > limit:
        raise LimitExceeded(f"pixel bomb: {pixels} pixels over limit {limit}")


def _data_error(e: BaseException) -> ExtractionError:
    """Truncated or corrupt, from what Pillow says."""
    text = str(e).lower()
    if isinstance(e, EOFError) or "truncated" in text or "premature end" in text:
        return Truncated()
    return ExtractionError("corrupt image")


def _describe(img: Image.Image, doc: Extracted, limit: int) -> None:
    """Dimensions, format, frames, DPI, EXIF and the pages OCR will read."""
    _check_pixels(img.size, limit)
    width, height = img.size
    fmt = img.format or ""
    meta = doc.metadata
    meta.update(width=width, height=height, mode=img.mode, format=fmt)
    if fmt and fmt in Image.MIME:
        doc.mime = Image.MIME[fmt]
    dpi = img.info.get("dpi")
    if isinstance(dpi, tuple) and len(dpi) == 2 and all(_finite(v) and float(v) > 1 for v in dpi):
        meta["dpi"] = [round(float(dpi[0]), 1), round(float(dpi[1]), 1)]
    _exif(img, meta)
    sizes = _frame_sizes(img, limit) if fmt == "TIFF" else [img.size]
    frames = len(sizes) if fmt == "TIFF" else int(getattr(img, "n_frames", 1) or 1)
    meta["frames"] = frames
    if fmt == "TIFF":
        meta["page_count"] = frames
    elif frames > 1:
        meta["animated"] = True
    if width < MIN_OCR_SIDE or height < MIN_OCR_SIDE:
        meta["tiny"] = True
    for number, (w, h) in enumerate(sizes, 1):
        if w >= MIN_OCR_SIDE and h >= MIN_OCR_SIDE:
            doc.add_page("", number=number, needs_ocr=True, width=w, height=h)
    img.seek(0)


def _frame_sizes(img: Image.Image, limit: int) -> list[tuple[int, int]]:
    """Each TIFF page's size, checked against the pixel limit before anything is decoded."""
    sizes = []
    for i in range(MAX_FRAMES):
        try:
            img.seek(i)
        except EOFError:
            break
        _check_pixels(img.size, limit)
        sizes.append(img.size)
    return sizes


def _check_decodes(path: Path, img: Image.Image) -> None:
    """Decode the first frame (JPEG at 1/8 scale); verify a PNG's chunks and checksums."""
    width, height = img.size
    if img.format == "PNG":
        with Image.open(path) as fresh:
            fresh.verify()  # reads every chunk to IEND with its CRC, without inflating pixels
    if img.format == "JPEG":
        img.draft(img.mode, (max(1, width // 8), max(1, height // 8)))
    elif width * height > DECODE_PIXELS:
        return
    img.load()


def _finite(value: Any) -> bool:
    try:
        return math.isfinite(float(value))
    except (TypeError, ValueError, ZeroDivisionError):
        return False


def _defined(value: Any) -> bool:
    """False for an EXIF rational with a zero denominator (Pillow reads it as NaN)."""
    return bool(getattr(value, "denominator", None) != 0)


def _exif(img: Image.Image, meta: dict[str, Any]) -> None:
    """EXIF tags by name, the camera, capture date and GPS position as decimal degrees."""
    try:
        exif = img.getexif()
        base = {k: v for k, v in exif.items() if k not in _STRUCTURE_TAGS}
        sub = dict(exif.get_ifd(ExifTags.IFD.Exif)) if ExifTags.IFD.Exif in exif else {}
        gps = dict(exif.get_ifd(ExifTags.IFD.GPSInfo)) if ExifTags.IFD.GPSInfo in exif else {}
    except _DATA_ERRORS:
        meta["exif_error"] = True  # a damaged EXIF block does not make the image unreadable
        return
    tags: dict[str, Any] = {}
    for table, names in ((base, ExifTags.TAGS), (sub, ExifTags.TAGS), (gps, ExifTags.GPSTAGS)):
        for tag, value in table.items():
            name = names.get(tag, f"0x{tag:04x}")
            clean = _clean(value, name)
            if clean is not None and name not in _SKIPPED_EXIF:
                tags[("GPS" if table is gps and not name.startswith("GPS") else "") + name] = clean
    if not tags:
        return
    meta["exif"] = tags
    make = str(tags.get("Make", "")).strip()
    model = str(tags.get("Model", "")).strip()
    if make or model:
        meta["device"] = model if make and model.lower().startswith(make.lower()) else f"{make} {model}".strip()
    for key, name, offset in (("created", "DateTimeOriginal", "OffsetTimeOriginal"),
                              ("modified", "DateTime", "OffsetTime")):
        when = _exif_date(tags.get(name), tags.get(offset))
        if when:
            meta[key] = when
    if "created" in meta:
        meta["datetime_original"] = meta["created"]
    for key, name in (("author", "Artist"), ("creator", "Software"), ("description", "ImageDescription"),
                      ("copyright", "Copyright")):
        value = tags.get(name)
        if isinstance(value, str) and value.strip():
            meta[key] = value.strip()
    _gps(gps, meta)


def _clean(value: Any, name: str) -> Any:
    """An EXIF value as JSON-safe data: rationals to floats, text trimmed, blobs dropped."""
    if isinstance(value, TiffImagePlugin.IFDRational):
        return round(float(value), 6) if _defined(value) and _finite(value) else None
    if isinstance(value, bool | int):
        return int(value)
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, str):
        value = value.replace("\x00", "").strip()
        return value[:MAX_EXIF_VALUE] or None
    if isinstance(value, bytes):
        if name == "UserComment":
            return _user_comment(value)
        if len(value) <= 64 and value.isascii():
            text = value.replace(b"\x00", b"").decode("ascii").strip()
            return text if text.isprintable() and text else None
        return None
    if isinstance(value, tuple | list) and len(value) <= 16:
        items = [_clean(v, name) for v in value]
        return items if all(v is not None for v in items) else None
    return None


def _user_comment(value: bytes) -> str | None:
    """EXIF UserComment: an 8-byte character-code prefix, then the text."""
    code, body = value[:8], value[8:]
    try:
        if code.startswith(b"UNICODE"):
            text = body.decode("utf-16-be" if body[:1] == b"\x00" else "utf-16-le")
        else:
            text = body.decode("utf-8" if code.startswith(b"ASCII") or code == bytes(8) else "latin-1")
    except UnicodeDecodeError:
        return None
    text = text.replace("\x00", "").strip()
    return text[:MAX_EXIF_VALUE] or None


def _exif_date(value: Any, offset: Any) -> str | None:
    """'2021:06:12 14:30:00' (+ '+02:00') → '2021-06-12T14:30:00+02:00'; None when invalid."""
    m = _EXIF_DATE.match(value) if isinstance(value, str) else None
    if not m:
        return None
    try:
        y, mo, d, h, mi, sec = (int(g) for g in m.groups())
        when = datetime(y, mo, d, h, mi, sec)
    except ValueError:
        return None  # 0000:00:00 00:00:00 and other placeholders
    iso = when.isoformat()
    if isinstance(offset, str) and _OFFSET.match(offset.strip()):
        iso += offset.strip()
    return iso


def _gps(gps: dict[int, Any], meta: dict[str, Any]) -> None:
    """Decimal latitude, longitude and altitude from the GPS IFD, when they make sense."""
    tag = {name: code for code, name in ExifTags.GPSTAGS.items()}
    for key, value_tag, ref_tag, negative, bound in (
        ("gps_latitude", "GPSLatitude", "GPSLatitudeRef", "S", 90.0),
        ("gps_longitude", "GPSLongitude", "GPSLongitudeRef", "W", 180.0),
    ):
        degrees = _degrees(gps.get(tag[value_tag]))
        if degrees is None or degrees > bound:
            continue
        ref = gps.get(tag[ref_tag])
        ref = ref.decode("ascii", "replace") if isinstance(ref, bytes) else str(ref or "")
        meta[key] = round(-degrees if ref.strip().upper().startswith(negative) else degrees, 7)
    altitude = gps.get(tag["GPSAltitude"])
    if altitude is not None and _finite(altitude) and _defined(altitude):
        below = gps.get(tag["GPSAltitudeRef"]) in (1, b"\x01", "1")
        meta["gps_altitude"] = round(-float(altitude) if below else float(altitude), 2)


def _degrees(value: Any) -> float | None:
    """(degrees, minutes, seconds) rationals → decimal degrees."""
    if not isinstance(value, tuple | list) or not 1 <= len(value) <= 3:
        return None
    parts = []
    for v in value:
        if not _finite(v) or not _defined(v):
            return None
        parts.append(float(v))
    parts += [0.0] * (3 - len(parts))
    if min(parts) < 0:
        return None
    return parts[0] + parts[1] / 60 + parts[2] / 3600
