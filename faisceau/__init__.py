"""faisceau — an investigation workbench for leaked or seized document corpora."""

from __future__ import annotations

__version__ = "0.1.0"
