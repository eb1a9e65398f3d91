"""`faisceau search`, `batch-search`, `reindex`, `tag` through the real CLI on a project ingested here."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import pytest
from helpers import faisceau, jsonl

FR = ("Le 10 mars 2020, deux militants CGT ont tracté à Amiens devant l’entrepôt.\n"
      "La direction de la sûreté a demandé un rapport sur les sociétés sous-traitantes.\n")
EN = "The security centre asked for a report on union leaflets handed out in Amiens.\n"


def _message(n: int, sender: str, subject: str, body: str, date: str) -> str:
    return (f"From {sender} Mon Mar  9 10:00:00 2020\nFrom: {sender}\nTo: soc@example.com\n"
            f"Subject: {subject}\nDate: {date}\nMessage-ID: <m{n}@example.com>\n\n{body}\n\n")


def write_corpus(root: Path, messages: int = 3) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    (root / "rapport.txt").write_text(FR * 3, "utf-8")
    (root / "report.txt").write_text(EN * 3, "utf-8")
    parts = [_message(1, "alice@example.com", "Tractage Amiens", "Les militants ont tracté ce matin à Amiens.",
                      "Tue, 10 Mar 2020 09:00:00 +0100"),
             _message(2, "bob@corp.example.org", "Leaflets", "Leaflets again near the gate.",
                      "Wed, 11 Mar 2020 09:00:00 +0100")]
    parts += [_message(10 + i, f"user{i % 50}@bulk.example.net", f"Routine {i}", f"Routine message number {i}.",
                       "Thu, 12 Mar 2020 09:00:00 +0100") for i in range(max(0, messages - 2))]
    (root / "box.mbox").write_text("".join(parts), "utf-8")
    return root


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    base = tmp_path_factory.mktemp("search-cli")
    src = write_corpus(base / "leak")
    faisceau("ingest", src, "--project", base / "p")
    return base / "p"


def search(project: Path, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    return faisceau("search", *args, "--project", project, check=check)


def test_json_output_has_the_summary_then_one_hit_per_line(project: Path) -> None:
    lines = jsonl(search(project, "amiens", "--json", "--facet", "kind", "--facet", "language",
                         "--facet", "from_domain", "--facet", "year").stdout)
    head, hits = lines[0], lines[1:]
    assert head["total"] == len(hits) == 3
    assert head["facets"]["kind"] == {"text": 2, "email": 1}
    assert head["facets"]["language"] == {"fr": 2, "en": 1}
    assert head["facets"]["from_domain"] == {"example.com": 1}
    for h in hits:
        assert {"id", "path", "title", "kind", "date", "score", "snippets"} <= set(h)
        for s in h["snippets"]:
            for a, b in s["highlights"]:
                assert s["text"][a:b].lower() == "amiens"
    email = next(h for h in hits if h["kind"] == "email")
    assert email["title"] == "Tractage Amiens" and email["date"].startswith("2020-03-10")
    shown = json.loads(faisceau("show", email["id"], "--project", project, "--json").stdout)
    s = email["snippets"][0]
    assert shown["text"][s["start"]:s["end"]] == s["text"]


def test_csv_all_and_table(project: Path) -> None:
    rows = search(project, "kind:email", "--csv", "--all").stdout.splitlines()
    assert rows[0] == "id,path,title,kind,date,from,score,pages,page,snippet" and len(rows) == 1 + 3
    table = search(project, "tractage OR leaflets", "--limit", "1").stdout
    assert table.startswith("3 hits (showing 1–1)")
    page2 = search(project, "tractage OR leaflets", "--limit", "1", "--page", "2").stdout
    assert "showing 2–2" in page2


def test_date_field_sort_and_filters(project: Path) -> None:
    hits = jsonl(search(project, "date:2020-03-10", "--json").stdout)[1:]
    assert [h["title"] for h in hits] == ["Tractage Amiens"]
    newest = jsonl(search(project, "kind:email", "--json", "--sort", "date").stdout)[1:]
    assert [h["date"][:10] for h in newest] == ["2020-03-12", "2020-03-11", "2020-03-10"]
    only = jsonl(search(project, "amiens", "--json", "--exclude", "kind=text").stdout)
    assert only[0]["total"] == 1


@pytest.mark.parametrize("query, message", [
    ("(cgt OR sud", "missing ')'"),
    ("sender:x", "unknown field 'sender'"),
    ('"tractage', "missing closing"),
    ("date:[2020 TO 2019]", "ends before it starts"),
])
def test_malformed_query_is_a_clear_usage_error(project: Path, query: str, message: str) -> None:
    proc = search(project, query, check=False)
    assert proc.returncode == 2
    assert message in proc.stderr and "Traceback" not in proc.stderr
    assert proc.stderr.rstrip().endswith("^")


def test_unknown_facet_and_help_syntax(project: Path) -> None:
    proc = search(project, "x", "--facet", "colour", check=False)
    assert proc.returncode == 2 and "unknown facet 'colour'" in proc.stderr
    assert "date:[2019-10 TO 2020-03]" in faisceau("search", "--help-syntax").stdout


def test_batch_search_rows_modes_and_errors(project: Path, tmp_path: Path) -> None:
    f = tmp_path / "names.csv"
    f.write_text("name,mode\nAmiens,\nsurete,\nunion leaflets,phrase\nAmeins,fuzzy\n\"(broken\",\nrapport,exact\n",
                 "utf-8")
    out = faisceau("batch-search", f, "--project", project, "--ids", "2").stdout.splitlines()
    import csv
    rows = list(csv.DictReader(out))
    by = {r["input"]: r for r in rows}
    assert by["Amiens"]["total"] == "3" and len(by["Amiens"]["ids"].split()) == 2
    assert by["surete"]["total"] == "1"             # sûreté, folded
    assert by["union leaflets"]["total"] == "1"
    assert by["Ameins"]["total"] == "3"              # fuzzy
    assert by["(broken"]["error"].startswith("missing ')'") and by["(broken"]["total"] == ""
    assert by["rapport"]["total"] == "1"
    assert len(rows) == 6


def test_tags_stars_notes_apply_at_query_time(project: Path) -> None:
    first = jsonl(search(project, "leaflets", "--json").stdout)[1]["id"]
    faisceau("tag", "add", "evidence", first, "--project", project)
    faisceau("tag", "add", "ocr-check", "--query", "kind:text", "--project", project)
    head = jsonl(search(project, "tag:evidence OR tag:ocr*", "--json", "--facet", "tag").stdout)[0]
    assert head["total"] == 3 and head["facets"]["tag"] == {"ocr-check": 2, "evidence": 1}
    faisceau("star", first, "--project", project)
    assert jsonl(search(project, "star:true", "--json").stdout)[0]["total"] == 1
    faisceau("note", first, "Vérifier l’horodatage avec le journal", "--project", project)
    assert jsonl(search(project, "note:horodatage", "--json").stdout)[0]["total"] == 1
    assert jsonl(search(project, 'note:"verifier l horodatage"', "--json").stdout)[0]["total"] == 1
    faisceau("tag", "remove", "evidence", first, "--project", project)
    assert jsonl(search(project, "tag:evidence", "--json").stdout)[0] == {
        "total": 0, "offset": 0, "facets": {}, "groups": 0, "notes": ["no document has tag 'evidence'"]}
    bad = faisceau("tag", "add", "x", "nosuchid", "--project", project, check=False)
    assert bad.returncode == 2 and "no such document" in bad.stderr


def test_a_tag_added_during_an_ingest_is_searchable_at_once(tmp_path: Path) -> None:
    src = write_corpus(tmp_path / "leak", messages=3)
    project = tmp_path / "p"
    faisceau("ingest", src, "--project", project)
    target = jsonl(search(project, "tractage", "--json").stdout)[1]["id"]
    big = write_corpus(tmp_path / "more", messages=40_000)
    ingest = subprocess.Popen([sys.executable, "-m", "faisceau", "ingest", big, "--project", str(project)],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        time.sleep(3)
        assert ingest.poll() is None, "the ingest ended before the test could tag during it"
        second = faisceau("ingest", big, "--project", project, check=False)
        assert second.returncode == 1 and "another faisceau process is writing" in second.stderr
        t0 = time.monotonic()
        faisceau("tag", "add", "during", target, "--project", project)
        found = jsonl(search(project, "tag:during", "--json").stdout)
        elapsed = time.monotonic() - t0
        assert found[0]["total"] == 1 and found[1]["id"] == target
        assert elapsed < 5, f"tag then search took {elapsed:.1f} s during an ingest"
        # the index grows during the ingest: committed batches become searchable before it ends
        deadline = time.monotonic() + 60
        grown = 1
        while ingest.poll() is None and time.monotonic() < deadline and grown <= 1:
            grown = jsonl(search(project, "routine", "--json").stdout)[0]["total"]
            time.sleep(1)
        assert ingest.poll() is None and grown > 1, "no new document became searchable while the ingest ran"
    finally:
        out, err = ingest.communicate(timeout=600)
    assert ingest.returncode == 0, err[-2000:]
    head = jsonl(search(project, "routine", "--json").stdout)[0]
    assert head["total"] == (40_000 - 2) + (3 - 2)  # both ingests: the routine messages of each mailbox


def test_killed_while_indexing_resumes_without_duplicates(tmp_path: Path) -> None:
    src = write_corpus(tmp_path / "leak", messages=300)
    project = tmp_path / "p"
    killed = faisceau("ingest", src, "--project", project, env={"FAISCEAU_FAULT": "index-commit:1"}, check=False)
    assert killed.returncode != 0
    faisceau("ingest", src, "--project", project)
    status = json.loads(faisceau("status", "--project", project, "--json").stdout)
    hits = jsonl(search(project, "", "--json", "--all", "--snippets", "0").stdout)
    ids = [h["id"] for h in hits[1:]]
    assert hits[0]["total"] == len(ids) == len(set(ids)) == status["total"]
    assert status["by_stage"]["index"] == {"ok": status["total"]}


def test_outdated_index_is_refused_then_rebuilt(project: Path, tmp_path: Path) -> None:
    import shutil

    copy = tmp_path / "p"
    shutil.copytree(project, copy)
    meta = copy / "index" / "faisceau-index.json"
    meta.write_text(json.dumps({"schema": 0}), "utf-8")
    proc = search(copy, "amiens", check=False)
    assert proc.returncode == 1 and "faisceau reindex" in proc.stderr
    report = json.loads(faisceau("reindex", "--project", copy, "--json").stdout)
    assert report["indexed"] == report["documents"] > 0
    assert jsonl(search(copy, "amiens", "--json").stdout)[0]["total"] == 3


def test_fields_of_later_stages_say_when_they_have_no_data(project: Path, tmp_path: Path) -> None:
    head = jsonl(search(project, "person:camille", "--json").stdout)[0]
    assert head["total"] == 0 and not head.get("notes")   # the analysis ran: no such person, no note
    bare = tmp_path / "p"
    faisceau("ingest", write_corpus(tmp_path / "leak"), "--project", bare,
             "--set", "skip_stages=entities,identifiers,dates,entity_grouping")
    head = jsonl(search(bare, "person:camille", "--json").stdout)[0]
    assert head["total"] == 0
    assert head["notes"] == ["person: has no data yet: the analysis stage has not run on this project"]


def test_thread_field_finds_the_messages_of_a_conversation(tmp_path: Path) -> None:
    src = tmp_path / "leak"
    src.mkdir()
    (src / "box.mbox").write_text(
        _message(1, "alice@example.com", "Tractage Amiens", "Premier message.", "Tue, 10 Mar 2020 09:00:00 +0100")
        + "From bob@example.com Mon Mar  9 10:00:00 2020\nFrom: bob@example.com\nTo: alice@example.com\n"
          "Subject: Re: Tractage Amiens\nDate: Tue, 10 Mar 2020 10:00:00 +0100\nMessage-ID: <r1@example.com>\n"
          "In-Reply-To: <m1@example.com>\n\nBien reçu.\n\n"
        + _message(3, "carol@example.com", "Autre sujet", "Sans rapport.", "Tue, 10 Mar 2020 11:00:00 +0100"), "utf-8")
    project = tmp_path / "p"
    faisceau("ingest", src, "--project", project)
    threads = jsonl(faisceau("threads", "--project", project, "--json").stdout)
    (pair,) = [t for t in threads if len(t["messages"]) == 2]
    hits = jsonl(search(project, f"thread:{pair['thread_id']}", "--json").stdout)
    assert hits[0]["total"] == 2 and {h["id"] for h in hits[1:]} == {m["id"] for m in pair["messages"]}
    assert jsonl(search(project, "thread:nosuchthread", "--json").stdout)[0]["total"] == 0
