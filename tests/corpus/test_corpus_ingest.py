"""Every file of the real corpora accounted for, through the real CLI; scored by the shared tool."""

from __future__ import annotations

import getpass
import json
import mailbox
import os
import re
import shlex
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
from conftest import CORPORA, corpus_path
from corpus_projects import CORPUS_NAMES, cli

ROOT = Path(__file__).resolve().parents[2]
TOOLS = CORPORA.parent / "tools"

pytestmark = pytest.mark.slow


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


def _machine_marks(project: Path) -> list[str]:
    """What would show a path of this machine, or its user, inside a reason."""
    marks = {str(Path.home()), tempfile.gettempdir().rstrip("/") + "/", "/work/", str(CORPORA.resolve()), str(CORPORA),
             str(project), str(project.resolve()), str(ROOT), os.getcwd()}
    return sorted(m for m in marks if m not in ("", "/"))


@pytest.mark.parametrize("name", CORPUS_NAMES)
def test_no_reason_names_a_path_of_the_machine_or_its_user(ingested: dict[str, Path], name: str) -> None:
    """Every failed or skipped item's reason, and every stage's, is free of the machine's paths."""
    project = ingested[name]
    status = json.loads(cli("status", "--project", project, "--json").stdout)
    reasons = [f["reason"] for f in _jsonl(cli("failures", "--project", project, "--json").stdout)]
    for stage, counts in status["by_stage"].items():
        if counts.get("failed") or counts.get("skipped"):
            out = cli("failures", "--project", project, "--stage", stage, "--json").stdout
            reasons += [f["reason"] for f in _jsonl(out) if f["reason"]]
    assert reasons  # every corpus has items that end failed or skipped (stages skip what has no text)
    marks = _machine_marks(project)
    leaks = sorted({r for r in reasons if any(m in r for m in marks)})
    assert leaks == [], marks
    # The user's name alone, unless it is "root": an English word some reasons use ("no root folder");
    # root's home, /root, is among the paths checked above.
    user = getpass.getuser()
    if user != "root":
        word = re.compile(rf"(?<![\w.-]){re.escape(user)}(?![\w-])")
        assert sorted({r for r in reasons if word.search(r)}) == []


def test_enron_message_count_equals_the_mailbox_module(ingested: dict[str, Path]) -> None:
    folder = corpus_path("enron_mbox")
    expected = sum(len(mailbox.mbox(p, create=False)) for p in sorted(folder.rglob("*"))
                   if p.is_file() and p.name != "SOURCE.txt")
    docs = _jsonl(cli("documents", "--project", ingested["enron_mbox"], "--json").stdout)
    boxes = {d["id"] for d in docs if d["kind"] == "mailbox"}
    messages = [d for d in docs if d["parent_id"] in boxes]
    assert len(messages) == expected
    assert sum(d["kind"] == "email" and d["status"] == "ok" for d in messages) == expected
