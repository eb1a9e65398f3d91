"""One ingested demo project for the export tests (the demo leak plus one hostile page), built once
per session and shared (a module, not a conftest.py: a second `conftest` module would shadow
tests/conftest.py for every test that imports from it)."""

from __future__ import annotations

import shutil
import time
from email.message import EmailMessage
from pathlib import Path

import pytest

from faisceau import fixtures
from faisceau import settings as settings_mod
from faisceau.pipeline.orchestrator import Ingest
from faisceau.store.db import Store
from faisceau.store.project import Project

TITLE = 'Réunion <img src="http://example.invalid/title.png"> "quoted" & co'
# a mail whose words would load remote resources if the report did not escape them
HOSTILE = ('Compte rendu <img src="http://example.invalid/pixel.png"> <script>fetch("https://example.invalid/x")'
           '</script> <link rel="stylesheet" href="//example.invalid/s.css"> '
           '<style>body{background:url(http://example.invalid/bg.png)}</style> fin du compte rendu.\n')


def build_project(base: Path) -> Path:
    """The demo leak and `hostile/page.txt`, ingested into base/project; returns the project folder."""
    leak, extra = base / "leak", base / "extra"
    fixtures.build_demo(leak)
    (extra / "hostile").mkdir(parents=True)
    msg = EmailMessage()
    msg["From"] = "Jean Test <jean@example.org>"
    msg["To"] = "Marie Test <marie@example.org>"
    msg["Subject"] = TITLE
    msg["Date"] = "Tue, 14 May 2024 10:00:00 +0200"
    msg["Message-ID"] = "<hostile-1@example.org>"
    msg.set_content(HOSTILE)
    (extra / "hostile" / "page.eml").write_bytes(bytes(msg))
    proj = Project.open(base / "project", create=True)
    cfg = settings_mod.load(proj.root, {"workers": 2})
    t0 = time.monotonic()
    Ingest(proj, cfg, passwords=[fixtures.demo_password()], command="test").run([leak, extra])
    print(f"\n[export tests] demo project ingested in {time.monotonic() - t0:.1f} s")
    return proj.root


_BUILT: list[Path] = []


def demo_project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The ingested demo project, built on first use in the session; never change it (copy it)."""
    if not _BUILT:
        _BUILT.append(build_project(tmp_path_factory.mktemp("export-demo")))
    return _BUILT[0]


def copy_project(tmp_path: Path) -> Path:
    """A private copy of the demo project (its inputs stay where they were ingested from)."""
    assert _BUILT, "demo_project() first"
    dest = tmp_path / "project"
    shutil.copytree(_BUILT[0], dest)
    return dest


def doc_id(project: Path, path: str) -> str:
    """The id of the document at this provenance path."""
    store = Store(project / "store.sqlite")
    try:
        row = store.db.execute("SELECT id FROM documents WHERE path = ?", (path,)).fetchone()
        assert row is not None, path
        return str(row[0])
    finally:
        store.close()
