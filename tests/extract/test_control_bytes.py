"""A text file with a stray control byte is text, not binary to skip (issue 22, point 12)."""

from __future__ import annotations

import os
import zlib
from pathlib import Path

from conftest import run_extractor

from faisceau.extract.base import Context, choose
from faisceau.extract.documents.charset import mostly_text
from faisceau.extract.documents.plain import PlainTextExtractor
from faisceau.extract.identify import mime_of, probe

FRENCH = ("Compte rendu de la réunion du comité d'entreprise : les élus ont voté la motion. "
          "Le directeur a présenté les comptes de l'exercice et répondu aux questions.\n")


def test_one_control_byte_leaves_a_text_file_text(tmp_path: Path, ctx: Context) -> None:
    files = {
        "utf8.txt": (FRENCH * 3).encode("utf-8").replace(b"motion", b"motion\x01", 1),
        "latin1.txt": (FRENCH * 3).encode("iso-8859-1").replace(b"motion", b"\x1fmotion", 1),
        "noname": (FRENCH * 40).encode("utf-8").replace(b"exercice", b"exercice\x02\x03", 1),
        "short.log": "élus\x01 ok\n".encode(),
    }
    for name, data in files.items():
        path = tmp_path / name
        path.write_bytes(data)
        assert mime_of(data, path) == "application/octet-stream", name   # what libmagic says of it
        p = probe(path, name)
        assert p.mime == "text/plain", name
        assert choose(p) is PlainTextExtractor, name
        doc, _ = run_extractor(PlainTextExtractor, path, ctx)
        assert "élus" in doc.text and doc.kind == "text", name


def test_binary_stays_binary(tmp_path: Path) -> None:
    rng_bytes = bytes(b for b in os.urandom(20_000) if b)[:8000]
    controls = (FRENCH.encode() + b"\x01\x02\x03\x04") * 20          # 4 % control bytes: not text
    compressed = zlib.compress(FRENCH.encode() * 50)
    for name, data in (("random.bin", rng_bytes), ("controls.txt", controls), ("data.z", compressed)):
        assert not mostly_text(data), name
        path = tmp_path / name
        path.write_bytes(data)
        assert probe(path, name).mime != "text/plain", name
    assert not mostly_text(b"")
    assert not mostly_text(FRENCH.encode("utf-16-le"))   # UTF-16 is found by its own pattern
