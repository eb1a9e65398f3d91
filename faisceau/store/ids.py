"""Stable identifiers: derived from the root's SHA-256 and the provenance path."""

from __future__ import annotations

import hashlib

SEP = "!/"  # between container levels in a provenance path: leak.zip!/box.pst!/Inbox/42


def document_id(seed: str, path: str) -> str:
    """A stable id from a seed and a provenance path.

    Top-level items: seed = their SHA-256, path = input name + relative path. Children: seed =
    their root's id (itself derived from the root's SHA-256), path = their provenance path.
    """
    h = hashlib.sha256(f"{seed}\x00{path}".encode("utf-8", "surrogateescape"))
    return h.hexdigest()[:24]


def child_path(parent_path: str, name: str) -> str:
    """The provenance path of a child named `name` inside the item at `parent_path`."""
    return f"{parent_path}{SEP}{name}"
