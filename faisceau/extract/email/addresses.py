"""Address lists from raw headers: names decoded, IMCEA and X.500 forms resolved, IDN decoded.

Each address becomes `{"name", "address", "raw"}` (plus `x500` when the address is an
Exchange distinguished name we cannot turn into SMTP). The list is split by hand at
top-level commas before any RFC 2047 decoding, so that an encoded comma in a display name
(`=?utf-8?q?Doe=2C_John?=`) does not split one person in two.
"""

from __future__ import annotations

import re
from email.utils import parseaddr
from functools import lru_cache
from typing import Any

from .headers import decode_words, repair_8bit, unfold

_IMCEA = re.compile(r"^IMCEA([A-Z0-9]+)-(.+)@[^@]*$", re.IGNORECASE)
_HEX = re.compile(r"\+([0-9A-Fa-f]{2})")
_X500 = re.compile(r"^(?:EX:)?/O=[^<>@]+$", re.IGNORECASE)
_GROUP = re.compile(r'^\s*([^:"<>,@]*):(.*?);?\s*$', re.DOTALL)

MAX_ADDRESSES = 1000


def split_list(value: str) -> list[str]:
    """Split an address list at commas outside quotes, angle brackets and comments."""
    parts: list[str] = []
    buf: list[str] = []
    quoted = False
    angle = depth = 0
    escape = False
    for ch in value:
        if escape:
            escape = False
        elif ch == "\\":
            escape = True
        elif quoted:
            quoted = ch != '"'
        elif ch == '"':
            quoted = True
        elif ch == "(":
            depth += 1
        elif ch == ")" and depth:
            depth -= 1
        elif ch == "<" and not depth:
            angle += 1
        elif ch == ">" and angle:
            angle -= 1
        elif ch in ",;" and not (depth or angle):
            parts.append("".join(buf))
            buf = []
            continue
        buf.append(ch)
    parts.append("".join(buf))
    return [p.strip() for p in parts if p.strip()]


def _imcea(local: str) -> tuple[str, str | None]:
    """Decode an IMCEA-encapsulated address: (SMTP address or '', X.500 string or None)."""
    m = _IMCEA.match(local)
    if not m:
        return local, None
    kind, body = m.group(1).upper(), m.group(2)
    if kind == "EX":
        return "", _HEX.sub(lambda h: chr(int(h.group(1), 16)), body.replace("_", "/"))
    decoded = _HEX.sub(lambda h: chr(int(h.group(1), 16)), body)
    if "@" in decoded:
        user, _, domain = decoded.rpartition("@")
        # '_' cannot appear in a host name: IMCEA writes the dots of the domain that way
        return f"{user}@{domain.replace('_', '.')}", None
    return decoded, None


def idn_decode(address: str) -> str:
    """Show a punycode (`xn--`) domain in Unicode; leave anything undecodable as it is."""
    user, at, domain = address.rpartition("@")
    if not at or "xn--" not in domain.lower():
        return address
    labels = []
    for label in domain.split("."):
        if label.lower().startswith("xn--"):
            try:
                label = label[4:].encode("ascii").decode("punycode")
            except (UnicodeError, ValueError):
                return address
        labels.append(label)
    return f"{user}@{'.'.join(labels)}"


def make_address(name: str, addr: str, raw: str) -> dict[str, Any]:
    """One address record from a decoded display name and an address as written."""
    addr = addr.strip()
    entry: dict[str, Any] = {"name": name.strip(), "address": "", "raw": raw}
    if _X500.match(addr):
        entry["x500"] = addr[3:] if addr[:3].upper() == "EX:" else addr
        return entry
    smtp, x500 = _imcea(addr)
    if x500 is not None:
        entry["x500"] = x500
        return entry
    entry["address"] = idn_decode(smtp)
    return entry


def parse_one(piece: str) -> dict[str, Any] | None:
    """Parse one address as written (`Name <a@b>`, `a@b (Name)`, X.500…)."""
    entry = _parse_one(piece)
    return dict(entry) if entry is not None else None


@lru_cache(maxsize=65536)
def _parse_one(piece: str) -> tuple[tuple[str, Any], ...] | None:
    entry = _parse_one_uncached(piece)
    return tuple(entry.items()) if entry is not None else None


def _parse_one_uncached(piece: str) -> dict[str, Any] | None:
    raw = decode_words(piece).strip()
    name, addr = parseaddr(piece)
    if "=?" in addr and "@" not in addr and "@" in raw:
        # a whole `Name <address>` inside one encoded word: decode first, then parse
        name, addr = parseaddr(raw)
    if not addr and not name:
        bracket = re.search(r"<([^<>]*)>", piece)
        addr = bracket.group(1) if bracket else piece
        name = piece[: bracket.start()] if bracket else ""
    elif "@" not in addr and "<" not in piece and " " in piece.strip():
        # a bare display name with no address at all (`To: undisclosed recipients`)
        name, addr = piece, ""
    name = decode_words(name.strip().strip('"').strip())
    if not name and not addr:
        return None
    return make_address(name, addr, raw)


def parse_addresses(value: str | None) -> list[dict[str, Any]]:
    """Every address of a From/To/Cc/Bcc/Reply-To/Sender raw value, in order."""
    if not value:
        return []
    # the same header values recur across a mailbox (a team's To: lists): parse each once
    return [dict(entry) for entry in _parse_addresses(value)]


@lru_cache(maxsize=16384)
def _parse_addresses(value: str) -> tuple[tuple[tuple[str, Any], ...], ...]:
    return tuple(tuple(entry.items()) for entry in _parse_list(value))


def _parse_list(value: str) -> list[dict[str, Any]]:
    value = unfold(repair_8bit(value))
    out: list[dict[str, Any]] = []
    for piece in split_list(value):
        group = _GROUP.match(piece)
        if group and "<" not in group.group(1):
            piece = group.group(2).strip()  # `Team: a@b` — the group name is not an address
            if not piece:
                continue
        entry = parse_one(piece)
        if entry is not None:
            out.append(entry)
        if len(out) >= MAX_ADDRESSES:
            break
    return out
