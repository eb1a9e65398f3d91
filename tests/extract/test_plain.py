"""Plain-text extractor and the shared charset decoding, on files written here."""

from __future__ import annotations

import csv
import json
import time
from dataclasses import replace
from pathlib import Path

import pytest
from conftest import run_extractor

from faisceau import settings as settings_mod
from faisceau.extract.base import Context, Probe
from faisceau.extract.documents.charset import decode, decode_report, normalise_label
from faisceau.extract.documents.plain import PlainTextExtractor

FRENCH = ("L’été dernier, le député a présenté un rapport – « très » attendu – sur la réforme "
          "des retraites. Coût estimé : 3 000 €. Il a été adopté le 12 juin 2003 à l’Assemblée.\n")


def write(tmp_path: Path, name: str, data: bytes) -> Path:
    p = tmp_path / name
    p.write_bytes(data)
    return p


# --- charset.decode -------------------------------------------------------------------------

def test_decode_boms_first() -> None:
    text = "Été à Noël"
    assert decode(b"\xef\xbb\xbf" + text.encode()) == (text, "utf-8")
    assert decode(text.encode("utf-16")) == (text, "utf-16-le")
    assert decode(b"\xfe\xff" + text.encode("utf-16-be")) == (text, "utf-16-be")
    assert decode(text.encode("utf-32")) == (text, "utf-32-le")
    # a BOM beats a wrong declaration
    assert decode(b"\xef\xbb\xbf" + text.encode(), "iso-8859-1")[0] == text


def test_decode_declared_latin1_is_read_as_cp1252() -> None:
    data = "“Café” – 10 €".encode("cp1252")
    assert decode(data, "ISO-8859-1") == ("“Café” – 10 €", "cp1252")
    assert normalise_label("latin1") == "cp1252"
    assert normalise_label("us-ascii") == "cp1252"


def test_decode_refuses_non_text_labels() -> None:
    assert normalise_label("base64") is None
    assert normalise_label("rot13") is None
    assert normalise_label("utf-7") is None
    assert normalise_label("no-such-charset") is None
    # a hostile label falls back to detection instead of running a bytes codec
    assert decode("déjà".encode(), "zlib") == ("déjà", "utf-8")


def test_decode_utf8_wins_over_wrong_single_byte_label() -> None:
    assert decode("député".encode(), "windows-1252") == ("député", "utf-8")


def test_decode_detects_cp1252_and_others() -> None:
    assert decode(FRENCH.encode("cp1252")) == (FRENCH, "cp1252")
    assert decode("Café".encode("cp1252")) == ("Café", "cp1252")
    russian = "Однажды, в студёную зимнюю пору, я из лесу вышел; был сильный мороз.\n" * 3
    assert decode(russian.encode("cp1251"))[0] == russian
    japanese = "これは日本語のテキストです。東京都の人口は多い。\n" * 3
    assert decode(japanese.encode("shift_jis"))[0] == japanese
    czech = "Příliš žluťoučký kůň úpěl ďábelské ódy. Česká republika.\n"
    assert decode(czech.encode("cp1250"))[0] == czech


def test_decode_utf16_without_bom() -> None:
    for script in (FRENCH, "Привет, как дела? Это тестовый текст.", "Αυτό είναι ένα κείμενο."):
        assert decode(script.encode("utf-16-le")) == (script, "utf-16-le")
        assert decode(script.encode("utf-16-be")) == (script, "utf-16-be")


def test_decode_never_raises_and_reports_replacement() -> None:
    bad = b"\xef\xbb\xbfok \xff\xfe\xc3 end"
    result = decode_report(bad)
    assert result.replaced and "\ufffd" in result.text and result.text.startswith("ok")
    assert decode(b"") == ("", "utf-8")
    assert decode_report(bytes(range(256)) * 4).text  # anything decodes to something


def test_decode_partial_tolerates_a_cut_sequence() -> None:
    data = "député".encode()[:-1]  # the last é cut in half, as when a file is read to a limit
    assert decode(data, partial=True) == ("déput", "utf-8")
    assert decode_report(data).replaced  # the same bytes as a whole input are damaged


def test_decode_is_fast_on_big_input() -> None:
    data = FRENCH.encode("cp1252") * 60_000  # ~9 MB of legacy text
    start = time.monotonic()
    text, encoding = decode(data)
    assert encoding == "cp1252" and text.startswith("L’été")
    assert time.monotonic() - start < 5


# --- the extractor ----------------------------------------------------------------------------

@pytest.mark.parametrize("encoding, bom", [
    ("iso-8859-1", b""), ("cp1252", b""), ("utf-16-le", b""), ("utf-16-le", b"\xff\xfe"),
    ("utf-8", b"\xef\xbb\xbf"),
])
def test_plain_encodings(extract, tmp_path: Path, encoding: str, bom: bytes) -> None:
    text = FRENCH if encoding != "iso-8859-1" else FRENCH.replace("’", "'").replace("–", "-").replace("€", "EUR")
    if encoding == "cp1252":
        text += "Prix : 5 € ; l’œuvre « complète »\n"
    doc, children = extract(PlainTextExtractor, write(tmp_path, "note.txt", bom + text.encode(encoding)))
    assert children == []
    assert doc.kind == "text"
    assert doc.text == text
    assert "\ufffd" not in doc.text
    assert doc.metadata["encoding"] in {"cp1252", "utf-16-le", "utf-8"}
    assert not doc.flags


def test_plain_csv_shape(extract, tmp_path: Path) -> None:
    p = tmp_path / "people.csv"
    with open(p, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["nom", "ville", "montant"])
        for i in range(25):
            w.writerow([f"Dépôt {i}", "Saint-Étienne, Loire", f"{i * 3.5}"])
    doc, _ = extract(PlainTextExtractor, p)
    assert doc.metadata["rows"] == 26 and doc.metadata["columns"] == 3
    assert doc.metadata["delimiter"] == ","
    assert doc.mime == "text/csv"
    assert "Saint-Étienne, Loire" in doc.text


def test_plain_tsv_shape(extract, tmp_path: Path) -> None:
    rows = "a\tb\tc\tdd\n" + "".join(f"{i}\tx\ty\tz\n" for i in range(9))
    doc, _ = extract(PlainTextExtractor, write(tmp_path, "t.tsv", rows.encode()))
    assert (doc.metadata["rows"], doc.metadata["columns"], doc.metadata["delimiter"]) == (10, 4, "\t")


def test_plain_broken_csv_does_not_crash(extract, tmp_path: Path) -> None:
    data = b'"unclosed,quote\n' + b"x" * 200_000 + b"\n\x00,\x00\n"
    doc, _ = extract(PlainTextExtractor, write(tmp_path, "broken.csv", data))
    assert doc.kind == "text" and "unclosed" in doc.text


def test_plain_truncates_at_max_text(tmp_path: Path) -> None:
    line = "Le député a voté la loi. Ligne numéro {i}.\n"
    data = "".join(line.format(i=i) for i in range(2000)).encode()
    p = write(tmp_path, "big.log", data)
    base = settings_mod.load(environ={})
    ctx = Context(settings=replace(base, max_text=4096), scratch=tmp_path)
    doc, _ = run_extractor(PlainTextExtractor, p, ctx)
    assert "truncated at 4 KB" in doc.flags
    assert len(doc.text.encode()) <= 4096 and doc.text.startswith("Le député")
    assert "numéro 1999" not in doc.text


def test_plain_empty_file(extract, tmp_path: Path) -> None:
    doc, children = extract(PlainTextExtractor, write(tmp_path, "empty.txt", b""))
    assert (doc.kind, doc.text, children, doc.flags) == ("text", "", [], [])


def test_plain_json_unescapes(extract, tmp_path: Path) -> None:
    payload = {"ville": "Orléans", "liste": ["été", "hiver"], "n": 42}
    doc, _ = extract(PlainTextExtractor, write(tmp_path, "d.json", json.dumps(payload).encode()))
    assert "Orléans" in doc.text and "été" in doc.text and "\\u" not in doc.text
    assert doc.mime == "application/json"


def test_plain_xml_text_without_entity_expansion(extract, tmp_path: Path) -> None:
    lol = ('<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
           + "".join(f'<!ENTITY lol{i} "{"&lol{};".format(i - 1 if i > 1 else "") * 10}">' for i in range(1, 10))
           + ']><lolz><titre>Rapport</titre><p>&lol9;</p></lolz>')
    doc, _ = extract(PlainTextExtractor, write(tmp_path, "bomb.xml", lol.encode()))
    assert "Rapport" in doc.text and len(doc.text) < 1000
    assert "xml entities not expanded" in doc.flags
    ext = ('<?xml version="1.0" encoding="ISO-8859-1"?><!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
           "<r><a>Données été</a><b>&x;</b></r>").encode("latin-1")
    doc, _ = extract(PlainTextExtractor, write(tmp_path, "ext.xml", ext))
    assert "Données été" in doc.text and "root:" not in doc.text
    assert "xml entities not expanded" in doc.flags
    good = '<?xml version="1.0" encoding="ISO-8859-1"?><r a="1"><a>Données</a><!-- note --><b>été</b></r>'
    doc, _ = extract(PlainTextExtractor, write(tmp_path, "good.xml", good.encode("latin-1")))
    assert doc.text == "Données\nété" and doc.metadata["xml_root"] == "r" and not doc.flags


def test_plain_malformed_xml_keeps_raw_text(extract, tmp_path: Path) -> None:
    doc, _ = extract(PlainTextExtractor, write(tmp_path, "bad.xml", b"<a><b>texte</a> & reste"))
    assert "texte" in doc.text and doc.metadata["xml_wellformed"] is False


def test_plain_match_scores() -> None:
    def probe(name: str, mime: str, head: bytes = b"hello") -> Probe:
        return Probe(name=name, mime=mime, head=head, size=len(head))

    assert PlainTextExtractor.match(probe("a.txt", "text/plain")) > 0
    assert PlainTextExtractor.match(probe("a.py", "text/x-python")) > 0
    assert PlainTextExtractor.match(probe("a.txt", "application/octet-stream", b"\x00\x01\xff\xfe" * 40)) == 0
    assert PlainTextExtractor.match(probe("a.txt", "application/octet-stream", FRENCH.encode("utf-16-le"))) > 0
    assert PlainTextExtractor.match(probe("a.rtf", "text/rtf")) == 0
    # lower than a specific extractor's plain MIME match (10)
    assert PlainTextExtractor.match(probe("a.csv", "text/csv")) < 10


def test_plain_flags_replaced_bytes(extract, tmp_path: Path) -> None:
    # a UTF-16 file with an unpaired surrogate: decoded with a replacement, and flagged
    data = b"\xff\xfe" + "Procès-verbal ".encode("utf-16-le") + b"\x00\xd8" + "fin".encode("utf-16-le")
    doc, _ = extract(PlainTextExtractor, write(tmp_path, "damaged.txt", data))
    assert doc.text.startswith("Procès-verbal") and doc.text.endswith("fin")
    assert "encoding errors" in doc.flags
