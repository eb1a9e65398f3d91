"""A scanned page's own image is taken only when it looks exactly like the rendered page.

Pages built here with pikepdf (one image XObject, with or without the things that change how
it looks: masks, a flipped matrix, another object, a page rotation, another resolution) and
the real scans of `docs-ocrmypdf-resources`: wherever `ScannedPages` takes the image, it must
match pdfium's rendering of the page at the same resolution; where it must not, it declines.
"""

from __future__ import annotations

import zlib
from pathlib import Path
from typing import Any

import pikepdf
import pypdfium2 as pdfium
import pytest
from conftest import corpus_path
from pikepdf import Array, Dictionary, Name
from PIL import Image, ImageChops, ImageDraw, ImageStat

from faisceau.ocr.render import pdf_pages
from faisceau.ocr.scanned import ScannedPages

SIZE = (600, 800)  # pixels of the crafted scans: 2 × 2.67 inches at 300 dpi


def _art() -> Image.Image:
    im = Image.new("L", SIZE, 255)
    draw = ImageDraw.Draw(im)
    draw.rectangle((50, 50, 300, 120), fill=0)
    draw.text((60, 200), "Relevé du 10 mars", fill=0)
    draw.rectangle((400, 600, 550, 780), fill=80)
    return im


def _scan(path: Path, *, dpi: int = 300, matrix: list[float] | None = None, rotate: int = 0,
          more: str = "", **image: Any) -> Path:
    """A one-page PDF drawing one gray image XObject; `image` adds keys to its dictionary."""
    pdf = pikepdf.new()
    w, h = SIZE
    data = _art().tobytes()
    if image.get("ImageMask"):
        data = _art().point(lambda v: 255 if v > 128 else 0).convert("1").tobytes()
        keys: dict[str, Any] = {"BitsPerComponent": 1}
    else:
        keys = {"ColorSpace": Name.DeviceGray, "BitsPerComponent": 8}
    xobj = pikepdf.Stream(pdf, zlib.compress(data), Type=Name.XObject, Subtype=Name.Image, Width=w, Height=h,
                          Filter=Name.FlateDecode, **keys)
    for k, v in image.items():
        if k == "SMask":
            alpha = Image.new("L", SIZE, 255)
            ImageDraw.Draw(alpha).rectangle((0, 0, w // 2, h), fill=0)
            v = pikepdf.Stream(pdf, zlib.compress(alpha.tobytes()), Type=Name.XObject, Subtype=Name.Image, Width=w,
                               Height=h, ColorSpace=Name.DeviceGray, BitsPerComponent=8, Filter=Name.FlateDecode)
        xobj[f"/{k}"] = v
    pw, ph = w * 72 / dpi, h * 72 / dpi
    m = matrix or [pw, 0, 0, ph, 0, 0]
    ops = f"q {' '.join(f'{v:g}' for v in m)} cm /Im0 Do Q {more}"
    res = Dictionary(XObject=Dictionary(Im0=xobj),
                     Font=Dictionary(F1=Dictionary(Type=Name.Font, Subtype=Name.Type1, BaseFont=Name.Helvetica)))
    page = Dictionary(Type=Name.Page, MediaBox=[0, 0, pw, ph], Resources=res, Contents=pikepdf.Stream(pdf, ops.encode()))
    if rotate:
        page.Rotate = rotate
    pdf.pages.append(pikepdf.Page(page))
    pdf.save(path)
    return path


def _difference(a: Image.Image, b: Image.Image) -> float:
    return float(ImageStat.Stat(ImageChops.difference(a, b)).mean[0])


def _check(path: Path, dpi: int = 300, pages: int = 8) -> list[bool]:
    """For each page: whether the scan's image was taken; asserts it matches the rendering."""
    taken = []
    doc = pdfium.PdfDocument(path)
    scans = ScannedPages(path)
    try:
        for i in range(min(len(doc), pages)):
            page = doc[i]
            got = scans.image(page, i + 1, dpi, 0)
            taken.append(got is not None)
            if got is None:
                continue
            image, res = got
            assert abs(res - dpi) <= dpi * 0.1
            # the page rendered at the image's own resolution: the same pixels, up to smoothing
            rendered = page.render(scale=res / 72, grayscale=True, may_draw_forms=True).to_pil().convert("L")
            assert abs(image.width - rendered.width) <= 2 and abs(image.height - rendered.height) <= 2, (
                image.size, rendered.size)
            assert _difference(image, rendered.resize(image.size)) < 5, f"{path.name} page {i + 1}"
    finally:
        scans.close()
        doc.close()
    return taken


@pytest.mark.parametrize("case, kwargs", [
    ("plain", {}),
    ("inverted by /Decode", {"Decode": Array([1, 0])}),
    ("page turned 90°", {"rotate": 90}),
    ("page turned 270°", {"rotate": 270}),
    ("a 320 dpi scan", {"dpi": 320}),
])
def test_bare_scans_give_their_own_image(tmp_path: Path, case: str, kwargs: dict[str, Any]) -> None:
    assert _check(_scan(tmp_path / "scan.pdf", **kwargs)) == [True], case


@pytest.mark.parametrize("case, kwargs", [
    ("soft mask", {"SMask": True}),
    ("colour-key mask", {"Mask": Array([0, 100])}),
    ("stencil mask", {"ImageMask": True}),
    ("flipped", {"matrix": [144, 0, 0, -192, 0, 192]}),
    ("turned in its matrix", {"matrix": [0, 192, -144, 0, 144, 0], "rotate": 0}),
    ("text drawn over it", {"more": "BT /F1 12 Tf 10 10 Td (Note) Tj ET"}),
    ("half the page", {"matrix": [72, 0, 0, 96, 0, 0]}),
    ("a 600 dpi scan", {"dpi": 600}),
    ("a 150 dpi scan", {"dpi": 150}),
])
def test_pages_that_differ_from_their_image_are_rendered(tmp_path: Path, case: str, kwargs: dict[str, Any]) -> None:
    assert _check(_scan(tmp_path / "scan.pdf", **kwargs)) == [False], case


def test_pdf_pages_uses_the_scan_and_renders_the_rest(tmp_path: Path) -> None:
    bare, masked = _scan(tmp_path / "bare.pdf"), _scan(tmp_path / "masked.pdf", SMask=True)
    for path, resolution in ((bare, 300), (masked, 300)):
        doc = pdfium.PdfDocument(path)
        scans = ScannedPages(path)
        [(number, image)] = list(pdf_pages(doc, [1], 300, 0, scans))
        scans.close()
        plain = list(pdf_pages(doc, [1], 300, 0))[0][1]
        doc.close()
        assert number == 1 and not isinstance(image, Exception) and not isinstance(plain, Exception)
        assert image.dpi == resolution and image.data.startswith(b"P5\n")
        assert abs(image.size[0] - plain.size[0]) <= 1 and abs(image.size[1] - plain.size[1]) <= 1
    assert (_check(bare), _check(masked)) == ([True], [False])


def test_corpus_scans_match_their_rendering() -> None:
    folder = corpus_path("docs-ocrmypdf-resources")
    taken = {}
    for path in sorted(folder.glob("*.pdf")):
        if path.stat().st_size > 20_000_000:
            continue
        try:
            pdfium.PdfDocument(path).close()
        except pdfium.PdfiumError:
            continue  # a PDF pdfium cannot open is accounted for by the ingest tests
        taken[path.name] = _check(path, pages=4)
    # the scanner-made pages are taken as they are (JPEG, CCITT, JBIG2, a different aspect)
    for name in ("ccitt.pdf", "jbig2.pdf", "linn.pdf", "epson.pdf", "kcs.pdf"):
        assert taken[name][0], name
    # and a page with several objects, a mask or a turned image is rendered
    for name in ("masks.pdf", "skew.pdf", "rotated_skew.pdf", "vector.pdf"):
        assert not any(taken[name]), name
