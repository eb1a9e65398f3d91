"""Every file of the real corpora accounted for, through the real CLI; scored by the shared tool."""

from __future__ import annotations

import json
import mailbox
import shlex
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conftest import CORPORA, corpus_path

ROOT = Path(__file__).resolve().parents[2]
TOOLS = CORPORA.parent / "tools"
CORPUS_NAMES = [
    "docs-aleph-ingest-file-fixtures", "docs-ocrmypdf-resources", "docs-odfpy-examples", "docs-py-pdf-sample-files",
    "docs-python-docx-test-files", "docs-textract-tests", "docs-tika-test-documents", "email_test_messages",
    "enron_mbox", "fr-assemblee-nationale-dossiers",
]

pytestmark = pytest.mark.slow


def cli(*args: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "faisceau", *map(str, args)], capture_output=True, text=True,
                          check=True, timeout=3000)


@pytest.fixture(scope="session")
def ingested(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """One ingested project per corpus, shared by every test that reads it."""
    projects: dict[str, Path] = {}
    base = tmp_path_factory.mktemp("corpora")
    for name in CORPUS_NAMES:
        src = corpus_path(name)
        project = base / name
        t0 = time.monotonic()
        cli("ingest", src, "--project", project)
        print(f"\n[phase] ingest {name}: {time.monotonic() - t0:.1f} s", file=sys.stderr)
        projects[name] = project
    return projects


def _jsonl(text: str) -> list[dict]:
    return [json.loads(line) for line in text.splitlines() if line.strip()]


@pytest.mark.parametrize("name", CORPUS_NAMES)
def test_every_file_is_accounted_for_by_the_shared_scorer(ingested: dict[str, Path], name: str,
                                                          tmp_path: Path) -> None:
    project = ingested[name]
    (tmp_path / "status.json").write_text(cli("status", "--project", project, "--json").stdout)
    (tmp_path / "failures.jsonl").write_text(cli("failures", "--project", project, "--json").stdout)
    listing = f"{shlex.quote(sys.executable)} -m faisceau documents --project {shlex.quote(str(project))} --json"
    scorer = subprocess.run(
        [sys.executable, str(TOOLS / "accounting.py"), str(corpus_path(name)), "--status-json",
         str(tmp_path / "status.json"), "--failures-json", str(tmp_path / "failures.jsonl"), "--list-cmd", listing,
         "--json"], capture_output=True, text=True, timeout=600, cwd=ROOT)
    print(scorer.stdout[-3000:])
    assert scorer.returncode == 0, scorer.stdout[-3000:] + scorer.stderr[-2000:]
    status = json.loads((tmp_path / "status.json").read_text())
    assert status["documents"]["pending"] == 0


@pytest.mark.parametrize("name", CORPUS_NAMES)
def test_no_item_ended_in_an_internal_error(ingested: dict[str, Path], name: str) -> None:
    failures = _jsonl(cli("failures", "--project", ingested[name], "--json").stdout)
    internal = [f"{f['path']}: {f['reason']}" for f in failures if f["reason"].startswith("internal error")]
    assert internal == []


def test_enron_message_count_equals_the_mailbox_module(ingested: dict[str, Path]) -> None:
    folder = corpus_path("enron_mbox")
    expected = sum(len(mailbox.mbox(p, create=False)) for p in sorted(folder.rglob("*"))
                   if p.is_file() and p.name != "SOURCE.txt")
    docs = _jsonl(cli("documents", "--project", ingested["enron_mbox"], "--json").stdout)
    boxes = {d["id"] for d in docs if d["kind"] == "mailbox"}
    messages = [d for d in docs if d["parent_id"] in boxes]
    assert len(messages) == expected
    assert sum(d["kind"] == "email" and d["status"] == "ok" for d in messages) == expected
