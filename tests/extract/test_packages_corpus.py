"""Container extractors over the real corpora: every archive ends with children or a clear
reason, never a crash or a hang; the well-known ones give exactly their members."""

from __future__ import annotations

import shutil
import time
from pathlib import Path

import pytest

from faisceau import settings as settings_mod
from faisceau.exc import EncryptedDocument, ExtractionError, Skipped
from faisceau.extract.base import Context, Extractor
from faisceau.extract.identify import probe
from faisceau.extract.packages.compressed import CompressedExtractor
from faisceau.extract.packages.rar import RarExtractor
from faisceau.extract.packages.sevenzip import OtherArchiveExtractor, SevenZipExtractor
from faisceau.extract.packages.tar import TarExtractor
from faisceau.extract.packages.zip import ZipExtractor
from faisceau.model import Child, Extracted
from tests.conftest import child_bytes, corpus_path

pytestmark = pytest.mark.slow

PACKAGES: tuple[type[Extractor], ...] = (ZipExtractor, TarExtractor, CompressedExtractor,
                                         SevenZipExtractor, OtherArchiveExtractor, RarExtractor)
ARCHIVE_EXT = (".zip", ".tar", ".tgz", ".gz", ".bz2", ".tbz2", ".xz", ".7z", ".001", ".rar",
               ".cab", ".cpio", ".ar", ".z", ".zst", ".jar")
PKG = "tika-parser-pkg-module/src/test/resources/test-documents"
NINE = {"testEXCEL.xls", "testHTML.html", "testOpenOffice2.odt", "testPDF.pdf", "testPPT.ppt",
        "testRTF.rtf", "testTXT.txt", "testWORD.doc", "testXML.xml"}


def _ctx(tmp_path: Path, passwords: tuple[str, ...] = ()) -> Context:
    scratch = tmp_path / "scratch"
    scratch.mkdir(exist_ok=True)
    return Context(settings=settings_mod.load(environ={}), scratch=scratch, passwords=passwords)


def _run(src: Path, tmp_path: Path, passwords: tuple[str, ...] = ()
         ) -> tuple[type[Extractor], Extracted, list[Child], Exception | None]:
    """Copy the file out of the corpus, pick the best package extractor, run it."""
    tmp_path.mkdir(parents=True, exist_ok=True)
    path = tmp_path / src.name
    shutil.copyfile(src, path)
    pr = probe(path, src.name)
    cls = max(PACKAGES, key=lambda c: c.match(pr))
    assert cls.match(pr) > 0, f"no package extractor for {src.name} ({pr.mime})"
    doc = Extracted(extractor=cls.NAME, kind=cls.KIND)
    kids: list[Child] = []
    try:
        for c in cls().extract(path, doc, _ctx(tmp_path, passwords)):
            kids.append(c)
    except (ExtractionError, Skipped) as e:
        return cls, doc, kids, e
    return cls, doc, kids, None


def _archives() -> list[Path]:
    found: list[Path] = []
    for corpus in ("docs-aleph-ingest-file-fixtures", "docs-tika-test-documents"):
        root = corpus_path(corpus)
        found += sorted(p for p in root.rglob("*") if p.is_file() and p.suffix.lower() in ARCHIVE_EXT)
    return found


def test_every_corpus_archive_ends_with_children_or_a_reason(tmp_path: Path) -> None:
    archives = _archives()
    assert len(archives) >= 40
    lines = []
    start = time.monotonic()
    for i, src in enumerate(archives):
        t = time.monotonic()
        cls, doc, kids, err = _run(src, tmp_path / str(i))
        took = time.monotonic() - t
        assert took < 30, f"{src.name} took {took:.1f} s"
        for c in kids:
            assert c.name and not c.name.startswith("/") and ".." not in c.name.split("/")
            if c.status is None:
                assert c.path is not None and c.path.is_file()
            else:
                assert c.reason and len(c.reason) < 120
        if err is not None:
            reason = getattr(err, "reason", str(err))
            assert reason and len(reason) < 120 and "\n" not in reason
        assert kids or err is not None or doc.metadata.get("member_count") == 0, src.name
        ok = sum(c.status is None for c in kids)
        lines.append(f"{src.name:40} {cls.NAME:10} children={len(kids):3} ok={ok:3} "
                     f"error={getattr(err, 'reason', None)}")
    print(f"\n{len(archives)} archives in {time.monotonic() - start:.1f} s")
    print("\n".join(lines))


@pytest.mark.parametrize("name", ["test-documents.zip", "test-documents.tar", "test-documents.tgz",
                                  "test-documents.tbz2", "test-documents.7z", "test-documents.rar",
                                  "test-documents.cpio", "test-documents.cab"])
def test_tika_test_documents_in_every_format(name: str, tmp_path: Path) -> None:
    src = corpus_path("docs-tika-test-documents") / PKG / name
    _, doc, kids, err = _run(src, tmp_path)
    assert err is None and doc.kind == "archive"
    assert {c.name.rsplit("/", 1)[-1] for c in kids} == NINE
    assert all(c.status is None for c in kids)
    by = {c.name.rsplit("/", 1)[-1]: c for c in kids}
    assert child_bytes(by["testPDF.pdf"]).startswith(b"%PDF")
    assert child_bytes(by["testTXT.txt"]).strip().startswith(b"Test d")


def test_aleph_hostile_archives_record_links(tmp_path: Path) -> None:
    root = corpus_path("docs-aleph-ingest-file-fixtures")
    for name in ("badzip.zip", "badtar.tar", "badrar.rar", "bad7zip.7z"):
        _, _, kids, err = _run(root / name, tmp_path / name)
        assert err is None and len(kids) == 1, name
        c = kids[0]
        assert c.name == "secret.txt" and c.status == "skipped", name
        assert c.reason == "symlink in archive -> /ingestors/tests/fixtures/secret.txt", name


def test_password_protected_archives(tmp_path: Path) -> None:
    tika = corpus_path("docs-tika-test-documents") / PKG
    _, doc, kids, err = _run(tika / "test7Z_protected_passTika.7z", tmp_path / "a")
    assert err is None and kids[0].status == "failed" and kids[0].reason == "encrypted"
    assert doc.metadata["encrypted"] is True
    _, _, kids, err = _run(tika / "test7Z_protected_passTika.7z", tmp_path / "b", ("tika", "Tika"))
    assert err is None and kids[0].status is None and b"Tika" in child_bytes(kids[0])
    _, _, kids, err = _run(tika / "full_encrypted.7z", tmp_path / "c")
    assert kids == [] and isinstance(err, EncryptedDocument)
    _, _, kids, err = _run(tika / "test-documents-enc.rar", tmp_path / "d")
    assert kids == [] and isinstance(err, EncryptedDocument)
    _, _, kids, err = _run(tika / "testZipEncrypted.zip", tmp_path / "e")
    by = {c.name: c for c in kids}
    assert by["unencrypted.txt"].status is None and by["encrypted.txt"].reason == "encrypted"


def test_undeclared_name_encodings(tmp_path: Path) -> None:
    tika = corpus_path("docs-tika-test-documents")
    _, _, kids, _ = _run(tika / "integration-tests/testZipEntryNameCharsetShiftSJIS.zip", tmp_path / "a")
    assert sorted(c.name for c in kids) == ["文章1.txt", "文章2.txt"]
    assert kids[0].name_raw is not None and kids[0].name_raw.decode("shift_jis") == kids[0].name
    _, _, kids, _ = _run(tika / PKG / "gbk.zip", tmp_path / "b")
    assert kids[0].name.startswith("审计压缩包文件检索测试/")


def test_nested_and_single_compressed(tmp_path: Path) -> None:
    tika = corpus_path("docs-tika-test-documents") / PKG
    _, _, kids, err = _run(tika / "test-documents.tar.Z", tmp_path / "a")
    assert err is None and [c.name for c in kids] == ["test-documents.tar"]
    _, _, kids, _ = _run(tika / "droste.zip", tmp_path / "b")
    assert {c.name for c in kids} == {"droste.jpg", "droste.zip"}
    _, _, kids, err = _run(tika / "test-bz2.txt.bz2", tmp_path / "c")
    assert err is None and [c.name for c in kids] == ["test-bz2.txt"]


def test_split_zip_without_its_other_volume(tmp_path: Path) -> None:
    # the .z01 part stays behind: what lies in the last part is extracted, the rest is named
    src = corpus_path("docs-tika-test-documents") / PKG / "test-documents-spanned.zip"
    _, _, kids, err = _run(src, tmp_path)
    assert err is None and {c.name for c in kids} == NINE
    ok = {c.name for c in kids if c.status is None}
    assert ok and ok != NINE
    assert {c.reason for c in kids if c.status} == {"split archive: missing volume"}
