"""Keys that name a person in mail: the address, the display name in "First Last" order, Lotus names.

"Allen, Phillip K.", "Phillip K Allen/HOU/ECT@ECT", "phillip.allen@enron.com" and "Phillip Allen"
all give the key `n:phillip allen`, so a quoted header can be matched to the message it quotes.
"""

from __future__ import annotations

import re
import unicodedata

_ADDR = re.compile(r"[\w.!#$%&'*+/=?^`{|}~-]+@[\w-]+(?:\.[\w-]+)+", re.UNICODE)


def fold(text: str) -> str:
    """Casefolded, accents removed, punctuation turned to spaces, spaces folded."""
    t = unicodedata.normalize("NFKD", text or "").casefold()
    t = "".join(ch for ch in t if not unicodedata.combining(ch))
    return " ".join(re.sub(r"[^\w]+", " ", t).replace("_", " ").split())


def name_order(name: str) -> str:
    """"Last, First M." as "first m last"; Lotus "First Last/OU/O@O" as "first last"; folded."""
    n = (name or "").strip().strip("'\"")
    n = re.sub(r"\[mailto:[^\]]*\]|<[^>]*>|\([^)]*\)", " ", n).strip()
    if "/" in n and "@" not in n.split("/", 1)[0]:
        n = n.split("/", 1)[0]
    n = n.split("@", 1)[0] if "@" in n and " " in n.strip() else n
    if n.count(",") == 1:
        last, first = n.split(",")
        if last.strip() and first.strip():
            n = f"{first} {last}"
    return fold(n)


def split_sender(text: str) -> tuple[str, str]:
    """(address, name) of a free-text sender such as 'Jane Doe <jane@x.org>' or 'Doe, Jane [mailto:j@x]'."""
    m = _ADDR.search(text or "")
    addr = m.group(0).lower() if m else ""
    name = text or ""
    if m:
        name = (name[:m.start()] + name[m.end():])
    name = re.sub(r"\[mailto:\s*\]|<\s*>|mailto:", " ", name).strip(" \"'<>[]()")
    return addr, name


def keys(address: str, name: str = "") -> set[str]:
    """Every key naming this person: `a:address`, `n:first last` (also without middle initials)."""
    out: set[str] = set()
    addr = (address or "").strip().lower()
    if addr:
        out.add("a:" + addr)
        if "@" in addr:
            local = addr.split("@", 1)[0]
            parts = [p for p in re.split(r"[._]", local) if p]
            if len(parts) >= 2 and all(p.isalpha() for p in parts):
                out |= _name_keys(" ".join(parts))
    if name and not _ADDR.fullmatch(name.strip()):
        out |= _name_keys(name_order(name))
    return out


def _name_keys(folded: str) -> set[str]:
    words = folded.split()
    if len(words) < 2:
        return set()
    out = {"n:" + " ".join(words)}
    core = [w for w in words if len(w) > 1]
    if len(core) >= 2:
        out.add("n:" + " ".join(core))
    return out
