"""Evidence packs from the demo corpus: hashes, verify-pack, a self-contained report, its PDF."""

from __future__ import annotations

import csv
import hashlib
import json
import re
import shutil
import subprocess
import unicodedata
import zipfile
from pathlib import Path
from typing import Any

import pypdfium2 as pdfium
import pytest
from chromium import chromium, load
from click.testing import CliRunner
from exportdemo import HOSTILE, TITLE, demo_project, doc_id
from selectolax.lexbor import LexborHTMLParser

from faisceau import citing as cit
from faisceau import settings as settings_mod
from faisceau import tags
from faisceau.analysis import read as analysis
from faisceau.cli import main
from faisceau.index.indexer import open_index
from faisceau.pipeline.orchestrator import Ingest
from faisceau.pipeline.stages import stage
from faisceau.store.db import Store
from faisceau.store.project import Project

TAGGED = ("reports/vigie-bilan-t1-2024.pdf", "mail/security-team.mbox!/1", "hostile/page.eml",
          "archives/export.zip!/export/inner.zip!/inner/synthese.pdf", "office/confidential.pdf")
QUERY = "caméras OR retention"


def run(*args: str, ok: bool = True) -> Any:
    res = CliRunner().invoke(main, [str(a) for a in args])
    if ok:
        assert res.exit_code == 0, res.output
    return res


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def squash(text: str) -> str:
    """Text compared across HTML, DOM and PDF: NFKC, no white space."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text))


@pytest.fixture(scope="module")
def packed(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """A copy of the demo project with tags, notes and citations, and two packs made from it."""
    base = tmp_path_factory.mktemp("packs")
    root = base / "project"
    shutil.copytree(demo_project(tmp_path_factory), root)
    store = Store(root / "store.sqlite")
    ids = [doc_id(root, p) for p in TAGGED]
    tags.add_tag(store, ids, "evidence")
    tags.add_note(store, ids[1], "Décision de rétention <script>alert('x')</script>")
    contents = {i: store.content(store.document(i)["sha256"]) for i in ids}  # type: ignore[index]
    texts = {i: c["text"] for i, c in contents.items()}  # type: ignore[index]
    p2 = contents[ids[0]]["pages"][1]["start"]  # type: ignore[index]
    cit.add_citation(store, ids[0], p2, p2 + 60, note="page two")
    hostile = texts[ids[2]]
    cit.add_citation(store, ids[2], 0, len(hostile.rstrip()), note="<b>all of it</b>")
    cit.add_citation(store, ids[1], 0, 40)
    folder, zipped = base / "pack", base / "pack.zip"
    out = run("export", "evidence", "--tag", "evidence", "--project", root, "-o", folder, "--json")
    report = json.loads(out.output)
    zrep = json.loads(run("export", "evidence", "--query", QUERY, "--project", root, "-o", zipped,
                          "--containers", "--json").output)
    order = sorted(ids, key=lambda i: store.document(i)["seq"])  # type: ignore[index]
    return {"root": root, "store": store, "ids": ids, "order": order, "folder": folder, "zip": zipped, "report": report,
            "zip_report": zrep, "base": base}


def expected_excerpts(packed: dict[str, Any]) -> list[str]:
    """The cited passages of the folder pack: every citation of a tagged document (from the store)."""
    store = packed["store"]
    return [c["text"] for i in packed["ids"] for c in cit.citations(store, i)]


def test_sha256sum_checks_every_file_of_the_pack(packed: dict[str, Any]) -> None:
    folder = packed["folder"]
    res = subprocess.run(["sha256sum", "-c", "manifest.sha256"], cwd=folder, capture_output=True, text=True)
    assert res.returncode == 0, res.stdout + res.stderr
    files = sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file())
    assert sorted(line.rsplit(": ", 1)[0] for line in res.stdout.splitlines()) == [f for f in files if f != "manifest.sha256"]
    assert {"index.html", "index.pdf", "manifest.csv"} <= set(files)
    assert packed["report"]["documents"] == len(TAGGED) and packed["report"]["problems"] == []


def test_manifest_rows_match_the_store_and_the_originals(packed: dict[str, Any]) -> None:
    store, folder = packed["store"], packed["folder"]
    rows = list(csv.DictReader((folder / "manifest.csv").open(encoding="utf-8", newline="")))
    assert [r["id"] for r in rows] == packed["order"]  # a tag selection comes in ingest order
    for r in rows:
        doc = store.document(r["id"])
        assert (r["path"], r["sha256"], int(r["size"]), r["kind"]) == (doc["path"], doc["sha256"], doc["size"], doc["kind"])
        assert r["file"].startswith(f"originals/{r['id']}") and sha(folder / r["file"]) == doc["sha256"]
        assert r["tags"] == "evidence" and r["original"] == "ok" and r["extractor"]
        for c in cit.citations(store, r["id"]):
            label = (f"p.{c['page']} " if c["page"] is not None else "") + f"{c['start']}-{c['end']} citation#{c['id']}"
            assert label in r["citations"]
    pdf_row = next(r for r in rows if r["id"] == packed["ids"][0])
    assert pdf_row["citations"].startswith("p.2 ")  # the citation on page two says so
    assert f"extract={stage('extract').version}" in pdf_row["stages"]  # the version that extracted it


def test_verify_pack_reports_exactly_the_altered_original(packed: dict[str, Any], tmp_path: Path) -> None:
    # every file manifest.sha256 lists is checked again: the five tagged originals and the report files
    listed = (packed["folder"] / "manifest.sha256").read_text("utf-8").splitlines()
    assert len([n for n in listed if " originals/" in n]) == len(TAGGED)
    assert run("verify-pack", packed["folder"]).output == f"{len(listed)} files checked: all match\n"
    good = json.loads(run("verify-pack", packed["folder"], "--json").output.splitlines()[0])
    assert (good["ok"], good["checked"], good["problems"]) == (True, len(listed), 0)
    copy = tmp_path / "moved-elsewhere"
    shutil.copytree(packed["folder"], copy)
    victim = sorted((copy / "originals").iterdir())[1]
    data = bytearray(victim.read_bytes())
    data[len(data) // 2] ^= 0x01
    victim.write_bytes(bytes(data))
    bad = run("verify-pack", copy, "--json", ok=False)
    assert bad.exit_code == 1
    lines = [json.loads(x) for x in bad.output.splitlines()]
    assert lines[0]["ok"] is False and lines[0]["problems"] == 1
    assert [x["file"] for x in lines[1:]] == [f"originals/{victim.name}"]
    assert "manifest.sha256" in lines[1]["problem"] and "recorded at ingest" in lines[1]["problem"]


def test_zip_pack_verifies_in_place_and_catches_tampering(packed: dict[str, Any], tmp_path: Path) -> None:
    z = packed["zip"]
    assert json.loads(run("verify-pack", z, "--json").output.splitlines()[0])["ok"] is True
    assert packed["zip_report"]["containers"] >= 2   # the mailbox and both zip files the hits came from
    with zipfile.ZipFile(z) as src:
        names = src.namelist()
        manifest = src.read("pack/manifest.csv").decode("utf-8")
        target = next(n for n in names if n.startswith("pack/originals/") and not n.endswith("/"))
        tampered = tmp_path / "tampered.zip"
        with zipfile.ZipFile(tampered, "w") as dst:
            for n in names:
                data = src.read(n)
                dst.writestr(n, data + b"\n" if n == target else data)
    assert "container" in manifest
    res = run("verify-pack", tampered, "--json", ok=False)
    assert res.exit_code == 1
    assert [json.loads(x)["file"] for x in res.output.splitlines()[1:]] == [target.removeprefix("pack/")]
    for row in csv.DictReader(manifest.splitlines()):
        if row["role"] == "container":
            assert row["file"] and row["original"] == "ok"


def test_report_is_self_contained_escaped_and_complete(packed: dict[str, Any]) -> None:
    page = (packed["folder"] / "index.html").read_text("utf-8")
    tree = LexborHTMLParser(page)
    assert tree.css("script") == [] and tree.css("img") == [] and tree.css("link") == []
    for node in tree.css("[src], [href], [srcset], [action], [poster], [data]"):
        for attr in ("src", "href", "srcset", "action", "poster", "data"):
            value = node.attributes.get(attr)
            if value is not None:
                assert value.startswith(("#", "originals/")), (attr, value)
    assert "url(" not in "".join(n.text() for n in tree.css("style")) and "@import" not in page
    assert not re.search(r"(?:src|href)\s*=\s*[\"']?(?:https?:)?//", page)
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in page and "&lt;script&gt;fetch(" in page
    assert 'Réunion &lt;img src=&quot;http://example.invalid/title.png&quot;&gt; &quot;quoted&quot; &amp; co' in page and "&lt;b&gt;all of it&lt;/b&gt;" in page
    text = squash(tree.body.text() if tree.body else "")
    for excerpt in expected_excerpts(packed):
        assert squash(excerpt) in text
    toc = [a.attributes["href"] for a in tree.css("nav a")]
    assert toc == [f"#d-{i}" for i in packed["order"]] and all(tree.css_first(f"section{h}") for h in toc)
    for i in packed["ids"]:
        assert packed["store"].document(i)["sha256"] in page


def test_chromium_loads_nothing_outside_the_pack_and_shows_every_excerpt(packed: dict[str, Any], tmp_path: Path) -> None:
    chromium()
    control = tmp_path / "control.html"
    control.write_text('<html><body><p>control</p><img src="http://example.invalid/control.png"></body></html>', "utf-8")
    (tmp_path / "c").mkdir()
    _, asked = load(control, tmp_path / "c")
    assert any("example.invalid/control.png" in u for u in asked)  # the method sees a page's request
    (tmp_path / "p").mkdir()
    dom, asked = load(packed["folder"] / "index.html", tmp_path / "p")
    assert asked == []
    shown = squash(LexborHTMLParser(dom).body.text())  # type: ignore[union-attr]
    assert squash(HOSTILE) in shown and squash(TITLE) in shown  # shown as text, neither run nor loaded
    for excerpt in expected_excerpts(packed):
        assert squash(excerpt) in shown


def test_pdf_holds_the_text_of_every_excerpt_and_document(packed: dict[str, Any]) -> None:
    assert packed["report"]["pdf"] == "index.pdf"
    doc = pdfium.PdfDocument(str(packed["folder"] / "index.pdf"))
    pages = [doc[i].get_textpage().get_text_range() for i in range(len(doc))]
    assert len(pages) >= 1 + len(TAGGED)   # the contents, then each document on a page of its own
    text = squash("".join(pages))
    for excerpt in expected_excerpts(packed):
        assert squash(excerpt) in text
    for i in packed["ids"]:
        assert squash(packed["store"].document(i)["sha256"]) in text


def test_query_pack_cites_the_search_hits(packed: dict[str, Any]) -> None:
    root = packed["root"]
    store = Store(root / "store.sqlite")
    index = open_index(root, settings_mod.load(root), store)
    hits = index.search(QUERY, limit=1000, snippets_per_hit=3).hits
    with zipfile.ZipFile(packed["zip"]) as z:
        page = z.read("pack/index.html").decode("utf-8")
        manifest = list(csv.DictReader(z.read("pack/manifest.csv").decode("utf-8").splitlines()))
    assert [r["id"] for r in manifest if r["role"] == "document"] == [h.id for h in hits]
    shown = squash(LexborHTMLParser(page).body.text())  # type: ignore[union-attr]
    for h in hits:
        row = next(r for r in manifest if r["id"] == h.id)
        for s in h.snippets:
            assert squash(s.text) in shown
            assert f"{s.start}-{s.end} search" in row["citations"]


def test_every_export_is_logged_with_its_checksum(packed: dict[str, Any]) -> None:
    rows = [json.loads(r[0]) for r in packed["store"].db.execute(
        "SELECT detail FROM actions WHERE action = 'export' ORDER BY id")]
    folder_log = next(r for r in rows if r["output"] == str(packed["folder"]))
    assert folder_log["sha256"] == sha(packed["folder"] / "manifest.sha256") == packed["report"]["sha256"]
    assert folder_log["selection"] == {"tag": "evidence"} and folder_log["documents"] == len(TAGGED)
    zip_log = next(r for r in rows if r["output"] == str(packed["zip"]))
    assert zip_log["sha256"] == sha(packed["zip"]) and zip_log["selection"] == {"query": QUERY}


def test_refusals_are_one_clear_line(packed: dict[str, Any], tmp_path: Path) -> None:
    root = packed["root"]
    cases = [
        (["--tag", "evidence", "-o", packed["folder"]], "exists"),
        (["-o", tmp_path / "x"], "choose the documents"),
        (["--tag", "nothing-has-it", "-o", tmp_path / "y"], "selection is empty"),
        (["--query", "title:(", "-o", tmp_path / "z"], "bad query"),
    ]
    ids = tmp_path / "ids.txt"
    ids.write_text("# ids\nzzzz\n", "utf-8")
    cases.append((["--ids", ids, "-o", tmp_path / "w"], "no such document: zzzz"))
    for args, why in cases:
        res = run("export", "evidence", "--project", root, *args, ok=False)
        assert res.exit_code == 2 and why in res.output and len(res.output.strip().splitlines()) == 1, res.output
    assert not (tmp_path / "y").exists() and not list(tmp_path.glob(".y.part-*"))


def test_ids_file_and_missing_chromium(packed: dict[str, Any], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    ids = tmp_path / "ids.csv"
    ids.write_text("id,comment\n" + f"{packed['ids'][2]},the hostile page\n{packed['ids'][0]},\n", "utf-8")
    monkeypatch.setenv("FAISCEAU_CHROMIUM", str(tmp_path / "no-such-chromium"))
    out = run("export", "evidence", "--ids", ids, "--project", packed["root"], "-o", tmp_path / "p")
    assert "PDF skipped: chromium not installed" in out.output
    rows = list(csv.DictReader((tmp_path / "p" / "manifest.csv").open(encoding="utf-8")))
    assert [r["id"] for r in rows] == [packed["ids"][2], packed["ids"][0]]
    assert not (tmp_path / "p" / "index.pdf").exists()
    assert run("verify-pack", tmp_path / "p").exit_code == 0


def test_an_original_changed_since_ingest_is_left_out_and_said(tmp_path: Path) -> None:
    src = tmp_path / "src"
    src.mkdir()
    (src / "a.txt").write_text("Première pièce.\n", "utf-8")
    (src / "b.txt").write_text("Seconde pièce.\n", "utf-8")
    proj = Project.open(tmp_path / "p", create=True)
    Ingest(proj, settings_mod.load(proj.root, {"workers": 1}), command="test").run([src])
    (src / "b.txt").write_text("Seconde pièce, modifiée.\n", "utf-8")
    res = run("export", "evidence", "--query", "pièce", "--no-pdf", "--project", proj.root, "-o", tmp_path / "pack",
              ok=False)
    assert res.exit_code == 1 and "changed since ingest" in res.output and "b.txt" in res.output
    rows = {r["path"]: r for r in csv.DictReader((tmp_path / "pack" / "manifest.csv").open(encoding="utf-8"))}
    assert rows["a.txt"]["original"] == "ok" and rows["b.txt"]["file"] == ""
    assert rows["b.txt"]["original"].startswith("changed since ingest")
    assert [p.name for p in (tmp_path / "pack" / "originals").iterdir()] == [Path(rows["a.txt"]["file"]).name]
    assert run("verify-pack", tmp_path / "pack").exit_code == 0


def test_report_names_the_entities_and_dates_analysis_found(packed: dict[str, Any]) -> None:
    page = LexborHTMLParser((packed["folder"] / "index.html").read_text("utf-8"))
    found = {"mentions": 0, "dates": 0}
    for i in packed["ids"]:
        got = analysis.document(packed["store"], i)
        section = squash(page.css_first(f"section#d-{i}").text())
        for m in got["mentions"]:
            assert squash(m["entity"] or m["text"]) in section
        for d in got["dates"]:
            assert squash(d["value"]) in section and squash(d["text"]) in section
        found = {k: n + len(got[k]) for k, n in found.items()}
    # the models ship with the package: the tagged reports and mails name people and carry dates,
    # so an analysis that found nothing is a failure, not a reason to skip
    assert found["mentions"] > 0 and found["dates"] > 0, found
