"""faisceau — an investigation workbench for leaked or seized document corpora."""

from __future__ import annotations

from .version import __version__

__all__ = ["__version__"]
