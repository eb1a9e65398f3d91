"""JPEG 2000 and Netpbm (PBM/PGM/PPM) images, written here with Pillow: the image extractor reads
them like any raster (size, pages for OCR) and refuses their pixel bombs from the header."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
from conftest import run_extractor
from PIL import Image, ImageDraw, features

from faisceau.exc import ExtractionError, LimitExceeded
from faisceau.extract.base import Context, choose
from faisceau.extract.identify import probe
from faisceau.extract.images.image import ImageExtractor

FORMATS = [("scan.jp2", "JPEG2000", "RGB", "image/jp2"), ("scan.ppm", "PPM", "RGB", "image/x-portable-anymap"),
           ("scan.pgm", "PPM", "L", "image/x-portable-anymap"), ("scan.pbm", "PPM", "1", "image/x-portable-anymap")]


def page(mode: str) -> Image.Image:
    img = Image.new("RGB", (300, 200), "white")
    ImageDraw.Draw(img).text((10, 10), "Rapport confidentiel", fill="black")
    return img.convert(mode)


@pytest.mark.parametrize(("name", "fmt", "mode", "mime"), FORMATS)
def test_jpeg2000_and_netpbm_images_are_read(tmp_path: Path, ctx: Context, name: str, fmt: str, mode: str,
                                             mime: str) -> None:
    assert features.check("jpg_2000"), "Pillow built without OpenJPEG"
    path = tmp_path / name
    page(mode).save(path, fmt)
    # by content, under a name that says nothing (an attachment, an archive member)
    blind = tmp_path / "m0000001"
    blind.write_bytes(path.read_bytes())
    assert choose(probe(blind, "m0000001")) is ImageExtractor
    doc, children = run_extractor(ImageExtractor, path, ctx)
    assert children == [] and doc.kind == "image" and doc.mime == mime
    assert (doc.metadata["width"], doc.metadata["height"], doc.metadata["format"]) == (300, 200, fmt)
    assert [(p.number, p.needs_ocr) for p in doc.pages] == [(1, True)]


def test_a_netpbm_pixel_bomb_is_refused_from_its_header(tmp_path: Path, ctx: Context) -> None:
    path = tmp_path / "bomb.pgm"
    path.write_bytes(b"P5\n60000 60000\n255\n" + b"\x00" * 1000)
    small = replace(ctx, settings=replace(ctx.settings, max_pixels=10_000_000))
    with pytest.raises(LimitExceeded, match="pixel bomb"):
        run_extractor(ImageExtractor, path, small)


def test_a_cut_jpeg2000_file_is_not_ok(tmp_path: Path, ctx: Context) -> None:
    path = tmp_path / "cut.jp2"
    page("RGB").save(path, "JPEG2000")
    path.write_bytes(path.read_bytes()[:200])
    with pytest.raises(ExtractionError) as e:
        run_extractor(ImageExtractor, path, ctx)
    assert e.value.reason in ("truncated", "corrupt image")
