"""`faisceau export evidence --redacted-only`: a pack of redacted versions in which no redacted string
appears in any file — not in the PDFs, the report (HTML and PDF), the manifest or a file's name — while
the same selection packed with its originals does show them (so the search below can find a leak)."""

from __future__ import annotations

import csv
import json
from email.message import EmailMessage
from pathlib import Path

import naive
import pytest
from redactkit import cli, jsonl

from faisceau.redact.fold import found, needles

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A report whose file name, contents page and body name the person; an e-mail whose From header,
    body and attachment's file name do; every occurrence proposed and accepted; a note naming her."""
    base = tmp_path_factory.mktemp("redacted-pack")
    leak = base / "leak"
    leak.mkdir()
    naive.with_toc(leak / "Zoe_Martin_rapport.pdf")
    msg = EmailMessage()
    msg["From"] = f"{naive.NAME} <zoe.martin@example.org>"
    msg["To"] = "redaction@example.net"
    msg["Subject"] = f"Relevés de {naive.NAME}"
    msg.set_content(f"Bonjour,\n\nvoici les relevés promis.\n\n{naive.NAME}\n")
    msg.add_attachment(b"curriculum vitae", maintype="text", subtype="plain", filename="Zoe_Martin_CV.txt")
    (leak / "releves.eml").write_bytes(bytes(msg))
    proj = base / "project"
    cli("ingest", leak, "--project", proj)
    cli("tag", "add", "publish", "--query", "martin", "--project", proj)
    cli("redact", "propose", "--tag", "publish", "--terms", naive.NAME, "--identifiers", "email",
        "--project", proj)
    cli("redact", "accept", "--all", "--ground", "third-party", "--project", proj)
    docs = jsonl(cli("documents", "--project", proj, "--json").stdout)
    report = next(d["id"] for d in docs if d["path"].endswith("rapport.pdf"))
    cli("note", report, f"Témoignage de {naive.NAME}, à protéger.", "--project", proj)
    return proj


def _hidden(project: Path) -> dict[str, str]:
    rows = jsonl(cli("redact", "list", "--project", project, "--json").stdout)
    strings = sorted({r["text"] for r in rows if r["text"] and r["status"] == "accepted"})
    assert naive.NAME in strings and "zoe.martin@example.org" in strings
    return needles(strings)


def _leaks(pack: Path, keys: dict[str, str]) -> dict[str, list[str]]:
    """file (relative) → the hidden strings it shows: in its name, its text (a PDF's pages and metadata)."""
    import fitz

    out: dict[str, list[str]] = {}
    for p in sorted(pack.rglob("*")):
        if not p.is_file():
            continue
        rel = p.relative_to(pack).as_posix()
        if p.suffix.lower() == ".pdf":
            with fitz.open(p) as pdf:
                text = "\n".join(page.get_text() for page in pdf) + json.dumps(pdf.metadata, ensure_ascii=False)
        else:
            text = p.read_bytes().decode("utf-8", errors="replace")
            if p.suffix == ".html":
                import html

                text = html.unescape(text)
        hits = found(keys, rel + "\n" + text)
        if hits:
            out[rel] = hits
    return out


def test_a_pack_of_redacted_versions_shows_no_redacted_string(project: Path, tmp_path: Path) -> None:
    keys = _hidden(project)
    query = "martin"
    # the same selection with its originals shows the hidden strings: the search finds them
    both = tmp_path / "both"
    cli("export", "evidence", "--query", query, "--redacted", "-o", both, "--project", project)
    shown = _leaks(both, keys)
    assert any(f.startswith("originals/") for f in shown) and "index.html" in shown

    only = tmp_path / "only"
    out = json.loads(cli("export", "evidence", "--query", query, "--redacted-only", "-o", only, "--json",
                         "--project", project).stdout)
    with_originals = list(csv.DictReader((both / "manifest.csv").open(encoding="utf-8")))
    selected = sum(r["role"] == "document" for r in with_originals)
    assert out["problems"] == [] and out["originals"] == 0 and out["redacted"] == out["documents"] == selected
    assert out["pdf"] == "index.pdf"  # the printed report is searched too
    assert not (only / "originals").exists()
    assert _leaks(only, keys) == {}
    rows = list(csv.DictReader((only / "manifest.csv").open(encoding="utf-8")))
    assert len(rows) == out["documents"] and {r["role"] for r in rows} == {"redacted"}
    assert all(r["file"] == f"redacted/{r['id']}.pdf" and (only / r["file"]).is_file() for r in rows)
    cli("verify-pack", only)  # the manifest's checksums are the redacted files'
    report = (only / "index.html").read_text("utf-8")
    assert "Cited excerpts" not in report and "Notes" not in report and "Redacted version" in report

    refused = cli("export", "evidence", "--tag", "publish", "--redacted-only", "--containers", "-o",
                  tmp_path / "no", "--project", project, ok=False)
    assert refused.returncode == 2 and "--containers" in refused.stderr
