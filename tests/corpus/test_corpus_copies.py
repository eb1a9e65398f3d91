"""Corpus test (issue 22): on real Enron mailboxes, where one custodian keeps each mail in several
folders, copies are one result in search, the timeline and the graph; a person's page leads to
their mail; the pages answer from the precomputed tables.

The project is one custodian's four folders that hold the most copies of each other (`all_documents`,
`discussion_threads`, `sent`, `_sent_mail`), ingested once for this module through the real CLI.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import time
import warnings
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import corpus_path

from faisceau.store import timeline as timeline_table
from faisceau.store.db import Store
from faisceau.web import Workbench, create_app

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

FOLDERS = ("all_documents", "discussion_threads", "sent", "_sent_mail")
CUSTODIAN = "allen-p"
ADDRESS = "phillip.allen@enron.com"

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    box = corpus_path("enron_mbox") / "mbox"
    src = tmp_path_factory.mktemp("enron-copies-src")
    for folder in FOLDERS:   # copied first: nothing touches the shared corpus
        shutil.copy(box / f"enron.{CUSTODIAN}.{folder}", src / f"{CUSTODIAN}.{folder}.mbox")
    proj = tmp_path_factory.mktemp("enron-copies") / "p"
    t0 = time.monotonic()
    r = subprocess.run([sys.executable, "-m", "faisceau", "ingest", str(src), "--project", str(proj), "--ocr", "off",
                        "--set", "skip_stages=entities,identifiers,entity_grouping"],
                       capture_output=True, text=True, timeout=3000)
    assert r.returncode == 0, r.stderr[-3000:]
    print(f"\n[phase] ingest enron {CUSTODIAN} {len(FOLDERS)} folders: {time.monotonic() - t0:.1f} s", file=sys.stderr)
    return proj


@pytest.fixture(scope="module")
def client(project: Path) -> Iterator[TestClient]:
    with TestClient(create_app(Workbench.open(project)), base_url="http://127.0.0.1:8000") as c:
        yield c


def get(client: TestClient, url: str, **params: object) -> dict:  # type: ignore[type-arg]
    r = client.get(url, params=params)
    assert r.status_code == 200, r.text[:500]
    return r.json()  # type: ignore[no-any-return]


def test_the_corpus_stages_built_the_tables_the_pages_read(project: Path) -> None:
    store = Store(project / "store.sqlite")
    try:
        # the ingest left the event table matching the store: a page does not rebuild it
        assert timeline_table.state(store) == ("UTC", timeline_table.fingerprint(store))
    finally:
        store.close()


@pytest.fixture(scope="module")
def group(project: Path) -> dict[str, int]:
    """Each copied message's group, as `faisceau duplicates` reports them (one mail in several folders)."""
    r = subprocess.run([sys.executable, "-m", "faisceau", "duplicates", "--project", str(project), "--json",
                        "--kind", "same-message"], capture_output=True, text=True, timeout=600, check=True)
    out = {loc["id"]: n for n, line in enumerate(r.stdout.splitlines()[1:]) for loc in json.loads(line)["locations"]}
    assert len(out) > 1000
    return out


def test_search_hits_are_distinct_messages_with_their_copies(client: TestClient, group: dict[str, int]) -> None:
    for q in ("gas price", "meeting", "california"):
        folded = get(client, "/api/search", q=q)
        every = get(client, "/api/search", q=q, copies="all", limit=200)
        shown = [group.get(h["id"], h["id"]) for h in folded["hits"]]
        assert len(set(shown)) == len(shown), q   # no message twice on a page
        assert all(h["copies"] == 1 + sum(1 for g in group.values() if g == group[h["id"]]) - 1
                   for h in folded["hits"] if h["id"] in group), q
        all_shown = [group.get(h["id"], h["id"]) for h in every["hits"]]
        assert len(set(all_shown)) < len(all_shown), q   # the copies are there, and shown when asked
        assert any(h["copies"] > 1 for h in folded["hits"]), q


def test_the_timeline_lists_a_copied_message_once(client: TestClient, group: dict[str, int]) -> None:
    folded = get(client, "/api/timeline", kind="metadata", limit=1000)
    every = get(client, "/api/timeline", kind="metadata", limit=1000, copies="all")
    assert every["total"] > folded["total"] > 0
    seen = [group.get(e["document_id"], e["document_id"]) for e in folded["events"]]
    assert len(set(seen)) == len(seen)
    assert any(e["copies"] > 1 for e in folded["events"])
    # drilling into the busiest year keeps its count
    year = max(folded["buckets"], key=lambda b: b["count"])
    assert get(client, "/api/timeline", kind="metadata", at=year["key"], limit=0)["total"] == year["count"]


def test_the_custodian_is_a_person_with_messages_correspondents_and_threads(client: TestClient) -> None:
    g = get(client, "/api/graph")
    me = next(n for n in g["nodes"] if ADDRESS in n["addresses"].split())
    assert me["sent"] > 100 and len(g["nodes"]) > 20
    msgs = get(client, "/api/graph/messages", node=me["id"])
    ids = [m["id"] for m in msgs]
    assert len(ids) == len(set(ids)) and any(m["copies"] > 0 for m in msgs)
    page = client.get(f"/people/{ADDRESS}")
    assert page.status_code == 200
    for part in ('id="sent-messages"', 'id="received-messages"', 'id="partners"', 'id="person-threads"'):
        section = page.text.split(part)[1].split("</ul>")[0]
        assert section.count("<li>") >= 3, part
    ego = get(client, "/api/graph", ego=ADDRESS)
    assert ego["ego"] == me["id"] and len(ego["nodes"]) > 5
    assert all(e["weight"] >= f["weight"] for e, f in zip(ego["edges"], ego["edges"][1:], strict=False))
