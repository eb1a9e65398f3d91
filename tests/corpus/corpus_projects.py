"""The corpora ingested once per test session, through the real CLI."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import corpus_path

CORPUS_NAMES = [
    "docs-aleph-ingest-file-fixtures", "docs-ocrmypdf-resources", "docs-odfpy-examples", "docs-py-pdf-sample-files",
    "docs-python-docx-test-files", "docs-textract-tests", "docs-tika-test-documents", "email_test_messages",
    "enron_mbox", "fr-assemblee-nationale-dossiers",
]


# Enron's 23,500 e-mails are here for search, threading and accounting; their entity analysis would add
# about ten minutes of spaCy to every CI run and no test reads it (tests/analysis has its own projects,
# and the other corpora, French ones included, run every stage).
EXTRA = {"enron_mbox": ("--set", "skip_stages=entities,identifiers,dates,entity_grouping")}


def cli(*args: str | Path) -> subprocess.CompletedProcess[str]:
    r = subprocess.run([sys.executable, "-m", "faisceau", *map(str, args)], capture_output=True, text=True,
                       timeout=3000)
    if r.returncode != 0:  # what the command said, not only that it failed
        raise AssertionError(f"faisceau {' '.join(map(str, args))} exited {r.returncode}:\n{r.stderr[-4000:]}")
    return r


def ingest_all(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """One ingested project per corpus, shared by every test that reads it."""
    projects: dict[str, Path] = {}
    base = tmp_path_factory.mktemp("corpora")
    for name in CORPUS_NAMES:
        src = corpus_path(name)
        project = base / name
        t0 = time.monotonic()
        cli("ingest", src, "--project", project, *EXTRA.get(name, ()))
        print(f"\n[phase] ingest {name}: {time.monotonic() - t0:.1f} s", file=sys.stderr)
        projects[name] = project
    return projects
