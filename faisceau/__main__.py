"""`python -m faisceau` is `faisceau`."""

from __future__ import annotations

from .cli import main

main()
