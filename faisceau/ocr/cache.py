"""OCR results kept by page-image hash: identical pages (in duplicates, re-runs) are read once.

A file per result under `PROJECT/cache/ocr/ab/<key>.json`, written under a temporary name
and renamed, so workers share it without the store and a kill leaves a whole file or none.
The key is the SHA-256 of the page image bytes with the language, the engine version and
the reading recipe, so a new Tesseract or another language reads the page again.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from pathlib import Path
from typing import Any

RECIPE = "3"  # bump when the way a page is read changes (segmentation mode, OSD rule…)


def key(image: bytes, lang: str, engine_version: str) -> str:
    """The cache key of one page image read in `lang` by this engine version."""
    h = hashlib.sha256(image)
    h.update(f"\0{lang}\0{engine_version}\0{RECIPE}".encode())
    return h.hexdigest()


class OcrCache:
    """JSON results by key under `root`."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def _path(self, k: str) -> Path:
        return self.root / k[:2] / f"{k}.json"

    def get(self, k: str) -> dict[str, Any] | None:
        """The stored result, or None (also for a damaged file, which is then read again)."""
        try:
            value = json.loads(self._path(k).read_text("utf-8"))
        except (OSError, ValueError):
            return None
        return value if isinstance(value, dict) else None

    def put(self, k: str, value: dict[str, Any]) -> None:
        path = self._path(k)
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".part-")
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            json.dump(value, f, ensure_ascii=False)
        os.replace(tmp, path)
