"""The audit trail: what it records, that it never holds document text, that `faisceau audit
--verify` finds an edited, removed or reordered entry (rows changed with sqlite directly), and its
JSON listing and admin page."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from teamkit import ALPHA_TEXTS, Team, copy_server, login, raw_bytes, team  # noqa: F401 (the fixture)

from faisceau.store import audit


def faisceau(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "faisceau", *args], capture_output=True, text=True, timeout=120)


@pytest.fixture(scope="module")
def worked(team: Team) -> Team:  # noqa: F811
    """A session of work by ed and rita: searches, a view, a download, an export, a tag, a note."""
    ed, rita = login(team, "ed"), login(team, "rita")
    doc = team.ids["alpha"]["contrat.txt"]
    assert rita.http.get("/p/alpha/api/search", params={"q": "Acme"}).status_code == 200
    assert rita.http.get(f"/p/alpha/documents/{doc}").status_code == 200
    assert rita.http.get(f"/p/alpha/api/documents/{doc}/original").status_code == 200
    assert rita.http.get("/p/alpha/api/search.csv", params={"q": "contrat"}).status_code == 200
    assert ed.send("POST", f"/p/alpha/api/documents/{doc}/tags", json={"tag": "audited"}).status_code == 200
    assert ed.send("POST", f"/p/alpha/api/documents/{doc}/notes", json={"text": "to check"}).status_code == 200
    assert ed.send("DELETE", f"/p/alpha/api/documents/{doc}/tags/audited").status_code == 200
    # refused requests are not actions
    assert rita.send("POST", f"/p/alpha/api/documents/{doc}/tags", json={"tag": "no"}).status_code == 403
    team.flush()
    return team


def test_the_trail_records_who_did_what_where(worked: Team) -> None:
    doc = worked.ids["alpha"]["contrat.txt"]
    entries = audit.entries(worked.server.store())
    seen = {(e["user"], e["action"], e["project"], e["object"]) for e in entries}
    for want in [("rita", "search", "alpha", None), ("rita", "view", "alpha", doc), ("rita", "download", "alpha", doc),
                 ("rita", "export-csv", "alpha", None), ("ed", "tag", "alpha", doc), ("ed", "note", "alpha", doc),
                 ("ed", "untag", "alpha", doc), ("rita", "login", None, None), (None, "member-grant", "alpha", "rita")]:
        assert want in seen, want
    search = next(e for e in entries if e["action"] == "search" and e["user"] == "rita")
    assert search["detail"]["query"] == "Acme"
    untag = next(e for e in entries if e["action"] == "untag")
    assert untag["detail"] == {"tag": "audited"}
    assert not any(e["user"] == "rita" and e["action"] == "tag" for e in entries)
    # seq counts up with no gap, times never go back
    seqs = sorted(e["seq"] for e in entries)
    assert seqs == list(range(1, len(seqs) + 1))


def test_no_document_text_goes_into_the_trail(worked: Team) -> None:
    raw = raw_bytes([worked.root / "server.sqlite", *worked.root.glob("server.sqlite-wal")])
    for text in ALPHA_TEXTS.values():
        for phrase in (text[:40], text[-30:-1]):
            assert phrase.encode("utf-8") not in raw, phrase


def test_verify_passes_on_the_intact_trail(worked: Team) -> None:
    r = faisceau("audit", "--server", str(worked.root), "--verify")
    assert r.returncode == 0 and "intact" in r.stdout, r.stderr
    n = int(r.stdout.split("intact: ")[1].split()[0])
    assert n == len(audit.entries(worked.server.store())) and n > 10


def _drop_guards(db: sqlite3.Connection) -> None:
    # what someone with the file would do first: the triggers only stop honest mistakes
    db.execute("DROP TRIGGER audit_no_update")
    db.execute("DROP TRIGGER audit_no_delete")


def _edit(db: sqlite3.Connection) -> int:
    _drop_guards(db)
    entry = json.loads(db.execute("SELECT entry FROM audit WHERE seq = 5").fetchone()[0])
    entry["user"] = "someone-else"
    db.execute("UPDATE audit SET entry = ? WHERE seq = 5", (audit.canonical(entry),))
    return 5


def _edit_and_rehash(db: sqlite3.Connection) -> int:
    # a forger who recomputes this entry's hash still breaks the next link
    _drop_guards(db)
    prev = db.execute("SELECT hash FROM audit WHERE seq = 6").fetchone()[0]
    entry = json.loads(db.execute("SELECT entry FROM audit WHERE seq = 7").fetchone()[0])
    entry["action"] = "nothing"
    text = audit.canonical(entry)
    db.execute("UPDATE audit SET entry = ?, hash = ? WHERE seq = 7", (text, audit.chain_hash(prev, text)))
    return 8


def _delete_middle(db: sqlite3.Connection) -> int:
    _drop_guards(db)
    db.execute("DELETE FROM audit WHERE seq = 4")
    return 4


def _delete_last(db: sqlite3.Connection) -> int:
    _drop_guards(db)
    last = db.execute("SELECT max(seq) FROM audit").fetchone()[0]
    db.execute("DELETE FROM audit WHERE seq = ?", (last,))
    return int(last)


def _reorder(db: sqlite3.Connection) -> int:
    _drop_guards(db)
    a = db.execute("SELECT entry, hash FROM audit WHERE seq = 3").fetchone()
    b = db.execute("SELECT entry, hash FROM audit WHERE seq = 4").fetchone()
    db.execute("UPDATE audit SET entry = ?, hash = ? WHERE seq = 3", tuple(b))
    db.execute("UPDATE audit SET entry = ?, hash = ? WHERE seq = 4", tuple(a))
    return 3


@pytest.mark.parametrize("tamper", [_edit, _edit_and_rehash, _delete_middle, _delete_last, _reorder],
                         ids=lambda f: f.__name__.strip("_"))
def test_verify_names_the_first_bad_entry(worked: Team, tmp_path: Path, tamper: Callable[[sqlite3.Connection], int]) -> None:
    copy = copy_server(worked, tmp_path / "server")
    db = sqlite3.connect(copy / "server.sqlite", isolation_level=None)
    try:
        bad = tamper(db)
    finally:
        db.close()
    r = faisceau("audit", "--server", str(copy), "--verify")
    assert r.returncode == 1, r.stdout
    assert f"entry {bad}:" in r.stderr and r.stderr.count("\n") == 1, r.stderr


def test_json_listing_with_filters(worked: Team) -> None:
    r = faisceau("audit", "--server", str(worked.root), "--json", "--user", "ed", "--project", "alpha")
    rows = [json.loads(line) for line in r.stdout.splitlines()]
    assert rows and {(e["user"], e["project"]) for e in rows} == {("ed", "alpha")}
    assert {"tag", "note", "untag"} <= {e["action"] for e in rows}
    r = faisceau("audit", "--server", str(worked.root), "--json", "--action", "download")
    rows = [json.loads(line) for line in r.stdout.splitlines()]
    assert rows and {e["action"] for e in rows} == {"download"}
    since = rows[0]["time"]
    later = [json.loads(line) for line in faisceau("audit", "--server", str(worked.root), "--json", "--since",
                                                   since).stdout.splitlines()]
    assert later and all(e["time"] >= since for e in later)
    assert len(later) < len(audit.entries(worked.server.store()))


def test_the_audit_page_is_for_the_projects_admins(worked: Team) -> None:
    ada, rita, otto = login(worked, "ada"), login(worked, "rita"), login(worked, "otto")
    page = ada.http.get("/p/alpha/audit", params={"user": "ed"})
    assert page.status_code == 200 and 'id="intact"' in page.text and ">ed<" in page.text and ">rita<" not in page.text
    data = ada.http.get("/p/alpha/api/audit", params={"action": "view"}).json()
    assert data["intact"] and data["entries"] and {e["action"] for e in data["entries"]} == {"view"}
    assert {e["project"] for e in data["entries"]} == {"alpha"}
    assert rita.http.get("/p/alpha/audit").status_code == 403
    assert otto.http.get("/p/alpha/audit").status_code == 404
    assert otto.http.get("/p/beta/audit").status_code == 403
