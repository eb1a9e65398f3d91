#!/usr/bin/env python3
"""Threads without headers on the Enron set: do replies find the message their quoted header names?

    python bench/enron_quotes.py                 # every mbox of ../shared/corpora/enron_mbox (about a minute)
    python bench/enron_quotes.py --limit 5000    # the first 5,000 messages

The Enron mail carries no In-Reply-To or References. Its replies and forwards quote the message they
answer in an Outlook block ("-----Original Message----- / From: / Sent: / Subject:"). A check that
needs no annotation: when exactly one message of the set has the sender (by name key), the date
(to the minute, any whole quarter-hour offset) and the normalised subject the block names, that
message (or a copy of it) is the parent. The script reads the mboxes with the standard library,
builds faisceau's records (`faisceau.mail.mailrecord.build`) and threads them, then prints, for those
replies, the share whose parent is that message, beside the share the normalised-subject baseline
(the latest earlier message with the same subject) gets in the same run.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]

import argparse
import datetime as dt
import email
import email.utils
import mailbox
import os
import time
from collections import defaultdict
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
CORPORA = Path(os.environ.get("FAISCEAU_CORPORA", ROOT.parent / "shared" / "corpora"))

from faisceau.mail import mailrecord, people, quotes, subjects
from faisceau.mail.threader import MailRecord, thread


def _people(value: str) -> list[dict[str, str]]:
    return [{"name": n, "address": a} for n, a in email.utils.getaddresses([value or ""]) if a or n]


def read(folder: Path, limit: int) -> list[tuple[MailRecord, str]]:
    """(record, text) of every message, in the shape the extractor stores (sender, recipients, dates)."""
    out: list[tuple[MailRecord, str]] = []
    for box_path in sorted(folder.iterdir()):
        for k, msg in enumerate(mailbox.mbox(str(box_path), factory=None)):
            part = next((p for p in msg.walk() if p.get_content_type() == "text/plain"), None)
            raw = part.get_payload(decode=True) if part is not None else b""
            text = raw.decode(part.get_content_charset() or "latin-1", "replace") \
                if part is not None and isinstance(raw, bytes) else ""
            try:
                when = email.utils.parsedate_to_datetime(str(msg.get("Date", "")))
                date_utc = when.astimezone(dt.UTC).isoformat()
            except (TypeError, ValueError, IndexError):
                date_utc = None
            meta: dict[str, Any] = {"from": _people(str(msg.get("From", ""))), "to": _people(str(msg.get("To", ""))),
                                    "cc": _people(str(msg.get("Cc", ""))), "subject": str(msg.get("Subject", "")),
                                    "date_utc": date_utc, "message_id": str(msg.get("Message-ID", "")),
                                    "headers": [[k2, str(v)] for k2, v in msg.items()]}
            out.append((mailrecord.build(f"{box_path.name}/{k}", box_path.name, meta, text), text))
            if limit and len(out) >= limit:
                return out
    return out


def named_parents(items: list[tuple[MailRecord, str]]) -> dict[str, set[str]]:
    """Replies whose first quoted block names exactly one message of the set (with its copies)."""
    by_key: dict[tuple[str, str], list[MailRecord]] = defaultdict(list)
    for r, _ in items:
        for k in r.sender_keys:
            by_key[(k, subjects.normalise(r.subject))].append(r)
    copies: dict[str, set[str]] = defaultdict(set)
    for r, _ in items:
        copies[r.copy_key].add(r.id)
    out: dict[str, set[str]] = {}
    for r, text in items:
        blocks = quotes.parse(text).blocks
        if not blocks or blocks[0].kind not in ("original", "header") or not blocks[0].sender or not blocks[0].date:
            continue
        b = blocks[0]
        when = quotes.loose_date(b.date)
        if when is None:
            continue
        keys = people.keys(*people.split_sender(b.sender))
        found = {c.copy_key: c for k in keys for c in by_key.get((k, subjects.normalise(b.subject)), [])
                 if c.id != r.id and c.date is not None and abs(c.date - when[0]) <= 15 * 3600
                 and min(abs(c.date - when[0]) % 900, 900 - abs(c.date - when[0]) % 900) <= 60}
        if len(found) == 1:
            out[r.id] = copies[next(iter(found))]
    return out


def subject_baseline(items: list[tuple[MailRecord, str]]) -> dict[str, str | None]:
    """Parent by subject alone: the latest earlier message with the same normalised subject."""
    last: dict[str, str] = {}
    out: dict[str, str | None] = {}
    for r, _ in sorted(items, key=lambda x: (x[0].date or 0.0, x[0].id)):
        s = subjects.normalise(r.subject)
        out[r.id] = last.get(s)
        last[s] = r.id
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--limit", type=int, default=0, help="only the first N messages (0: all)")
    args = ap.parse_args()
    folder = CORPORA / "enron_mbox" / "mbox"
    if not folder.is_dir():
        print(f"corpus missing: enron_mbox/mbox under {CORPORA.name}/", file=sys.stderr)
        return 2
    t0 = time.monotonic()
    items = read(folder, args.limit)
    t1 = time.monotonic()
    res = thread([r for r, _ in items]).assignments
    t2 = time.monotonic()
    truth = named_parents(items)
    base = subject_baseline(items)

    def hit(got: str | None, want: set[str]) -> bool:
        # a copy threaded in the parent's place counts: its parent is that copy's original
        return got is not None and (got in want or bool(res[got].copy_of and res[got].copy_of in want))

    ours = sum(hit(res[i].parent_id, want) for i, want in truth.items())
    theirs = sum(base[i] is not None and base[i] in want for i, want in truth.items())
    n = max(len(truth), 1)
    print(f"messages {len(items):,}  read {t1 - t0:.1f} s  threaded {t2 - t1:.1f} s")
    print(f"replies whose quoted header names one message of the set: {len(truth):,}")
    print(f"  parent found by faisceau      {ours:>6,}  {100 * ours / n:5.1f} %")
    print(f"  parent by subject (baseline)  {theirs:>6,}  {100 * theirs / n:5.1f} %")
    print(f"  faisceau − baseline           {100 * (ours - theirs) / n:+5.1f} points")
    return 0


if __name__ == "__main__":
    sys.exit(main())
