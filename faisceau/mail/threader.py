"""Threading: plain message records in, (thread, parent, depth) per message out. No store here.

Order of evidence for a message's parent, strongest first:

1. headers, JWZ-style: In-Reply-To, else the nearest References id present; an absent id is a
   placeholder that still joins the replies to it into one thread; tokens without "@" (`<yes>`
   typed at git-send-email's prompt) link nothing; loops are cut at their oldest message;
   a Message-ID held by two different messages resolves to the first, the other is flagged;
2. Outlook Thread-Index: the same 22-byte conversation head joins, the index minus its last
   5 bytes names the parent;
3. for mail without those headers, the block the body quotes: an earlier message whose own
   text opens the quoted block, or whose sender and date the quoted header names;
4. a patch series ("[PATCH 03/44]") sent by one sender within two hours joins its cover letter;
5. the normalised subject (Re:, RE :, Fwd:, TR:, AW:, WG:, [list] stripped) within a window,
   preferring an earlier message sharing a participant.

Rules 4 and 5 for messages that do not look like replies apply only in mailboxes whose mail
carries no threading headers: where the headers exist, a message without them that is not a
reply starts a conversation of its own.

Copies of one message (same `copy_key`) are threaded once and all land in the same place.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from . import subjects

SKEW = 3600.0                  # clocks of different senders disagree by this much
SERIES_GAP = 2 * 3600.0        # patches of one series are sent within this time of each other
QUOTE_TZ = 15 * 3600.0         # a quoted local time may be this far from UTC
SCAN = 400                     # most same-subject candidates looked at per message
REPLY_WINDOW = 7 * 86400.0     # a reply with no shared participant joins the latest same subject this recent
NEW_SUBJECT_WINDOW = 3 * 86400.0   # a non-reply joins an earlier same-subject message this recent


@dataclass(frozen=True)
class Quote:
    """What a quoted or forwarded block says about the message it quotes."""

    sender_keys: tuple[str, ...] = ()
    date: float | None = None
    date_has_offset: bool = False
    subject: str = ""              # normalised
    fp: str | None = None          # fingerprint of the quoted text's opening


@dataclass
class MailRecord:
    """One e-mail as the threader sees it."""

    id: str
    message_id: str = ""
    in_reply_to: tuple[str, ...] = ()
    references: tuple[str, ...] = ()
    thread_index: str = ""
    subject: str = ""
    date: float | None = None
    sender: str = ""
    sender_keys: tuple[str, ...] = ()
    recipients: tuple[str, ...] = ()
    quotes: tuple[Quote, ...] = ()
    own_fp: str | None = None
    block_fps: tuple[str, ...] = ()
    copy_key: str = ""
    source: str = ""

    @property
    def has_links(self) -> bool:
        return bool(self.in_reply_to or self.references or self.thread_index)


@dataclass
class Assignment:
    thread_id: str
    parent_id: str | None
    depth: int
    via: str | None = None              # in-reply-to | references | thread-index | quote | series | subject
    missing_parent: str | None = None   # Message-ID of an absent parent (a placeholder)
    copy_of: str | None = None          # the copy threaded in this message's place
    conflict: bool = False              # its Message-ID is held by a different message
    inclusive: bool = False


@dataclass
class ThreadResult:
    assignments: dict[str, Assignment] = field(default_factory=dict)


def norm_mid(value: str) -> str:
    """A Message-ID without brackets or spaces, lower-cased; "" unless it has an "@"."""
    v = "".join((value or "").split()).strip("<>").lower()
    return v if "@" in v else ""


def thread_index_parts(value: str) -> tuple[str, str] | None:
    """(conversation key, parent index) of an Outlook Thread-Index; the parent is "" for a root."""
    try:
        raw = base64.b64decode("".join((value or "").split()), validate=False)
    except (binascii.Error, ValueError):
        return None
    if len(raw) < 22:
        return None
    parent = raw[:-5] if len(raw) >= 27 else b""
    return raw[:22].hex(), parent.hex()


class _Union:
    def __init__(self) -> None:
        self.up: dict[str, str] = {}

    def find(self, x: str) -> str:
        up = self.up
        up.setdefault(x, x)
        root = x
        while up[root] != root:
            root = up[root]
        while up[x] != root:
            up[x], x = root, up[x]
        return root

    def union(self, a: str, b: str) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self.up[max(ra, rb)] = min(ra, rb)


def _order(r: MailRecord) -> tuple[float, str]:
    return (r.date if r.date is not None else float("inf"), r.id)


def thread(records: Iterable[MailRecord], window_days: float = 30.0) -> ThreadResult:
    """Assign every record to a thread, with its parent and depth."""
    recs = sorted(records, key=_order)
    window = window_days * 86400
    rep_of: dict[str, MailRecord] = {}
    reps: list[MailRecord] = []
    copy_of: dict[str, str] = {}
    for r in recs:
        key = r.copy_key or "id:" + r.id
        first = rep_of.get(key)
        if first is None:
            rep_of[key] = r
            reps.append(r)
        else:
            copy_of[r.id] = first.id
    by_id = {r.id: r for r in reps}

    by_mid: dict[str, str] = {}
    conflicts: set[str] = set()
    for r in reps:
        if r.message_id:
            if r.message_id in by_mid:
                conflicts.add(r.id)
            else:
                by_mid[r.message_id] = r.id
    by_ti: dict[str, str] = {}
    for r in reps:
        if r.thread_index:
            by_ti.setdefault(_ti_hex(r.thread_index), r.id)

    rich = _rich_sources(reps)
    parent: dict[str, str] = {}
    via: dict[str, str] = {}
    missing: dict[str, str] = {}
    uf = _Union()
    for r in reps:
        uf.find(r.id)
        if r.message_id and by_mid.get(r.message_id) == r.id:
            uf.union(r.id, "m:" + r.message_id)
        for ref in (*r.references, *r.in_reply_to):
            if ref != r.message_id:
                uf.union(r.id, "m:" + ref)
        tip = thread_index_parts(r.thread_index) if r.thread_index else None
        if tip:
            uf.union(r.id, "ti:" + tip[0])
        p, how = _header_parent(r, by_mid, by_ti, tip)
        if p:
            parent[r.id], via[r.id] = p, how or ""
        elif r.in_reply_to or r.references:
            missing[r.id] = (r.in_reply_to or r.references)[-1]

    _fallback(reps, rich, parent, via, window)
    _cut_loops(reps, parent, by_id)
    for child, p in parent.items():
        uf.union(child, p)

    groups: dict[str, list[MailRecord]] = defaultdict(list)
    for r in reps:
        groups[uf.find(r.id)].append(r)
    depth: dict[str, int] = {}

    def depth_of(i: str) -> int:
        chain = []
        while i not in depth and i in parent:
            chain.append(i)
            i = parent[i]
        d = depth.setdefault(i, 0)
        for c in reversed(chain):
            d += 1
            depth[c] = d
        return depth[chain[0]] if chain else d

    out = ThreadResult()
    contains_all: dict[str, bool] = {}
    for members in groups.values():
        tid = "t" + hashlib.sha1(min(members, key=_order).id.encode()).hexdigest()[:16]
        for r in members:
            out.assignments[r.id] = Assignment(tid, parent.get(r.id), depth_of(r.id), via.get(r.id),
                                               missing.get(r.id), None, r.id in conflicts)
            contains_all[r.id] = _contains_ancestors(r, parent, by_id)
    has_full_child: set[str] = {p for c, p in parent.items() if contains_all.get(c)}
    for r in reps:
        out.assignments[r.id].inclusive = contains_all[r.id] and r.id not in has_full_child
    for cid, rid in copy_of.items():
        a = out.assignments[rid]
        out.assignments[cid] = Assignment(a.thread_id, a.parent_id, a.depth, a.via, a.missing_parent, rid, False,
                                          a.inclusive)
    return out


def _ti_hex(value: str) -> str:
    try:
        return base64.b64decode("".join(value.split())).hex()
    except (binascii.Error, ValueError):
        return ""


def _header_parent(r: MailRecord, by_mid: dict[str, str], by_ti: dict[str, str],
                   tip: tuple[str, str] | None) -> tuple[str | None, str | None]:
    for ref in r.in_reply_to:
        p = by_mid.get(ref)
        if p and p != r.id:
            return p, "in-reply-to"
    for ref in reversed(r.references):
        p = by_mid.get(ref)
        if p and p != r.id:
            return p, "references"
    if tip and tip[1] and not (r.in_reply_to or r.references):
        p = by_ti.get(tip[1])
        if p and p != r.id:
            return p, "thread-index"
    return None, None


def _rich_sources(reps: list[MailRecord]) -> set[str]:
    """Mailboxes whose mail carries threading headers (at least a tenth of it, and two messages)."""
    n: dict[str, int] = defaultdict(int)
    linked: dict[str, int] = defaultdict(int)
    for r in reps:
        n[r.source] += 1
        linked[r.source] += r.has_links
    return {s for s in n if linked[s] >= 2 and linked[s] * 10 >= n[s]}


def _fallback(reps: list[MailRecord], rich: set[str], parent: dict[str, str], via: dict[str, str],
              window: float) -> None:
    """Parents for mail without header links: quoted blocks, patch series, subjects (in date order)."""
    by_fp: dict[str, list[MailRecord]] = defaultdict(list)
    by_person: dict[str, list[MailRecord]] = defaultdict(list)
    by_subject: dict[str, list[MailRecord]] = defaultdict(list)
    series: dict[tuple[str, str, int], list[tuple[int, MailRecord]]] = {}
    for r in reps:
        linked = r.id in parent or r.has_links
        subj = subjects.normalise(r.subject)
        poor = r.source not in rich
        if not linked:
            p, how = _quote_parent(r, by_fp, by_person, subj)
            if p is None:
                p, how = _series_parent(r, series) if poor else (None, None)
            if p is None and subj and (poor or subjects.is_reply(r.subject) or subjects.is_forward(r.subject)
                                       or r.quotes):
                p, how = _subject_parent(r, by_subject.get(subj, []), window)
            if p is not None:
                parent[r.id], via[r.id] = p.id, how or ""
        else:
            _series_note(r, series)
        if r.own_fp:
            by_fp[r.own_fp].append(r)
        for k in r.sender_keys:
            by_person[k].append(r)
        if subj:
            by_subject[subj].append(r)


def _series_key(r: MailRecord) -> tuple[tuple[str, str, int], int] | None:
    s = subjects.series(r.subject)
    if not s or not r.sender_keys:
        return None
    name = sorted(k for k in r.sender_keys if k.startswith("n:")) or sorted(r.sender_keys)
    return (name[0], s[0], s[2]), s[1]


def _series_note(r: MailRecord, series: dict[tuple[str, str, int], list[tuple[int, MailRecord]]]) -> None:
    sk = _series_key(r)
    if sk:
        series.setdefault(sk[0], []).append((sk[1], r))


def _series_parent(r: MailRecord, series: dict[tuple[str, str, int], list[tuple[int, MailRecord]]]
                   ) -> tuple[MailRecord | None, str | None]:
    sk = _series_key(r)
    if sk is None:
        return None, None
    members = series.setdefault(sk[0], [])
    recent = [(n, m) for n, m in members if r.date is not None and m.date is not None
              and r.date - m.date <= SERIES_GAP]
    members.append((sk[1], r))
    if not recent:
        return None, None
    head = min(recent, key=lambda nm: (nm[0], _order(nm[1])))
    return head[1], "series"


def _quote_parent(r: MailRecord, by_fp: dict[str, list[MailRecord]], by_person: dict[str, list[MailRecord]],
                  subj: str) -> tuple[MailRecord | None, str | None]:
    if not r.quotes:
        return None, None
    q = r.quotes[0]
    if q.fp and by_fp.get(q.fp):
        cands = [c for c in by_fp[q.fp] if c.id != r.id]
        if cands:
            return cands[-1], "quote"
    best: tuple[float, MailRecord] | None = None
    seen: set[str] = set()
    for k in q.sender_keys:
        for c in reversed(by_person.get(k, [])[-SCAN:]):
            if c.id in seen or c.id == r.id:
                continue
            seen.add(c.id)
            if q.subject and subjects.normalise(c.subject) != q.subject:
                continue
            if q.date is None or c.date is None:
                if q.subject and best is None:
                    best = (float("inf"), c)
                continue
            gap = abs(c.date - q.date)
            if q.date_has_offset:
                ok = gap <= 180
            else:
                ok = gap <= QUOTE_TZ and min(gap % 900, 900 - gap % 900) <= 180
            if ok and (best is None or gap < best[0]):
                best = (gap, c)
    return (best[1], "quote") if best else (None, None)


def _subject_parent(r: MailRecord, cands: list[MailRecord], window: float) -> tuple[MailRecord | None, str | None]:
    """An earlier message with the same subject: for a reply, one it was exchanged with (else the latest
    within a week); for a message that does not look like a reply, one between the same people within
    three days (generic subjects such as "meeting" recur between different conversations)."""
    if not cands:
        return None, None
    reply = subjects.is_reply(r.subject) or subjects.is_forward(r.subject) or bool(r.quotes)
    rcpt = set(r.recipients)
    latest: MailRecord | None = None
    for c in reversed(cands[-SCAN:]):
        age = (r.date - c.date) if r.date is not None and c.date is not None else 0.0
        if age > (window if reply else min(window, NEW_SUBJECT_WINDOW)):
            break
        if reply:
            if r.sender in c.recipients or c.sender in rcpt:
                return c, "subject"
            if latest is None and age <= REPLY_WINDOW:
                latest = c
        elif r.sender in c.recipients or (c.sender == r.sender and rcpt & set(c.recipients)):
            return c, "subject"
    return (latest, "subject") if latest is not None else (None, None)


def _cut_loops(reps: list[MailRecord], parent: dict[str, str], by_id: dict[str, MailRecord]) -> None:
    """Header links can loop (A refers to B, B to A): cut each loop at its oldest message."""
    state: dict[str, int] = {}
    for r in reps:
        path: list[str] = []
        on_path: set[str] = set()
        i: str | None = r.id
        while i is not None and state.get(i) != 2:
            if i in on_path:
                loop = path[path.index(i):]
                oldest = min(loop, key=lambda x: _order(by_id[x]))
                parent.pop(oldest, None)
                break
            on_path.add(i)
            path.append(i)
            i = parent.get(i)
        for x in path:
            state[x] = 2


def _contains_ancestors(r: MailRecord, parent: dict[str, str], by_id: dict[str, MailRecord]) -> bool:
    """True when the body quotes the opening of every earlier message of its branch."""
    fps = set(r.block_fps)
    i = parent.get(r.id)
    seen = {r.id}
    while i is not None and i not in seen:
        seen.add(i)
        a = by_id.get(i)
        if a is not None and a.own_fp and a.own_fp not in fps:
            return False
        i = parent.get(i)
    return True
