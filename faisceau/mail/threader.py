"""Threading: plain message records in, (thread, parent, depth) per message out. No store here.

Order of evidence for a message's parent, strongest first:

1. headers, JWZ-style: In-Reply-To, else the nearest References id present; an absent id is a
   placeholder that still joins the replies to it into one thread; tokens without "@" (`<yes>`
   typed at git-send-email's prompt) link nothing; loops are cut at their oldest message;
   a Message-ID held by two different messages resolves to the first, the other is flagged;
2. Outlook Thread-Index: the same 22-byte conversation head joins, the index minus its last
   5 bytes names the parent;
3. for mail without those headers, the text the body quotes: the earlier message whose own text
   holds most of its rare shingles, else whose text opens the quoted block, else whose sender and
   date the quoted header names;
4. a patch series ("[PATCH 03/44]") sent by one sender within two hours joins its cover letter,
   unless the Message-IDs show that git send-email sent the patches in separate runs (which thread
   nothing unless told to: each patch then starts a conversation of its own);
5. the normalised subject (Re:, RE :, Fwd:, TR:, AW:, WG:, [list] stripped) within a window,
   preferring an earlier message sharing a participant other than the mailbox's owner or list;
   past the window, a reply sent to a mailing list (a common address that never sends) under a
   subject that only one message of the set opened joins the latest message sent to that list.

Rules 4 and 5 for messages that do not look like replies apply only in mailboxes whose mail
carries no threading headers: where the headers exist, a message without them that is not a
reply starts a conversation of its own.

Copies of one message (same `copy_key`) are threaded once and all land in the same place.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
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
QUOTE_RARE = 20                # a shingle in more messages' own text than this is boilerplate (footers)
QUOTE_MIN = 2.0                # weight of shared rare shingles that names the quoted message by itself
QUOTE_COVER = 0.3              # share of a quote's shingles the quoted message must hold
# git send-email's Message-IDs: "<time-pid-n-git-send-email-user@host>"; one run keeps its process id
# and counts its messages, so two ids with different process ids come from two runs
_SEND_EMAIL_ID = re.compile(r"^<?\d+-(\d+)-(\d+)-git-send-email-(.+?)>?$")


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
    own_shingles: tuple[int, ...] = ()      # sample of the writer's own text (quotes.shingles)
    quoted_shingles: tuple[int, ...] = ()   # sample of the text quoted from the message answered
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


class _Seen:
    """What the fallback knows of the messages before the current one (date order): indexes by
    opening fingerprint, quoted-text shingle, person and normalised subject."""

    def __init__(self, reps: list[MailRecord]) -> None:
        self.by_fp: dict[str, list[MailRecord]] = defaultdict(list)
        self.by_person: dict[str, list[MailRecord]] = defaultdict(list)
        self.by_subject: dict[str, list[MailRecord]] = defaultdict(list)
        self.by_shingle: dict[int, list[MailRecord]] = defaultdict(list)
        self.series: dict[tuple[str, str, int], list[tuple[int, MailRecord]]] = {}
        # how many messages' own text holds a shingle, over the whole set: footers and signatures
        # are in many, so they weigh little (and are not indexed past QUOTE_RARE)
        self.df: dict[int, int] = defaultdict(int)
        for r in reps:
            for h in r.own_shingles:
                self.df[h] += 1
        self.common = _common_people(reps)
        # mailing lists: common addresses that receive and never send
        senders = {(r.source, r.sender) for r in reps}
        self.lists = {k for k in self.common if k not in senders}
        # how many messages open a conversation under each subject: one, and every reply to the list
        # with that subject answers it, however late or whoever writes; several ("meeting"), and the
        # subject alone does not say which
        self.starts: dict[str, int] = defaultdict(int)
        for r in reps:
            if not _replyish(r):
                self.starts[subjects.normalise(r.subject)] += 1

    def add(self, r: MailRecord, subj: str) -> None:
        if r.own_fp:
            self.by_fp[r.own_fp].append(r)
        for k in r.sender_keys:
            self.by_person[k].append(r)
        if subj:
            self.by_subject[subj].append(r)
        for h in r.own_shingles:
            if self.df[h] <= QUOTE_RARE:
                self.by_shingle[h].append(r)


def _common_people(reps: list[MailRecord]) -> set[tuple[str, str]]:
    """(mailbox, address) pairs found on at least a third of a mailbox's mail (of 6 or more): the
    mailbox's owner, a mailing list's address. Sharing them says nothing about a conversation."""
    n: dict[str, int] = defaultdict(int)
    seen: dict[tuple[str, str], int] = defaultdict(int)
    for r in reps:
        n[r.source] += 1
        for a in {r.sender, *r.recipients} - {""}:
            seen[(r.source, a)] += 1
    return {k for k, c in seen.items() if n[k[0]] >= 6 and c * 3 >= n[k[0]]}


def _fallback(reps: list[MailRecord], rich: set[str], parent: dict[str, str], via: dict[str, str],
              window: float) -> None:
    """Parents for mail without header links: quoted text, patch series, subjects (in date order).

    A link between two different normalised subjects is made only on evidence that one message
    holds the other (quoted text, an attribution naming its sender and date) or, in a mailbox
    without headers, a patch series. A same-subject link is the default, as in grouping by subject,
    and is refused only on evidence of another conversation: no participant in common beyond the
    mailbox's owner or list, after a gap (REPLY_WINDOW for a reply, NEW_SUBJECT_WINDOW otherwise),
    or a gap beyond the window whoever writes.
    """
    seen = _Seen(reps)
    for r in reps:
        linked = r.id in parent or r.has_links
        subj = subjects.normalise(r.subject)
        poor = r.source not in rich
        if not linked:
            p, how = _quote_parent(r, seen, subj)
            if p is None:
                p, how = _series_parent(r, seen.series) if poor else (None, None)
            if p is None and subj and (poor or _replyish(r)):
                p, how = _subject_parent(r, seen.by_subject.get(subj, []), window, seen.common,
                                         seen.lists if seen.starts.get(subj, 0) == 1 else set())
            if p is not None:
                parent[r.id], via[r.id] = p.id, how or ""
        else:
            _series_note(r, seen.series)
        seen.add(r, subj)


def _replyish(r: MailRecord) -> bool:
    return subjects.is_reply(r.subject) or subjects.is_forward(r.subject) or bool(r.quotes)


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
              and r.date - m.date <= SERIES_GAP and _same_sending(r.message_id, m.message_id)]
    members.append((sk[1], r))
    if not recent:
        return None, None
    head = min(recent, key=lambda nm: (nm[0], _order(nm[1])))
    return head[1], "series"


def _sending(message_id: str) -> tuple[str, str, int] | None:
    """(process id, user@host, message number) of a Message-ID made by git send-email, else None."""
    m = _SEND_EMAIL_ID.match(message_id)
    return (m[1], m[3], int(m[2])) if m else None


def _same_sending(later: str, earlier: str) -> bool:
    """Whether two patches may have been sent together: false only when both Message-IDs are git send-email's
    and name different runs. A run sending a series threads it (its default); patches sent one run each
    are threaded by nothing, and a series link between them would merge conversations the sender kept
    apart. A run numbers its messages in the order it sends them, so a later message with a number not
    above the earlier one's comes from another run even if a process id came back. Other Message-IDs
    (format-patch's, mail clients') say nothing either way."""
    sl, se = _sending(later), _sending(earlier)
    return sl is None or se is None or (sl[:2] == se[:2] and sl[2] > se[2])


def _quote_parent(r: MailRecord, seen: _Seen, subj: str) -> tuple[MailRecord | None, str | None]:
    """The earlier message this one quotes: the one whose own text holds most of the quoted text's
    rare shingles; else the one whose text opens the quoted block; else the one whose sender and
    date the quoted header or attribution names."""
    c, weight = _shingle_parent(r, seen, subj)
    if c is not None and weight >= QUOTE_MIN:
        return c, "quote"
    if not r.quotes:
        return None, None
    q = r.quotes[0]
    if q.fp and seen.by_fp.get(q.fp):
        cands = [x for x in seen.by_fp[q.fp] if x.id != r.id]
        if cands:
            same = [x for x in cands if subjects.normalise(x.subject) == subj]
            return (same or cands)[-1], "quote"
    named = _named_parent(q, seen.by_person, r.id, subj)
    if named is not None:
        return named, "quote"
    if c is not None and weight >= 1.0 and subjects.normalise(c.subject) == subj:
        return c, "quote"   # a short quote, found in one message of the same conversation
    return None, None


def _shingle_parent(r: MailRecord, seen: _Seen, subj: str) -> tuple[MailRecord | None, float]:
    """The earlier message whose own text holds most of r's quoted text, by rare shingles; with the
    weight of the shared ones (1/df each). None unless it holds QUOTE_COVER of the quoted sample: a
    quote of a message absent from the set shares a signature or a path with others, not the text."""
    weight: dict[str, float] = defaultdict(float)
    count: dict[str, int] = defaultdict(int)
    by_id: dict[str, MailRecord] = {}
    for h in r.quoted_shingles:
        df = seen.df.get(h, 0)
        if not df or df > QUOTE_RARE:
            continue
        for c in seen.by_shingle.get(h, ()):
            if c.id != r.id:
                weight[c.id] += 1.0 / df
                count[c.id] += 1
                by_id[c.id] = c
    if not weight:
        return None, 0.0
    best = max(weight, key=lambda i: (round(weight[i], 6), subjects.normalise(by_id[i].subject) == subj,
                                      _order(by_id[i])))
    if count[best] < QUOTE_COVER * len(r.quoted_shingles):
        return None, 0.0
    return by_id[best], weight[best]


def _named_parent(q: Quote, by_person: dict[str, list[MailRecord]], rid: str, subj: str) -> MailRecord | None:
    """The message whose sender and date (and subject, when given) a quoted header names; among
    several sent within the date's precision (a minute), the one with the reply's subject."""
    best: tuple[tuple[bool, float], MailRecord] | None = None
    seen: set[str] = set()
    for k in q.sender_keys:
        for c in reversed(by_person.get(k, [])[-SCAN:]):
            if c.id in seen or c.id == rid:
                continue
            seen.add(c.id)
            if q.subject and subjects.normalise(c.subject) != q.subject:
                continue
            if q.date is None or c.date is None:
                if q.subject and best is None:
                    best = ((True, float("inf")), c)
                continue
            gap = abs(c.date - q.date)
            if q.date_has_offset:
                ok = gap <= 180
            else:
                ok = gap <= QUOTE_TZ and min(gap % 900, 900 - gap % 900) <= 180
            key = (subjects.normalise(c.subject) != subj, max(gap, 60.0))
            if ok and (best is None or key < best[0]):
                best = (key, c)
    return best[1] if best else None


def _subject_parent(r: MailRecord, cands: list[MailRecord], window: float, common: set[tuple[str, str]],
                    lists: set[tuple[str, str]] = frozenset()) -> tuple[MailRecord | None, str | None]:  # type: ignore[assignment]
    """An earlier message with the same subject: the latest one r was exchanged with, else the latest
    sharing a participant (beyond the mailbox's owner or list), else the latest if recent enough, else
    for a reply sent to a mailing list under a subject only one message of the set opened (`lists`
    given), the latest sent to that list, whatever the gap: on a list, people answer the list alone,
    weeks later.

    Grouping by subject joins all of them; this refuses only where the evidence says another
    conversation: no one in common and a gap (generic subjects such as "meeting" recur between
    different people), or a gap beyond the window, when several messages opened that subject.
    """
    if not cands:
        return None, None
    reply = _replyish(r)
    rcpt = set(r.recipients)
    mine = {a for a in {r.sender, *rcpt} - {""} if (r.source, a) not in common}
    shared: MailRecord | None = None
    latest: MailRecord | None = None
    for c in reversed(cands[-SCAN:]):
        age = (r.date - c.date) if r.date is not None and c.date is not None else 0.0
        if age > window:
            break
        if r.sender in c.recipients or c.sender in rcpt or (c.sender == r.sender and rcpt & set(c.recipients)):
            return c, "subject"
        if latest is None:
            latest = c
        if shared is None and mine & {c.sender, *c.recipients} and (reply or age <= NEW_SUBJECT_WINDOW):
            shared = c
    if shared is not None:
        return shared, "subject"
    if reply and latest is not None and r.date is not None and latest.date is not None \
            and r.date - latest.date <= REPLY_WINDOW:
        return latest, "subject"
    on = {a for a in r.recipients if (r.source, a) in lists}
    if on and subjects.is_reply(r.subject):
        for c in reversed(cands):
            if on & set(c.recipients):
                return c, "subject"
    return None, None


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
