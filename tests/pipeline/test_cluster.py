"""`--cluster`: the item stages on a real Dask cluster (`dask scheduler`, `dask worker` subprocesses on
127.0.0.1, started by `faisceau cluster local`), with one worker SIGKILLed mid-run, give the store and
the search totals of a local run; a worker with another faisceau version, or one that cannot see the
project folder, stops the run before any work with a clear message.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import IN_CI, corpus_path
from distributed import Client
from helpers import dump, faisceau, jsonl

from faisceau import __version__
from faisceau.pipeline.localcluster import LocalDask
from faisceau.store import entities
from faisceau.store.db import Store
from faisceau.store.project import Project

MBOXES = ("enron.allen-p.inbox", "enron.buy-r.calendar", "enron.love-p.calendar", "enron.sager-e.elizabeth_sager")
TIKA = "tika-parser-{}-module/src/test/resources/test-documents/{}"
DOCUMENTS = (TIKA.format("pkg", "testEmbedded.zip"), TIKA.format("pkg", "test-zip-of-zip.zip"),
             TIKA.format("microsoft", "testWORD_features.docx"), TIKA.format("microsoft", "EmbeddedDocument.docx"))
WORDS = ("enron", "meeting", "gas", "please", "the", "test")


def _leak(root: Path) -> Path:
    """A copy of a few Enron mailboxes and Tika test documents (containers among them)."""
    leak = root / "leak"
    (leak / "mail").mkdir(parents=True)
    (leak / "documents").mkdir()
    for name in MBOXES:
        shutil.copyfile(corpus_path("enron_mbox") / "mbox" / name, leak / "mail" / name)
    for rel in DOCUMENTS:
        shutil.copyfile(corpus_path("docs-tika-test-documents") / rel, leak / "documents" / Path(rel).name)
    return leak


@pytest.fixture(scope="module")
def baseline(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """The leak, and a project ingested from it by the local pool (2 workers)."""
    root = tmp_path_factory.mktemp("cluster")
    leak = _leak(root)
    started = time.monotonic()
    faisceau("ingest", leak, "--project", root / "local", "--workers", "2")
    print(f"local ingest {time.monotonic() - started:.1f} s")
    return leak, root / "local"


@pytest.fixture
def local_cluster() -> Iterator[tuple[subprocess.Popen[str], str]]:
    """`faisceau cluster local --workers 2 --port 0`, as a user starts it: its process and address."""
    proc = subprocess.Popen([sys.executable, "-m", "faisceau", "cluster", "local", "--workers", "2", "--port", "0",
                             "--json"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        assert line, f"faisceau cluster local printed nothing: {proc.stderr.read() if proc.stderr else ''}"
        started = json.loads(line)
        assert started["workers"] == 2 and started["address"].startswith("tcp://127.0.0.1:")
        yield proc, started["address"]
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(60)


def _busy_worker(address: str, ingest: subprocess.Popen[str], timeout: float = 120) -> tuple[str, int]:
    """A Dask worker running one of the ingest's batches, as soon as there is one: address, process id."""
    with Client(address, timeout=30, set_as_default=False) as client:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            assert ingest.poll() is None, "the ingest ended before any Dask worker was seen busy"
            busy = [w for w, keys in client.processing().items() if any("faisceau-" in str(k) for k in keys)]
            if busy:
                return busy[0], client.run(os.getpid, workers=busy[:1])[busy[0]]
            time.sleep(0.05)
    raise AssertionError("no Dask worker ran a faisceau batch")


def _ingest(leak: Path, project: Path, address: str) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, "-m", "faisceau", "ingest", str(leak), "--project", str(project),
                             "--cluster", address, "--json"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _findings(project: Path) -> dict[str, object]:
    """Every content's entity, identifier and date rows, by SHA-256."""
    store = Store(Project.open(project).store_path)
    try:
        shas = [json.loads(line[len("content "):])["sha256"] for line in store.canonical_dump()
                if line.startswith("content ")]
        return {sha: (entities.mentions_of(store, sha), entities.identifiers_of(store, sha),
                      entities.text_dates_of(store, sha)) for sha in shas}
    finally:
        store.close()


def _totals(project: Path) -> dict[str, int]:
    return {w: jsonl(faisceau("search", w, "--project", project, "--json").stdout)[0]["total"] for w in WORDS}


def _same_as(project: Path, local: Path) -> None:
    """The store, the findings and the search totals of `project` are those of `local`."""
    expected = dump(local)
    assert sum(line.startswith("doc ") for line in expected) > 100
    assert dump(project) == expected
    local_findings = _findings(local)
    assert sum(len(m) for m, _, _ in local_findings.values()) > 100  # entity rows were compared
    assert _findings(project) == local_findings
    totals = _totals(local)
    assert totals["enron"] > 0
    assert _totals(project) == totals
    assert not list((project / "tmp").rglob("*.json"))  # every spooled chunk was taken back


@pytest.mark.slow
def test_a_cluster_with_a_worker_killed_gives_the_local_store(tmp_path: Path, baseline, local_cluster) -> None:
    leak, local = baseline
    _, address = local_cluster
    started = time.monotonic()
    ingest = _ingest(leak, tmp_path / "cluster", address)
    killed, pid = _busy_worker(address, ingest)
    os.kill(pid, signal.SIGKILL)
    out, err = ingest.communicate(timeout=600)
    print(f"cluster ingest {time.monotonic() - started:.1f} s (worker {killed} killed)")
    assert ingest.returncode == 0, err[-3000:]
    assert jsonl(out)[-1]["documents"]["pending"] == 0
    _same_as(tmp_path / "cluster", local)


@pytest.mark.slow
def test_a_scheduler_lost_mid_run_stops_clearly_and_the_next_ingest_resumes(tmp_path: Path, baseline) -> None:
    leak, local = baseline
    project = tmp_path / "cluster"
    with LocalDask() as dask:
        dask.start(workers=2)
        ingest = _ingest(leak, project, dask.address)
        _busy_worker(dask.address, ingest)
        assert dask.scheduler is not None
        dask.scheduler.send_signal(signal.SIGKILL)
        out, err = ingest.communicate(timeout=300)
    assert ingest.returncode == 1
    lines = [line for line in err.splitlines() if line.startswith("faisceau:")]
    assert len(lines) == 1 and "run `faisceau ingest` again to resume" in lines[0], err[-2000:]
    assert "Traceback" not in err
    with LocalDask() as dask:  # a new scheduler and workers: the same command again
        dask.start(workers=2)
        ingest = _ingest(leak, project, dask.address)
        out, err = ingest.communicate(timeout=600)
    assert ingest.returncode == 0, err[-3000:]
    assert jsonl(out)[-1]["documents"]["pending"] == 0
    _same_as(project, local)


def _tiny_leak(root: Path) -> Path:
    leak = root / "leak"
    leak.mkdir()
    (leak / "note.txt").write_text("Rendez-vous à Amiens le 3 mars avec Claire Dubois.\n", "utf-8")
    return leak


def test_an_item_that_crashes_its_parser_on_a_node_fails_alone(tmp_path: Path) -> None:
    # the node's own pool isolates the culprit, as a local run does: its batch-mates go through
    leak = tmp_path / "leak"
    leak.mkdir()
    for name in ("crash-me.txt", "fine-1.txt", "fine-2.txt", "fine-3.txt"):
        (leak / name).write_text(f"A note about the warehouse rota, kept as {name}.\n", "utf-8")
    with LocalDask() as dask:
        dask.start()
        dask.add_worker(env={"FAISCEAU_FAULT": "worker-crash:crash-me"})
        dask.wait_for_workers(1)
        faisceau("ingest", leak, "--project", tmp_path / "p", "--cluster", dask.address)
    docs = {d["path"]: d for d in jsonl(faisceau("documents", "--project", tmp_path / "p", "--json").stdout)}
    assert (docs["crash-me.txt"]["status"], docs["crash-me.txt"]["reason"]) == ("failed", "parser crashed (SIGSEGV)")
    assert [docs[f"fine-{i}.txt"]["status"] for i in (1, 2, 3)] == ["ok"] * 3


def test_a_worker_with_another_version_is_refused_naming_both(tmp_path: Path) -> None:
    # a real install of another faisceau: a copy of the package with another version, first on the
    # worker's path
    other = tmp_path / "other"
    shutil.copytree(Path(__file__).resolve().parents[2] / "faisceau", other / "faisceau",
                    ignore=shutil.ignore_patterns("__pycache__"))
    version = other / "faisceau" / "version.py"
    version.write_text(version.read_text("utf-8").replace(f'__version__ = "{__version__}"', '__version__ = "0.0.1"'),
                       "utf-8")
    with LocalDask() as dask:
        dask.start()
        dask.add_worker(env={"PYTHONPATH": str(other)})
        dask.wait_for_workers(1)
        proc = faisceau("ingest", _tiny_leak(tmp_path), "--project", tmp_path / "p", "--cluster", dask.address,
                        check=False)
    assert proc.returncode == 1
    assert f"runs faisceau 0.0.1, this process faisceau {__version__}" in proc.stderr
    assert "Traceback" not in proc.stderr
    assert dump(tmp_path / "p") == []  # nothing was walked or written


def _can_unshare() -> bool:
    if shutil.which("unshare") is None:
        return False
    return subprocess.run(["unshare", "--mount", "true"], capture_output=True).returncode == 0


def test_a_worker_that_cannot_see_the_project_folder_is_refused(tmp_path: Path) -> None:
    if not _can_unshare():
        if IN_CI:
            pytest.fail("unshare --mount is not permitted here (required under CI=true)")
        pytest.skip("unshare --mount is not permitted here")
    project = tmp_path / "p"
    Project.open(project, create=True)
    # the worker runs in a mount namespace of its own where an empty file system hides the project
    # folder: a node without the shared file system mounted
    hide = ["unshare", "--mount", "--propagation", "private", "sh", "-c", 'mount -t tmpfs none "$0" && exec "$@"',
            str(project)]
    with LocalDask() as dask:
        dask.start()
        dask.add_worker(prefix=hide)
        dask.wait_for_workers(1)
        proc = faisceau("ingest", _tiny_leak(tmp_path), "--project", project, "--cluster", dask.address, check=False)
    assert proc.returncode == 1
    assert "does not see the project folder" in proc.stderr and "same path on every node" in proc.stderr
    assert dump(project) == []
