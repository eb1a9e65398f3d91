"""`threads`, `thread`, `duplicates`, `correspondents`, `graph` through the real CLI on mail built here."""

from __future__ import annotations

import base64
import csv
import io
import mailbox
from email.message import EmailMessage
from pathlib import Path

import networkx as nx
import pytest
from helpers import faisceau, jsonl


def mail(frm: str, to: str, subject: str, date: str, body: str, mid: str | None = None,
         **headers: str) -> EmailMessage:
    m = EmailMessage()
    m["From"], m["To"], m["Subject"], m["Date"] = frm, to, subject, date
    if mid:
        m["Message-ID"] = f"<{mid}>"
    for k, v in headers.items():
        m[k.replace("_", "-")] = v
    m.set_content(body)
    return m


def write_mbox(path: Path, messages: list[EmailMessage]) -> None:
    box = mailbox.mbox(str(path), create=True)
    for m in messages:
        box.add(m)
    box.flush()
    box.close()


TI = base64.b64encode(bytes(range(1, 23))).decode()
TI2 = base64.b64encode(bytes(range(1, 23)) + b"\x00\x00\x10\x20\x30").decode()
ALICE = "Alice Martin <alice@corp.example.com>"
BOB = "Bob Stone <bob@corp.example.com>"
BUDGET = "The budget for the Lyon site is attached; please check the figures before Friday's meeting."


def headers_box() -> list[EmailMessage]:
    return [
        mail(ALICE, BOB, "Plan", "Mon, 02 Mar 2020 09:00:00 +0100", "First version of the plan, for review.", "p1@x"),
        mail(BOB, ALICE, "Re: Plan", "Mon, 02 Mar 2020 10:00:00 +0100", "Looks fine.", "p2@x",
             In_Reply_To="<p1@x>", References="<p1@x>"),
        mail(ALICE, BOB, "Re: Plan", "Mon, 02 Mar 2020 11:00:00 +0100", "Thanks.", "p3@x",
             In_Reply_To="<yes>", References="<p1@x> <p2@x>"),
        # a loop: each names the other as its parent
        mail(ALICE, BOB, "Loop", "Tue, 03 Mar 2020 09:00:00 +0100", "Loop one.", "l1@x", In_Reply_To="<l2@x>"),
        mail(BOB, ALICE, "Re: Loop", "Tue, 03 Mar 2020 10:00:00 +0100", "Loop two.", "l2@x", In_Reply_To="<l1@x>"),
        # one Message-ID, two different messages
        mail(ALICE, BOB, "Dup A", "Wed, 04 Mar 2020 09:00:00 +0100", "Text A.", "dup@x"),
        mail(BOB, ALICE, "Dup B", "Wed, 04 Mar 2020 10:00:00 +0100", "Text B.", "dup@x"),
        # Outlook: no In-Reply-To, only Thread-Index
        mail(ALICE, BOB, "Budget", "Thu, 05 Mar 2020 09:00:00 +0100", "Budget v1.", "o1@x", Thread_Index=TI,
             Thread_Topic="Budget"),
        mail(BOB, ALICE, "RE: Budget", "Thu, 05 Mar 2020 10:00:00 +0100", "Budget ok.", "o2@x", Thread_Index=TI2,
             Thread_Topic="Budget"),
    ]


def plain_box() -> list[EmailMessage]:
    """Mail without threading headers, Enron-style: quoted blocks and subjects only."""
    return [
        mail(ALICE, BOB, "Lyon budget", "Mon, 09 Mar 2020 09:00:00 +0100", BUDGET, "b1@x"),
        mail(BOB, ALICE, "RE: Lyon budget", "Mon, 09 Mar 2020 15:00:00 +0100",
             "Figures checked, two lines are wrong.\n\n-----Original Message-----\nFrom: Martin, Alice\n"
             "Sent: Monday, March 09, 2020 9:00 AM\nTo: Stone, Bob\nSubject: Lyon budget\n\n" + BUDGET, "b2@x"),
        mail("Claire Petit <claire@filiale.example.fr>", "Daniel <daniel@filiale.example.fr>",
             "TR: RE: Lyon budget", "Tue, 10 Mar 2020 09:00:00 +0100",
             "Pour info.\n\nDe : Bob Stone [mailto:bob@corp.example.com]\nEnvoyé : lundi 9 mars 2020 15:00\n"
             "À : Alice Martin\nObjet : RE: Lyon budget\n\nFigures checked, two lines are wrong.\n", "b3@x"),
        mail("Phillip Allen </O=CORP/OU=NA/CN=RECIPIENTS/CN=PALLEN>", BOB, "Gas", "Wed, 11 Mar 2020 09:00:00 +0100",
             "Gas prices are up again this week, see the desk report.", "g1@x"),
        mail("Phillip Allen <pallen@corp.example.com>", BOB, "Re: Gas", "Wed, 11 Mar 2020 10:00:00 +0100",
             "Le mer. 11 mars 2020 à 09:00, Bob Stone <bob@corp.example.com> a écrit :\n> Why?\n\nBecause.", "g2@x"),
    ]


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    base = tmp_path_factory.mktemp("mail")
    src = base / "leak"
    (src / "alice").mkdir(parents=True)
    (src / "bob").mkdir()
    write_mbox(src / "alice" / "headers.mbox", headers_box())
    write_mbox(src / "alice" / "plain.mbox", plain_box())
    # the first plain message again in another custodian's folder: other Message-ID, other bytes
    copy = plain_box()[0]
    del copy["Message-ID"]
    copy["Message-ID"] = "<b1-copy@other>"
    copy["X-Folder"] = "\\Bob\\Inbox"
    write_mbox(src / "bob" / "inbox.mbox", [copy])
    faisceau("ingest", src, "--project", base / "p")
    return base / "p"


def _threads(project: Path) -> dict[str, dict[str, object]]:
    out = {}
    for t in jsonl(faisceau("threads", "--project", project, "--json").stdout):
        for m in t["messages"]:
            out[m["message_id"] or m["id"]] = t | {"me": m}
    return out


def test_threads_json_has_the_contract_fields_and_header_threading(project: Path) -> None:
    th = _threads(project)
    for t in th.values():
        assert {"thread_id", "subject", "messages"} <= set(t)
        assert {"id", "message_id", "parent_id", "date", "from"} <= set(t["me"])  # type: ignore[arg-type]
    me = {k: v["me"] for k, v in th.items()}
    assert me["p2@x"]["parent_id"] == me["p1@x"]["id"]
    assert me["p3@x"]["parent_id"] == me["p2@x"]["id"]  # <yes> ignored, References used
    assert th["p1@x"]["thread_id"] == th["p3@x"]["thread_id"]
    assert th["l1@x"]["thread_id"] == th["l2@x"]["thread_id"]
    assert (me["l1@x"]["parent_id"] is None) != (me["l2@x"]["parent_id"] is None)
    assert me["o2@x"]["parent_id"] == me["o1@x"]["id"] and me["o2@x"]["via"] == "thread-index"


def test_threads_without_headers_use_quotes_in_english_and_french(project: Path) -> None:
    th = _threads(project)
    me = {k: v["me"] for k, v in th.items()}
    first = {me["b1@x"]["id"], me["b1-copy@other"]["id"]}  # either copy may stand for the message
    assert me["b2@x"]["parent_id"] in first and me["b2@x"]["via"] == "quote"
    assert me["b3@x"]["parent_id"] == me["b2@x"]["id"]
    assert th["b1@x"]["thread_id"] == th["b3@x"]["thread_id"] == th["b1-copy@other"]["thread_id"]
    assert {me["b1-copy@other"]["copy_of"], me["b1@x"]["copy_of"]} - {None} <= first
    assert th["b1@x"]["count"] == 3 and th["b1@x"]["copies"] == 1
    assert me["g2@x"]["parent_id"] == me["g1@x"]["id"]


def test_thread_command_indents_by_depth(project: Path) -> None:
    th = _threads(project)
    doc = th["b3@x"]["me"]["id"]  # type: ignore[index]
    out = faisceau("thread", doc, "--project", project).stdout.splitlines()
    assert out[0].startswith("Lyon budget — 3 messages (+1 copies)")
    assert out[1].startswith("  2020-03-09 08:00  alice@corp.example.com")
    assert out[3].startswith("*     2020-03-10 08:00  claire@filiale.example.fr")
    assert faisceau("thread", "nope", "--project", project, check=False).returncode == 2


def test_duplicates_groups_copies_and_flags_message_id_conflicts(project: Path) -> None:
    rows = jsonl(faisceau("duplicates", "--project", project, "--json").stdout)
    head, groups = rows[0], rows[1:]
    assert head["by_type"]["same-message"] == 1 and head["copies"] == 1
    same = next(g for g in groups if g["type"] == "same-message")
    assert same["distinct_bytes"] == 2 and {x["path"].split("!")[0] for x in same["locations"]} == {
        "alice/plain.mbox", "bob/inbox.mbox"}
    conflict = next(g for g in groups if g["type"] == "message-id-conflict")
    assert conflict["message_id"] == "dup@x" and len(conflict["locations"]) == 2


def test_correspondents_merge_x500_and_count_unique_messages(project: Path) -> None:
    people = {p["id"]: p for p in jsonl(faisceau("correspondents", "--project", project, "--json").stdout)}
    alice = people["alice@corp.example.com"]
    assert alice["sent"] == 6  # the copy of "Lyon budget" counted once
    pallen = people["pallen@corp.example.com"]
    assert any(a.startswith("/o=corp") for a in pallen["addresses"]) and pallen["sent"] == 2
    assert pallen["evidence"][0]["rule"].startswith("X.500")


def test_graph_exports(project: Path, tmp_path: Path) -> None:
    gexf = faisceau("graph", "--project", project, "--format", "gexf").stdout
    g = nx.read_gexf(io.BytesIO(gexf.encode()))
    assert g.has_edge("alice@corp.example.com", "bob@corp.example.com")
    faisceau("graph", "--project", project, "--format", "graphml", "--output", tmp_path / "g.graphml")
    assert nx.read_graphml(tmp_path / "g.graphml").number_of_nodes() == g.number_of_nodes()
    rows = list(csv.DictReader(io.StringIO(faisceau("graph", "--project", project, "--format", "csv").stdout)))
    ab = next(r for r in rows if r["source"] == "alice@corp.example.com" and r["target"] == "bob@corp.example.com")
    assert ab["kind"] == "to" and int(ab["weight"]) == 6
    march9 = jsonl(faisceau("graph", "--project", project, "--format", "json", "--from", "2020-03-09",
                            "--to", "2020-03-09").stdout)
    assert march9[0] == {"nodes": 2, "edges": 2}
    assert faisceau("graph", "--project", project, "--from", "March", check=False).returncode == 2


def test_new_mail_joins_existing_threads_on_the_next_ingest(project: Path, tmp_path: Path) -> None:
    before = _threads(project)
    more = tmp_path / "more"
    more.mkdir()
    write_mbox(more / "late.mbox", [
        mail(BOB, ALICE, "Re: Plan", "Fri, 06 Mar 2020 09:00:00 +0100", "One more thing.", "p4@x",
             In_Reply_To="<p3@x>", References="<p1@x> <p2@x> <p3@x>"),
        mail(ALICE, BOB, "RE: Lyon budget", "Tue, 10 Mar 2020 11:00:00 +0100",
             "Fixed.\n\nOn Mon, 09 Mar 2020 15:00:00 +0100, Bob Stone <bob@corp.example.com> wrote:\n"
             "> Figures checked, two lines are wrong.\n", "b4@x")])
    faisceau("ingest", more, "--project", project)
    after = _threads(project)
    assert after["p4@x"]["thread_id"] == before["p1@x"]["thread_id"]
    assert after["p4@x"]["me"]["parent_id"] == before["p3@x"]["me"]["id"]  # type: ignore[index]
    assert after["b4@x"]["thread_id"] == before["b1@x"]["thread_id"]
    assert after["b4@x"]["me"]["parent_id"] == before["b2@x"]["me"]["id"]  # type: ignore[index]


def test_graph_periods_are_read_in_the_project_time_zone(project: Path, tmp_path: Path) -> None:
    import shutil

    copy = tmp_path / "p"
    shutil.copytree(project, copy)
    # "Lyon budget", Mon 9 March 2020 09:00 +0100, is 08:00 UTC: still Sunday 8 March at UTC-12;
    # its reply at 15:00 +0100 is 9 March there too
    (copy / "faisceau.toml").write_text('timezone = "Etc/GMT+12"\n', "utf-8")

    def period(p: Path, day: str) -> dict:
        return jsonl(faisceau("graph", "--project", p, "--format", "json", "--from", day, "--to", day).stdout)[0]

    assert period(project, "2020-03-08")["edges"] == 0
    assert period(copy, "2020-03-08") == {"nodes": 2, "edges": 1}
