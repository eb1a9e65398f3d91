"""The two frontiers: searchable first, analysed after, each resumable after a kill.

A mailbox of N short e-mails makes many analysis batches (BATCH_ITEMS contents each). A run killed
inside the analysis phase has made every document searchable and analysed some; run again, it ends
with the same store and the same analysis outputs (mentions, identifiers, dates) as a run never
killed. A batch whose worker crashes is split: only the content that crashes it fails its stage.
"""

from __future__ import annotations

import mailbox
import signal
import sqlite3
from email.message import EmailMessage
from pathlib import Path

import pytest
from helpers import dump, faisceau, jsonl

NAMES = ["Alice Martin", "Bruno Keller", "Chantal Dubois", "David Moreau", "Emma Lefèvre"]
PLACES = ["Amiens", "Lyon", "Houston", "Genève", "Portland"]


# enough batches (13 of 32) that the first commit of results, half a second after the phase starts,
# cannot hold them all even on a fast machine: a run killed right after it is mid-analysis
N = 400


def _mailbox(root: Path, n: int = N) -> Path:
    leak = root / "leak"
    leak.mkdir()
    box = mailbox.mbox(leak / "team.mbox")
    for i in range(n):
        m = EmailMessage()
        sender, other = NAMES[i % 5], NAMES[(i + 2) % 5]
        m["From"] = f"{sender} <{sender.split()[0].lower()}@example.com>"
        m["To"] = f"{other} <{other.split()[0].lower()}@example.org>"
        m["Subject"] = f"Rota {i}"
        m["Date"] = f"Tue, 10 Mar 2020 09:{i % 60:02d}:00 +0100"
        m["Message-ID"] = f"<r{i}@example.com>"
        m.set_content(f"Hello {other.split()[0]},\n\nThe warehouse rota for week {i} is ready. {sender} will meet"
                      f" the team from Enron in {PLACES[i % 5]} on 12 March 2020; call +33 1 42 68 53 00.\n\n{sender}\n")
        box.add(m)
    box.close()
    return leak


def _outputs(project: Path) -> list[tuple[object, ...]]:
    """The analysis stages' rows, by content, in a stable order (read-only)."""
    db = sqlite3.connect(f"file:{project / 'store.sqlite'}?mode=ro", uri=True)
    try:
        rows: list[tuple[object, ...]] = []
        for table, cols in (("mentions", "sha256, start, \"end\", text, type, source"),
                            ("identifiers", "sha256, start, \"end\", text, type, value, valid"),
                            ("text_dates", "sha256, start, \"end\", text, value, precision")):
            rows += [(table, *r) for r in db.execute(f"SELECT {cols} FROM {table} ORDER BY {cols}")]
        return rows
    finally:
        db.close()


@pytest.fixture(scope="module")
def reference(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    root = tmp_path_factory.mktemp("frontiers")
    leak = _mailbox(root)
    faisceau("ingest", leak, "--project", root / "reference", "--workers", "2")
    return leak, root / "reference"


def test_a_finished_run_has_both_frontiers_at_the_total(reference: tuple[Path, Path]) -> None:
    _, project = reference
    s = jsonl(faisceau("status", "--project", project, "--json").stdout)[0]
    f = s["frontiers"]
    assert f["total"] == s["total"] == N + 1  # the mailbox and its messages
    assert f["searchable"] == f["analysed"] == N + 1
    assert f["analysis_stages"] == ["entities", "identifiers", "dates"]
    assert not f["running"] and f["analysed_rate"] is None
    assert faisceau("status", "--project", project).stdout.splitlines()[0] == f"searchable {N + 1} of {N + 1} · analysed {N + 1}"
    # the analysis found what the messages hold: names, places, phone numbers, dates
    kinds = {(r[0], r[5]) for r in _outputs(project) if r[0] == "mentions"}
    assert {("mentions", "PER"), ("mentions", "LOC")} <= kinds
    assert sum(r[0] == "identifiers" for r in _outputs(project)) >= N


@pytest.mark.parametrize("point", ["analysis-result:100", "analysis-commit:1"])
def test_a_run_killed_while_analysing_was_searchable_and_resumes_to_the_same_store(
        reference: tuple[Path, Path], tmp_path: Path, point: str) -> None:
    leak, ref = reference
    project = tmp_path / "p"
    killed = faisceau("ingest", leak, "--project", project, "--workers", "2", env={"FAISCEAU_FAULT": point},
                      check=False)
    assert killed.returncode == -signal.SIGKILL, killed.stderr[-500:]
    s = jsonl(faisceau("status", "--project", project, "--json").stdout)[0]["frontiers"]
    # killed in phase 2: everything was searchable, the analysis had begun and not ended
    assert s["searchable"] == s["total"] == N + 1
    assert s["analysed"] is not None and 0 < s["analysed"] < N + 1
    hits = jsonl(faisceau("search", "warehouse", "--project", project, "--json").stdout)[0]
    assert hits["total"] == N
    faisceau("ingest", leak, "--project", project, "--workers", "2")
    assert dump(project) == dump(ref)
    assert _outputs(project) == _outputs(ref)
    assert [p for p in (project / "tmp").rglob("*") if p.is_file()] == []


def test_faisceau_analyse_finishes_what_a_killed_run_left(reference: tuple[Path, Path], tmp_path: Path) -> None:
    leak, ref = reference
    project = tmp_path / "p"
    faisceau("ingest", leak, "--project", project, "--workers", "2", env={"FAISCEAU_FAULT": "analysis-commit:1"},
             check=False)
    faisceau("analyse", "--project", project)
    assert dump(project) == dump(ref)
    assert _outputs(project) == _outputs(ref)


def test_a_batch_that_crashes_its_worker_fails_only_the_culprit(reference: tuple[Path, Path],
                                                                 tmp_path: Path) -> None:
    leak, ref = reference
    listed = jsonl(faisceau("documents", "--project", ref, "--json").stdout)
    culprit = sorted((d for d in listed if d["depth"] == 1), key=lambda d: str(d["path"]))[12]
    project = tmp_path / "p"
    # the crash is seeded by the content's SHA-256: only phase-2 tasks are named after it
    faisceau("ingest", leak, "--project", project, "--workers", "2",
             env={"FAISCEAU_FAULT": f"worker-crash:{culprit['sha256']}"})
    problems = jsonl(faisceau("failures", "--project", project, "--json", "--stage", "entities").stdout)
    failed = [d for d in problems if d["status"] == "failed"]
    assert [d["id"] for d in failed] == [culprit["id"]], failed
    assert "SIGSEGV" in (failed[0]["reason"] or ""), failed[0]
    # every other content was analysed as in a run without the fault (the mentions the corpus stage
    # propagates are left out: the culprit's own mentions count in the corpus's votes)
    def own(rows: list[tuple[object, ...]]) -> list[tuple[object, ...]]:
        return [r for r in rows if r[0] != "mentions" or r[6] != "corpus"]

    assert own(_outputs(project)) == [r for r in own(_outputs(ref)) if r[1] != culprit["sha256"]]
    s = jsonl(faisceau("status", "--project", project, "--json").stdout)[0]["frontiers"]
    assert s["searchable"] == s["analysed"] == N + 1


def test_while_a_run_analyses_status_and_search_say_so(tmp_path: Path) -> None:
    """Watched from other processes during a real run: searchable first, then the analysis moving,
    with the note on CLI and web search results; gone once the run ends."""
    import subprocess
    import sys
    import time
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from fastapi.testclient import TestClient

    from faisceau.web import Workbench, create_app

    leak = _mailbox(tmp_path, 400)
    project = tmp_path / "p"
    run = subprocess.Popen([sys.executable, "-m", "faisceau", "ingest", str(leak), "--project", str(project),
                            "--workers", "2"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        seen = None
        deadline = time.monotonic() + 300
        while time.monotonic() < deadline and run.poll() is None:
            time.sleep(0.3)
            if not (project / "logs").is_dir():
                continue
            f = jsonl(faisceau("status", "--project", project, "--json").stdout)[0]["frontiers"]
            if f["running"] and f["searchable"] == f["total"] == 401 and f["analysis_running"]:
                cli = jsonl(faisceau("search", "warehouse", "--project", project, "--json").stdout)[0]
                with TestClient(create_app(Workbench.open(project)), base_url="http://127.0.0.1:8000") as c:
                    web = c.get("/api/search", params={"q": "warehouse"}).json()
                seen = (f, cli, web)
                break
        assert seen is not None, "the run was never seen searchable and still analysing"
        f, cli, web = seen
        assert cli["total"] == web["total"] == 400
        assert any(n.startswith("analysis still running: ") for n in cli.get("notes", [])), cli
        assert any(n.startswith("analysis still running: ") for n in web["notes"]), web["notes"]
        assert run.wait(600) == 0
    finally:
        if run.poll() is None:
            run.kill()
            run.wait()
    done = jsonl(faisceau("search", "warehouse", "--project", project, "--json").stdout)[0]
    assert not any(n.startswith("analysis still running") for n in done.get("notes", []))
    f = jsonl(faisceau("status", "--project", project, "--json").stdout)[0]["frontiers"]
    assert (f["running"], f["searchable"], f["analysed"]) == (False, 401, 401)
