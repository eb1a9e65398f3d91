"""PDF pages as PNG images, rendered in a separate process and cached in the project's tmp/cache.

PDFium parses hostile bytes, so it runs in a child process (`python -m faisceau.web.render`)
with a memory limit and a time limit: a crash or a hang there costs one page image, not the
server. A page is scaled to at most `MAX_WIDTH` × `MAX_HEIGHT` pixels whatever size the PDF
claims, so a page declared a kilometre wide cannot become a pixel bomb.
"""

from __future__ import annotations

import os
import resource
import subprocess
import sys
from pathlib import Path

from ..exc import FaisceauError

MAX_WIDTH = 1000       # pixels
MAX_HEIGHT = 4000      # pixels: a very long page is scaled down further
TIME_LIMIT = 30.0      # seconds per page
MEMORY_LIMIT = 1536 << 20


class RenderError(FaisceauError):
    """A page could not be rendered (the reason is shown in place of the image)."""


def render(pdf: Path, number: int, out: Path, password: str | None = None) -> None:
    """Render page `number` (from 1) of `pdf` to the PNG file `out` (in this process)."""
    import pypdfium2 as pdfium  # type: ignore[import-untyped]

    try:
        doc = pdfium.PdfDocument(str(pdf), password=password)
    except pdfium.PdfiumError as e:
        raise RenderError(f"cannot open the PDF: {e}") from None
    try:
        if not 1 <= number <= len(doc):
            raise RenderError(f"no page {number} (the PDF has {len(doc)})")
        page = doc[number - 1]
        width, height = page.get_size()
        if width <= 0 or height <= 0:
            raise RenderError("the page has no size")
        image = page.render(scale=min(MAX_WIDTH / width, MAX_HEIGHT / height, 3.0)).to_pil()
        tmp = out.with_name(out.name + f".{os.getpid()}.part")
        image.save(tmp, format="PNG")
        os.replace(tmp, out)
    finally:
        doc.close()


def page_png(pdf: Path, sha256: str, number: int, cache: Path) -> Path:
    """The PNG of one page, from the cache or rendered now in a child process."""
    out = cache / f"{sha256}-{number}.png"
    if out.is_file():
        return out
    try:
        proc = subprocess.run([sys.executable, "-m", "faisceau.web.render", str(pdf), str(number), str(out)],
                              stdin=subprocess.DEVNULL, capture_output=True, timeout=TIME_LIMIT)
    except subprocess.TimeoutExpired:
        raise RenderError(f"page {number} took longer than {TIME_LIMIT:.0f} s to render") from None
    if proc.returncode != 0 or not out.is_file():
        reason = proc.stderr.decode("utf-8", "replace").strip().splitlines()[-1:] or [f"exit {proc.returncode}"]
        if proc.returncode < 0:
            reason = [f"the renderer crashed (signal {-proc.returncode})"]
        raise RenderError(reason[0][:300])
    return out


def main(argv: list[str]) -> int:
    """The child process: one page, one PNG; a one-line reason on stderr when it fails."""
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT, MEMORY_LIMIT))
    try:
        render(Path(argv[0]), int(argv[1]), Path(argv[2]))
    except (RenderError, ValueError, OSError, MemoryError) as e:
        print(str(e) or type(e).__name__, file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
