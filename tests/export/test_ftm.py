"""FollowTheMoney export of the demo corpus: valid for the library, and through its `ftm` tool."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from exportdemo import demo_project
from followthemoney import model

from faisceau.cli import main
from faisceau.store.db import Store

FTM = Path(sys.executable).parent / "ftm"


@pytest.fixture(scope="module")
def exported(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    base = tmp_path_factory.mktemp("ftm")
    root = base / "project"
    shutil.copytree(demo_project(tmp_path_factory), root)
    out = base / "entities.ftm.jsonl"
    res = CliRunner().invoke(main, ["export", "ftm", "--project", str(root), "-o", str(out), "--json"])
    assert res.exit_code == 0, res.output
    return {"root": root, "out": out, "summary": json.loads(res.output),
            "entities": [json.loads(line) for line in out.read_text("utf-8").splitlines()]}


def test_every_entity_validates_with_the_library(exported: dict[str, Any]) -> None:
    ents = exported["entities"]
    assert len(ents) == exported["summary"]["entities"] and len({e["id"] for e in ents}) == len(ents)
    for e in ents:
        proxy = model.get_proxy(e, cleaned=False)   # cleans every value again, as an importer does
        proxy.schema.validate(e)
        assert proxy.to_dict()["properties"] == e["properties"], e["id"]


def test_documents_people_and_links(exported: dict[str, Any]) -> None:
    store = Store(exported["root"] / "store.sqlite")
    by_id = {e["id"]: e for e in exported["entities"]}
    docs = [e for e in exported["entities"] if e["id"].startswith("faisceau-doc-") and e["schema"] != "Page"]
    n_docs = store.db.execute("SELECT count(*) FROM documents WHERE status != 'pending'").fetchone()[0]
    assert len(docs) == n_docs
    emails = [e for e in docs if e["schema"] == "Email"]
    assert len(emails) == store.db.execute("SELECT count(*) FROM documents WHERE kind = 'email'").fetchone()[0]
    for e in docs:
        for ref in e["properties"].get("parent", []) + e["properties"].get("ancestors", []):
            assert ref in by_id and model.get(by_id[ref]["schema"]).is_a(model.get("Folder")), (e["id"], ref)
    for e in emails:
        props = e["properties"]
        assert props["emitters"] and props["recipients"], e["id"]
        for ref in props["emitters"] + props["recipients"]:
            assert by_id[ref]["schema"] in ("Person", "LegalEntity")
    thomas = [e for e in by_id.values() if "thomas.berger@meridian.example.fr" in e["properties"].get("email", [])]
    assert len(thomas) == 1 and thomas[0]["schema"] == "Person" and thomas[0]["properties"]["name"] == ["Thomas Berger"]
    pdf = next(e for e in docs if e["properties"]["fileName"] == ["vigie-bilan-t1-2024.pdf"])
    pages = sorted((e for e in by_id.values() if e["schema"] == "Page" and e["properties"]["document"] == [pdf["id"]]),
                   key=lambda e: int(e["properties"]["index"][0]))
    row = store.db.execute("SELECT sha256 FROM documents WHERE name = 'vigie-bilan-t1-2024.pdf'").fetchone()
    content = store.content(row[0])
    assert content is not None and pdf["schema"] == "Pages" and len(pages) == len(content["pages"]) == 3
    assert pages[1]["properties"]["bodyText"] == [content["text"][content["pages"][1]["start"]:content["pages"][1]["end"]]]
    assert row[0] in pdf["properties"]["description"][0]
    assert len(pdf["properties"]["contentHash"][0]) == 40   # FtM's checksum is a SHA-1 of the original


def test_round_trip_through_the_ftm_tool(exported: dict[str, Any], tmp_path: Path) -> None:
    if not FTM.is_file():
        pytest.fail(f"the ftm command of followthemoney is missing at {FTM}")
    validated, aggregated = tmp_path / "validated.jsonl", tmp_path / "aggregated.jsonl"
    for args in (["validate", "-i", exported["out"], "-o", validated],
                 ["aggregate", "-i", validated, "-o", aggregated],
                 ["export-csv", "-i", aggregated, "-o", tmp_path / "csv"]):
        res = subprocess.run([str(FTM), *map(str, args)], capture_output=True, text=True, timeout=300)
        assert res.returncode == 0, res.stderr[-2000:]
    back = {json.loads(line)["id"]: json.loads(line) for line in aggregated.read_text("utf-8").splitlines()}
    assert set(back) == {e["id"] for e in exported["entities"]}
    for e in exported["entities"]:
        assert back[e["id"]]["schema"] == e["schema"]
        assert back[e["id"]]["properties"] == e["properties"]
    csvs = {p.name for p in (tmp_path / "csv").iterdir()}
    assert {"Email.csv", "Person.csv", "Pages.csv", "Page.csv"} <= csvs


def test_a_selection_brings_its_containers(exported: dict[str, Any], tmp_path: Path) -> None:
    out = tmp_path / "sel.jsonl"
    res = CliRunner().invoke(main, ["export", "ftm", "--query", "synthese OR synthèse", "--project",
                                    str(exported["root"]), "-o", str(out)])
    assert res.exit_code == 0, res.output
    ents = {json.loads(x)["id"]: json.loads(x) for x in out.read_text("utf-8").splitlines()}
    names = {e["properties"].get("fileName", [""])[0] for e in ents.values()}
    assert {"synthese.pdf", "inner.zip", "export.zip"} <= names
    for e in ents.values():
        for ref in e["properties"].get("parent", []):
            assert ref in ents
