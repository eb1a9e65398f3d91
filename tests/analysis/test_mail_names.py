"""Mail-aware names: Lotus Notes addresses, inline placeholders and subject lines are not entities,
one person's variants group together — on strings, then on real Enron mailboxes."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys

import pytest
from conftest import corpus_path

from faisceau.analysis.grouping import Groups
from faisceau.analysis.mailtext import masked, subject_lines, within
from faisceau.analysis.text import analyse


def test_lotus_addresses_and_placeholders_are_blanked_with_offsets_kept() -> None:
    text = ("To: John Arnold/HOU/ECT@ECT, Shelley Corman/ET&S/Enron@Enron\n"
            "cc: Ramon Pizarro/ENRON_DEVELOPMENT@ENRON_DEVELOPMENT, Julie Pechersky/ENRON@enronXgate@ENRON\n"
            "[IMAGE] << File: sample.doc >> write to jeff.skilling@enron.com or Sally Beck@ECT\n"
            "Forwarded by Steven J Kean/NA/Enron on 01/02/2001, cc: Errol McLaughlin/Corp/Enron, Mo Mausser/HOU/\n"
            "ECT@ECT; Karen S Owens@ees@EES, Andrea Richards @ ENRON; Scott Neal/HOU/ECT (Invited) Fletcher J Sturm/HOU/ECT  (Chair); Brian O'Rourke/Enron\nCommunications@Enron Communications; and/or TRV Project / IT Project, Upgrades/Downgrades/Coverage Initiated\n")
    out = masked(text)
    assert len(out) == len(text) and out.count("\n") == text.count("\n")
    for gone in ("/HOU", "ECT@ECT", "S/Enron", "ENRON_DEVELOPMENT", "IMAGE", "sample.doc", "enronXgate", "Beck@",
                 "/NA/Enron", "/Corp/Enron", "Communications@", "@ees", "@ ENRON"):
        assert gone not in out, gone
    for kept in ("John Arnold", "Shelley Corman", "Ramon Pizarro", "Julie Pechersky", "jeff.skilling@enron.com",
                 "Sally Beck", "Steven J Kean", "Brian O'Rourke", "Scott Neal", "Fletcher J Sturm", "(Invited)", "Karen S Owens", "Andrea Richards", "Errol McLaughlin", "and/or", "TRV Project / IT Project",
                 "Upgrades/Downgrades/Coverage"):
        assert out[text.index(kept):text.index(kept) + len(kept)] == kept, kept


def test_analysis_names_people_not_addresses_and_no_image_entity() -> None:
    text = ("Please forward to John Arnold/HOU/ECT@ECT and Shelley Corman/ET&S/Enron@Enron today.\n"
            "[IMAGE]\n[IMAGE]\nThe meeting with John Arnold is at noon.\n")
    got = {(m["text"], m["type"]) for m in analyse([text], "en")[0]["mentions"]}
    assert ("John Arnold", "PER") in got, got
    assert not any("/" in t or "@" in t or t == "IMAGE" for t, _ in got), got


def test_subject_lines_found_in_quoted_headers_and_repeated_subject() -> None:
    text = "Lavorato Mtg\n\n-----Original Message-----\nFrom: a\nSubject: Delainey Request\n\nHi John,\n"
    spans = subject_lines(text, {"subject": "RE: Lavorato Mtg"})
    assert within(spans, 0, len("Lavorato Mtg"))
    start = text.index("Delainey Request")
    assert within(spans, start, start + len("Delainey Request"))
    assert not within(spans, text.index("John"), text.index("John") + 4)


def test_middle_initial_and_shared_address_group_one_person() -> None:
    rows = [("david w delainey", "PER", "David W Delainey", "model", 5), ("david delainey", "PER", "David Delainey", "model", 9),
            ("dave delainey", "PER", "Dave Delainey", "header", 3), ("john a smith", "PER", "John A Smith", "model", 2),
            ("john b smith", "PER", "John B Smith", "model", 2), ("john smith", "PER", "John Smith", "model", 4),
            ("mary jones", "PER", "Mary Jones", "header", 2)]
    g = Groups(rows)
    g.link_persons()
    g.link_addresses([("david.delainey@enron.com", "Dave Delainey"), ("david.delainey@enron.com", "Delainey, David"),
                      ("assistant@enron.com", "Mary Jones"), ("assistant@enron.com", "Dave Delainey")])
    assert g.find("david w delainey") == g.find("david delainey") == g.find("dave delainey")
    assert g.find("mary jones") != g.find("dave delainey")       # a shared mailbox does not merge people
    assert len({g.find("john a smith"), g.find("john b smith"), g.find("john smith")}) == 3  # ambiguous: apart


# -- on real Enron mailboxes ---------------------------------------------------------------------

@pytest.fixture(scope="module")
def enron_entities(tmp_path_factory: pytest.TempPathFactory) -> list[dict[str, object]]:
    src = corpus_path("enron_mbox") / "mbox"
    root = tmp_path_factory.mktemp("enron-names")
    leak = root / "leak"
    leak.mkdir()
    # two Notes folders: Lotus addresses in forwarded headers, [IMAGE] placeholders in HTML newsletters
    for name in ("enron.allen-p.notes_inbox", "enron.love-p.notes_inbox"):
        shutil.copy(src / name, leak / name)
    cli = [sys.executable, "-m", "faisceau"]
    r = subprocess.run([*cli, "ingest", str(leak), "--project", str(root / "p")], capture_output=True, text=True,
                       timeout=3000)
    assert r.returncode == 0, r.stderr[-3000:]
    out = subprocess.run([*cli, "entities", "--project", str(root / "p"), "--json", "--limit", "0"],
                         capture_output=True, text=True, timeout=600)
    assert out.returncode == 0, out.stderr
    return [json.loads(line) for line in out.stdout.splitlines()]


@pytest.mark.slow
def test_enron_entities_are_names_not_mail_artefacts(enron_entities: list[dict[str, object]]) -> None:
    names = [str(e["name"]) for e in enron_entities]
    assert len(names) > 50, names
    # Lotus units after a name ("/HOU", "/Corp/Enron", a cut "/HOU/"), a dotless domain, placeholders
    lotus = re.compile(r"[a-z]/(?:[A-Z]{2,}|Corp|Enron)\b|/$|@[\w& -]+$")
    artefacts = [n for n in names if lotus.search(n) or n.upper() == "IMAGE" or "ENRON_" in n.upper()]
    assert artefacts == [], artefacts[:20]
    persons = {str(e["name"]) for e in enron_entities if e["type"] == "PER"}
    # people named in the mailboxes only by their Lotus address are persons under their own name
    assert "John Arnold" in persons or "Phillip K Allen" in persons or "Phillip Allen" in persons, sorted(persons)[:80]
