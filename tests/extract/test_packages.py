"""Container extractors (zip, tar, gzip/bzip2/xz, 7z) on archives the tests build themselves."""

from __future__ import annotations

import bz2
import gzip
import io
import lzma
import os
import subprocess
import tarfile
import zipfile
from pathlib import Path

import pytest

from faisceau import settings as settings_mod
from faisceau.exc import EncryptedDocument, LimitExceeded, Truncated
from faisceau.extract.base import Context, Probe
from faisceau.extract.packages._names import guess_codec, sanitise
from faisceau.extract.packages.compressed import CompressedExtractor
from faisceau.extract.packages.sevenzip import SevenZipExtractor
from faisceau.extract.packages.tar import TarExtractor
from faisceau.extract.packages.zip import ZipExtractor
from faisceau.model import Child, Extracted
from tests.conftest import IN_CI, child_bytes, run_extractor

MB = 1 << 20


def _ctx(tmp_path: Path, passwords: tuple[str, ...] = (), **env: str) -> Context:
    scratch = tmp_path / "scratch"
    scratch.mkdir(exist_ok=True)
    environ = {f"FAISCEAU_{k.upper()}": v for k, v in env.items()}
    return Context(settings=settings_mod.load(environ=environ), scratch=scratch, passwords=passwords)


def _collect(cls: type, path: Path, ctx: Context) -> tuple[Extracted, list[Child], Exception | None]:
    """Run an extractor, keeping the children yielded before an error and the error."""
    doc = Extracted(extractor=cls.NAME, kind=cls.KIND)
    kids: list[Child] = []
    try:
        for c in cls().extract(path, doc, ctx):
            kids.append(c)
    except Exception as e:  # the test asserts on it
        return doc, kids, e
    return doc, kids, None


def _by_name(kids: list[Child]) -> dict[str, Child]:
    return {c.name: c for c in kids}


def _sevenzip() -> str:
    for name in ("7zz", "7z"):
        if subprocess.run(["which", name], capture_output=True).returncode == 0:
            return name
    if IN_CI:
        pytest.fail("7zz missing (required under CI=true)")
    pytest.skip("7zz not installed")


# --- names -----------------------------------------------------------------------------

def test_sanitise_names() -> None:
    assert sanitise("../../etc/passwd") == ("etc/passwd", True)
    assert sanitise("/abs/x") == ("abs/x", True)
    assert sanitise("C:\\Windows\\x.dll") == ("Windows/x.dll", True)
    assert sanitise("a/../b.txt") == ("b.txt", True)
    assert sanitise("./docs/./a.txt") == ("docs/a.txt", False)
    assert sanitise("dir\\file.txt") == ("dir/file.txt", False)


def test_guess_codec_of_undeclared_names() -> None:
    assert guess_codec([b"plain.txt"]) == "cp437"
    assert guess_codec(["résumé.doc".encode()]) == "utf-8"
    assert guess_codec([b"caf\x82.txt", b"fran\x87ais.doc"]) == "cp437"
    assert guess_codec(["审计文档.doc".encode("gbk")]) == "gb2312"
    assert guess_codec(["文章1.txt".encode("shift_jis")]) == "shift_jis"


# --- zip -------------------------------------------------------------------------------

def test_zip_utf8_and_cp437_names(tmp_path: Path, extract) -> None:
    p = tmp_path / "names.zip"
    with zipfile.ZipFile(p, "w") as z:
        z.writestr("é/日本.txt", "flagged")
        z.writestr("cafX.txt", "dos name")
    # zipfile flags every non-ASCII name as UTF-8: write the DOS name's raw bytes by hand
    p.write_bytes(p.read_bytes().replace(b"cafX.txt", b"caf\x82.txt"))
    with zipfile.ZipFile(p) as z:
        assert not z.getinfo("café.txt").flag_bits & 0x800
        assert z.getinfo("é/日本.txt").flag_bits & 0x800
    doc, kids = extract(ZipExtractor, p)
    by = _by_name(kids)
    assert set(by) == {"é/日本.txt", "café.txt"}
    assert by["é/日本.txt"].name_raw == "é/日本.txt".encode()
    assert by["café.txt"].name_raw == b"caf\x82.txt"
    assert child_bytes(by["café.txt"]) == b"dos name"
    assert doc.kind == "archive" and doc.metadata["member_count"] == 2


def test_zip_unflagged_utf8_name(tmp_path: Path, extract) -> None:
    p = tmp_path / "mac.zip"
    with zipfile.ZipFile(p, "w") as z:
        z.writestr("XXXXXXX.txt", "x")
    p.write_bytes(p.read_bytes().replace(b"XXXXXXX.txt", "rés€.txt".encode()))
    _, kids = extract(ZipExtractor, p)
    assert [c.name for c in kids] == ["rés€.txt"]


def test_zip_traversal_names_kept_and_flagged(tmp_path: Path, extract) -> None:
    p = tmp_path / "evil.zip"
    with zipfile.ZipFile(p, "w") as z:
        z.writestr(zipfile.ZipInfo("../../etc/passwd"), "root:x:0:0")
        z.writestr(zipfile.ZipInfo("/abs/x"), "abs")
        z.writestr("ok/fine.txt", "fine")
        z.writestr("ok/", "")  # a folder entry: not a child
    with zipfile.ZipFile(p) as z:
        assert "../../etc/passwd" in z.namelist() and "/abs/x" in z.namelist()
    _, kids = extract(ZipExtractor, p)
    by = _by_name(kids)
    assert set(by) == {"etc/passwd", "abs/x", "ok/fine.txt"}
    assert by["etc/passwd"].metadata["unsafe_name"] == "path traversal in member name"
    assert by["etc/passwd"].metadata["original_name"] == "../../etc/passwd"
    assert by["abs/x"].metadata["original_name"] == "/abs/x"
    assert "unsafe_name" not in by["ok/fine.txt"].metadata
    assert child_bytes(by["etc/passwd"]) == b"root:x:0:0"
    for c in kids:  # written under scratch, never at the member's path
        assert c.path is not None and c.path.resolve().is_relative_to(tmp_path)


def test_zip_bomb_member_refused(tmp_path: Path) -> None:
    ctx = _ctx(tmp_path, ratio_min_size="1M")
    p = tmp_path / "bomb.zip"
    with zipfile.ZipFile(p, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("zeros.bin", bytes(24 * MB))
        z.writestr("note.txt", "small " * 100)
    doc, kids = run_extractor(ZipExtractor, p, ctx)
    by = _by_name(kids)
    assert by["zeros.bin"].status == "failed"
    assert by["zeros.bin"].reason.startswith("zip bomb: expansion ratio 1:")
    assert by["zeros.bin"].reason.endswith(" over limit 1:200")
    assert by["note.txt"].status is None
    assert list(ctx.scratch.rglob("m*")) == [by["note.txt"].path]  # nothing left of the bomb


def test_zip_header_lying_about_compressed_size(tmp_path: Path) -> None:
    ctx = _ctx(tmp_path, ratio_min_size="1M")
    p = tmp_path / "liar.zip"
    with zipfile.ZipFile(p, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("zeros.bin", bytes(20 * MB))
    data = bytearray(p.read_bytes())
    with zipfile.ZipFile(p) as z:
        info = z.getinfo("zeros.bin")
    real = info.compress_size.to_bytes(4, "little")
    claimed = (20 * MB).to_bytes(4, "little")  # "stored at 1:1": passes a naive ratio check
    assert data.count(real) >= 2
    p.write_bytes(bytes(data).replace(real, claimed))
    _, kids, _ = _collect(ZipExtractor, p, ctx)
    assert kids[0].status == "failed" and kids[0].reason.startswith("zip bomb")


def test_zip_header_lying_about_size(tmp_path: Path, extract) -> None:
    p = tmp_path / "short.zip"
    payload = os.urandom(50_000)
    with zipfile.ZipFile(p, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("data.bin", payload)
        z.writestr("other.txt", "still here")
    data = p.read_bytes()
    # claim 1,000 bytes uncompressed in both headers: the CRC then cannot match
    p.write_bytes(data.replace((50_000).to_bytes(4, "little"), (1_000).to_bytes(4, "little")))
    _, kids = extract(ZipExtractor, p)
    by = _by_name(kids)
    assert by["data.bin"].status == "failed"
    assert by["data.bin"].reason == "corrupt member: bad CRC"
    assert child_bytes(by["other.txt"]) == b"still here"


def test_zip_truncated_yields_readable_members_then_truncated(tmp_path: Path) -> None:
    _sevenzip()
    p = tmp_path / "cut.zip"
    with zipfile.ZipFile(p, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("one.txt", "first member " * 50)
        z.writestr("two.bin", os.urandom(20_000))
        z.writestr("three.txt", "third " * 1000)
    data = p.read_bytes()
    p.write_bytes(data[: len(data) // 2])
    _, kids, err = _collect(ZipExtractor, p, _ctx(tmp_path))
    assert isinstance(err, Truncated) and err.reason == "truncated"
    assert child_bytes(_by_name(kids)["one.txt"]) == b"first member " * 50


def test_truncated_zip_with_traversal_names_recovered_safely(tmp_path: Path) -> None:
    _sevenzip()
    p = tmp_path / "cut-evil.zip"
    with zipfile.ZipFile(p, "w") as z:
        z.writestr(zipfile.ZipInfo("../../escape.txt"), "e" * 200)
        z.writestr(zipfile.ZipInfo("/abs/y.txt"), "y" * 200)
        z.writestr("tail.bin", os.urandom(5000))
    data = p.read_bytes()
    p.write_bytes(data[: len(data) - 200])  # no central directory left
    ctx = _ctx(tmp_path)
    _, kids, err = _collect(ZipExtractor, p, ctx)
    assert isinstance(err, Truncated)
    by = _by_name(kids)
    assert child_bytes(by["escape.txt"]) == b"e" * 200
    assert by["escape.txt"].metadata["original_name"] == "../../escape.txt"
    assert by["abs/y.txt"].metadata["unsafe_name"] == "path traversal in member name"
    assert not (tmp_path / "escape.txt").exists() and not (ctx.scratch.parent / "escape.txt").exists()
    for c in kids:
        if c.path is not None:
            assert c.path.resolve().is_relative_to(ctx.scratch.resolve())


def test_not_a_zip_at_all(tmp_path: Path) -> None:
    p = tmp_path / "fake.zip"
    p.write_bytes(b"this is not a zip file at all" * 10)
    _, kids, err = _collect(ZipExtractor, p, _ctx(tmp_path))
    assert kids == [] and err is not None and "zip" in str(err)


def test_zip_empty_and_nested(tmp_path: Path, extract) -> None:
    empty = tmp_path / "empty.zip"
    zipfile.ZipFile(empty, "w").close()
    doc, kids = extract(ZipExtractor, empty)
    assert kids == [] and doc.kind == "archive"
    inner = io.BytesIO()
    with zipfile.ZipFile(inner, "w") as z:
        z.writestr("deep.txt", "deep")
    outer = tmp_path / "outer.zip"
    with zipfile.ZipFile(outer, "w") as z:
        z.writestr("inner/inner.zip", inner.getvalue())
    _, kids = extract(ZipExtractor, outer)
    assert [c.name for c in kids] == ["inner/inner.zip"]
    assert child_bytes(kids[0]) == inner.getvalue()  # recursion is the orchestrator's job


def test_zip_symlink_recorded_not_followed(tmp_path: Path, extract) -> None:
    p = tmp_path / "link.zip"
    info = zipfile.ZipInfo("secret.txt")
    info.create_system = 3
    info.external_attr = (0o120777 << 16)
    with zipfile.ZipFile(p, "w") as z:
        z.writestr(info, "/etc/shadow")
    _, kids = extract(ZipExtractor, p)
    assert kids[0].status == "skipped"
    assert kids[0].reason == "symlink in archive -> /etc/shadow"
    assert kids[0].data is None and kids[0].path is None


def _zip_with_7zz(tmp_path: Path, method: str) -> Path:
    tool = _sevenzip()
    src = tmp_path / "src"
    src.mkdir()
    (src / "secret.txt").write_text("the secret plans")
    out = tmp_path / f"enc-{method}.zip"
    subprocess.run([tool, "a", "-bso0", "-psesame", f"-mem={method}", str(out), "secret.txt"],
                   cwd=src, check=True, capture_output=True)
    return out


@pytest.mark.parametrize("method", ["ZipCrypto", "AES256"])
def test_zip_encrypted_member(tmp_path: Path, method: str) -> None:
    p = _zip_with_7zz(tmp_path, method)
    doc, kids, err = _collect(ZipExtractor, p, _ctx(tmp_path))
    assert err is None and kids[0].status == "failed" and kids[0].reason == "encrypted"
    assert doc.metadata["encrypted"] is True
    doc, kids, err = _collect(ZipExtractor, p, _ctx(tmp_path, passwords=("wrong", "sesame")))
    assert err is None and kids[0].status is None
    assert child_bytes(kids[0]) == b"the secret plans"
    _, kids, _ = _collect(ZipExtractor, p, _ctx(tmp_path, passwords=("nope",)))
    assert kids[0].status == "failed" and kids[0].reason == "encrypted"


def test_zip_bzip2_and_lzma_members(tmp_path: Path, extract) -> None:
    _sevenzip()
    p = tmp_path / "methods.zip"
    with zipfile.ZipFile(p, "w") as z:
        z.writestr("b.txt", "bzip2 member " * 100, compress_type=zipfile.ZIP_BZIP2)
        z.writestr("l.txt", "lzma member " * 100, compress_type=zipfile.ZIP_LZMA)
    _, kids = extract(ZipExtractor, p)
    by = _by_name(kids)
    assert child_bytes(by["b.txt"]) == b"bzip2 member " * 100
    assert child_bytes(by["l.txt"]) == b"lzma member " * 100


def test_zip_limits(tmp_path: Path) -> None:
    p = tmp_path / "many.zip"
    with zipfile.ZipFile(p, "w", zipfile.ZIP_STORED) as z:
        for i in range(5):
            z.writestr(f"f{i}.bin", os.urandom(400_000))
    # total expansion: members after the budget are skipped with the reason
    _, kids, err = _collect(ZipExtractor, p, _ctx(tmp_path, max_expansion="1M"))
    assert err is None and len(kids) == 5
    assert [c.status for c in kids] == [None, None, "skipped", "skipped", "skipped"]
    assert kids[2].reason == f"expansion limit {MB} bytes exceeded"
    # per-member size
    _, kids, _ = _collect(ZipExtractor, p, _ctx(tmp_path, max_file_size="100k"))
    assert len(kids) == 5 and all(c.status == "failed" and "file size limit" in c.reason for c in kids)
    # member count: the ones before the limit are kept, then the container fails
    _, kids, err = _collect(ZipExtractor, p, _ctx(tmp_path, max_members="3"))
    assert len(kids) == 3 and isinstance(err, LimitExceeded) and str(err) == "member limit 3 exceeded"


# --- tar -------------------------------------------------------------------------------

def _add(tf: tarfile.TarFile, name: str, data: bytes = b"", **kw: object) -> None:
    ti = tarfile.TarInfo(name)
    ti.size = len(data)
    ti.mtime = 1_600_000_000
    for k, v in kw.items():
        setattr(ti, k, v)
    tf.addfile(ti, io.BytesIO(data) if data else None)


def test_targz_links_devices_and_fifos_recorded(tmp_path: Path, extract) -> None:
    p = tmp_path / "odd.tar.gz"
    with tarfile.open(p, "w:gz") as tf:
        _add(tf, "docs/report.txt", b"quarterly numbers", mode=0o640)
        _add(tf, "docs/link", type=tarfile.SYMTYPE, linkname="/etc/passwd")
        _add(tf, "docs/hard", type=tarfile.LNKTYPE, linkname="docs/report.txt")
        _add(tf, "docs/pipe", type=tarfile.FIFOTYPE)
        _add(tf, "dev/null", type=tarfile.CHRTYPE, devmajor=1, devminor=3)
        _add(tf, "docs", type=tarfile.DIRTYPE)
    doc, kids = extract(TarExtractor, p)
    by = _by_name(kids)
    assert set(by) == {"docs/report.txt", "docs/link", "docs/hard", "docs/pipe", "dev/null"}
    assert child_bytes(by["docs/report.txt"]) == b"quarterly numbers"
    meta = by["docs/report.txt"].metadata
    assert meta["mtime"] == "2020-09-13T12:26:40+00:00" and meta["size"] == 17 and meta["mode"] == "0o640"
    assert (by["docs/link"].status, by["docs/link"].reason) == ("skipped", "symlink in archive -> /etc/passwd")
    assert by["docs/hard"].reason == "hardlink in archive -> docs/report.txt"
    assert by["docs/pipe"].reason == "fifo in archive"
    assert by["dev/null"].reason == "device in archive"
    assert doc.mime == "application/gzip" and doc.metadata["compression"] == "gzip"


def test_tar_traversal_names(tmp_path: Path, extract) -> None:
    p = tmp_path / "evil.tar"
    with tarfile.open(p, "w") as tf:
        _add(tf, "../../../tmp/owned.sh", b"#!/bin/sh\n")
        _add(tf, "/etc/cron.d/x", b"* * * * * root sh\n")
    _, kids = extract(TarExtractor, p)
    by = _by_name(kids)
    assert set(by) == {"tmp/owned.sh", "etc/cron.d/x"}
    assert all(c.metadata["unsafe_name"] == "path traversal in member name" for c in kids)
    assert by["tmp/owned.sh"].metadata["original_name"] == "../../../tmp/owned.sh"
    assert not Path("/tmp/owned.sh").exists() or Path("/tmp/owned.sh").read_bytes() != b"#!/bin/sh\n"


def test_tar_duplicate_names_kept_apart(tmp_path: Path, extract) -> None:
    p = tmp_path / "dup.tar"
    with tarfile.open(p, "w") as tf:
        _add(tf, "a.txt", b"v1")
        _add(tf, "a.txt", b"v2")
    _, kids = extract(TarExtractor, p)
    assert [c.name for c in kids] == ["a.txt", "a.txt~2"]
    assert [child_bytes(c) for c in kids] == [b"v1", b"v2"]


def test_tar_truncated_and_empty(tmp_path: Path) -> None:
    p = tmp_path / "cut.tar"
    with tarfile.open(p, "w") as tf:
        _add(tf, "first.txt", b"complete")
        _add(tf, "second.bin", os.urandom(30_000))
    data = p.read_bytes()
    p.write_bytes(data[:512 + 512 + 512 + 10_000])
    _, kids, err = _collect(TarExtractor, p, _ctx(tmp_path))
    assert isinstance(err, Truncated)
    assert child_bytes(kids[0]) == b"complete"
    assert (kids[1].name, kids[1].status, kids[1].reason) == ("second.bin", "failed", "truncated")
    empty = tmp_path / "empty.tar"
    tarfile.open(empty, "w").close()
    _, kids, err = _collect(TarExtractor, empty, _ctx(tmp_path))
    assert kids == [] and err is None


def test_targz_bomb_refused_while_streaming(tmp_path: Path) -> None:
    ctx = _ctx(tmp_path, ratio_min_size="1M")
    p = tmp_path / "bomb.tgz"
    with tarfile.open(p, "w:gz") as tf:
        _add(tf, "readme.txt", b"hello")
        _add(tf, "zeros.bin", bytes(40 * MB))
        _add(tf, "after.txt", b"never reached")
    _, kids, err = _collect(CompressedExtractor, p, ctx)
    by = _by_name(kids)
    assert by["readme.txt"].status is None
    assert by["zeros.bin"].status == "failed" and by["zeros.bin"].reason.startswith("zip bomb")
    assert isinstance(err, LimitExceeded) and str(err).startswith("zip bomb")


@pytest.mark.parametrize("suffix,opener", [("tar.bz2", "w:bz2"), ("txz", "w:xz")])
def test_compressed_tars(tmp_path: Path, suffix: str, opener: str, extract) -> None:
    p = tmp_path / f"a.{suffix}"
    with tarfile.open(p, opener) as tf:  # type: ignore[call-overload]
        _add(tf, "x/y.txt", b"inside")
    _, kids = extract(CompressedExtractor, p)
    assert [(c.name, child_bytes(c)) for c in kids] == [("x/y.txt", b"inside")]


# --- single compressed files -----------------------------------------------------------

def test_single_gzip_bzip2_xz(tmp_path: Path, extract) -> None:
    text = "Lettre du 3 mars — confidentiel\n".encode() * 100
    with gzip.GzipFile(tmp_path / "blob.gz", "wb", mtime=1_600_000_000) as g:
        g.write(text)
    # the FNAME header names the file, not the name of the .gz
    with open(tmp_path / "renamed.gz", "wb") as raw:
        with gzip.GzipFile("lettre.txt", "wb", fileobj=raw, mtime=0) as g:
            g.write(text)
    (tmp_path / "notes.txt.bz2").write_bytes(bz2.compress(text))
    (tmp_path / "notes.txt.xz").write_bytes(lzma.compress(text))
    got = {}
    for name in ("blob.gz", "renamed.gz", "notes.txt.bz2", "notes.txt.xz"):
        doc, kids = extract(CompressedExtractor, tmp_path / name)
        assert len(kids) == 1 and child_bytes(kids[0]) == text and doc.kind == "archive"
        got[name] = kids[0]
    assert got["renamed.gz"].name == "lettre.txt"
    assert got["blob.gz"].name == "blob"  # GzipFile on a path stores its base name without .gz
    assert got["blob.gz"].metadata["mtime"] == "2020-09-13T12:26:40+00:00"
    assert got["notes.txt.bz2"].name == "notes.txt" and got["notes.txt.xz"].name == "notes.txt"


def test_gzip_bomb_refused_while_streaming(tmp_path: Path) -> None:
    ctx = _ctx(tmp_path, ratio_min_size="1M")
    p = tmp_path / "zeros.gz"
    p.write_bytes(gzip.compress(bytes(40 * MB)))
    _, kids, err = _collect(CompressedExtractor, p, ctx)
    assert err is None and kids[0].status == "failed"
    assert kids[0].reason.startswith("zip bomb: expansion ratio 1:")
    assert not list(ctx.scratch.rglob("m*"))


def test_truncated_gzip_keeps_what_was_there(tmp_path: Path) -> None:
    p = tmp_path / "cut.txt.gz"
    data = gzip.compress(os.urandom(100_000))
    p.write_bytes(data[: len(data) // 2])
    _, kids, err = _collect(CompressedExtractor, p, _ctx(tmp_path))
    assert isinstance(err, Truncated)
    assert kids[0].metadata["truncated"] is True and 0 < len(child_bytes(kids[0])) < 100_000


def test_corrupt_gzip(tmp_path: Path) -> None:
    p = tmp_path / "bad.gz"
    data = bytearray(gzip.compress(b"hello world " * 100))
    data[-8] ^= 0xFF  # the CRC of the trailer
    p.write_bytes(bytes(data))
    _, kids, err = _collect(CompressedExtractor, p, _ctx(tmp_path))
    assert err is not None and str(err) == "corrupt member: bad CRC"


def test_tar_and_compressed_match() -> None:
    tgz = Probe(name="x/a.tar.gz", mime="application/gzip", head=b"\x1f\x8b\x08", size=100)
    assert TarExtractor.match(tgz) > 0 and CompressedExtractor.match(tgz) > 0
    head = bytes(257) + b"ustar\x0000" + bytes(250)
    plain = Probe(name="noext", mime="application/octet-stream", head=head, size=10240)
    assert TarExtractor.match(plain) > 0 and CompressedExtractor.match(plain) == 0
    docx = Probe(name="a.docx", mime="application/vnd.openxmlformats-officedocument."
                 "wordprocessingml.document", head=b"PK\x03\x04", size=100)
    assert ZipExtractor.match(docx) == ZipExtractor.SCORE  # magic only: office extractors win


# --- 7z ----------------------------------------------------------------------------------

def _make_7z(tmp_path: Path, *extra: str, name: str = "a.7z") -> Path:
    tool = _sevenzip()
    src = tmp_path / "src7"
    if not src.exists():
        (src / "sub").mkdir(parents=True)
        (src / "sub" / "memo.txt").write_text("mémo interne")
        (src / "data.bin").write_bytes(os.urandom(5000))
        os.symlink("/etc/passwd", src / "link")
    out = tmp_path / name
    subprocess.run([tool, "a", "-bso0", "-snl", *extra, str(out), "sub", "data.bin", "link"],
                   cwd=src, check=True, capture_output=True)
    return out


def test_7z_plain(tmp_path: Path) -> None:
    p = _make_7z(tmp_path)
    doc, kids, err = _collect(SevenZipExtractor, p, _ctx(tmp_path))
    assert err is None
    by = _by_name(kids)
    assert set(by) == {"sub/memo.txt", "data.bin", "link"}
    assert child_bytes(by["sub/memo.txt"]) == "mémo interne".encode()
    assert by["sub/memo.txt"].metadata["size"] == len("mémo interne".encode())
    assert by["sub/memo.txt"].metadata["mtime"].endswith("+00:00")
    assert (by["link"].status, by["link"].reason) == ("skipped", "symlink in archive -> /etc/passwd")
    assert doc.kind == "archive" and doc.mime == "application/x-7z-compressed"


def test_7z_encrypted_headers(tmp_path: Path) -> None:
    p = _make_7z(tmp_path, "-pOpenSesame", "-mhe=on", name="enc.7z")
    _, kids, err = _collect(SevenZipExtractor, p, _ctx(tmp_path))
    assert kids == [] and isinstance(err, EncryptedDocument) and err.reason == "encrypted"
    _, kids, err = _collect(SevenZipExtractor, p, _ctx(tmp_path, passwords=("x", "OpenSesame")))
    assert err is None
    assert child_bytes(_by_name(kids)["sub/memo.txt"]) == "mémo interne".encode()


def test_7z_encrypted_data_only(tmp_path: Path) -> None:
    p = _make_7z(tmp_path, "-pOpenSesame", name="encdata.7z")
    doc, kids, err = _collect(SevenZipExtractor, p, _ctx(tmp_path))
    assert err is None and doc.metadata["encrypted"] is True
    files = [c for c in kids if c.name != "link"]
    assert files and all(c.status == "failed" and c.reason == "encrypted" for c in files)
    _, kids, err = _collect(SevenZipExtractor, p, _ctx(tmp_path, passwords=("OpenSesame",)))
    assert child_bytes(_by_name(kids)["data.bin"]) == (tmp_path / "src7" / "data.bin").read_bytes()


def test_7z_bomb_refused_before_extraction(tmp_path: Path) -> None:
    tool = _sevenzip()
    (tmp_path / "z").mkdir()
    (tmp_path / "z" / "zeros.bin").write_bytes(bytes(20 * MB))
    (tmp_path / "z" / "ok.txt").write_text("fine")
    p = tmp_path / "bomb.7z"
    subprocess.run([tool, "a", "-bso0", "-ms=off", str(p), "zeros.bin", "ok.txt"],
                   cwd=tmp_path / "z", check=True, capture_output=True)
    ctx = _ctx(tmp_path, ratio_min_size="1M")
    _, kids, err = _collect(SevenZipExtractor, p, ctx)
    by = _by_name(kids)
    assert err is None and by["zeros.bin"].status == "failed"
    assert by["zeros.bin"].reason.startswith("zip bomb: expansion ratio 1:")
    assert child_bytes(by["ok.txt"]) == b"fine"
    assert not [f for f in ctx.scratch.rglob("zeros.bin")]  # never written


def test_7z_truncated(tmp_path: Path) -> None:
    p = _make_7z(tmp_path, "-ms=off", name="t.7z")
    data = p.read_bytes()
    p.write_bytes(data[: len(data) - 40])
    _, kids, err = _collect(SevenZipExtractor, p, _ctx(tmp_path))
    assert kids == [] and isinstance(err, Truncated) and err.reason == "truncated"
