"""Database tables: dBASE files written here by a small writer (the format is simple and
documented), MS Access databases from the shared corpora through mdbtools."""

from __future__ import annotations

import datetime as dt
import shutil
import struct
from dataclasses import replace
from pathlib import Path

import pytest

from faisceau.exc import ExtractionError, ToolMissing
from faisceau.extract.base import Context, choose
from faisceau.extract.documents.dbf import DbfExtractor
from faisceau.extract.documents.msaccess import AccessExtractor
from faisceau.extract.identify import probe
from tests.conftest import IN_CI, corpus_path, run_extractor

MS = "tika-parser-microsoft-module/src/test/resources/test-documents"


def dbf(path: Path, fields: list[tuple[str, str, int, int]], records: list[tuple[bool, list[bytes]]],
        *, language_driver: int = 0x03) -> Path:
    """A dBASE III table: (name, type, length, decimals) fields; (deleted?, raw values) records.
    Language driver 0x03 is code page 1252; 0 leaves it undeclared."""
    header_len = 32 + 32 * len(fields) + 1
    record_len = 1 + sum(f[2] for f in fields)
    out = struct.pack("<B3BIHH20x", 0x03, 125, 12, 20, len(records), header_len, record_len)
    out = out[:29] + bytes([language_driver]) + out[30:]
    for name, kind, length, decimals in fields:
        out += name.encode("ascii").ljust(11, b"\x00") + kind.encode("ascii") + b"\x00" * 4
        out += bytes([length, decimals]) + b"\x00" * 14
    out += b"\x0d"
    for deleted, values in records:
        out += b"*" if deleted else b" "
        for (_, kind, length, _), value in zip(fields, values, strict=True):
            out += value.rjust(length) if kind == "N" else value.ljust(length)
    path.write_bytes(out + b"\x1a")
    return path


FIELDS = [("NOM", "C", 20, 0), ("MONTANT", "N", 10, 2), ("DATE", "D", 8, 0), ("PAYE", "L", 1, 0)]


def test_a_dbf_table_gives_field_names_and_rows_and_keeps_deleted_ones(tmp_path: Path, ctx: Context) -> None:
    path = dbf(tmp_path / "VIREMENTS.DBF", FIELDS, [
        (False, ["Société Générale".encode("cp1252"), b"12500.50", b"20190314", b"T"]),
        (True, [b"Compte Jersey", b"990000.00", b"20190401", b"F"]),
        (False, [b"Caisse", b"12.00", b"20190402", b"T"]),
    ])
    assert choose(probe(path, "VIREMENTS.DBF")) is DbfExtractor
    doc, children = run_extractor(DbfExtractor, path, ctx)
    table = [doc.text[s.start:s.end] for s in doc.segments if s.part == "table"]
    deleted = [doc.text[s.start:s.end] for s in doc.segments if s.part == "deleted-records"]
    assert table == ["NOM\tMONTANT\tDATE\tPAYE\nSociété Générale\t12500.5\t2019-03-14\tTrue\nCaisse\t12.0\t2019-04-02\tTrue"]
    assert deleted == ["Compte Jersey\t990000.0\t2019-04-01\tFalse"]
    assert children == [] and doc.kind == "spreadsheet" and doc.mime == "application/x-dbf"
    assert doc.metadata["fields"] == ["NOM", "MONTANT", "DATE", "PAYE"] and doc.metadata["record_count"] == 3
    assert doc.metadata["last_updated"] == "2025-12-20" and doc.metadata["encoding"] == "cp1252"


def test_an_undeclared_code_page_is_guessed_and_bad_values_kept_as_text(tmp_path: Path, ctx: Context) -> None:
    path = dbf(tmp_path / "t.dbf", [("NOM", "C", 30, 0), ("N", "N", 6, 0), ("D", "D", 8, 0)], [
        (False, ["Ministère de l'Économie".encode(), b"12", b"20200101"]),
        (False, ["Hôtel de Ville à Lyon".encode(), b"xx!", b"2020??01"]),
    ], language_driver=0)
    doc, _ = run_extractor(DbfExtractor, path, ctx)
    assert doc.metadata["encoding"] == "utf-8"
    assert doc.text.splitlines() == ["NOM\tN\tD", "Ministère de l'Économie\t12\t2020-01-01", "Hôtel de Ville à Lyon\txx!\t2020??01"]


def test_rows_stop_at_the_text_budget(tmp_path: Path, ctx: Context) -> None:
    rows = [(False, [f"row {i:05d}".encode(), b"1", b"20200101"]) for i in range(2000)]
    path = dbf(tmp_path / "big.dbf", [("NOM", "C", 30, 0), ("N", "N", 6, 0), ("D", "D", 8, 0)], rows)
    small = replace(ctx, settings=replace(ctx.settings, max_text=4096))
    doc, _ = run_extractor(DbfExtractor, path, small)
    assert len(doc.text) <= 4096 and "row 00000" in doc.text and "row 01999" not in doc.text
    assert "truncated at 4 KB" in doc.flags


def test_a_file_that_is_not_a_dbf_fails_with_a_reason(tmp_path: Path, ctx: Context) -> None:
    path = tmp_path / "x.dbf"
    path.write_bytes(b"%PDF-1.4 not a table at all, but named like one")
    with pytest.raises(ExtractionError, match="not a dBASE table"):
        run_extractor(DbfExtractor, path, ctx)


def test_real_dbf_tables(tmp_path: Path, ctx: Context) -> None:
    root = corpus_path("docs-tika-test-documents") / "tika-parser-miscoffice-module/src/test/resources/test-documents"
    for name, words in (("testDBF.dbf", "普林斯顿大学"), ("testDBF_gb18030.dbf", "虽然该指令经过重新发布")):
        path = tmp_path / name
        shutil.copyfile(root / name, path)
        doc, _ = run_extractor(DbfExtractor, path, ctx)
        assert words in doc.text, name


# -- MS Access ----------------------------------------------------------------------------------

def _access(tmp_path: Path, name: str) -> Path:
    if not shutil.which("mdb-export"):
        if IN_CI:
            pytest.fail("mdbtools missing (required under CI=true)")
        pytest.skip("mdbtools not installed")
    path = tmp_path / name
    shutil.copyfile(corpus_path("docs-tika-test-documents") / MS / name, path)
    return path


@pytest.mark.parametrize("name", ["testAccess2.accdb", "testAccess2_2000.mdb", "testAccess2_2002-2003.mdb"])
def test_access_tables_are_read_with_their_names(tmp_path: Path, ctx: Context, name: str) -> None:
    path = _access(tmp_path, name)
    assert choose(probe(path, name)) is AccessExtractor
    doc, _ = run_extractor(AccessExtractor, path, ctx)
    tables = {s.attrs["name"]: doc.text[s.start:s.end] for s in doc.segments if s.part == "table"}
    assert doc.metadata["tables"] == ["Table1", "Table2"] and set(tables) <= {"Table1", "Table2"}
    first = tables["Table1"].splitlines()
    assert first[0].startswith("ID\tShortTextField\tNumberField")
    assert any(line.startswith("1\tthe quick\t3\t6.2300\t2015-06-24 00:00:00") for line in first)


def test_an_unreadable_access_file_fails_without_a_path(tmp_path: Path, ctx: Context) -> None:
    path = _access(tmp_path, "testAccess2_encrypted.accdb")
    with pytest.raises(ExtractionError) as e:
        run_extractor(AccessExtractor, path, ctx)
    assert e.value.reason.startswith("unreadable Access database") and str(tmp_path) not in e.value.reason


def test_without_mdbtools_an_access_file_is_skipped_naming_the_package(tmp_path: Path, ctx: Context) -> None:
    path = tmp_path / "db.mdb"
    path.write_bytes(b"\x00\x01\x00\x00Standard Jet DB\x00" + b"\x00" * 2000)
    missing = replace(ctx, settings=replace(ctx.settings, mdb_tables="mdb-tables-absent", mdb_export="mdb-export-absent"))
    with pytest.raises(ToolMissing) as e:
        run_extractor(AccessExtractor, path, missing)
    assert e.value.reason == "mdbtools not installed"


def test_a_dbf_update_date_is_the_header_date(tmp_path: Path) -> None:
    # the writer above stamps 2025-12-20 (year byte 125): a check of the writer, so the
    # metadata assertion in the first test means what it says
    path = dbf(tmp_path / "d.dbf", FIELDS[:1], [(False, [b"x"])])
    head = path.read_bytes()[:4]
    assert dt.date(1900 + head[1], head[2], head[3]) == dt.date(2025, 12, 20)
