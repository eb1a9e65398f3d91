"""Copies are one result everywhere (search, timeline, graph), with their number and a way to all of
them; the timeline's event table says what the streamed timeline says. On mail and files built here."""

from __future__ import annotations

import mailbox
import shutil
import warnings
from collections.abc import Iterator
from email.message import EmailMessage
from pathlib import Path

import pytest
from helpers import faisceau, jsonl

from faisceau.analysis import read
from faisceau.store.db import Store
from faisceau.web import Workbench, create_app

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

ALICE = "Alice Martin <alice@corp.example.com>"
BOB = "Bob Stone <bob@corp.example.com>"
CAROL = "Carol Diaz <carol@corp.example.com>"
TARIFF = "The pipeline tariff hearing is set for 3 June 2001; bring the zanzibar figures."


def mail(frm: str, to: str, subject: str, date: str, body: str, mid: str, folder: str) -> EmailMessage:
    m = EmailMessage()
    m["From"], m["To"], m["Subject"], m["Date"], m["Message-ID"] = frm, to, subject, date, f"<{mid}>"
    m["X-Folder"] = folder
    m.set_content(body)
    return m


def write_mbox(path: Path, messages: list[EmailMessage]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    box = mailbox.mbox(str(path), create=True)
    for m in messages:
        box.add(m)
    box.flush()
    box.close()


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One message kept in three folders (Enron-style: each copy its own Message-ID and folder header),
    another message, and one file at two places (the same bytes)."""
    src = tmp_path_factory.mktemp("copies-src")
    tariff = "Mon, 14 May 2001 09:00:00 -0700"
    write_mbox(src / "alice" / "sent.mbox", [mail(ALICE, BOB, "Pipeline tariff", tariff, TARIFF, "t1@a", "\\Alice\\Sent"),
                                              mail(CAROL, ALICE, "Budget", "Tue, 15 May 2001 10:00:00 -0700",
                                                   "Budget review for zanzibar next week.", "b1@c", "\\Alice\\Inbox")])
    write_mbox(src / "alice" / "all_documents.mbox", [mail(ALICE, BOB, "Pipeline tariff", tariff, TARIFF, "t1-all@a",
                                                           "\\Alice\\All documents")])
    write_mbox(src / "bob" / "inbox.mbox", [mail(ALICE, BOB, "Pipeline tariff", tariff, TARIFF, "t1-bob@b",
                                                 "\\Bob\\Inbox")])
    note = "Zanzibar notes: the hearing of 12 March 2001 was moved.\n"
    for folder in ("notes", "backup"):
        (src / folder).mkdir()
        (src / folder / "zanzibar.txt").write_text(note, "utf-8")
    proj = tmp_path_factory.mktemp("copies") / "p"
    faisceau("ingest", src, "--project", proj, "--set", "skip_stages=entities,identifiers,entity_grouping")
    return proj


@pytest.fixture(scope="module")
def client(project: Path) -> Iterator[TestClient]:
    with TestClient(create_app(Workbench.open(project)), base_url="http://127.0.0.1:8000") as c:
        yield c


def ok(r: object) -> dict:  # type: ignore[type-arg]
    assert r.status_code == 200, r.text  # type: ignore[attr-defined]
    return r.json()  # type: ignore[attr-defined, no-any-return]


def test_search_shows_each_copy_group_once_with_its_count(client: TestClient) -> None:
    folded = ok(client.get("/api/search", params={"q": "zanzibar"}))
    every = ok(client.get("/api/search", params={"q": "zanzibar", "copies": "all"}))
    # 3 copies of the tariff mail, the budget mail, 2 copies of the note: 6 documents, 3 results
    assert every["total"] == folded["total"] == 6
    assert len(every["hits"]) == 6 and len(folded["hits"]) == 3 and folded["folded"] == 3
    assert sorted(h["copies"] for h in folded["hits"]) == [1, 2, 3]
    # a small result is read whole on the way to its first page: its number of groups is known
    assert folded["groups"] == 3 and every["groups"] is None
    tariff = next(h for h in folded["hits"] if h["copies"] == 3)
    assert tariff["copies_url"].endswith("#copies")
    assert next(h for h in folded["hits"] if h["copies"] == 2)["copies_url"].endswith("#locations")
    # paging counts groups: the second page of one result starts at the second group
    pages = [ok(client.get("/api/search", params={"q": "zanzibar", "limit": 1, "page": n}))["hits"] for n in (1, 2, 3, 4)]
    assert [len(p) for p in pages] == [1, 1, 1, 0]
    assert len({p[0]["id"] for p in pages[:3]}) == 3
    page = client.get("/search", params={"q": "zanzibar"})
    assert 'class="copies-link"' in page.text and 'id="copies-toggle"' in page.text
    assert '<strong id="groups">3</strong>' in page.text and '<span id="total">6</span>' in page.text
    # the copies are one click away: the document page lists the other folders
    doc = client.get(tariff["copies_url"].split("#")[0])
    assert doc.text.count("Pipeline tariff") >= 1 and 'id="copies"' in doc.text


def test_cli_folds_copies_unless_asked(project: Path) -> None:
    folded = jsonl(faisceau("search", "zanzibar", "--project", project, "--json").stdout)
    every = jsonl(faisceau("search", "zanzibar", "--project", project, "--json", "--all-copies").stdout)
    assert len(folded) - 1 == 3 and len(every) - 1 == 6
    streamed = jsonl(faisceau("search", "zanzibar", "--project", project, "--json", "--all").stdout)
    assert len(streamed) - 1 == 3
    assert folded[0]["total"] == 6 and folded[0]["groups"] == 3 and "groups" not in every[0]
    text = faisceau("search", "tariff", "--project", project).stdout
    assert "3 copies" in text and text.splitlines()[0] == "3 hits (1 without copies, showing 1–1)"


def test_timeline_counts_a_copied_event_once(client: TestClient) -> None:
    folded = ok(client.get("/api/timeline", params={"q": "tariff", "kind": "metadata", "limit": 1000}))
    every = ok(client.get("/api/timeline", params={"q": "tariff", "kind": "metadata", "copies": "all", "limit": 1000}))
    assert folded["total"] == 1 and every["total"] == 3
    assert folded["events"][0]["copies"] == 3 and not folded["events"][0]["copy"]
    texts = ok(client.get("/api/timeline", params={"q": "tariff", "kind": "text", "limit": 1000}))
    assert [e["date"] for e in texts["events"]] == ["2001-06-03"]
    note = ok(client.get("/api/timeline", params={"q": "notes", "kind": "text", "limit": 1000}))
    assert note["total"] == 1 and note["events"][0]["copies"] == 2
    page = client.get("/timeline", params={"q": "tariff"})
    assert 'class="copies-link"' in page.text and 'id="all-copies"' in page.text


def test_graph_counts_unique_messages_and_lists_a_persons_messages(client: TestClient) -> None:
    g = ok(client.get("/api/graph"))
    edge = next(e for e in g["edges"] if e["source"] == "alice@corp.example.com")
    assert edge["target"] == "bob@corp.example.com" and edge["weight"] == 1
    msgs = ok(client.get("/api/graph/messages", params={"node": "alice@corp.example.com"}))
    assert sorted((m["subject"], m["role"], m["copies"]) for m in msgs) == [("Budget", "to", 0),
                                                                        ("Pipeline tariff", "from", 2)]
    period = ok(client.get("/api/graph", params={"from": "2001-05-15", "to": "2001-05-15"}))
    assert [(e["source"], e["target"]) for e in period["edges"]] == [("carol@corp.example.com", "alice@corp.example.com")]
    searched = ok(client.get("/api/graph", params={"q": "tariff"}))
    assert [(e["source"], e["weight"]) for e in searched["edges"]] == [("alice@corp.example.com", 1)]


def test_the_event_table_says_what_the_streamed_timeline_says(project: Path, tmp_path: Path) -> None:
    copy = tmp_path / "p"
    shutil.copytree(project, copy)
    for tz in ("UTC", "America/Los_Angeles"):   # another zone: the table is built again, in local days
        (copy / "faisceau.toml").write_text(f'timezone = "{tz}"\n', "utf-8")
        wb = Workbench.open(copy)
        with TestClient(create_app(wb), base_url="http://127.0.0.1:8000") as c:
            table = ok(c.get("/api/timeline", params={"copies": "all", "limit": 1000}))
            days = ok(c.get("/api/timeline", params={"at": "2001-05", "copies": "all", "limit": 1000}))
        store = Store(copy / "store.sqlite")
        stream = list(read.timeline(store, tz=tz))
        # the same events; ties on a date are ordered by document here, by row in the stream
        assert sorted((e["date"], e["kind"], e["document_id"], e["start"] or 0) for e in table["events"]) == sorted(
            (e["date"], e["kind"], e["document_id"], e["start"] or 0) for e in stream)
        assert [e["document_id"] for e in table["events"]] != [] and table["total"] == len(stream)
        # the tariff mail was sent on 14 May at 09:00 in California: 16:00 UTC, the 14th in both zones;
        # the budget mail at 10:00 on the 15th: 17:00 UTC; its "next week" is the 21st
        assert {b["key"]: b["count"] for b in days["buckets"]} == {"2001-05-14": 3, "2001-05-15": 1, "2001-05-21": 1}
        store.close()


def test_a_persons_page_leads_to_their_messages_correspondents_and_threads(client: TestClient) -> None:
    listing = client.get("/people")
    assert listing.status_code == 200 and 'href="/people/alice%40corp.example.com"' in listing.text
    page = client.get("/people/alice@corp.example.com")
    assert page.status_code == 200
    html = page.text
    sent = html.split('id="sent-messages"')[1].split("</ul>")[0]
    received = html.split('id="received-messages"')[1].split("</ul>")[0]
    assert sent.count("Pipeline tariff") == 1 and "+2 copies" in sent and "Budget" not in sent
    assert "Budget" in received and "Pipeline tariff" not in received
    partners = html.split('id="partners"')[1].split("</ul>")[0]
    assert "Bob Stone" in partners and "Carol Diaz" in partners
    threads = html.split('id="person-threads"')[1].split("</ul>")[0]
    assert threads.count("<li>") == 2
    # any of a person's addresses finds them; an unknown one is a 404
    assert client.get("/people/ALICE@corp.example.com").status_code == 200
    assert client.get("/people/nobody@nowhere.example").status_code == 404


def test_the_command_line_timeline_reads_the_table_and_folds_copies(project: Path, tmp_path: Path) -> None:
    copy = tmp_path / "p"
    shutil.copytree(project, copy)
    folded = jsonl(faisceau("timeline", "--project", copy, "--json").stdout)
    every = jsonl(faisceau("timeline", "--project", copy, "--json", "--all-copies").stdout)
    store = Store(copy / "store.sqlite")
    stream = list(read.timeline(store))
    store.close()
    # every copy's event is the reference stream's, in date order; folded, the tariff mail's sent date
    # is one event of a group of three instead of three
    key = lambda e: (e["date"], e["kind"], e["document_id"], e["start"] or 0)  # noqa: E731
    assert sorted(map(key, every)) == sorted(map(key, stream)) and every == sorted(every, key=lambda e: e["date"])
    sent = [e for e in every if e["kind"] == "metadata" and "Pipeline tariff" in e["sentence"]]
    assert len(sent) == 3 and sum(e["copy"] for e in sent) == 2
    kept = [e for e in folded if e["kind"] == "metadata" and "Pipeline tariff" in e["sentence"]]
    assert len(kept) == 1 and kept[0]["copies"] == 3 and not kept[0]["copy"]
    assert len(folded) == len(every) - sum(e["copy"] for e in every)
    text = faisceau("timeline", "--project", copy, "--kind", "metadata").stdout
    assert "3 copies)" in text
    bad = faisceau("timeline", "--project", copy, "--entity", "Nobody At All", check=False)
    assert bad.returncode != 0 and "no entity" in bad.stderr
