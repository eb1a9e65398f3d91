"""E-mail extractors on messages built here: headers, bodies, attachments, hostile input."""

from __future__ import annotations

import struct
from datetime import UTC
from email.message import EmailMessage
from pathlib import Path

import pytest

from faisceau.exc import ExtractionError
from faisceau.extract.base import Probe
from faisceau.extract.email.addresses import parse_addresses
from faisceau.extract.email.compose import OutlookItem, write_message
from faisceau.extract.email.eml import EmlExtractor
from faisceau.extract.email.headers import decode_header, message_ids, parse_date
from faisceau.extract.email.msg import MsgExtractor
from faisceau.extract.email.parse import parse_fast, parse_reference
from faisceau.extract.email.pst import PstExtractor, folder_name
from faisceau.extract.email.rtftext import rtf_to_text
from faisceau.extract.email.tnef import TnefExtractor
from tests.conftest import child_bytes


def write(tmp_path: Path, data: bytes, name: str = "m.eml") -> Path:
    p = tmp_path / name
    p.write_bytes(data)
    return p


def same_as_reference(raw: bytes) -> None:
    """The fast parser and the policy.default reference agree on this message."""
    fast, ref = parse_fast(raw), parse_reference(raw)
    strip = lambda m: {k: v for k, v in m.items() if k != "headers"}  # noqa: E731
    for key in ("from", "to", "cc", "reply_to"):
        for a in fast.meta.get(key, []) + ref.meta.get(key, []):
            a.pop("raw", None)
    assert strip(fast.meta) == strip(ref.meta)
    assert fast.texts == ref.texts and fast.htmls == ref.htmls
    assert [(a.filename, a.data) for a in fast.attachments] == [(a.filename, a.data) for a in ref.attachments]


# --- headers -------------------------------------------------------------------------------

def test_rfc2047_words_decoded_including_malformed_ones() -> None:
    assert decode_header("=?utf-8?B?w6l0w6k=?= =?utf-8?Q?_d=C3=A9j=C3=A0?=") == "été déjà"
    assert decode_header("=?UTF-8?B?w6l0w6k?=") == "été"  # padding missing
    # one multi-byte character split over two adjacent words
    assert decode_header("=?utf-8?B?ww==?= =?utf-8?B?qQ==?=") == "é"
    assert decode_header("Re:=?iso-8859-1?q?caf=E9?=") == "Re:café"  # glued to text
    assert decode_header("=?x-bogus?Q?caf=C3=A9?=") == "café"  # unknown charset: sniffed
    assert decode_header("=?unknown-8bit?Q?caf=E9?=") == "café"
    assert decode_header("a\r\n  =?utf-8?q?b?=\r\n =?utf-8?q?c?=") == "a  bc"


def test_raw_8bit_headers_repaired() -> None:
    raw = "Subject: r\u00e9sum\u00e9 \u00e0 jour\nFrom: J\u00e9r\u00f4me <j@x.fr>\n\nbody\n".encode("latin-1")
    parsed = parse_fast(raw)
    assert parsed.meta["subject"] == "résumé à jour"
    assert parsed.meta["from"][0]["name"] == "Jérôme"
    raw_utf8 = "Subject: Привет\n\nbody\n".encode()
    assert parse_fast(raw_utf8).meta["subject"] == "Привет"
    same_as_reference(raw)


def test_addresses_encoded_comma_idn_x500_imcea() -> None:
    people = parse_addresses('=?utf-8?q?Doe=2C_J=C3=B6hn?= <j@d.com>, "a, b" <c@d.org>, plain@e.net')
    assert [(p["name"], p["address"]) for p in people] == [
        ("Doe, Jöhn", "j@d.com"), ("a, b", "c@d.org"), ("", "plain@e.net")]
    assert parse_addresses("Jo <jo@xn--bcher-kva.example>")[0]["address"] == "jo@bücher.example"
    x500 = parse_addresses("Jeff Skilling </O=ENRON/OU=NA/CN=RECIPIENTS/CN=JSKILLIN>")[0]
    assert x500["address"] == "" and x500["x500"] == "/O=ENRON/OU=NA/CN=RECIPIENTS/CN=JSKILLIN"
    assert x500["raw"] == "Jeff Skilling </O=ENRON/OU=NA/CN=RECIPIENTS/CN=JSKILLIN>"
    smtp = parse_addresses("<IMCEASMTP-john+2Edoe+40example_com@corp.local>")[0]
    assert smtp["address"] == "john.doe@example.com"
    ex = parse_addresses("IMCEAEX-_O=ACME_OU=EXCHANGE+20ADMIN_CN=RECIPIENTS_CN=BOB@acme.com")[0]
    assert ex["x500"] == "/O=ACME/OU=EXCHANGE ADMIN/CN=RECIPIENTS/CN=BOB" and ex["address"] == ""
    assert parse_addresses("undisclosed-recipients:;") == []
    group = parse_addresses("Team: a@b.c, d@e.f;")
    assert [p["address"] for p in group] == ["a@b.c", "d@e.f"]


def test_dates_keep_offset_and_bad_dates_warn(tmp_path: Path, extract) -> None:
    assert parse_date("Tue, 1 Feb 2000 09:30:00 +0530") == ("2000-02-01T09:30:00+05:30", "2000-02-01T04:00:00Z")
    assert parse_date("not a date") is None
    doc, _ = extract(EmlExtractor, write(tmp_path, b"From: a@b.c\nDate: yesterday-ish\nSubject: x\n\nhi\n"))
    assert "date" not in doc.metadata and any("invalid date" in w for w in doc.warnings)
    assert doc.metadata["subject"] == "x" and "hi" in doc.text


def test_message_ids_and_references() -> None:
    assert message_ids("<a@b>") == ["a@b"]
    assert message_ids("<a@b>\r\n <c@d> junk <e@f>") == ["a@b", "c@d", "e@f"]
    raw = (b"Message-ID: <m1@x>\nIn-Reply-To: <m0@x>\nReferences: <r1@x> <m0@x>\nThread-Topic: T\n"
           b"Thread-Index: AQHXabc=\nX-Mailer: Outlook 16\n\nb\n")
    meta = parse_fast(raw).meta
    assert (meta["message_id"], meta["in_reply_to"], meta["references"]) == ("m1@x", "m0@x", ["r1@x", "m0@x"])
    assert (meta["thread_topic"], meta["thread_index"], meta["x_mailer"]) == ("T", "AQHXabc=", "Outlook 16")
    assert meta["headers"][0] == ["Message-ID", "<m1@x>"]


# --- bodies and attachments ----------------------------------------------------------------

def built_message() -> EmailMessage:
    msg = EmailMessage()
    msg["From"] = "Zoé Martin <zoe@example.fr>"
    msg["To"] = "Bob <bob@example.com>, carol@example.org"
    msg["Cc"] = "Dan <dan@xn--caf-dma.example>"
    msg["Subject"] = "Réunion — budget 2024"
    msg["Date"] = "Mon, 15 Jan 2024 10:00:00 +0100"
    msg["Message-ID"] = "<abc@example.fr>"
    msg.set_content("Bonjour,\nvoici le budget.\n")
    msg.add_alternative("<p>Bonjour, <b>voici</b> le budget.</p>", subtype="html")
    msg.add_attachment(b"%PDF-1.4 fake", maintype="application", subtype="pdf", filename="budget été.pdf")
    msg.add_attachment(b"second", maintype="application", subtype="pdf", filename="budget été.pdf")
    msg.add_attachment(b"no name at all", maintype="application", subtype="octet-stream")
    inner = EmailMessage()
    inner["From"] = "x@y.z"
    inner["Subject"] = "Inner / note"
    inner.set_content("inner body\n")
    msg.add_attachment(inner)
    msg.add_attachment(b"\x78\x9f\x3e\x22tnef", maintype="application", subtype="ms-tnef", filename="winmail.dat")
    return msg


def test_full_message(tmp_path: Path, extract) -> None:
    raw = built_message().as_bytes()
    doc, children = extract(EmlExtractor, write(tmp_path, raw))
    m = doc.metadata
    assert doc.kind == "email" and doc.mime == "message/rfc822"
    assert m["subject"] == "Réunion — budget 2024" and m["title"] == m["subject"]
    assert m["from"] == [{"name": "Zoé Martin", "address": "zoe@example.fr", "raw": "Zoé Martin <zoe@example.fr>"}]
    assert [a["address"] for a in m["to"]] == ["bob@example.com", "carol@example.org"]
    assert m["cc"][0]["address"] == "dan@café.example"
    assert (m["date"], m["date_utc"]) == ("2024-01-15T10:00:00+01:00", "2024-01-15T09:00:00Z")
    assert m["message_id"] == "abc@example.fr"
    assert doc.text == "Bonjour,\nvoici le budget.\n" and doc.segments[0].part == "body"
    assert "<b>voici</b>" in m["body_html"]
    names = [c.name for c in children]
    assert names == ["attachments/budget été.pdf", "attachments/budget été (2).pdf", "attachments/part-5.bin",
                     "attachments/Inner _ note.eml", "attachments/winmail.dat"]
    assert m["attachment_count"] == 5
    assert child_bytes(children[0]) == b"%PDF-1.4 fake" and children[0].mime_hint == "application/pdf"
    assert child_bytes(children[2]) == b"no name at all" and children[2].mime_hint is None
    assert children[3].mime_hint == "message/rfc822"
    inner_doc, _ = extract(EmlExtractor, write(tmp_path, child_bytes(children[3]), "inner.eml"))
    assert inner_doc.metadata["subject"] == "Inner / note" and "inner body" in inner_doc.text
    assert children[4].mime_hint == "application/vnd.ms-tnef"
    same_as_reference(raw)


def test_rfc2231_filename_and_8bit_filename() -> None:
    raw = (b"From: a@b.c\nMIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=XX\n\n--XX\n"
           b"Content-Type: text/plain\n\nhi\n--XX\nContent-Type: application/pdf\n"
           b"Content-Disposition: attachment; filename*=utf-8''r%C3%A9sum%C3%A9%20final.pdf\n\nPDF\n--XX\n"
           b"Content-Type: text/plain; name=\"" + "déjà vu.txt".encode() + b"\"\n"
           b"Content-Disposition: attachment\n\nx\n--XX\n"
           b"Content-Type: application/zip; name=\"=?utf-8?B?0KTQndChLnppcA==?=\"\n\nZ\n--XX--\n")
    parsed = parse_fast(raw)
    assert [a.filename for a in parsed.attachments] == ["résumé final.pdf", "déjà vu.txt", "ФНС.zip"]
    assert parsed.texts == ["hi"]


def test_html_only_alternative_gives_visible_text(tmp_path: Path, extract) -> None:
    msg = EmailMessage()
    msg["From"], msg["Subject"] = "a@b.c", "html"
    msg.set_content("<html><head><style>p{color:red}</style><script>alert(1)</script></head>"
                    "<body><p>Visible &amp; <i>kept</i></p><div>second line</div></body></html>",
                    subtype="html")
    msg.make_alternative()
    doc, children = extract(EmlExtractor, write(tmp_path, msg.as_bytes()))
    assert doc.text == "Visible & kept\nsecond line"
    assert "alert" not in doc.text and "color" not in doc.text
    assert "<script>" in doc.metadata["body_html"] and children == []


def test_bad_charsets_never_crash() -> None:
    raw = (b"From: a@b.c\nContent-Type: text/plain; charset=utf-8\n\n" + "café crème".encode("cp1252") + b"\n")
    assert parse_fast(raw).texts == ["café crème\n"]
    raw = b"From: a@b.c\nContent-Type: text/plain; charset=x-nonsense\n\n" + "naïve".encode()
    assert parse_fast(raw).texts == ["naïve"]
    long_cyrillic = ("Съешь же ещё этих мягких французских булок, да выпей чаю. " * 10).encode("koi8-r")
    raw = b"From: a@b.c\nContent-Type: text/plain\n\n" + long_cyrillic
    assert parse_fast(raw).texts[0].startswith("Съешь же ещё")


def test_encrypted_and_hostile_messages(tmp_path: Path, extract) -> None:
    with pytest.raises(ExtractionError, match="empty message"):
        extract(EmlExtractor, write(tmp_path, b"\n\n"))
    doc, _ = extract(EmlExtractor, write(tmp_path, b"\x01\x02 binary junk \xff\xfe"))
    assert "no headers" in doc.warnings
    utf16 = "From: a@b.c\nSubject: wide été\n\nbody\n".encode("utf-16")
    doc, _ = extract(EmlExtractor, write(tmp_path, utf16))
    assert doc.metadata["subject"] == "wide été" and doc.text == "body\n"
    pgp = (b"From: a@b.c\nContent-Type: multipart/encrypted; protocol=\"application/pgp-encrypted\"; boundary=B\n\n"
           b"--B\nContent-Type: application/pgp-encrypted\n\nVersion: 1\n--B\nContent-Type: application/octet-stream\n\n"
           b"-----BEGIN PGP MESSAGE-----\n--B--\n")
    doc, _ = extract(EmlExtractor, write(tmp_path, pgp))
    assert "encrypted" in doc.flags and doc.metadata["encrypted"] is True
    deep = b"From: a@b.c\n" + b"".join(b"Content-Type: multipart/mixed; boundary=b%d\n\n--b%d\n" % (i, i)
                                        for i in range(3000)) + b"\nend\n"
    try:
        doc, _ = extract(EmlExtractor, write(tmp_path, deep))
    except ExtractionError as e:
        assert "nested" in str(e)
    missing_boundary = b"From: a@b.c\nContent-Type: multipart/mixed\n\nsome text\n"
    doc, _ = extract(EmlExtractor, write(tmp_path, missing_boundary))
    assert "some text" in doc.text and any("missing boundary" in w for w in doc.warnings)
    traversal = (b"From: a@b.c\nContent-Type: multipart/mixed; boundary=B\n\n--B\nContent-Type: text/plain\n\nx\n"
                 b"--B\nContent-Type: text/plain\nContent-Disposition: attachment; filename=\"../../etc/passwd\"\n\n"
                 b"root\n--B--\n")
    _, children = extract(EmlExtractor, write(tmp_path, traversal))
    assert [c.name for c in children] == ["attachments/passwd"]


def test_maildir_file_sniffed_even_as_text_plain() -> None:
    head = (b"Return-Path: <a@b.c>\nDelivered-To: me@x.y\nReceived: from mx by y; Mon, 1 Jan 2001 00:00:00 +0000\n"
            b"From: a@b.c\nSubject: hi\n\nbody\n")
    probe = Probe(name="cur/1204680122.V801I1.host:2,S", mime="text/plain", head=head, size=len(head))
    assert EmlExtractor.match(probe) >= 25
    prose = b"Dear diary: today was fine.\nNothing: else to say.\n"
    assert EmlExtractor.match(Probe(name="notes", mime="text/plain", head=prose, size=len(prose))) == 0
    mbox = b"From a@b Mon Jan  1 00:00:00 2001\nFrom: a@b.c\nSubject: x\n\nb\n"
    assert EmlExtractor.match(Probe(name="box", mime="text/plain", head=mbox, size=len(mbox))) == 0


def test_emlx_wrapper_removed(tmp_path: Path, extract) -> None:
    inner = b"From: a@b.c\nSubject: apple\n\nbody\n"
    data = b"%d\n" % len(inner) + inner + b'<?xml version="1.0"?>\n<plist><dict/></plist>\n'
    doc, _ = extract(EmlExtractor, write(tmp_path, data, "1.emlx"))
    assert doc.metadata["subject"] == "apple" and "plist" not in doc.text


# --- Outlook: compose (PST items), msg, pst, tnef, rtf --------------------------------------

def test_outlook_item_rebuilt_as_eml(tmp_path: Path, extract) -> None:
    from datetime import datetime
    item = OutlookItem(subject="Résultats Q3", sender=("Émile", "emile@corp.fr"),
                       to=[("Ann", "ann@corp.fr")], cc=[("", "/O=CORP/OU=X/CN=RECIPIENTS/CN=BOB")],
                       date=datetime(2020, 5, 4, 3, 2, 1, tzinfo=UTC), message_id="<q3@corp.fr>",
                       text="Les résultats.", html="<p>Les résultats.</p>",
                       attachments=[("tableau été.xlsx", "application/vnd.ms-excel", b"XLS"), ("", "", b"?")],
                       messages=[OutlookItem(subject="inner", text="inner text")])
    p = tmp_path / "item.eml"
    with open(p, "wb") as f:
        write_message(item, f)
    doc, children = extract(EmlExtractor, p)
    m = doc.metadata
    assert m["subject"] == "Résultats Q3" and m["from"][0]["address"] == "emile@corp.fr"
    assert m["from"][0]["name"] == "Émile" and m["cc"][0]["x500"] == "/O=CORP/OU=X/CN=RECIPIENTS/CN=BOB"
    assert m["date_utc"] == "2020-05-04T03:02:01Z" and m["message_id"] == "q3@corp.fr"
    assert doc.text == "Les résultats." and "<p>" in m["body_html"]
    assert [c.name for c in children] == ["attachments/tableau été.xlsx", "attachments/part-4.bin",
                                          "attachments/inner.eml"]
    assert child_bytes(children[0]) == b"XLS"
    with_headers = OutlookItem(transport_headers="From: real@sender.com\r\nSubject: from headers\r\n"
                               "Content-Type: text/html\r\n\r\n", subject="ignored", text="t")
    with open(p, "wb") as f:
        write_message(with_headers, f)
    doc, _ = extract(EmlExtractor, p)
    assert doc.metadata["subject"] == "from headers" and doc.text == "t"


def test_msg_and_pst_refuse_garbage(tmp_path: Path, extract) -> None:
    with pytest.raises(ExtractionError, match="not an Outlook message"):
        extract(MsgExtractor, write(tmp_path, b"plain text, not OLE", "x.msg"))
    bad_ole = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600
    with pytest.raises(ExtractionError):
        extract(MsgExtractor, write(tmp_path, bad_ole, "y.msg"))
    with pytest.raises(ExtractionError, match="PST"):
        extract(PstExtractor, write(tmp_path, b"!BDN" + b"\x00" * 1000, "z.pst"))
    assert folder_name("Inbox!/2024\\x") == "Inbox_2024_x" and folder_name(None) == "_"


def tnef_attr(level: int, attr: int, data: bytes) -> bytes:
    """One TNEF attribute (MS-OXTNEF 2.1.3.3): level, id, length, data, checksum."""
    return struct.pack("<BII", level, attr, len(data)) + data + struct.pack("<H", sum(data) & 0xFFFF)


def test_tnef_built_by_hand(tmp_path: Path, extract) -> None:
    body = tnef_attr(1, 0x00089006, b"\x00\x00\x01\x00")  # attTnefVersion
    body += tnef_attr(1, 0x0002800C, b"Hello from TNEF\x00")  # attBody
    for name, data in ((b"report.txt\x00", b"file one"), (b"report.txt\x00", b"file two")):
        body += tnef_attr(2, 0x00069002, b"\x01\x00\x00\x00" + b"\x00" * 10)  # attAttachRendData
        body += tnef_attr(2, 0x00018010, name)  # attAttachTitle
        body += tnef_attr(2, 0x0006800F, data)  # attAttachData
    raw = b"\x78\x9f\x3e\x22" + struct.pack("<H", 0x1234) + body
    doc, children = extract(TnefExtractor, write(tmp_path, raw, "winmail.dat"))
    assert doc.text.startswith("Hello from TNEF")
    assert [(c.name, child_bytes(c)) for c in children] == [
        ("attachments/report.txt", b"file one"), ("attachments/report (2).txt", b"file two")]
    assert TnefExtractor.match(Probe(name="a/winmail.dat", mime="application/octet-stream", head=raw[:64],
                                     size=len(raw))) > 20
    with pytest.raises(ExtractionError, match="TNEF"):
        extract(TnefExtractor, write(tmp_path, b"not tnef", "bad.dat"))
    # an attFrom attribute whose triple is malformed: tnefparse asserts, we report
    broken = b"\x78\x9f\x3e\x22\x00\x00" + tnef_attr(1, 0x00008000, b"\x09\x00" + b"\x00" * 10)
    with pytest.raises(ExtractionError, match="corrupt TNEF"):
        extract(TnefExtractor, write(tmp_path, broken, "broken.dat"))


def test_rtf_to_text() -> None:
    rtf = (rb"{\rtf1\ansi\ansicpg1252{\fonttbl{\f0 Arial;}}{\*\generator x;}"
           rb"\f0 Caf\'e9 cr\u232?me\par second {\b line}\par}")
    assert rtf_to_text(rtf) == "Café crème\nsecond line"
    # Broken input is tolerated: unclosed groups end with the data, and a \' not followed by two hex
    # digits is an unknown control symbol, dropped like the others, the text after it kept.
    assert rtf_to_text(b"{{{{{{{{ unbalanced \\'zz") == "unbalanced zz"
    assert rtf_to_text(b"{{{{") == ""
    assert rtf_to_text(b"}}}} text }}") == "text"  # closing braces without a group are ignored


def test_policy_default_is_the_reference_for_plain_messages() -> None:
    msg = built_message()
    msg.replace_header("To", "=?utf-8?q?=C3=89lise?= <e@x.fr>, \"Last, First\" <lf@x.fr>")
    same_as_reference(msg.as_bytes())
