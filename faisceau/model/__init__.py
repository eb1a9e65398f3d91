"""The shared vocabulary every stage speaks."""

from __future__ import annotations

from .document import Child, Extracted, Page, Segment

__all__ = ["Child", "Extracted", "Page", "Segment"]
