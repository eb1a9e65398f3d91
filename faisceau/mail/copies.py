"""Same-message keys: one mail held in several custodians' folders, whatever its bytes and Message-ID.

Two copies of a message differ in their transport headers, folder headers and Message-IDs (the
Enron set gives each copy its own), but keep their sender, recipients, date and body. The key
is a hash of From, To, Cc, the UTC date to the second, the subject and the body with spacing,
case and line endings folded.
"""

from __future__ import annotations

import hashlib
import unicodedata
from collections.abc import Iterable


def body_hash(text: str) -> str:
    """Hash of a body with Unicode form, case and all spacing folded."""
    folded = " ".join(unicodedata.normalize("NFKC", text or "").casefold().split())
    return hashlib.sha1(folded.encode("utf-8", "surrogatepass")).hexdigest()


def same_message_key(sender: str, to: Iterable[str], cc: Iterable[str], date_utc: str | None, subject: str | None,
                     text: str) -> str:
    """The key shared by every copy of one message."""
    parts = [
        (sender or "").strip().lower(),
        ",".join(sorted({a.strip().lower() for a in to if a})),
        ",".join(sorted({a.strip().lower() for a in cc if a})),
        (date_utc or "")[:19],
        " ".join((subject or "").split()).casefold(),
        body_hash(text),
    ]
    return hashlib.sha1("\x1f".join(parts).encode("utf-8", "surrogatepass")).hexdigest()[:24]
