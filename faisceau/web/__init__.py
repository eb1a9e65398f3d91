"""The workbench in a browser: `faisceau serve` (FastAPI, server-rendered pages, a JSON API)."""

from __future__ import annotations

from .app import create_app
from .workbench import Workbench

__all__ = ["Workbench", "create_app"]
