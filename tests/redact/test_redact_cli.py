"""`faisceau redact` on an ingested project: propose, decide, re-propose after re-analysis, apply, verify."""

from __future__ import annotations

import csv
import json
from email.message import EmailMessage
from pathlib import Path

import naive
import pytest
from docx import Document
from redactkit import cli, jsonl

from faisceau.store import entities
from faisceau.store.db import Store
from faisceau.store.redactions import redactions


def _leak(folder: Path) -> Path:
    folder.mkdir()
    msg = EmailMessage()
    msg["From"] = f"{naive.NAME} <zoe.martin@example.org>"
    msg["To"] = "redaction@example.net"
    msg["Subject"] = "Relevés de mars"
    msg["Date"] = "Mon, 03 Mar 2025 10:00:00 +0100"
    msg.set_content("Bonjour,\n\nvoici les relevés promis. Le directeur Paul Durand est au courant.\n\nZoé Martin\n")
    msg.add_attachment(b"curriculum vitae", maintype="text", subtype="plain", filename="Zoe_Martin_CV.txt")
    (folder / "releves.eml").write_bytes(bytes(msg))
    naive.with_toc(folder / "rapport.pdf")
    doc = Document()
    doc.add_paragraph(f"Compte rendu : {naive.NAME} a confirmé les faits à Paul Durand.")
    doc.save(str(folder / "compte-rendu-Zoe-Martin.docx"))  # named after whom it hides
    return folder


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    base = tmp_path_factory.mktemp("redact")
    proj = base / "project"
    cli("ingest", _leak(base / "leak"), "--project", proj)
    cli("tag", "add", "publish", "--query", "martin", "--project", proj)
    return proj


def test_propose_decide_apply_verify(project: Path, tmp_path: Path) -> None:
    names = tmp_path / "names.csv"
    names.write_text("name\nZoé Martin\n", "utf-8")
    keep = tmp_path / "public.csv"
    keep.write_text("Paul Durand\n", "utf-8")
    out = jsonl(cli("redact", "propose", "--tag", "publish", "--entities", "person", "--identifiers", "email",
                    "--names", names, "--except", keep, "--project", project, "--json").stdout)
    total = out[-1]["total"]
    assert total["documents"] == 3 and total["skipped"] == 0
    rows = jsonl(cli("redact", "list", "--project", project, "--json").stdout)
    texts = {r["text"] for r in rows}
    assert naive.NAME in texts and "zoe.martin@example.org" in texts
    assert not any("Durand" in t for t in texts)  # the exception is never proposed
    ids = {d["path"]: d["id"] for d in jsonl(cli("documents", "--project", project, "--json").stdout)}
    named = [r for r in rows if r["text"] == naive.NAME]
    # on the contents page as well as in the body of the report
    assert {r["page"] for r in named if ids["rapport.pdf"] in r["documents"]} == {1, 2}
    # in the e-mail: the From header's name and address (zoe.martin@…), the attachment's file name and the
    # signature
    assert len([r for r in named if ids["releves.eml"] in r["documents"]]) == 4
    assert [r["kind"] for r in named if ids["compte-rendu-Zoe-Martin.docx"] in r["documents"]] == ["person"]
    assert total["proposals"] == len(rows)

    # the one proposal of the document named after her is rejected: her name is still cut from that document's
    # output name and log path, since the e-mail beside it hides it
    first = next(r["id"] for r in named if ids["compte-rendu-Zoe-Martin.docx"] in r["documents"])
    cli("redact", "accept", "--all", "--ground", "third-party", "--project", project)
    cli("redact", "reject", str(first), "--project", project)
    bad = cli("redact", "accept", "--all", "--ground", "no-such-ground", "--project", project, ok=False)
    assert bad.returncode == 2 and "unknown ground" in bad.stderr

    # re-analysis rewrites the mention rows (new row ids); the decisions follow the content and the string
    store = Store(project / "store.sqlite")
    try:
        for sha in {r["sha256"] for r in redactions(store)}:
            mentions = entities.mentions_of(store, sha)
            with store.transaction():
                entities.replace_mentions(store, sha, [entities.MentionIn(m["start"], m["end"], m["text"],
                                                                          m["mention_type"], m["text"].lower(),
                                                                          m["source"]) for m in mentions])
    finally:
        store.close()
    again = jsonl(cli("redact", "propose", "--tag", "publish", "--entities", "person", "--identifiers", "email",
                      "--names", names, "--except", keep, "--project", project, "--json").stdout)[-1]["total"]
    assert again["new"] == 0 and again["kept"] == total["proposals"]
    decided = jsonl(cli("redact", "list", "--project", project, "--json").stdout)
    assert [r["status"] for r in decided if r["id"] == first] == ["rejected"]
    assert sum(r["status"] == "accepted" for r in decided) == len(decided) - 1
    assert all(r["ground"] == "third-party" for r in decided if r["status"] == "accepted")

    dest = tmp_path / "out"
    done = jsonl(cli("redact", "apply", "--tag", "publish", "--project", project, "-o", dest, "--label",
                     "--json").stdout)
    assert [d["status"] for d in done] == ["ok"] * 3
    pdfs = sorted(dest.glob("*.pdf"))
    assert len(pdfs) == 3 and not (dest / ".partial").exists()
    log = list(csv.DictReader((dest / "redaction-log.csv").open(encoding="utf-8")))
    assert len(log) == sum(len(r["boxes"]) for r in decided if r["status"] == "accepted")
    assert {r["ground"] for r in log} == {"third-party"} and {r["reviewer"] for r in log} == {""}
    assert naive.NAME not in (dest / "redaction-log.json").read_text("utf-8")  # the log goes out with the files
    # so do the outputs' names and the log's paths: the document named after the person does not name them
    assert not [p.name for p in pdfs if "martin" in p.name.lower()]
    assert "martin" not in (dest / "redaction-log.csv").read_text("utf-8").lower()
    listed = json.loads((dest / "redaction-log.json").read_text("utf-8"))["documents"]
    assert "martin" not in json.dumps(listed).lower()
    assert [d["path"] for d in listed if d["document"] == ids["compte-rendu-Zoe-Martin.docx"]] == [
        "compte-rendu-[redacted].docx"]
    # every output but the one whose occurrence was rejected (it stays visible there by design) is proved free of
    # every string
    strings = sorted({r["text"] for r in decided if r["text"]})
    kept = [p for p in pdfs if p.name.startswith(ids["compte-rendu-Zoe-Martin.docx"])]
    assert len(kept) == 1
    for pdf in (p for p in pdfs if p not in kept):
        check = cli("redact", "verify", pdf, *[a for s in strings for a in ("--strings", s)], "--json")
        assert [r["ok"] for r in jsonl(check.stdout)] == [True]
    shown = cli("redact", "verify", kept[0], "--strings", naive.NAME, "--no-ocr", "--json", ok=False)
    assert shown.returncode == 1


def test_verify_rejects_a_naive_redaction_and_names_it(tmp_path: Path) -> None:
    src = naive.plain(tmp_path / "source.pdf")
    naive.black_rectangle(src, tmp_path / "naive.pdf")
    r = cli("redact", "verify", tmp_path / "naive.pdf", "--strings", "zoe martin", "--no-ocr", ok=False)
    assert r.returncode == 1
    assert "naive.pdf" in r.stderr and "x-ray finds" in r.stdout and "pdfium text contains 'zoe martin'" in r.stdout


def test_evidence_pack_with_redacted_versions(project: Path, tmp_path: Path) -> None:
    cli("redact", "propose", "--tag", "publish", "--identifiers", "email", "--terms", naive.NAME, "--project", project)
    cli("redact", "accept", "--all", "--ground", "source", "--project", project)
    pack = tmp_path / "pack"
    out = json.loads(cli("export", "evidence", "--tag", "publish", "--redacted", "--no-pdf", "-o", pack,
                         "--project", project, "--json").stdout)
    assert out["documents"] == 3 and out["redacted"] == 3 and out["problems"] == []
    rows = list(csv.DictReader((pack / "manifest.csv").open(encoding="utf-8")))
    red = [r for r in rows if r["role"] == "redacted"]
    assert len(red) == 3 and all(r["file"].startswith("redacted/") and r["original"] == "ok" for r in red)
    assert {r["id"] for r in red} == {r["id"] for r in rows if r["role"] == "document"}
    cli("verify-pack", pack)  # the redacted files are in the sums like every other file
    assert all(r["ok"] for r in jsonl(cli("redact", "verify", pack / "redacted", "--no-ocr", "--json").stdout))
