"""The verify step shared by `redact verify` and `redact apply`: each PDF named relative to its folder."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from ..redact.verify import Report, verify
from ..settings import Settings


def run_verify(files: Sequence[Path], strings: Sequence[str], cfg: Settings, *, ocr: bool, base: Path) -> list[Report]:
    """Verify each file with the project's Tesseract settings; names are relative to `base` (no machine path)."""
    out = []
    for f in files:
        try:
            name = str(f.relative_to(base))
        except ValueError:
            name = f.name
        out.append(verify(f, strings, name=name, ocr=ocr, tesseract_setting=cfg.tesseract, lang=cfg.ocr_lang,
                          time_limit=cfg.ocr_time_limit))
    return out
