"""Stable identifiers: derived from the root's SHA-256 and the provenance path."""

from __future__ import annotations

import hashlib

SEP = "!/"  # between container levels in a provenance path: leak.zip!/box.pst!/Inbox/42


def document_id(root_sha256: str, path: str) -> str:
    """The id of the item at provenance `path` under a root whose content hash is given."""
    h = hashlib.sha256(f"{root_sha256}\x00{path}".encode("utf-8", "surrogateescape"))
    return h.hexdigest()[:24]


def child_path(parent_path: str, name: str) -> str:
    """The provenance path of a child named `name` inside the item at `parent_path`."""
    return f"{parent_path}{SEP}{name}"
