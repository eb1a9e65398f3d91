"""A run killed with SIGKILL at seeded points, then run again, ends with the same store."""

from __future__ import annotations

import json
import shutil
import signal
from pathlib import Path

import pytest
from helpers import dump, faisceau
from test_ingest import make_leak

from faisceau.pipeline.faults import POINTS

# (point, which pass): spread over the walk, the dispatch, result writing, child insertion,
# duplicate resolution, every side of a commit, and the analysis phase after the first frontier.
# The analysis phase's points: a batch handed to the pool, one content's result written, a commit.
CASES = [("walk", 3), ("walk-commit", 2), ("dispatch", 4), ("result", 2), ("child", 5), ("resolve", 1),
         ("before-commit", 2), ("mid-commit", 1), ("after-commit", 3), ("after-commit", 1), ("index-commit", 1),
         ("analysis-dispatch", 1), ("analysis-result", 4), ("analysis-commit", 1)]


@pytest.fixture(scope="module")
def reference(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[str]]:
    root = tmp_path_factory.mktemp("resume")
    leak = make_leak(root)
    faisceau("ingest", leak, "--project", root / "reference", "--workers", "2")
    return leak, dump(root / "reference")


def test_cases_cover_every_point() -> None:
    assert {p for p, _ in CASES} == set(POINTS)


@pytest.mark.parametrize(("point", "n"), CASES)
def test_killed_run_resumes_to_the_same_store(reference: tuple[Path, list[str]], tmp_path: Path,
                                              point: str, n: int) -> None:
    leak, expected = reference
    project = tmp_path / "p"
    killed = faisceau("ingest", leak, "--project", project, "--workers", "2",
                      env={"FAISCEAU_FAULT": f"{point}:{n}"}, check=False)
    assert killed.returncode == -signal.SIGKILL, f"the run was not killed at {point}:{n}: {killed.stderr[-500:]}"
    faisceau("ingest", leak, "--project", project, "--workers", "2")
    assert dump(project) == expected
    leftovers = [p for p in (project / "tmp").rglob("*") if p.is_file()]
    assert leftovers == []
    shutil.rmtree(project)


def test_a_big_mailbox_streams_its_children_and_resumes(tmp_path: Path) -> None:
    """2,500 messages arrive in chunks of 1,000; a kill between chunks resumes to the same store."""
    import mailbox
    from email.message import EmailMessage

    box = mailbox.mbox(tmp_path / "big.mbox")
    for i in range(2500):
        m = EmailMessage()
        m["From"], m["To"], m["Subject"] = "a@example.com", "b@example.com", f"note {i}"
        m["Date"] = "Tue, 10 Mar 2020 09:00:00 +0100"
        m.set_content(f"message number {i} about the warehouse rota")
        box.add(m)
    box.close()
    faisceau("ingest", tmp_path / "big.mbox", "--project", tmp_path / "ref", "--workers", "2")
    expected = dump(tmp_path / "ref")
    assert sum(line.startswith("child ") for line in expected) == 2500
    ords = [json.loads(line[6:])["ord"] for line in expected if line.startswith("child ")]
    assert sorted(ords) == list(range(2500))
    killed = faisceau("ingest", tmp_path / "big.mbox", "--project", tmp_path / "p", "--workers", "2",
                      env={"FAISCEAU_FAULT": "child:1500"}, check=False)
    assert killed.returncode == -signal.SIGKILL
    faisceau("ingest", tmp_path / "big.mbox", "--project", tmp_path / "p", "--workers", "2")
    assert dump(tmp_path / "p") == expected
