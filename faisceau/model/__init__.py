"""The shared vocabulary every stage speaks."""

from __future__ import annotations

from .document import Child, Extracted, Page, Segment
from .mention import Mention

__all__ = ["Child", "Extracted", "Mention", "Page", "Segment"]
