"""Hostile input is normal: every hostile fixture, ingested together, ends with a clear reason."""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers import faisceau, jsonl

from faisceau import fixtures as fx


@pytest.fixture(scope="module")
def hostile(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict[str, dict], Path]:
    root = tmp_path_factory.mktemp("hostile")
    leak = root / "leak"
    leak.mkdir()
    fx.make_zip_bomb(leak)
    fx.make_traversal_zip(leak)
    fx.make_nested_zip(leak, depth=1000)
    fx.make_xml_bomb_docx(leak)
    fx.make_symlink_loop(leak / "links")
    fx.make_fifo(leak)
    fx.make_pixel_bomb_png(leak)
    fx.make_truncated_pdf(leak)
    fx.make_junk_prefix_pdf(leak)
    fx.make_stripped_xref_pdf(leak)
    fx.make_encrypted_pdf(leak, user_password="s3cret")
    fx.make_owner_only_pdf(leak)
    fx.make_html_with_scripts(leak)
    fx.make_cp437_zip(leak)
    project = root / "project"
    faisceau("ingest", leak, "--project", project, timeout=900)
    docs = {d["path"]: d for d in jsonl(faisceau("documents", "--project", project, "--json").stdout)}
    return docs, project


def _one(docs: dict[str, dict], suffix: str) -> dict:
    (hit,) = [d for p, d in docs.items() if p.endswith(suffix)]
    return hit


def test_nothing_is_pending_and_every_failure_has_a_reason(hostile: tuple[dict[str, dict], Path]) -> None:
    docs, _ = hostile
    assert all(d["status"] in ("ok", "failed", "skipped") for d in docs.values())
    assert all(d["reason"] for d in docs.values() if d["status"] != "ok")
    assert not [d for d in docs.values() if (d["reason"] or "").startswith("internal error")]


def test_bombs_are_refused(hostile: tuple[dict[str, dict], Path]) -> None:
    docs, _ = hostile
    bomb = [d for p, d in docs.items() if p.startswith("bomb.zip!/")]
    assert len(bomb) == 1 and bomb[0]["status"] == "failed"
    assert bomb[0]["reason"].startswith("zip bomb: expansion ratio 1:")
    assert _one(docs, "pixel-bomb.png")["reason"].startswith("pixel bomb:")
    assert "XML entity expansion refused" in _one(docs, ".docx")["reason"]


def test_thousand_deep_nesting_stops_at_the_depth_limit(hostile: tuple[dict[str, dict], Path]) -> None:
    docs, _ = hostile
    nested = [d for p, d in docs.items() if p.startswith("nested")]
    deepest = max(nested, key=lambda d: d["depth"])
    assert deepest["depth"] == 33 and deepest["status"] == "skipped"
    assert deepest["reason"] == "nesting depth 33 over limit 32"
    assert len(nested) == 34


def test_traversal_names_stay_inside_and_are_flagged(hostile: tuple[dict[str, dict], Path]) -> None:
    docs, project = hostile
    members = {p: d for p, d in docs.items() if p.startswith("traversal.zip!/")}
    assert len(members) == 3
    assert all(".." not in p.split("!/", 1)[1] for p in members)
    assert not (project.parent / "evil.txt").exists() and not Path("/etc/abs.txt").exists()
    flagged = [jsonl(faisceau("show", d["id"], "--project", project, "--json", "--no-text").stdout)[0]
               for d in members.values()]
    unsafe = [s for s in flagged if s["item_metadata"].get("unsafe_name")]
    assert len(unsafe) == 2


def test_links_and_fifos_are_recorded_not_followed(hostile: tuple[dict[str, dict], Path]) -> None:
    docs, _ = hostile
    links = {p: d for p, d in docs.items() if p.startswith("links/") and d["status"] == "skipped"}
    assert len(links) == 4 and all("symlink" in d["reason"] for d in links.values())
    assert any("symlink loop" in d["reason"] for d in links.values())
    fifo = [d for d in docs.values() if (d["reason"] or "").startswith("fifo")]
    assert len(fifo) == 1


def test_broken_and_protected_pdfs(hostile: tuple[dict[str, dict], Path]) -> None:
    docs, project = hostile
    assert _one(docs, "junk-prefix.pdf")["status"] == "ok"
    assert _one(docs, "stripped-xref.pdf")["status"] == "ok"
    assert _one(docs, "encrypted.pdf")["reason"] == "encrypted"
    owner = _one(docs, "owner-only.pdf")
    shown = jsonl(faisceau("show", owner["id"], "--project", project, "--json").stdout)[0]
    assert owner["status"] == "ok" and "encrypted" in shown["flags"] and shown["text"].strip()
    truncated = _one(docs, "truncated.pdf")
    assert truncated["status"] == "failed" or "truncated" in jsonl(
        faisceau("show", truncated["id"], "--project", project, "--json").stdout)[0]["flags"]


def test_html_scripts_are_not_text_and_nothing_is_fetched(hostile: tuple[dict[str, dict], Path]) -> None:
    docs, project = hostile
    page = _one(docs, ".html")
    shown = jsonl(faisceau("show", page["id"], "--project", project, "--json").stdout)[0]
    assert page["status"] == "ok"
    assert "alert" not in shown["text"] and "fetch(" not in shown["text"]
    assert shown["metadata"]["tracking_pixels"] >= 1 and shown["metadata"]["remote_resources"] >= 1


def test_passwords_file_opens_the_encrypted_pdf_on_retry(hostile: tuple[dict[str, dict], Path],
                                                         tmp_path: Path) -> None:
    import shutil

    docs, project = hostile
    copy = tmp_path / "project"
    shutil.copytree(project, copy)
    (tmp_path / "pw.txt").write_text("wrong\ns3cret\n")
    faisceau("ingest", "--retry-failed", "--passwords", tmp_path / "pw.txt", "--project", copy)
    again = {d["path"]: d for d in jsonl(faisceau("documents", "--project", copy, "--json").stdout)}
    assert _one(again, "encrypted.pdf")["status"] == "ok"
