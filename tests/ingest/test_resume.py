"""A run killed with SIGKILL at seeded points, then run again, ends with the same store."""

from __future__ import annotations

import shutil
import signal
from pathlib import Path

import pytest

from faisceau.ingest.faults import POINTS

from helpers import dump, faisceau
from test_ingest import make_leak

# (point, which pass): spread over the walk, the dispatch, result writing, child insertion,
# duplicate resolution and every side of a commit.
CASES = [("walk", 3), ("walk-commit", 2), ("dispatch", 4), ("result", 2), ("child", 5), ("resolve", 1),
         ("before-commit", 2), ("mid-commit", 1), ("after-commit", 3), ("after-commit", 1)]


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
