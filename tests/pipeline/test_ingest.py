"""The ingest foundation end to end, through the real CLI and real worker processes."""

from __future__ import annotations

import io
import mailbox
import os
import random
import shutil
import subprocess
import zipfile
from email.message import EmailMessage
from pathlib import Path

import pytest
from helpers import dump, faisceau, jsonl

EN = "The security operations centre kept a weekly report on the warehouse site and its visitors.\n"
FR = "Le centre de sécurité a rédigé un rapport hebdomadaire sur l'entrepôt et ses visiteurs.\n"


def _zip(members: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in members.items():
            z.writestr(zipfile.ZipInfo(name, (2020, 3, 10, 9, 0, 0)), data)
    return buf.getvalue()


def make_leak(root: Path) -> Path:
    """A small leak with nesting, duplicates, mail, junk and a broken archive."""
    leak = root / "leak"
    (leak / "docs").mkdir(parents=True)
    (leak / "docs" / "report-en.txt").write_text(EN * 20)
    (leak / "docs" / "rapport-fr.txt").write_text(FR * 20)
    (leak / "docs" / "copy-of-report.txt").write_text(EN * 20)
    (leak / "docs" / "empty.txt").write_bytes(b"")
    (leak / "docs" / "blob.bin").write_bytes(random.Random(7).randbytes(4096))
    inner = _zip({"deep/deep.txt": FR.encode() * 3, "report-en.txt": (EN * 20).encode()})
    (leak / "export.zip").write_bytes(_zip({"export/inner.zip": inner, "export/readme.txt": b"readme " * 50}))
    (leak / "broken.zip").write_bytes(_zip({"a.txt": b"x" * 5000, "b.txt": b"y" * 5000})[:-60])
    box = mailbox.mbox(leak / "team.mbox")
    for i in range(3):
        m = EmailMessage()
        m["From"] = "Alice Martin <alice@example.com>"
        m["To"] = "bob@example.org"
        m["Subject"] = f"Rapport {i}"
        m["Date"] = f"Tue, 10 Mar 2020 09:0{i}:00 +0100"
        m["Message-ID"] = f"<m{i}@example.com>"
        m.set_content(FR * (i + 1))
        if i == 1:
            m.add_attachment((EN * 5).encode(), maintype="text", subtype="plain", filename="note.txt")
        box.add(m)
    box.close()
    os.symlink("docs", leak / "docs-link")
    return leak


@pytest.fixture(scope="module")
def ingested(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    root = tmp_path_factory.mktemp("ingest")
    leak = make_leak(root)
    project = root / "project"
    faisceau("ingest", leak, "--project", project, "--workers", "2")
    return leak, project


def test_every_item_ends_ok_failed_or_skipped_with_a_reason(ingested: tuple[Path, Path]) -> None:
    _, project = ingested
    status = jsonl(faisceau("status", "--project", project, "--json").stdout)[0]
    docs = status["documents"]
    assert docs["pending"] == 0
    assert docs["ok"] + docs["failed"] + docs["skipped"] == status["total"]
    assert sum(status["by_reason"].values()) == docs["failed"] + docs["skipped"]
    failures = jsonl(faisceau("failures", "--project", project, "--json").stdout)
    assert len(failures) == docs["failed"] + docs["skipped"]
    assert all(f["reason"] and f["status"] in ("failed", "skipped") and f["path"] and f["id"] for f in failures)
    reasons = {f["path"]: f["reason"] for f in failures}
    assert reasons["docs/blob.bin"].startswith("unsupported format")
    assert "symlink" in reasons["docs-link"]
    assert any(p.startswith("broken.zip") for p in reasons)
    for d in jsonl(faisceau("documents", "--project", project, "--json").stdout):
        assert {"id", "path", "status", "reason", "kind", "sha256"} <= d.keys()
        assert d["status"] in ("ok", "failed", "skipped")


def test_containers_are_unpacked_recursively_with_provenance(ingested: tuple[Path, Path]) -> None:
    _, project = ingested
    docs = {d["path"]: d for d in jsonl(faisceau("documents", "--project", project, "--json").stdout)}
    deep = docs["export.zip!/export/inner.zip!/deep/deep.txt"]
    assert deep["status"] == "ok" and deep["depth"] == 2
    inner = docs["export.zip!/export/inner.zip"]
    assert deep["parent_id"] == inner["id"] and inner["kind"] == "archive"
    messages = [p for p in docs if p.startswith("team.mbox!/")]
    assert {"team.mbox!/1", "team.mbox!/2", "team.mbox!/3"} <= set(messages)
    attachment = [p for p in messages if p.startswith("team.mbox!/2!/")]
    assert len(attachment) == 1 and docs[attachment[0]]["status"] == "ok"
    shown = jsonl(faisceau("show", deep["id"], "--project", project, "--json").stdout)[0]
    assert {"metadata", "path", "sha256", "status", "parent_id", "children", "text"} <= shown.keys()
    assert "sécurité" in shown["text"] and shown["language"] == "fr"
    box = jsonl(faisceau("show", docs["team.mbox"]["id"], "--project", project, "--json").stdout)[0]
    assert len(box["children"]) == 3


def test_identical_bytes_are_extracted_once_and_every_location_listed(ingested: tuple[Path, Path]) -> None:
    _, project = ingested
    docs = jsonl(faisceau("documents", "--project", project, "--json").stdout)
    same = [d for d in docs if d["path"].endswith("report-en.txt") or d["path"].endswith("copy-of-report.txt")]
    assert len(same) == 3 and len({d["sha256"] for d in same}) == 1
    assert {d["status"] for d in same} == {"ok"}
    shown = jsonl(faisceau("show", same[0]["id"], "--project", project, "--json").stdout)[0]
    assert {loc["path"] for loc in shown["locations"]} == {d["path"] for d in same} - {same[0]["path"]}
    status = jsonl(faisceau("status", "--project", project, "--json").stdout)[0]
    assert status["distinct_contents"] < status["total"]


def test_rerun_adds_nothing(ingested: tuple[Path, Path], tmp_path: Path) -> None:
    leak, project = ingested
    copy = tmp_path / "project"
    shutil.copytree(project, copy)
    before = dump(copy)
    faisceau("ingest", leak, "--project", copy)
    assert dump(copy) == before


def test_verify_rehashes_originals_and_reports_tampering(ingested: tuple[Path, Path], tmp_path: Path) -> None:
    _, project = ingested
    copy = tmp_path / "project"
    shutil.copytree(project, copy)
    ok = jsonl(faisceau("verify", "--project", copy, "--json").stdout)[0]
    assert ok["mismatch"] == 0 and ok["missing"] == 0 and ok["ok"] > 10
    # one byte changed inside a pack (an e-mail) and one blob file (a zip member) lengthened
    pack = next((copy / "blobs" / "packs").glob("*.pack"))
    sha, offset, size = pack.with_suffix(".idx").read_text().splitlines()[0].split()
    data = bytearray(pack.read_bytes())
    data[int(offset) + int(size) // 2] ^= 0x20
    pack.write_bytes(bytes(data))
    blob = next(p for p in (copy / "blobs").rglob("*") if p.is_file() and p.parent.name != "packs")
    blob.write_bytes(blob.read_bytes() + b"tampered")
    bad = faisceau("verify", "--project", copy, "--json", check=False)
    assert bad.returncode == 1
    head, *problems = jsonl(bad.stdout)
    assert head["mismatch"] == 2 and head["missing"] == 0
    assert {p["sha256"] for p in problems} == {sha, blob.name}
    assert f"@{offset}+{size}" in next(p["file"] for p in problems if p["sha256"] == sha)


def test_depth_limit_is_recorded(tmp_path: Path) -> None:
    data = b"bottom of the pile " * 10
    for level in range(6):
        data = _zip({f"level{level}.zip" if level else "bottom.txt": data})
    (tmp_path / "nest.zip").write_bytes(data)
    faisceau("ingest", tmp_path / "nest.zip", "--project", tmp_path / "p", "--set", "max_depth=3")
    failures = jsonl(faisceau("failures", "--project", tmp_path / "p", "--json").stdout)
    assert len(failures) == 1
    assert failures[0]["reason"] == "nesting depth 4 over limit 3"
    assert failures[0]["path"].count("!/") == 4


def test_a_crashing_and_a_hanging_parser_end_only_their_item(tmp_path: Path) -> None:
    leak = tmp_path / "leak"
    leak.mkdir()
    for name in ("crash-me.txt", "hang-me.txt", "fine-1.txt", "fine-2.txt", "fine-3.txt"):
        (leak / name).write_text(EN + name)
    project = tmp_path / "p"
    faisceau("ingest", leak, "--project", project, "--workers", "2", env={"FAISCEAU_FAULT": "worker-crash:crash-me"})
    faisceau("ingest", leak, "--project", tmp_path / "p2", "--workers", "2",
             "--set", "time_limit=2", env={"FAISCEAU_FAULT": "worker-hang:hang-me"})
    crashed = {d["path"]: d for d in jsonl(faisceau("documents", "--project", project, "--json").stdout)}
    assert crashed["crash-me.txt"]["status"] == "failed"
    assert crashed["crash-me.txt"]["reason"] == "parser crashed (SIGSEGV)"
    assert all(crashed[f"fine-{i}.txt"]["status"] == "ok" for i in (1, 2, 3))
    hung = {d["path"]: d for d in jsonl(faisceau("documents", "--project", tmp_path / "p2", "--json").stdout)}
    assert hung["hang-me.txt"]["reason"] == "time limit 2 s exceeded"
    assert sum(d["status"] == "ok" for d in hung.values()) == 4


def _restarts(project: Path) -> list[dict]:
    return [e for log in sorted((project / "logs").glob("*.jsonl")) for e in jsonl(log.read_text())
            if e["event"] == "worker-restarted"]


@pytest.mark.parametrize("fault", ["worker-spent", "worker-oom"])
def test_a_memory_failure_is_run_again_in_a_fresh_worker(tmp_path: Path, fault: str) -> None:
    # worker-spent: the worker's address space is spent by what it ran before (ENOMEM from outside
    # Python), so the item must succeed when run again alone in a new worker; worker-oom: the item
    # itself exceeds the limit, so it fails after that second try. One worker: a known order.
    leak = tmp_path / "leak"
    leak.mkdir()
    for name in ("a-fine.txt", "b-hit-me.txt", "c-fine.txt", "d-fine.txt"):
        (leak / name).write_text(EN + name)
    project = tmp_path / "p"
    faisceau("ingest", leak, "--project", project, "--workers", "1", env={"FAISCEAU_FAULT": f"{fault}:hit-me"})
    docs = {d["path"]: d for d in jsonl(faisceau("documents", "--project", project, "--json").stdout)}
    assert [docs[f"{c}-fine.txt"]["status"] for c in "acd"] == ["ok"] * 3
    hit = docs["b-hit-me.txt"]
    if fault == "worker-spent":
        assert hit["status"] == "ok"
    else:
        assert (hit["status"], hit["reason"]) == ("failed", "memory limit exceeded")
    assert [e["document"] for e in _restarts(project)] == [hit["id"]]


def test_a_worker_past_its_memory_share_hands_over_to_a_new_one(tmp_path: Path) -> None:
    # A worker's address space starts near 340 MB (the extractors and the language detector); with a
    # 520 MB limit it is past 60% of it at once, so it stops after its first 16 items and a new one
    # goes on with the rest. The entity models are left out: loading them needs more than such a
    # limit leaves, and under an address-space limit native code may abort rather than raise.
    leak = tmp_path / "leak"
    leak.mkdir()
    for i in range(60):
        (leak / f"note-{i}.txt").write_text(EN + FR + str(i))
    project = tmp_path / "p"
    faisceau("ingest", leak, "--project", project, "--workers", "1", "--set", "memory_limit=520M",
             "--set", "skip_stages=entities")
    docs = jsonl(faisceau("documents", "--project", project, "--json").stdout)
    assert sorted(d["path"] for d in docs) == sorted(f"note-{i}.txt" for i in range(60))
    assert all(d["status"] == "ok" for d in docs)
    logs = [e for log in (project / "logs").glob("*.jsonl") for e in jsonl(log.read_text())]
    assert 1 <= sum(e["event"] == "worker-recycled" for e in logs) <= 60 // 16


def test_retry_failed_picks_up_items_skipped_for_a_missing_tool(tmp_path: Path) -> None:
    sevenzip = shutil.which("7zz") or shutil.which("7z")
    if sevenzip is None:
        pytest.fail("7zz not installed")
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "a.txt").write_text(EN)
    subprocess.run([sevenzip, "a", str(tmp_path / "pack.7z"), str(tmp_path / "in" / "a.txt")], check=True,
                   capture_output=True)
    project = tmp_path / "p"
    faisceau("ingest", tmp_path / "pack.7z", "--project", project, env={"FAISCEAU_SEVENZIP": "no-such-7z"})
    (f,) = jsonl(faisceau("failures", "--project", project, "--json").stdout)
    assert f["status"] == "skipped" and f["reason"] == "no-such-7z not installed"
    faisceau("ingest", "--retry-failed", "--project", project)
    assert jsonl(faisceau("failures", "--project", project, "--json").stdout) == []
    docs = jsonl(faisceau("documents", "--project", project, "--json").stdout)
    assert {d["path"] for d in docs} == {"pack.7z", "pack.7z!/a.txt"}


def test_usage_errors_are_one_line_and_exit_2(tmp_path: Path) -> None:
    r = faisceau("ingest", tmp_path / "missing", "--project", tmp_path / "p", check=False)
    assert r.returncode == 2 and r.stderr.count("\n") == 1 and "Traceback" not in r.stderr
    r = faisceau("status", "--project", tmp_path / "nothing-here", check=False)
    assert r.returncode == 1 and "no faisceau project" in r.stderr and "Traceback" not in r.stderr
    r = faisceau("ingest", tmp_path, "--project", tmp_path / "p", "--set", "max_depth=lots", check=False)
    assert r.returncode == 2 and "max_depth" in r.stderr


def test_a_new_stage_version_reruns_only_that_stage(ingested: tuple[Path, Path], tmp_path: Path) -> None:
    import sqlite3

    leak, project = ingested
    copy = tmp_path / "project"
    shutil.copytree(project, copy)
    db = sqlite3.connect(copy / "store.sqlite")
    with db:
        db.execute("UPDATE contents SET stages = json_set(stages, '$.language.version', '0'), language = NULL")
        db.execute("UPDATE stages SET version = '0' WHERE stage = 'language'")
        stale = db.execute("SELECT count(*) FROM contents").fetchone()[0]
    db.close()
    report = jsonl(faisceau("ingest", leak, "--project", copy, "--json").stdout)[0]
    assert report["extracted"] == 0
    db = sqlite3.connect(copy / "store.sqlite")
    assert db.execute("SELECT count(*) FROM stages WHERE stage = 'language' AND version = '0'").fetchone()[0] == 0
    assert db.execute("SELECT count(*) FROM contents WHERE json_extract(stages, '$.language.version') = '1'"
                      ).fetchone()[0] == stale
    langs = dict(db.execute("SELECT d.path, c.language FROM documents d JOIN contents c USING (sha256)"))
    assert langs["docs/rapport-fr.txt"] == "fr" and langs["docs/report-en.txt"] == "en"
    assert dump(copy) == dump(project)


def test_a_project_made_inside_the_leak_is_not_ingested_into_itself(tmp_path: Path) -> None:
    leak = tmp_path / "leak"
    leak.mkdir()
    (leak / "note.txt").write_text("Rendez-vous jeudi au dépôt.", "utf-8")
    project = leak / "faisceau-project"
    faisceau("ingest", leak, "--project", project)
    rows = jsonl(faisceau("documents", "--project", project, "--json").stdout)
    assert sorted((r["path"], r["status"]) for r in rows) == [("faisceau-project/", "skipped"), ("note.txt", "ok")]
    before = dump(project)
    faisceau("ingest", leak, "--project", project)
    assert dump(project) == before
