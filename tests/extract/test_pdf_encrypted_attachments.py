"""A PDF whose password protects only its attached files (crypt filter /AuthEvent /EFOpen).

Its pages open with no password; qpdf, which reads the attachments, refuses the whole file
without one. The file is written here byte by byte: the AES-256 (R6) keys and checks come
from pikepdf's own encryption of a seed PDF, the attachment is encrypted with that key.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pikepdf
from conftest import child_bytes, run_extractor
from cryptography.hazmat.primitives import padding
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from faisceau.extract.base import Context
from faisceau.extract.documents.pdf import PdfExtractor

PASSWORD = "000000"
MEMO = "Rendez-vous au quai 12 le 3 mars, apporter les relevés.\n".encode()


def _hex(value: bytes) -> bytes:
    return b"<" + value.hex().encode() + b">"


def ef_open_pdf(path: Path, payload: bytes, password: str) -> Path:
    """A one-page PDF whose single attached file `memo.txt` is encrypted, and nothing else."""
    seed = path.with_name("seed.pdf")
    blank = pikepdf.new()
    blank.add_blank_page()
    blank.save(seed, encryption=pikepdf.Encryption(owner="owner-secret", user=password, R=6))
    with pikepdf.open(seed, password=password) as pk:
        key = pk.encryption.encryption_key
        enc = pk.trailer.Encrypt
        checks = {k: bytes(enc[k]) for k in ("/O", "/U", "/OE", "/UE", "/Perms")}
        permissions = int(enc.P)
    iv = bytes(range(16))  # AESV3 streams start with their IV
    padder = padding.PKCS7(128).padder()
    encryptor = Cipher(algorithms.AES(key), modes.CBC(iv)).encryptor()
    sealed = iv + encryptor.update(padder.update(payload) + padder.finalize()) + encryptor.finalize()
    content = b"BT /F1 24 Tf 72 720 Td (Rapport public du conseil) Tj ET"
    encrypt = (b"<< /Filter /Standard /V 5 /R 6 /Length 256 /P " + str(permissions).encode()
               + b"".join(k.encode() + b" " + _hex(v) + b" " for k, v in checks.items())
               + b"/CF << /StdCF << /AuthEvent /EFOpen /CFM /AESV3 /Length 32 >> >>"
               b" /StmF /Identity /StrF /Identity /EFF /StdCF >>")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R /Names << /EmbeddedFiles << /Names [(memo.txt) 5 0 R] >> >> >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R"
        b" /Resources << /Font << /F1 6 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n" % len(content) + content + b"\nendstream",
        b"<< /Type /Filespec /F (memo.txt) /UF (memo.txt) /EF << /F 7 0 R >> >>",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        b"<< /Type /EmbeddedFile /Filter [/Crypt] /DecodeParms [<< /Name /StdCF >>] /Length %d >>\nstream\n"
        % len(sealed) + sealed + b"\nendstream",
        encrypt,
    ]
    out = bytearray(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    file_id = _hex(b"faisceau-efopen!")
    out += (b"trailer\n<< /Size %d /Root 1 0 R /Encrypt 8 0 R /ID [" % (len(objects) + 1)
            + file_id + b" " + file_id + b"] >>\nstartxref\n%d\n%%%%EOF\n" % xref)
    path.write_bytes(bytes(out))
    return path


def test_pages_read_and_attachment_accounted_as_encrypted(tmp_path: Path, ctx: Context) -> None:
    path = ef_open_pdf(tmp_path / "ef-open.pdf", MEMO, PASSWORD)
    doc, children = run_extractor(PdfExtractor, path, ctx)
    assert "Rapport public du conseil" in doc.text and len(doc.pages) == 1
    assert [(c.name, c.status, c.reason, c.path, c.data) for c in children] == [
        ("attachments/memo.txt", "failed", "encrypted", None, None)]
    assert "attachments encrypted" in doc.flags


def test_known_password_opens_the_attachment(tmp_path: Path, ctx: Context) -> None:
    path = ef_open_pdf(tmp_path / "ef-open.pdf", MEMO, PASSWORD)
    with_password = dataclasses.replace(ctx, passwords=("wrong", PASSWORD))
    doc, children = run_extractor(PdfExtractor, path, with_password)
    assert [c.name for c in children] == ["attachments/memo.txt"]
    assert children[0].status is None and child_bytes(children[0]) == MEMO
    assert "attachments encrypted" not in doc.flags
    assert "Rapport public du conseil" in doc.text
