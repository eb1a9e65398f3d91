"""Correspondents: addresses merged into people, with evidence, and counts of who wrote to whom.

Addresses are merged only on
- the same address (case folded);
- the same display name ("Last, First" read as "First Last") within one domain;
- an Exchange X.500 / IMCEAEX address whose CN is the local part of exactly one SMTP address, or
  whose display name is that of exactly one SMTP address;
- a user decision (`correspondent_decisions`: merge, or split which undoes any merge of the pair).
Every merge keeps its evidence. Counts are over unique messages (copies counted once). Nothing
here infers anything about a person beyond these counts.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from .people import name_order

_X500_CN = re.compile(r"/cn=([^/]+)$", re.IGNORECASE)
_IMCEAEX = re.compile(r"^imceaex-(.+)@", re.IGNORECASE)
_LIST_WORDS = re.compile(
    r"(?:^|[\s._-])(?:all|everyone|distribution|dl|list|lists|announce|announcements|staff|employees|"
    r"undisclosed|recipients|team|group|notification|notifications|mailing)(?:$|[\s._-])", re.IGNORECASE)


@dataclass(frozen=True)
class Mention:
    """One address on one unique message."""

    document_id: str
    role: str            # from | to | cc | bcc
    address: str
    name: str
    date: str | None


@dataclass
class Person:
    id: str
    addresses: list[str]
    names: list[str]
    evidence: list[dict[str, str]] = field(default_factory=list)
    sent: int = 0
    received: int = 0
    cc: int = 0
    bcc: int = 0
    first: str | None = None
    last: str | None = None
    top: list[dict[str, object]] = field(default_factory=list)
    distribution_list: str | None = None   # why it looks like a list, or None

    def as_dict(self) -> dict[str, object]:
        return {"id": self.id, "name": self.names[0] if self.names else "", "names": self.names,
                "addresses": self.addresses, "sent": self.sent, "received": self.received, "cc": self.cc,
                "bcc": self.bcc, "first": self.first, "last": self.last, "top": self.top,
                "distribution_list": self.distribution_list, "evidence": self.evidence}


def x500_cn(address: str) -> str | None:
    """The last CN of an X.500 DN (or of an IMCEAEX-encapsulated one), lower-cased."""
    a = address
    m = _IMCEAEX.match(a)
    if m:
        a = m[1].replace("_", "/").replace("+20", " ")
    if not a.startswith(("/o=", "ex:/o=")) and not m:
        return None
    c = _X500_CN.search(a)
    return c[1].strip().lower() if c else None


class _Union:
    def __init__(self) -> None:
        self.up: dict[str, str] = {}

    def find(self, x: str) -> str:
        self.up.setdefault(x, x)
        while self.up[x] != x:
            self.up[x] = self.up[self.up[x]]
            x = self.up[x]
        return x

    def union(self, a: str, b: str) -> bool:
        ra, rb = self.find(a), self.find(b)
        if ra == rb:
            return False
        self.up[max(ra, rb)] = min(ra, rb)
        return True


def identities(mentions: Iterable[Mention], decisions: Iterable[tuple[str, str, str]] = ()
               ) -> tuple[dict[str, str], dict[str, list[dict[str, str]]], dict[str, Counter[str]]]:
    """(address → person key, evidence per person key, names per address)."""
    names: dict[str, Counter[str]] = defaultdict(Counter)
    for m in mentions:
        names[m.address][m.name.strip()] += 1 if m.name.strip() else 0
    addrs = sorted(names)
    split = {frozenset((a, b)) for a, b, d in decisions if d == "split"}
    uf = _Union()
    evidence: list[tuple[str, str, dict[str, str]]] = []

    def merge(a: str, b: str, why: dict[str, str]) -> None:
        if frozenset((a, b)) in split:
            return
        if uf.union(a, b):
            evidence.append((a, b, why))

    by_name_domain: dict[tuple[str, str], list[str]] = defaultdict(list)
    by_name: dict[str, set[str]] = defaultdict(set)
    by_local: dict[str, set[str]] = defaultdict(set)
    for a in addrs:
        uf.find(a)
        if "@" in a and not a.startswith("imceaex-"):
            local, domain = a.rsplit("@", 1)
            by_local[local].add(a)
            for n in names[a]:
                key = name_order(n)
                if len(key.split()) >= 2 and "@" not in n:
                    by_name_domain[(key, domain)].append(a)
                    by_name[key].add(a)
    for (key, domain), group in by_name_domain.items():
        for other in group[1:]:
            merge(group[0], other, {"rule": "same name within one domain", "name": key, "domain": domain,
                                    "a": group[0], "b": other})
    for a in addrs:
        cn = x500_cn(a)
        if cn is None:
            continue
        smtp = by_local.get(cn, set())
        if len(smtp) == 1:
            merge(next(iter(smtp)), a, {"rule": "X.500 CN is the local part of an SMTP address", "cn": cn,
                                        "a": next(iter(smtp)), "b": a})
            continue
        for n in names[a]:
            cands = by_name.get(name_order(n), set())
            if len(cands) == 1:
                merge(next(iter(cands)), a, {"rule": "X.500 address and SMTP address share a display name",
                                             "name": name_order(n), "a": next(iter(cands)), "b": a})
                break
    for a, b, d in decisions:
        if d == "merge":
            merge(a.lower(), b.lower(), {"rule": "user decision", "a": a.lower(), "b": b.lower()})
    ident = {a: uf.find(a) for a in addrs}
    ev: dict[str, list[dict[str, str]]] = defaultdict(list)
    for a, _b, why in evidence:
        ev[uf.find(a)].append(why)
    return ident, ev, names


def people(mentions: list[Mention], decisions: Iterable[tuple[str, str, str]] = (), top: int = 5) -> list[Person]:
    """Every correspondent with counts, dates, top correspondents and evidence; most active first."""
    ident, ev, names = identities(mentions, decisions)
    members: dict[str, list[str]] = defaultdict(list)
    for a, key in ident.items():
        members[key].append(a)
    by_doc: dict[str, list[Mention]] = defaultdict(list)
    for m in mentions:
        by_doc[m.document_id].append(m)
    stats: dict[str, Counter[str]] = defaultdict(Counter)
    dates: dict[str, list[str]] = defaultdict(list)
    partners: dict[str, Counter[str]] = defaultdict(Counter)
    for ms in by_doc.values():
        roles: dict[str, set[str]] = defaultdict(set)
        for m in ms:
            roles[m.role].add(ident[m.address])
        date = next((m.date for m in ms if m.date), None)
        involved = set().union(*roles.values()) if roles else set()
        for role, keys in roles.items():
            for k in keys:
                stats[k]["sent" if role == "from" else "received" if role == "to" else role] += 1
        for k in involved:
            if date:
                dates[k].append(date)
        for s in roles["from"]:
            for r in roles["to"] | roles["cc"] | roles["bcc"]:
                if r != s:
                    partners[s][r] += 1
                    partners[r][s] += 1
    out = []
    for key, addrs in members.items():
        name_counts: Counter[str] = Counter()
        for a in addrs:
            name_counts.update({n: c for n, c in names[a].items() if n})
        addr_sorted = sorted(addrs, key=lambda a: (a.startswith(("/o=", "imceaex-")), "@" not in a, a))
        p = Person(addr_sorted[0], addr_sorted, [n for n, _ in name_counts.most_common()], ev.get(key, []),
                   stats[key]["sent"], stats[key]["received"], stats[key]["cc"], stats[key]["bcc"])
        ds = sorted(dates[key])
        p.first, p.last = (ds[0], ds[-1]) if ds else (None, None)
        p.top = [{"id": min(members[k], key=lambda a: (a.startswith(("/o=", "imceaex-")), a)), "messages": n}
                 for k, n in partners[key].most_common(top)]
        p.distribution_list = _list_reason(p)
        out.append(p)
    out.sort(key=lambda p: (-(p.sent + p.received + p.cc + p.bcc), p.id))
    return out


def _list_reason(p: Person) -> str | None:
    for text in [*p.addresses, *p.names]:
        local = text.split("@", 1)[0]
        if _LIST_WORDS.search(local):
            return f"name or address looks like a list: {text}"
    # Receiving only wide mailings is no sign of a list in a custodians' corpus (the recipients of a
    # memo never write to the custodians): only names are used.
    return None
