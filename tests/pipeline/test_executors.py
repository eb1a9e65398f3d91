"""The orchestrator against the executor seam: the in-process executor gives the store the pool gives.

`InlineExecutor` runs each task in the test's own process through the same `run_one` body as the
pool's workers, and sends a container's children through the project's spool in 1,000-child chunks
(as an executor on another machine would). On the same leak, both executors must give the same
canonical store, and the spool is left empty.
"""

from __future__ import annotations

import mailbox
from email.message import EmailMessage
from pathlib import Path

from helpers import dump, faisceau
from test_ingest import make_leak

from faisceau import settings as settings_mod
from faisceau.pipeline.executor import InlineExecutor
from faisceau.pipeline.orchestrator import Ingest
from faisceau.store.project import Project


def _leak(root: Path) -> Path:
    leak = make_leak(root / "leak")
    box = mailbox.mbox(str(leak / "rota.mbox"))
    for i in range(1010):  # more than one chunk of children (CHUNK is 1,000)
        m = EmailMessage()
        m["From"], m["To"], m["Subject"] = "a@example.com", "b@example.com", f"rota {i}"
        m["Date"] = "Tue, 10 Mar 2020 09:00:00 +0100"
        m.set_content(f"message number {i} about the warehouse rota")
        box.add(m)
    box.close()
    return leak


def test_the_inline_executor_gives_the_pools_store(tmp_path: Path) -> None:
    leak = _leak(tmp_path)
    faisceau("ingest", leak, "--project", tmp_path / "pool", "--workers", "2")
    proj = Project.open(tmp_path / "inline", create=True)
    cfg = settings_mod.load(proj.root, environ={})
    made: list[InlineExecutor] = []

    def inline(run: Ingest) -> InlineExecutor:
        made.append(InlineExecutor(cfg, proj.root, proj.tmp / "scratch" / "inline"))
        return made[0]

    report = Ingest(proj, cfg, command="test", executor=inline).run([leak])
    assert len(made) == 1  # the run used the executor it was given, not the pool
    assert report["documents"]["pending"] == 0
    expected = dump(tmp_path / "pool")
    assert sum(line.startswith("child ") for line in expected) >= 1010
    assert dump(proj.root) == expected
    assert not [p for p in (proj.root / "tmp").rglob("*.json")]  # every spooled chunk was taken back
