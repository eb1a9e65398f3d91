"""Image extractor on images written here with Pillow, and on crafted hostile ones."""

from __future__ import annotations

import struct
import time
import tracemalloc
import zlib
from dataclasses import replace
from pathlib import Path

import pytest
from conftest import run_extractor
from PIL import ExifTags, Image, ImageDraw

from faisceau import settings as settings_mod
from faisceau.exc import ExtractionError, LimitExceeded, Truncated
from faisceau.extract.base import Context, Probe
from faisceau.extract.images.image import ImageExtractor


def scan(size: tuple[int, int] = (400, 300), mode: str = "RGB") -> Image.Image:
    """An image with some drawing on it, like a scanned page."""
    img = Image.new(mode, size, "white")
    ImageDraw.Draw(img).text((10, 10), "Rapport confidentiel", fill="black")
    return img


def chunk(kind: bytes, data: bytes) -> bytes:
    """A PNG chunk with a valid CRC."""
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def test_png(extract, tmp_path: Path) -> None:
    p = tmp_path / "page.png"
    scan().save(p, dpi=(150, 150))
    doc, children = extract(ImageExtractor, p)
    assert children == [] and doc.kind == "image" and doc.text == ""
    m = doc.metadata
    assert (m["width"], m["height"], m["mode"], m["format"], m["frames"]) == (400, 300, "RGB", "PNG", 1)
    assert m["dpi"] == [150.0, 150.0]
    assert doc.mime == "image/png"
    assert "needs_ocr" in doc.flags and "tiny" not in m
    assert [(pg.number, pg.needs_ocr) for pg in doc.pages] == [(1, True)]


def test_jpeg_exif_gps(extract, tmp_path: Path) -> None:
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "Canon"
    exif[ExifTags.Base.Model] = "Canon EOS 5D Mark IV"
    exif[ExifTags.Base.Software] = "Adobe Photoshop 24.0"
    exif[ExifTags.Base.Artist] = "Jeanne Martin"
    exif[ExifTags.Base.DateTime] = "2021:06:13 09:00:00"
    sub = exif.get_ifd(ExifTags.IFD.Exif)
    sub[ExifTags.Base.DateTimeOriginal] = "2021:06:12 14:30:05"
    sub[ExifTags.Base.OffsetTimeOriginal] = "+02:00"
    gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
    gps[ExifTags.GPS.GPSLatitudeRef] = "N"
    gps[ExifTags.GPS.GPSLatitude] = (48.0, 51.0, 29.6)
    gps[ExifTags.GPS.GPSLongitudeRef] = "W"
    gps[ExifTags.GPS.GPSLongitude] = (2.0, 17.0, 40.2)
    gps[ExifTags.GPS.GPSAltitudeRef] = 1
    gps[ExifTags.GPS.GPSAltitude] = 12.5
    p = tmp_path / "photo.jpg"
    scan((640, 480)).save(p, exif=exif, dpi=(300, 300), quality=85)
    doc, _ = extract(ImageExtractor, p)
    m = doc.metadata
    assert m["format"] == "JPEG" and doc.mime == "image/jpeg"
    assert m["device"] == "Canon EOS 5D Mark IV"  # the make is not repeated
    assert m["created"] == m["datetime_original"] == "2021-06-12T14:30:05+02:00"
    assert m["modified"] == "2021-06-13T09:00:00"  # no offset known: stays floating
    assert m["gps_latitude"] == pytest.approx(48.858222, abs=1e-6)
    assert m["gps_longitude"] == pytest.approx(-2.294500, abs=1e-6)
    assert m["gps_altitude"] == -12.5  # AltitudeRef 1: below sea level
    assert m["author"] == "Jeanne Martin" and m["creator"] == "Adobe Photoshop 24.0"
    assert m["exif"]["Make"] == "Canon" and m["exif"]["GPSLatitudeRef"] == "N"
    assert m["dpi"] == [300.0, 300.0]
    assert "needs_ocr" in doc.flags


def test_jpeg_with_bad_exif_values(extract, tmp_path: Path) -> None:
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "Nikon"
    exif.get_ifd(ExifTags.IFD.Exif)[ExifTags.Base.DateTimeOriginal] = "0000:00:00 00:00:00"
    gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
    gps[ExifTags.GPS.GPSLatitude] = (200.0, 0.0, 0.0)  # impossible latitude
    p = tmp_path / "odd.jpg"
    scan().save(p, exif=exif)
    doc, _ = extract(ImageExtractor, p)
    assert doc.metadata["device"] == "Nikon"
    assert "created" not in doc.metadata and "gps_latitude" not in doc.metadata


def test_multipage_tiff(extract, tmp_path: Path) -> None:
    pages = [scan((300 + 10 * i, 400), "L") for i in range(4)] + [Image.new("L", (16, 16), 255)]
    p = tmp_path / "fax.tif"
    pages[0].save(p, save_all=True, append_images=pages[1:], compression="tiff_lzw")
    doc, _ = extract(ImageExtractor, p)
    m = doc.metadata
    assert (m["format"], m["frames"], m["page_count"]) == ("TIFF", 5, 5)
    # every page that can hold writing is queued for OCR; the 16×16 one is not
    assert [(pg.number, pg.attrs["width"]) for pg in doc.pages] == [(1, 300), (2, 310), (3, 320), (4, 330)]
    assert doc.mime == "image/tiff"


def test_tiny_gif(extract, tmp_path: Path) -> None:
    p = tmp_path / "pixel.gif"
    Image.new("P", (1, 1)).save(p)
    doc, _ = extract(ImageExtractor, p)
    assert doc.metadata["tiny"] is True and doc.metadata["format"] == "GIF"
    assert "needs_ocr" not in doc.flags and doc.pages == []


def test_animated_gif_and_webp_and_bmp(extract, tmp_path: Path) -> None:
    frames = [Image.new("RGB", (120, 80), colour) for colour in ("white", "red", "blue")]
    gif, webp, bmp = tmp_path / "a.gif", tmp_path / "a.webp", tmp_path / "a.bmp"
    frames[0].save(gif, save_all=True, append_images=frames[1:], duration=100)
    frames[0].save(webp)
    frames[0].save(bmp)
    doc, _ = extract(ImageExtractor, gif)
    assert doc.metadata["frames"] == 3 and doc.metadata["animated"] is True and len(doc.pages) == 1
    for path, fmt in ((webp, "WEBP"), (bmp, "BMP")):
        doc, _ = extract(ImageExtractor, path)
        assert doc.metadata["format"] == fmt and doc.metadata["width"] == 120


def test_pixel_bomb_refused_before_decoding(extract, tmp_path: Path) -> None:
    ihdr = struct.pack(">IIBBBBB", 100_000, 100_000, 8, 2, 0, 0, 0)
    p = tmp_path / "bomb.png"
    p.write_bytes(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(b"\0" * 4096))
                  + chunk(b"IEND", b""))
    tracemalloc.start()
    start = time.monotonic()
    with pytest.raises(LimitExceeded, match=r"^pixel bomb: 10000000000 pixels over limit 178956970$"):
        extract(ImageExtractor, p)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert time.monotonic() - start < 1
    assert peak < 20 * 1024 * 1024


def test_pixel_limit_is_the_setting(tmp_path: Path) -> None:
    p = tmp_path / "big.png"
    scan((400, 300)).save(p)
    base = settings_mod.load(environ={})
    ctx = Context(settings=replace(base, max_pixels=100_000), scratch=tmp_path)
    with pytest.raises(LimitExceeded, match=r"^pixel bomb: 120000 pixels over limit 100000$"):
        run_extractor(ImageExtractor, p, ctx)
    # a TIFF whose second page is the bomb is refused too
    t = tmp_path / "pages.tif"
    scan((200, 200), "L").save(t, save_all=True, append_images=[scan((400, 300), "L")])
    with pytest.raises(LimitExceeded, match="120000 pixels over limit 100000"):
        run_extractor(ImageExtractor, t, ctx)


def test_truncated_and_corrupt(extract, tmp_path: Path) -> None:
    jpg = tmp_path / "full.jpg"
    scan((800, 600)).save(jpg, quality=90)
    data = jpg.read_bytes()
    cut = tmp_path / "cut.jpg"
    cut.write_bytes(data[: len(data) // 2])
    with pytest.raises(Truncated, match="^truncated$"):
        extract(ImageExtractor, cut)
    png = tmp_path / "full.png"
    scan().save(png)
    cut_png = tmp_path / "cut.png"
    cut_png.write_bytes(png.read_bytes()[:-40])
    with pytest.raises(Truncated):
        extract(ImageExtractor, cut_png)
    flipped = bytearray(png.read_bytes())
    flipped[60] ^= 0xFF  # inside the IDAT data: the CRC no longer matches
    bad = tmp_path / "bad.png"
    bad.write_bytes(bytes(flipped))
    with pytest.raises(ExtractionError):
        extract(ImageExtractor, bad)
    junk = tmp_path / "junk.jpg"
    junk.write_bytes(b"\xff\xd8\xff" + bytes(range(256)) * 10)
    with pytest.raises(ExtractionError):
        extract(ImageExtractor, junk)
    empty = tmp_path / "empty.png"
    empty.write_bytes(b"")
    with pytest.raises(ExtractionError):
        extract(ImageExtractor, empty)


def test_match() -> None:
    def probe(name: str, mime: str, head: bytes) -> Probe:
        return Probe(name=name, mime=mime, head=head, size=len(head))

    assert ImageExtractor.match(probe("x", "application/octet-stream", b"RIFF\0\0\0\0WEBPVP8 ")) > 0
    assert ImageExtractor.match(probe("x", "application/octet-stream", b"RIFF\0\0\0\0WAVEfmt ")) == 0
    assert ImageExtractor.match(probe("x.png", "image/png", b"\x89PNG\r\n\x1a\n")) > 10
    assert ImageExtractor.match(probe("x.svg", "image/svg+xml", b"<svg")) == 0
