"""mbox streaming: same messages and bytes as Python's mailbox module, bounded memory."""

from __future__ import annotations

import mailbox
from email.message import EmailMessage
from pathlib import Path

import pytest

from faisceau.exc import ExtractionError
from faisceau.extract.email.eml import EmlExtractor
from faisceau.extract.email.mbox import MboxExtractor, iter_messages
from tests.conftest import child_bytes


def make_mbox(path: Path, bodies: list[str]) -> Path:
    box = mailbox.mbox(str(path))
    for i, body in enumerate(bodies, 1):
        msg = EmailMessage()
        msg["From"] = f"sender{i}@example.org"
        msg["Subject"] = f"message {i}"
        msg.set_content(body)
        box.add(msg)
    box.flush()
    box.close()
    return path


def mailbox_bytes(path: Path) -> list[bytes]:
    box = mailbox.mbox(str(path), create=False)
    try:
        return [box.get_bytes(k) for k in box.keys()]
    finally:
        box.close()


def test_messages_equal_mailbox_including_from_lines(tmp_path: Path, extract) -> None:
    path = make_mbox(tmp_path / "box.mbox", [
        "first\n", "From here on, a body line starting with From\n>From already quoted\n", "third\n\n\n"])
    doc, children = extract(MboxExtractor, path)
    assert doc.kind == "mailbox" and doc.metadata["message_count"] == 3
    assert [c.name for c in children] == ["1", "2", "3"]
    assert all(c.mime_hint == "message/rfc822" for c in children)
    assert [child_bytes(c) for c in children] == mailbox_bytes(path)
    # the escaped line stays escaped, exactly as mailbox.mbox reads it back
    msg_path = tmp_path / "2.eml"
    msg_path.write_bytes(child_bytes(children[1]))
    doc2, _ = extract(EmlExtractor, msg_path)
    assert doc2.metadata["subject"] == "message 2"
    assert ">From here on, a body line starting with From" in doc2.text
    assert children[0].metadata["mbox_from"].startswith("From MAILER-DAEMON")


def test_empty_and_not_mbox(tmp_path: Path, extract) -> None:
    empty = tmp_path / "empty.mbox"
    empty.write_bytes(b"")
    doc, children = extract(MboxExtractor, empty)
    assert children == [] and doc.metadata["message_count"] == 0
    junk = tmp_path / "junk.mbox"
    junk.write_bytes(b"no separator here\nat all\n")
    with pytest.raises(ExtractionError, match="not an mbox"):
        extract(MboxExtractor, junk)


def test_truncated_and_preamble(tmp_path: Path, extract) -> None:
    path = make_mbox(tmp_path / "full.mbox", ["alpha\n" * 50, "beta\n" * 50, "gamma\n" * 50])
    data = path.read_bytes()
    cut = tmp_path / "cut.mbox"
    cut.write_bytes(b"garbage before\n" + data[: int(len(data) * 0.8)])
    doc, children = extract(MboxExtractor, cut)
    assert [child_bytes(c) for c in children] == mailbox_bytes(cut)
    assert len(children) == 3 and doc.metadata["message_count"] == 3
    assert any("before the first 'From '" in w for w in doc.warnings)
    assert any("truncated" in w for w in doc.warnings)


def test_crlf_and_blank_line_handling(tmp_path: Path, extract) -> None:
    raw = (b"From a Mon Jan  1 00:00:00 2001\r\nSubject: one\r\n\r\nbody\r\n\r\n"
           b"From b Mon Jan  1 00:00:00 2001\nSubject: two\n\nbody\nFrom c Mon Jan  1 00:00:00 2001\n"
           b"Subject: three\n\n\n")
    path = tmp_path / "mixed.mbox"
    path.write_bytes(raw)
    _, children = extract(MboxExtractor, path)
    assert [child_bytes(c) for c in children] == mailbox_bytes(path)


def test_large_message_spills_to_scratch(tmp_path: Path) -> None:
    # one line longer than the read chunk, and a message over the spill size
    path = make_mbox(tmp_path / "big.mbox", ["x" * 1_200_000 + "\n" + "line\n" * 5000, "small\n"])
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    children = list(iter_messages(path, scratch, spill_bytes=100_000))
    assert children[0].path is not None and children[0].data is None
    assert children[1].data is not None
    assert [child_bytes(c) for c in children] == mailbox_bytes(path)


def test_streaming_yields_before_the_end(tmp_path: Path, ctx) -> None:
    path = make_mbox(tmp_path / "s.mbox", [f"body {i}\n" for i in range(50)])
    from faisceau.model import Extracted
    doc = Extracted()
    gen = MboxExtractor().extract(path, doc, ctx)
    first = next(gen)
    assert first.name == "1" and doc.metadata["message_count"] == 0  # not counted to the end yet
    rest = list(gen)
    assert len(rest) == 49 and doc.metadata["message_count"] == 50


def test_member_limit(tmp_path: Path, ctx) -> None:
    from dataclasses import replace

    from faisceau import settings
    from faisceau.exc import LimitExceeded
    from faisceau.model import Extracted
    path = make_mbox(tmp_path / "l.mbox", ["a\n", "b\n", "c\n"])
    limited = replace(ctx, settings=settings.load(environ={"FAISCEAU_MAX_MEMBERS": "2"}))
    got = []
    with pytest.raises(LimitExceeded):
        for child in MboxExtractor().extract(path, Extracted(), limited):
            got.append(child.name)
    assert got == ["1", "2"]
