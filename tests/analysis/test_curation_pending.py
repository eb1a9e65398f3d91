"""A curation decision is applied or visibly pending, never stuck: a rename sent while a merge is being
applied, or while another process holds the project, is marked pending and then applied."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
import threading
import time
from email.message import EmailMessage
from pathlib import Path

import pytest

from faisceau.analysis import read
from faisceau.analysis.grouping import regroup
from faisceau.services import curation
from faisceau.store.db import Store
from faisceau.store.project import Project


def _mail(path: Path, sender: str, to: str, subject: str, body: str) -> None:
    m = EmailMessage()
    m["From"], m["To"], m["Subject"], m["Date"] = sender, to, subject, "Tue, 10 Mar 2020 18:00:00 +0100"
    m["Message-ID"] = f"<{path.stem}@example.fr>"
    m.set_content(body)
    path.write_bytes(bytes(m))


@pytest.fixture
def project(tmp_path: Path) -> Path:
    leak = tmp_path / "leak"
    leak.mkdir()
    _mail(leak / "a.eml", "Jean Dupont <jean.dupont@example.fr>", "Marie Lefèvre <marie.lefevre@example.fr>",
          "Amiens", "Marie,\n\nPaul Martin et Pierre Durand étaient à Amiens avec Optivue.\n\nJean Dupont\n")
    _mail(leak / "b.eml", "Marie Lefèvre <marie.lefevre@example.fr>", "Jean Dupont <jean.dupont@example.fr>",
          "Re: Amiens", "Jean,\n\nPaul Martin a vu Pierre Durand chez Optivue à Amiens.\n\nMarie Lefèvre\n")
    r = subprocess.run([sys.executable, "-m", "faisceau", "ingest", str(leak), "--project", str(tmp_path / "p")],
                       capture_output=True, text=True, timeout=900)
    assert r.returncode == 0, r.stderr[-3000:]
    return tmp_path / "p"


def _pending(store: Store) -> list[int]:
    return [d["id"] for d in curation.decisions(store) if d["pending"]]


def test_decision_while_another_process_holds_the_project_is_pending_then_applied(project: Path) -> None:
    proj, store = Project.open(project), Store(project / "store.sqlite")
    holder = Project.open(project)
    holder.lock()            # as an ingest would (flock: another open file, even in this process)
    try:
        out = curation.decide(proj, store, "rename", "Paul Martin", "Paul Martinez")
        assert out["applied"] is False and out["pending"] is True and "pending" in out["note"]
        assert "an ingest is running" not in out["note"]
        assert _pending(store) == [out["decision"]]
        assert read.entity(store, "Paul Martinez") is None
    finally:
        holder.unlock()
    # the next decision applies what was left, and nothing stays pending
    nxt = curation.decide(proj, store, "merge", "Jean Dupont", "Pierre Durand")
    assert nxt["applied"] is True
    assert _pending(store) == []
    renamed = read.entity(store, "Paul Martin")
    assert renamed is not None and renamed["name"] == "Paul Martinez"


def test_rename_sent_while_a_merge_is_applied_is_applied_after_it(project: Path) -> None:
    proj = Project.open(project)
    merged: dict[str, object] = {}

    def merge() -> None:  # the web serves each request on a thread of its own, with its own store
        merged.update(curation.decide(proj, Store(project / "store.sqlite"), "merge", "Jean Dupont", "Pierre Durand"))

    t = threading.Thread(target=merge)
    t.start()
    deadline = time.monotonic() + 60
    while proj.root not in curation._applying and t.is_alive() and time.monotonic() < deadline:
        time.sleep(0.0005)
    store = Store(project / "store.sqlite")
    assert proj.root in curation._applying, "the merge was applied before the rename could be sent"
    out = curation.decide(proj, store, "rename", "Paul Martin", "Paul Martinez")
    assert out["applied"] is False and out["pending"] is True and "applied right after" in out["note"]
    t.join(120)
    assert merged.get("applied") is True
    assert _pending(store) == []
    renamed = read.entity(store, "Paul Martin")
    assert renamed is not None and renamed["name"] == "Paul Martinez"
    assert read.entity(store, "Pierre Durand")["id"] == read.entity(store, "Jean Dupont")["id"]  # type: ignore[index]


def _tables(project: Path) -> dict[str, list[tuple[object, ...]]]:
    c = sqlite3.connect(project / "store.sqlite")
    try:
        return {t: sorted(c.execute(f"SELECT * FROM {t}").fetchall())
                for t in ("entities", "entity_keys", "document_entities")}
    finally:
        c.close()


def test_decisions_rewrite_only_their_entities_and_agree_with_a_full_regrouping(project: Path) -> None:
    proj, store = Project.open(project), Store(project / "store.sqlite")
    before = _tables(project)
    merged = curation.decide(proj, store, "merge", "Jean Dupont", "Pierre Durand")
    assert merged["applied"] and 0 < merged["documents_changed"] <= 2
    curation.decide(proj, store, "rename", "Paul Martin", "Paul Martinez")
    curation.decide(proj, store, "ignore", "Optivue")
    curation.undo(proj, store, merged["decision"])
    after = _tables(project)
    assert after != before
    regroup(store)                                    # the full rewrite, as an ingest does it
    assert _tables(project) == after
