"""A scanned page's own image, taken as it is instead of rendering the page.

A scanner's PDF page is one image covering the page, usually at the resolution OCR wants.
pdfium renders such a page at 300 dpi in about 120 ms here (it resamples the image even at
1:1), while decoding the image itself takes about 12 ms; with every core busy in Tesseract,
that difference is time taken from reading. The image is used as it is only when the page
shows nothing else and nothing changes how it looks:

- the page has exactly one object, an image in the one colour space pdfium decodes fully
  (gray, RGB, calibrated, ICC), upright (no flip, no rotation in its matrix);
- it covers at least 90% of the visible page, and its resolution is within 10% of the
  wanted one (a 600 dpi scan is still rendered down, a 150 dpi one up, as before);
- its dictionary has no soft mask, colour-key mask or stencil (pdfium's image decoding
  ignores them, the page rendering does not), read with pikepdf;
- the page's /Rotate is applied to the image, as rendering applies it.

Anything else, and any error on the way, goes to the ordinary rendering.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from PIL import Image

COVER = 0.9          # share of the visible page the image must cover
RESOLUTION = 0.1     # relative distance allowed between the image's resolution and the wanted one
MAX_IMAGES = 8       # image XObjects in the page's resources beyond which the page is rendered
GRAY, RGB, CALGRAY, CALRGB, ICC = 1, 2, 4, 5, 7  # pdfium's FPDF_COLORSPACE_* codes read as is
_SPACES = {GRAY, RGB, CALGRAY, CALRGB, ICC}
_MASKS = ("/SMask", "/Mask", "/ImageMask", "/SMaskInData")
_TURN = {90: Image.Transpose.ROTATE_270, 180: Image.Transpose.ROTATE_180, 270: Image.Transpose.ROTATE_90}


class ScannedPages:
    """Opens the PDF's structure once (pikepdf, lazily) to check the pages' image dictionaries."""

    def __init__(self, path: Path | None, passwords: Sequence[str] = ()) -> None:
        self.path, self.passwords = path, passwords
        self._pike: Any = None
        self._tried = False

    def _structure(self) -> Any:
        if not self._tried:
            self._tried = True
            if self.path is not None:
                import pikepdf

                for password in ["", *self.passwords]:
                    try:
                        self._pike = pikepdf.open(self.path, password=password)
                        break
                    except pikepdf.PasswordError:
                        continue
                    except (pikepdf.PdfError, OSError, ValueError):
                        break  # the structure cannot be read: every page is rendered
        return self._pike

    def close(self) -> None:
        if self._pike is not None:
            self._pike.close()

    def image(self, page: Any, number: int, dpi: int, max_pixels: int) -> tuple[Image.Image, int] | None:
        """(gray image, its resolution) when the page is a bare scan at about `dpi`, else None."""
        import pypdfium2 as pdfium
        import pypdfium2.raw as pdfium_c

        try:
            objects = list(page.get_objects(max_depth=0))
            if len(objects) != 1 or objects[0].type != pdfium_c.FPDF_PAGEOBJ_IMAGE:
                return None
            obj = objects[0]
            meta = obj.get_metadata()
            if meta.colorspace not in _SPACES or meta.bits_per_pixel > 24:
                return None
            a, b, c, d, e, f = obj.get_matrix().get()
            if b or c or a <= 0 or d <= 0:
                return None
            left, bottom, right, top = page.get_cropbox()
            visible = (right - left) * (top - bottom)
            inside = (max(0.0, min(e + a, right) - max(e, left))) * (max(0.0, min(f + d, top) - max(f, bottom)))
            if visible <= 0 or inside < COVER * visible or a * d > visible / COVER:
                return None
            width, height = meta.width, meta.height
            res_x, res_y = width * 72 / a, height * 72 / d
            if abs(res_x / dpi - 1) > RESOLUTION or abs(res_y / dpi - 1) > RESOLUTION:
                return None
            if max_pixels > 0 and width * height > max_pixels:
                return None
            if not self._plain(number):
                return None
            img = obj.get_bitmap(render=False).to_pil()
        except (pdfium.PdfiumError, ValueError, OSError, MemoryError):
            return None
        gray = img if img.mode == "L" else img.convert("L")
        turn = _TURN.get(page.get_rotation() % 360)
        if turn is not None:
            gray = gray.transpose(turn)
        return gray, max(1, round((res_x + res_y) / 2))

    def _plain(self, number: int) -> bool:
        """The page's image dictionaries carry no mask (checked in the PDF's own structure)."""
        import pikepdf

        pike = self._structure()
        if pike is None:
            return False
        try:
            xobjects = _resources(pike.pages[number - 1].obj).get("/XObject")
            if xobjects is None:
                return False  # an inline image: its dictionary is not looked at, the page is rendered
            images = [x for x in xobjects.values() if x.get("/Subtype") == "/Image"]
            return 0 < len(images) <= MAX_IMAGES and not any(k in x for x in images for k in _MASKS)
        except (pikepdf.PdfError, IndexError, KeyError, AttributeError, TypeError, ValueError):
            return False


def _resources(node: Any) -> Any:
    """The page's /Resources, or the nearest inherited from its parents (at most 32 levels up)."""
    for _ in range(32):
        found = node.get("/Resources")
        if found is not None:
            return found
        node = node.get("/Parent")
        if node is None:
            break
    return {}
