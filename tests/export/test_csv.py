"""CSV export of a search with chosen columns: the hits' rows, the store's values, logged."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import shutil
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from exportdemo import demo_project

from faisceau import settings as settings_mod
from faisceau import tags
from faisceau.cli import main
from faisceau.index.indexer import open_index
from faisceau.store.db import Store


@pytest.fixture(scope="module")
def root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    dest = tmp_path_factory.mktemp("csv") / "project"
    shutil.copytree(demo_project(tmp_path_factory), dest)
    return dest


def cli(*args: Any) -> Any:
    return CliRunner().invoke(main, [str(a) for a in args])


def test_query_rows_follow_the_hits_with_store_values(root: Path, tmp_path: Path) -> None:
    store = Store(root / "store.sqlite")
    ids = [r[0] for r in store.db.execute("SELECT id FROM documents WHERE kind = 'email' ORDER BY id LIMIT 2")]
    tags.add_tag(store, ids, "à-lire")
    out = tmp_path / "docs.csv"
    res = cli("export", "csv", "--query", "caméras OR badge", "--columns", "id,sha256,size,kind,from,tags,page,snippet",
              "--project", root, "-o", out, "--json")
    assert res.exit_code == 0, res.output
    summary = json.loads(res.output)
    rows = list(csv.DictReader(out.open(encoding="utf-8", newline="")))
    hits = list(open_index(root, settings_mod.load(root), store).iter_hits("caméras OR badge", snippets_per_hit=1))
    assert [r["id"] for r in rows] == [h.id for h in hits] and summary["rows"] == len(hits) > 5
    assert list(rows[0]) == ["id", "sha256", "size", "kind", "from", "tags", "page", "snippet"]
    assert any(h.snippets for h in hits)  # both words are in the text of the hits: the snippet checks below run
    for r, h in zip(rows, hits):
        doc = store.document(r["id"])
        assert (r["sha256"], r["size"], r["kind"]) == (doc["sha256"] or "", str(doc["size"]), doc["kind"] or "")
        assert r["tags"] == ("à-lire" if r["id"] in ids else "")
        if h.snippets:
            assert r["snippet"] == " ".join(h.snippets[0].marked().split())
            assert ("[" in r["snippet"]) == bool(h.snippets[0].highlights)
            assert r["page"] == ("" if h.snippets[0].page is None else str(h.snippets[0].page))
    log = json.loads(store.db.execute("SELECT detail FROM actions WHERE action = 'export' ORDER BY id DESC").fetchone()[0])
    assert log["sha256"] == hashlib.sha256(out.read_bytes()).hexdigest() == summary["sha256"]
    assert log["selection"] == {"query": "caméras OR badge"} and log["rows"] == len(rows)


def test_everything_by_default_to_stdout_and_by_tag(root: Path) -> None:
    store = Store(root / "store.sqlite")
    res = cli("export", "csv", "--project", root)
    assert res.exit_code == 0, res.output
    rows = list(csv.DictReader(io.StringIO(res.output)))
    n = store.db.execute("SELECT count(*) FROM documents WHERE status != 'pending'").fetchone()[0]
    assert len(rows) == n and list(rows[0]) == ["id", "path", "title", "kind", "date", "from", "to", "sha256", "size", "tags"]
    failed = next(r for r in rows if r["path"] == "reports/broken.pdf")
    assert failed["kind"] == "pdf"
    mail = next(r for r in rows if r["path"] == "mail/security-team.mbox!/1")
    assert mail["from"] == "Thomas Berger <thomas.berger@meridian.example.fr>" and "Hélène Marchetti" in mail["to"]
    tags.add_tag(store, [rows[3]["id"]], "une")
    one = list(csv.DictReader(io.StringIO(cli("export", "csv", "--tag", "une", "--columns", "id", "--project", root).output)))
    assert one == [{"id": rows[3]["id"]}]
    # an ids file and a tag narrow each other: only the listed document that carries the tag
    ids = root.parent / "ids.txt"
    ids.write_text(f"{rows[2]['id']}\n{rows[3]['id']}\n")
    both = cli("export", "csv", "--tag", "une", "--ids", ids, "--columns", "id", "--project", root)
    assert both.exit_code == 0, both.output
    assert list(csv.DictReader(io.StringIO(both.output))) == [{"id": rows[3]["id"]}]


def test_bad_columns_and_existing_output_are_refused(root: Path, tmp_path: Path) -> None:
    res = cli("export", "csv", "--columns", "id,secret", "--project", root)
    assert res.exit_code == 2 and "unknown column secret" in res.output
    (tmp_path / "x.csv").write_text("keep me", "utf-8")
    res = cli("export", "csv", "--project", root, "-o", tmp_path / "x.csv")
    assert res.exit_code == 2 and "exists" in res.output and (tmp_path / "x.csv").read_text("utf-8") == "keep me"
    listed = cli("export", "csv", "--list-columns", "--project", root)
    assert listed.exit_code == 0 and "snippet" in listed.output and "hit_pages" in listed.output
