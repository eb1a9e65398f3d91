"""Cited excerpts: text taken from the store, pages computed, offsets checked, re-anchored by text."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner
from fpdf import FPDF

from faisceau import citing as cit
from faisceau import settings as settings_mod
from faisceau.cli import main
from faisceau.exc import UsageError
from faisceau.pipeline.orchestrator import Ingest
from faisceau.store.db import Store
from faisceau.store.project import Project

PAGE1 = "Rapport interne. Les badges sont lus chaque nuit."
PAGE2 = "Les cameras de la salle de pause enregistrent en continu depuis mars."


@pytest.fixture(scope="module")
def small_project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A project holding a real two-page PDF and a text file."""
    tmp_path = tmp_path_factory.mktemp("cite")
    src = tmp_path / "src"
    src.mkdir()
    pdf = FPDF()
    for text in (PAGE1, PAGE2):
        pdf.add_page()
        pdf.set_font("helvetica", size=12)
        pdf.cell(0, 10, text)
    pdf.output(str(src / "rapport.pdf"))
    (src / "note.txt").write_text("Une note sans pages.\nDeuxième ligne de la note.\n", "utf-8")
    proj = Project.open(tmp_path / "p", create=True)
    Ingest(proj, settings_mod.load(proj.root, {"workers": 1}), command="test").run([src])
    return proj.root


@pytest.fixture
def small(small_project: Path, tmp_path: Path) -> tuple[Path, Store]:
    """A private copy of that project, and its store."""
    root = tmp_path / "p"
    shutil.copytree(small_project, root)
    return root, Store(root / "store.sqlite")


def _doc(store: Store, name: str) -> tuple[str, str, list[dict[str, int]]]:
    row = store.db.execute("SELECT id, sha256 FROM documents WHERE name = ?", (name,)).fetchone()
    content = store.content(row["sha256"])
    assert content is not None
    return row["id"], content["text"], content["pages"]


def test_citation_keeps_the_stored_words_page_and_offsets(small: tuple[Path, Store]) -> None:
    _, store = small
    doc, text, pages = _doc(store, "rapport.pdf")
    assert len(pages) == 2
    start = text.index("salle de pause")
    cid = cit.add_citation(store, doc, start, start + len("salle de pause"), note="  la preuve  ")
    [c] = cit.citations(store, doc)
    assert (c["id"], c["text"], c["page"], c["note"], c["anchor"]) == (cid, "salle de pause", 2, "la preuve", "exact")
    assert c["before"] == text[max(0, start - cit.CONTEXT):start] and c["after"].startswith(" enregistrent")
    first = cit.add_citation(store, doc, 0, 7)
    assert next(x for x in cit.citations(store, doc) if x["id"] == first)["page"] == 1
    actions = [(r[0], json.loads(r[1])) for r in store.db.execute("SELECT action, detail FROM actions WHERE action = 'cite'")]
    assert [a[1]["citation"] for a in actions] == [cid, first]
    assert all("salle" not in json.dumps(a[1]) for a in actions)  # the log holds offsets, not the words


@pytest.mark.parametrize("start, end, page, why", [
    (-1, 5, None, "outside"), (5, 5, None, "outside"), (0, 10**6, None, "outside"),
    (0, 5, 7, "no page 7"), (0, 5, 2, "is on page 1"),
])
def test_bad_offsets_and_pages_are_refused(small: tuple[Path, Store], start: int, end: int, page: int | None,
                                           why: str) -> None:
    _, store = small
    doc, _, _ = _doc(store, "rapport.pdf")
    with pytest.raises(UsageError, match=why):
        cit.add_citation(store, doc, start, end, page=page)
    assert cit.citations(store) == []


def test_unknown_document_blank_passage_and_deletion(small: tuple[Path, Store]) -> None:
    _, store = small
    with pytest.raises(UsageError, match="no document"):
        cit.add_citation(store, "nope", 0, 3)
    doc, text, pages = _doc(store, "note.txt")
    assert pages == []
    nl = text.index("\n")
    with pytest.raises(UsageError, match="white space"):
        cit.add_citation(store, doc, nl, nl + 1)
    cid = cit.add_citation(store, doc, 0, 8)
    assert cit.citations(store, doc)[0]["page"] is None
    cit.delete_citation(store, cid)
    assert cit.citations(store) == []
    with pytest.raises(UsageError, match=f"no citation {cid}"):
        cit.delete_citation(store, cid)
    assert [r[0] for r in store.db.execute("SELECT action FROM actions WHERE action IN ('cite', 'uncite')")] == ["cite", "uncite"]


def test_reanchor_after_reextraction_exact_moved_changed(small: tuple[Path, Store]) -> None:
    _, store = small
    doc, text, pages = _doc(store, "rapport.pdf")
    sha = store.document(doc)["sha256"]  # type: ignore[index]
    a = cit.add_citation(store, doc, 0, len("Rapport interne"))
    s = text.index("salle de pause")
    b = cit.add_citation(store, doc, s, s + len("salle de pause enregistrent"))
    s2 = text.index("chaque nuit")
    c = cit.add_citation(store, doc, s2, s2 + len("chaque nuit"))
    assert cit.reanchor(store) == {"exact": 3, "moved": 0, "changed": 0}
    # a re-extraction (say OCR) adds a heading to page 2, breaks a line, and reads "chaque nuit" wrongly
    p2 = pages[1]["start"]
    new_text = (text[:p2] + "ANNEXE\n" + text[p2:]).replace("pause enregistrent", "pause\nenregistrent")
    new_text = new_text.replace("chaque nuit", "chaque nu1t")
    shift = len("ANNEXE\n")
    new_pages = [pages[0], {**pages[1], "end": pages[1]["end"] + shift}]
    with store.transaction():
        store.update_content(sha, text=new_text, pages=new_pages)
    assert cit.reanchor(store) == {"exact": 1, "moved": 1, "changed": 1}
    got = {x["id"]: x for x in cit.citations(store)}
    assert got[a]["anchor"] == "exact" and got[a]["start"] == 0
    assert got[b]["anchor"] == "moved" and got[b]["page"] == 2
    assert new_text[got[b]["start"]:got[b]["end"]] == "salle de pause\nenregistrent"
    assert got[b]["text"] == "salle de pause enregistrent"          # the cited words stay what was cited
    assert got[c]["anchor"] == "changed" and (got[c]["start"], got[c]["text"]) == (s2, "chaque nuit")
    assert store.db.execute("SELECT count(*) FROM actions WHERE action = 'reanchor'").fetchone()[0] == 1


def test_reanchor_picks_the_occurrence_with_the_same_context() -> None:
    old = "alpha beta. Le mot clef ici. gamma delta. Le mot clef là-bas. fin"
    s = old.index("Le mot clef là")
    c = {"start": s, "end": s + len("Le mot clef"), "text": "Le mot clef", "before": old[s - 40:s] if s >= 40 else old[:s],
         "after": old[s + 11:s + 51]}
    new = "Préface ajoutée. " + old
    assert cit.locate(new, c) == ("moved", s + len("Préface ajoutée. "), s + len("Préface ajoutée. ") + 11)


def test_cli_cite_citations_uncite(small: tuple[Path, Store]) -> None:
    root, store = small
    doc, text, _ = _doc(store, "rapport.pdf")
    r = CliRunner()
    out = r.invoke(main, ["cite", doc, "--start", "0", "--end", "7", "--note", "début", "--project", str(root), "--json"])
    assert out.exit_code == 0, out.output
    c = json.loads(out.output)
    assert (c["text"], c["page"], c["note"]) == (text[:7], 1, "début")
    listed = r.invoke(main, ["citations", "--project", str(root), "--json"])
    assert [json.loads(line)["id"] for line in listed.output.splitlines()] == [c["id"]]
    plain = r.invoke(main, ["citations", "--document", doc, "--project", str(root)])
    assert text[:7] in plain.output and "début" in plain.output
    bad = r.invoke(main, ["cite", doc, "--start", "9", "--end", "3", "--project", str(root)])
    assert bad.exit_code == 2 and "outside the text" in bad.output
    assert r.invoke(main, ["uncite", str(c["id"]), "--project", str(root)]).exit_code == 0
    again = r.invoke(main, ["uncite", str(c["id"]), "--project", str(root)])
    assert again.exit_code == 2 and f"no citation {c['id']}" in again.output
