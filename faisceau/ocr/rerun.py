"""What the orchestrator needs to run OCR again on a stored content (new stage version, tool found).

OCR reads the original bytes, not the stored text: the blob of a member, or the source file
of a top-level item. The stored content goes along as a JSON file, since OCR rebuilds it.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterable
from pathlib import Path
from typing import Any

CONTENT_KEYS = ("kind", "mime", "text", "pages", "segments", "flags", "metadata", "language")


def again(stage: dict[str, Any] | None, settings: Any) -> bool:
    """Whether OCR skipped earlier runs now: Tesseract was missing and is found, or OCR was off."""
    if not stage or stage.get("status") != "skipped" or settings.ocr == "off":
        return False
    reason = stage.get("reason") or ""
    if reason == "ocr off":
        return True
    return reason.endswith("not installed") and shutil.which(str(settings.tesseract)) is not None


def original(blob: Path, locations: Iterable[dict[str, Any]]) -> str:
    """Where the original bytes of a content are: its blob, or the source file of a location."""
    if blob.is_file():
        return str(blob)
    for loc in locations:
        if loc["source"] and Path(loc["source"]).is_file():
            return str(loc["source"])
    return ""


def content_file(folder: Path, sha: str, content: dict[str, Any]) -> str:
    """Write what OCR needs of a stored content for a worker; returns the file's path."""
    path = folder / f"{sha}.json"
    path.write_text(json.dumps({k: content.get(k) for k in CONTENT_KEYS}, ensure_ascii=False), "utf-8",
                    "surrogatepass")
    return str(path)
