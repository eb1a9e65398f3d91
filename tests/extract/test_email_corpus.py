"""E-mail extractors over real corpora: robustness, fast path vs reference, Enron mbox counts."""

from __future__ import annotations

import json
import mailbox
import time
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from faisceau.exc import ExtractionError, Skipped
from faisceau.extract.base import Context, Extractor
from faisceau.extract.email.eml import EmlExtractor
from faisceau.extract.email.mbox import MboxExtractor, iter_messages
from faisceau.extract.email.msg import MsgExtractor
from faisceau.extract.email.parse import ParsedMail, parse_fast, parse_reference
from faisceau.extract.email.pst import PstExtractor
from faisceau.extract.email.textdecode import decode_text
from faisceau.extract.email.tnef import TnefExtractor
from faisceau.extract.identify import probe
from tests.conftest import child_bytes, corpus_path, run_extractor

pytestmark = pytest.mark.slow
EMAIL_EXTRACTORS: list[type[Extractor]] = [EmlExtractor, MboxExtractor, MsgExtractor, PstExtractor, TnefExtractor]
ENRON_TOTAL = 23_480  # enron_mbox/SOURCE.txt: the six custodians present


def route(path: Path) -> type[Extractor] | None:
    """The e-mail extractor that scores best on the file, as the ingest would choose among them."""
    pr = probe(path, path.name)
    score, cls = max(((c.match(pr), i, c) for i, c in enumerate(EMAIL_EXTRACTORS)), key=lambda t: t[:2])[::2]
    return cls if score > 0 else None


def corpus_files(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*") if p.is_file() and p.name != "SOURCE.txt")


def test_every_email_test_message_goes_through(ctx: Context) -> None:
    root = corpus_path("email_test_messages")
    by_extractor: Counter[str] = Counter()
    failures: list[str] = []
    messages = attachments = 0
    for path in corpus_files(root):
        cls = route(path)
        if cls is None:
            continue
        by_extractor[cls.NAME] += 1
        try:
            doc, children = run_extractor(cls, path, ctx)
        except (ExtractionError, Skipped) as e:
            failures.append(f"{cls.NAME}: {path.relative_to(root)}: {e}")
            continue
        messages += doc.kind == "email"
        attachments += len(children)
        for child in children:  # messages out of mbox/pst go to the eml extractor, as in an ingest
            if child.mime_hint == "message/rfc822" and cls in (MboxExtractor, PstExtractor):
                tmp = ctx.tempdir() / "child.eml"
                tmp.write_bytes(child_bytes(child))
                try:
                    inner, _ = run_extractor(EmlExtractor, tmp, ctx)
                    messages += 1
                except ExtractionError as e:
                    failures.append(f"eml: {path.relative_to(root)}!/{child.name}: {e}")
    print(f"\nrouted: {dict(by_extractor)}; e-mails read: {messages}; children: {attachments}")
    print("data errors with reasons:\n  " + "\n  ".join(failures))
    assert sum(by_extractor.values()) >= 250
    assert by_extractor["msg"] >= 25 and by_extractor["pst"] == 5 and by_extractor["tnef"] >= 20
    # the only expected failure is unstructured/eml/empty.eml (0 bytes)
    assert failures == ["eml: unstructured/eml/empty.eml: empty message"], failures
    assert messages >= 250


def _strip(meta: dict[str, Any]) -> dict[str, Any]:
    meta = json.loads(json.dumps(meta))
    meta.pop("headers", None)
    for key in ("from", "to", "cc", "bcc", "reply_to", "sender"):
        for a in meta.get(key, []):
            a.pop("raw", None)
    return meta


def _address_difference_explained(fast: dict[str, str], ref: dict[str, str]) -> str | None:
    """Why the fast path and policy.default legitimately differ on one address, if they do."""
    if fast["address"] == ref["address"] and not ref["name"] and fast["name"]:
        return "comment name"  # `a@b (Name)`: policy.default drops the comment
    if not ref["name"] and fast["name"] == ref["address"]:
        return "spoofed display name"  # `a@b <c@d>`: policy.default takes the display name as address
    if "@" not in ref["address"] and not fast["address"]:
        return "no address"  # `Name` or `<not an address>`: policy.default quotes it as an address
    if "@" not in ref["address"] and fast["address"] == ref["address"].strip('"'):
        return "no address"
    if fast["address"] == ref["address"] and fast["name"].replace(" ", "") == ref["name"].replace(" ", ""):
        return "space between encoded words"  # RFC 2047 §6.2: it is not part of the text
    return None


def compare(fast: ParsedMail, ref: ParsedMail, explained: Counter[str]) -> list[str]:
    """Differences between the two parses that no documented reason explains."""
    problems: list[str] = []
    a, b = _strip(fast.meta), _strip(ref.meta)
    for key in sorted(set(a) | set(b)):
        if a.get(key) == b.get(key):
            continue
        if key in ("from", "to", "cc", "bcc", "reply_to", "sender") and len(a.get(key, [])) == len(b.get(key, [])):
            reasons = [_address_difference_explained(x, y) for x, y in zip(a[key], b[key]) if x != y]
            if all(reasons):
                explained.update(r for r in reasons if r)
                continue
        if isinstance(b.get(key), str) and "\ufffd" in b[key] and "\ufffd" not in a.get(key, ""):
            explained["undecodable in reference header"] += 1
            continue
        problems.append(f"{key}: {a.get(key)!r} != {b.get(key)!r}"[:300])
    for kind, xs, ys in (("text", fast.texts, ref.texts), ("html", fast.htmls, ref.htmls)):
        if len(xs) != len(ys):
            problems.append(f"{kind} parts: {len(xs)} != {len(ys)}")
            continue
        for x, y in zip(xs, ys):
            if x != y:
                if "\ufffd" in y and x.count("\ufffd") < y.count("\ufffd"):
                    explained[f"{kind} charset repaired"] += 1
                else:
                    problems.append(f"{kind}: {x[:80]!r} != {y[:80]!r}")
    fa = [(x.filename, x.content_type, x.data, x.is_message) for x in fast.attachments]
    ra = [(x.filename, x.content_type, x.data, x.is_message) for x in ref.attachments]
    if fa != ra:
        problems.append(f"attachments: {[f[:2] for f in fa]} != {[r[:2] for r in ra]}")
    return problems


def test_fast_path_equals_policy_default_reference() -> None:
    root = corpus_path("email_test_messages")
    files = [p for p in corpus_files(root) if route(p) is EmlExtractor]
    explained: Counter[str] = Counter()
    problems: dict[str, list[str]] = {}
    identical = 0
    for path in files:
        raw = path.read_bytes()
        fast, ref = parse_fast(raw), parse_reference(raw)
        found = compare(fast, ref, explained)
        if found:
            problems[str(path.relative_to(root))] = found
        identical += not found and fast.meta == ref.meta
    print(f"\n{len(files)} messages compared; explained differences: {dict(explained)}")
    assert len(files) >= 180
    assert problems == {}


def test_charset_repair_is_what_decode_text_gives() -> None:
    """Where the reference shows U+FFFD, the fast path's text is the shared decoder's output."""
    root = corpus_path("email_test_messages")
    raw = (root / "mail-parser" / "mail_test_12").read_bytes()
    fast = parse_fast(raw)
    assert "增值税发票" in fast.texts[0] and "\ufffd" in parse_reference(raw).texts[0]
    assert decode_text("增值税".encode("gb18030"), None) != ""


def test_msg_files_give_messages_and_attachments(ctx: Context) -> None:
    root = corpus_path("email_test_messages")
    doc, children = run_extractor(MsgExtractor, root / "tika-outlook" / "testMSG_att_msg.msg", ctx)
    assert doc.metadata["subject"] == "test email"
    assert [c.name for c in children] == ["attachments/Test Attachment.msg", "attachments/smbprn.00009008.KdcPjl.pdf"]
    assert child_bytes(children[1]).startswith(b"%PDF")
    inner_path = ctx.tempdir() / "inner.msg"
    inner_path.write_bytes(child_bytes(children[0]))
    inner, _ = run_extractor(MsgExtractor, inner_path, ctx)
    assert inner.kind == "email" and inner.metadata.get("subject")
    doc, children = run_extractor(MsgExtractor, root / "tika-outlook" / "test-outlook2003.msg", ctx)
    assert len(children) >= 10 and all(c.name.endswith(".jpg") for c in children)
    assert child_bytes(children[0])[:2] == b"\xff\xd8"
    doc, children = run_extractor(MsgExtractor, root / "msg-extractor" / "example-msg-files" / "unicode.msg", ctx)
    assert doc.metadata["from"][0]["address"] == "brizhou@gmail.com" and len(children) == 2
    kinds = {p.name: run_extractor(MsgExtractor, p, ctx)[0].kind
             for p in (root / "tika-outlook").glob("testMSG_*.msg")}
    assert kinds["testMSG_Contact.msg"] == "contact" and kinds["testMSG_Appointment.msg"] == "calendar"


def test_pst_files_give_messages(ctx: Context) -> None:
    root = corpus_path("email_test_messages")
    doc, children = run_extractor(PstExtractor, root / "tika-outlook" / "testPST.pst", ctx)
    assert doc.metadata["message_count"] == len(children) == 7
    assert {f["path"] for f in doc.metadata["folders"]} >= {"Début du fichier de données Outlook"}
    subjects = []
    for child in children:
        assert child.path is not None and child.mime_hint == "message/rfc822"
        inner, _ = run_extractor(EmlExtractor, child.path, ctx)
        subjects.append(inner.metadata.get("subject"))
        assert inner.metadata.get("from") and inner.text
    assert "Re: Feature Generators" in subjects
    doc, children = run_extractor(PstExtractor, root / "tika-outlook" / "testPST_variousBodyTypes.pst", ctx)
    assert [c.name for c in children][:2] == ["Top of Outlook data file/Inbox/tmp/1",
                                             "Top of Outlook data file/Inbox/tmp/2"]


def test_enron_mbox_counts_and_bytes_equal_mailbox(tmp_path: Path) -> None:
    root = corpus_path("enron_mbox") / "mbox"
    total = 0
    t_ours = 0.0
    for path in sorted(root.iterdir()):
        t0 = time.perf_counter()
        ours = [c.data if c.data is not None else child_bytes(c) for c in iter_messages(path, tmp_path)]
        t_ours += time.perf_counter() - t0
        box = mailbox.mbox(str(path), create=False)
        keys = list(box.keys())
        assert len(ours) == len(keys), path.name
        for i in range(0, len(keys), 25):  # a sample of the bytes: every 25th message
            assert ours[i] == box.get_bytes(keys[i]), (path.name, i)
        assert ours[-1] == box.get_bytes(keys[-1])
        box.close()
        total += len(ours)
    print(f"\nenron: {total} messages, split in {t_ours:.2f} s")
    assert total == ENRON_TOTAL


def test_enron_fast_path_rate(tmp_path: Path) -> None:
    root = corpus_path("enron_mbox") / "mbox"
    msgs: list[bytes] = []
    for path in sorted(root.iterdir()):
        msgs.extend(c.data for c in iter_messages(path, tmp_path) if c.data is not None)
        if len(msgs) >= 3000:
            break
    rates = {}
    for name, fn in (("fast", parse_fast), ("reference", parse_reference)):
        t0 = time.perf_counter()
        for raw in msgs:
            fn(raw)
        rates[name] = len(msgs) / (time.perf_counter() - t0)
    print(f"\nparse rate on {len(msgs)} Enron messages, one core: fast {rates['fast']:.0f}/s, "
          f"policy.default {rates['reference']:.0f}/s")
    assert rates["fast"] > 2 * rates["reference"]
