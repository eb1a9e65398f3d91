"""Extractors, one class per format, grouped by family; chosen by score."""

from __future__ import annotations

import importlib
import pkgutil

_LOADED = False
FAMILIES = ("documents", "email", "packages", "images", "media")


def load_all() -> None:
    """Import every extractor module once, so their @register decorators run."""
    global _LOADED
    if _LOADED:
        return
    _LOADED = True
    for family in FAMILIES:
        pkg = importlib.import_module(f"{__name__}.{family}")
        for info in pkgutil.iter_modules(pkg.__path__):
            if not info.name.startswith("_"):
                importlib.import_module(f"{pkg.__name__}.{info.name}")
