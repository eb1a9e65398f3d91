"""HEIC/HEIF photos written here with pillow-heif's encoder, read through the image path."""

from __future__ import annotations

from pathlib import Path

import pillow_heif
import pytest
from PIL import ExifTags, Image, ImageDraw

from faisceau.exc import ExtractionError, Truncated
from faisceau.extract.base import Context, Probe, choose
from faisceau.extract.identify import probe as make_probe
from faisceau.extract.images.heif import HeifExtractor
from faisceau.model import Extracted


def iphone_photo(path: Path, size: tuple[int, int] = (640, 480)) -> Path:
    """A HEIC photo with the EXIF an iPhone writes: device, capture time with offset, GPS."""
    img = Image.new("RGB", size, "white")
    ImageDraw.Draw(img).text((10, 10), "Rapport confidentiel", fill="black")
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "Apple"
    exif[ExifTags.Base.Model] = "iPhone 13 mini"
    exif[ExifTags.Base.Software] = "17.1.2"
    sub = exif.get_ifd(ExifTags.IFD.Exif)
    sub[ExifTags.Base.DateTimeOriginal] = "2023:11:04 18:22:07"
    sub[ExifTags.Base.OffsetTimeOriginal] = "+01:00"
    gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
    gps[ExifTags.GPS.GPSLatitudeRef] = "N"
    gps[ExifTags.GPS.GPSLatitude] = (43.0, 17.0, 45.6)
    gps[ExifTags.GPS.GPSLongitudeRef] = "E"
    gps[ExifTags.GPS.GPSLongitude] = (5.0, 22.0, 12.0)
    gps[ExifTags.GPS.GPSAltitudeRef] = 0
    gps[ExifTags.GPS.GPSAltitude] = 38.25
    heif = pillow_heif.from_pillow(img)
    heif.save(path, quality=90, exif=exif.tobytes())
    return path


def test_heic_photo_exif_gps_and_ocr_page(ctx: Context, tmp_path: Path) -> None:
    path = iphone_photo(tmp_path / "IMG_4512.HEIC")
    probe = make_probe(path, path.name, None)
    assert choose(probe) is HeifExtractor and probe.mime == "image/heic"
    doc = Extracted(mime=probe.mime)  # as the extract stage hands it over
    children = list(HeifExtractor().extract(path, doc, ctx))
    m = doc.metadata
    assert children == [] and doc.kind == "image" and doc.mime == "image/heic"
    assert (m["width"], m["height"], m["format"], m["frames"]) == (640, 480, "HEIF", 1)
    assert m["device"] == "Apple iPhone 13 mini" and m["creator"] == "17.1.2"
    assert m["created"] == "2023-11-04T18:22:07+01:00"
    assert m["gps_latitude"] == pytest.approx(43.296, abs=1e-6)
    assert m["gps_longitude"] == pytest.approx(5.37, abs=1e-6)
    assert m["gps_altitude"] == 38.25
    assert m["exif"]["Make"] == "Apple" and m["exif"]["GPSLatitudeRef"] == "N"
    assert [(pg.number, pg.needs_ocr, pg.attrs["width"]) for pg in doc.pages] == [(1, True, 640)]
    assert HeifExtractor.version().startswith("1+pillow") and "libheif" in HeifExtractor.version()


def test_heic_without_extension_is_found_by_its_brand(tmp_path: Path) -> None:
    path = iphone_photo(tmp_path / "attachment-3")
    head = path.read_bytes()[:64]
    assert HeifExtractor.match(Probe("attachment-3", "application/octet-stream", head, len(head))) > 0
    assert HeifExtractor.match(Probe("x.mp4", "video/mp4", b"\0\0\0\x18ftypisom\0\0\0\0", 16)) == 0


def test_truncated_and_corrupt_heic(extract, tmp_path: Path) -> None:
    data = iphone_photo(tmp_path / "whole.heic").read_bytes()
    cut = tmp_path / "cut.heic"
    cut.write_bytes(data[: len(data) * 2 // 3])
    with pytest.raises(ExtractionError) as err:
        extract(HeifExtractor, cut)
    assert isinstance(err.value, Truncated) or err.value.reason.startswith("corrupt image")
    junk = tmp_path / "junk.heic"
    junk.write_bytes(data[:40] + bytes(400))
    with pytest.raises(ExtractionError):
        extract(HeifExtractor, junk)
