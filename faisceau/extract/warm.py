"""Imported once by the worker pool's fork server: everything a worker needs, loaded before it forks."""

from __future__ import annotations

from . import load_all
from .identify import mime_of
from .language import classify

load_all()
mime_of(b"%PDF-1.4\n")      # opens libmagic's database
classify("warm the language model up before any worker forks")
