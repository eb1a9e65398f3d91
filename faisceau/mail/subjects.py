"""Subjects: reply/forward prefixes (EN, FR, DE, Nordic), list tags and patch-series numbering."""

from __future__ import annotations

import re
import unicodedata

# Re:, RE :, Fwd:, Fw:, TR:, AW:, WG:, SV:, VS:, Réf:, Antw:, Re[2]:, and [list] tags, repeated
_PREFIX = re.compile(
    r"^\s*(?:(?:re|fw|fwd|aw|wg|sv|vs|tr|réf|ref|antw|rif|enc|res)\s*(?:\[\d+\]|\(\d+\))?\s*[:：]\s*"
    r"|\[[^\]]{0,60}\]\s*)+", re.IGNORECASE)
_REPLY = re.compile(r"^\s*(?:\[[^\]]{0,60}\]\s*)*(?:re|aw|sv|vs|réf|ref|antw|rif|res)\s*(?:\[\d+\]|\(\d+\))?\s*[:：]",
                    re.IGNORECASE)
_FORWARD = re.compile(r"^\s*(?:\[[^\]]{0,60}\]\s*)*(?:fw|fwd|tr|wg|enc)\s*[:：]", re.IGNORECASE)
# [PATCH 03/44], [RFC][PATCH v2 5/7], [PATCH net-next 2/3]
_SERIES = re.compile(r"\[(?P<tag>[^\]]*\bPATCH\b[^\]]*?)\s*(?P<n>\d{1,4})/(?P<m>\d{1,4})\s*\]", re.IGNORECASE)


def normalise(subject: str | None) -> str:
    """The conversation key of a subject: prefixes and list tags stripped, spaces folded, casefolded."""
    s = unicodedata.normalize("NFKC", subject or "")
    s = _PREFIX.sub("", s)
    return " ".join(s.split()).casefold()


def is_reply(subject: str | None) -> bool:
    return bool(_REPLY.match(subject or ""))


def is_forward(subject: str | None) -> bool:
    return bool(_FORWARD.match(subject or ""))


def series(subject: str | None) -> tuple[str, int, int] | None:
    """(tag, n, m) of a patch-series subject such as "[PATCH v2 3/7] foo", else None."""
    m = _SERIES.search(subject or "")
    if not m or is_reply(subject):
        return None
    tag = " ".join(m["tag"].split()).casefold()
    return tag, int(m["n"]), int(m["m"])
