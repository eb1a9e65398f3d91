"""Implausible dates on real mail: Enron's placeholder dates ("Mon, 31 Dec 1979 16:00:00 -0800", the
first of January 1980 in UTC) and Notes' year-0001 dates are off the timeline by default, shown with
their reason when asked; the dates of the corpus's own years stay."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import corpus_path

pytestmark = pytest.mark.slow

FAISCEAU = [sys.executable, "-m", "faisceau"]


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("enron-dates")
    leak = root / "leak"
    leak.mkdir()
    shutil.copy(corpus_path("enron_mbox") / "mbox" / "enron.allen-p.all_documents", leak)  # 7 placeholder dates
    r = subprocess.run([*FAISCEAU, "ingest", str(leak), "--project", str(root / "p"),
                        "--set", "skip_stages=entities,identifiers,neardup,entity_grouping"],
                       capture_output=True, text=True, timeout=3000)
    assert r.returncode == 0, r.stderr[-3000:]
    return root / "p"


def _timeline(project: Path, *args: str) -> list[dict[str, object]]:
    r = subprocess.run([*FAISCEAU, "timeline", "--project", str(project), "--json", "--kind", "metadata", *args],
                       capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, r.stderr
    return [json.loads(line) for line in r.stdout.splitlines()]


def test_enron_placeholder_dates_are_flagged_and_off_the_timeline(project: Path) -> None:
    shown = _timeline(project)
    everything = _timeline(project, "--implausible")
    years = sorted({str(e["date"])[:4] for e in shown})
    assert years and all("1997" <= y <= "2002" for y in years), years
    flagged = [e for e in everything if e["implausible"]]
    placeholders = [e for e in flagged if e["implausible"] == "placeholder date"]
    assert len(placeholders) >= 1 and all(str(e["date"]).startswith(("1979-12-31", "1980-01-01")) for e in placeholders)
    assert not any(str(e["date"])[:4] in ("1979", "1980", "0001", "0002") for e in shown)
    assert len(everything) == len(shown) + len(flagged)
    assert all(e["implausible"] is None for e in shown)
