"""Named entities, cross-document consistency, grouping and curation, on real models and a real project."""

from __future__ import annotations

import json
import subprocess
import sys
from email.message import EmailMessage
from pathlib import Path

import pytest

from faisceau.analysis.consistency import consistent
from faisceau.analysis.names import initials_match, key
from faisceau.analysis.ner import clean, recognise
from faisceau.model.mention import Mention

FAISCEAU = [sys.executable, "-m", "faisceau"]


def run(*args: str, stdin: str | None = None, ok: bool = True) -> subprocess.CompletedProcess[str]:
    p = subprocess.run([*FAISCEAU, *args], input=stdin, capture_output=True, text=True, timeout=600)
    if ok:
        assert p.returncode == 0, p.stderr
    return p


# -- the recogniser and its filters --------------------------------------------------------------

def test_model_finds_persons_places_and_organisations_in_both_languages() -> None:
    fr, en = recognise(["Jean Dupont, délégué de la CGT, a manifesté à Amiens avec Marie Curie."], "fr")[0], \
        recognise(["Jeff Bezos met union organisers from the Teamsters in Seattle."], "en")[0]
    assert {(m.text, m.type) for m in fr} >= {("Jean Dupont", "PER"), ("Amiens", "LOC"), ("Marie Curie", "PER")}
    assert ("Jeff Bezos", "PER") in {(m.text, m.type) for m in en}
    assert any(m.text == "Seattle" and m.type == "LOC" for m in en)
    text = "Jean Dupont, délégué de la CGT, a manifesté à Amiens avec Marie Curie."
    assert all(text[m.start:m.end] == m.text for m in fr)


@pytest.mark.parametrize("text, span, expected", [
    ("Leicestershire 296 all out", "Leicestershire 296", "Leicestershire"),   # a score is not a name
    ("visit the Louvre today", "the Louvre", "Louvre"),                       # article dropped
    ("Bezos's company", "Bezos's", "Bezos"),                                  # possessive dropped
    ("rack EXT-01 was moved", "EXT-01", None),                                # codes are not names
    ("since March 2024 we", "March 2024", None),                              # dates are not names
    ("He said so", "He", None),                                               # pronouns are not names
    ("x English): the pilot", "English): the pilot", None),                   # unbalanced bracket
    ("Programme Vigie\nLe programme", "Programme Vigie\nLe programme", "Programme Vigie"),  # no name over a line end
])
def test_clean_trims_spans_and_drops_junk(text: str, span: str, expected: str | None) -> None:
    start = text.index(span)
    got = clean(text, start, start + len(span), "ORG")
    assert (text[got[0]:got[1]] if got else None) == expected


def test_capitalised_common_word_at_line_start_is_not_a_name() -> None:
    text = "Site\nLe site de Corbas est surveillé."
    assert clean(text, 0, 4, "PER") is None
    assert clean(text, text.index("Corbas"), text.index("Corbas") + 6, "LOC") is not None


def test_consistency_adds_missed_occurrences_and_fixes_minority_types() -> None:
    texts = ["Essex beat Kent.", "Then Essex won again.", "A match with Essex and Kent.", "Essex"]
    found = [[Mention(0, 5, "Essex", "ORG"), Mention(11, 15, "Kent", "ORG")],
             [Mention(5, 10, "Essex", "ORG")],
             [Mention(13, 18, "Essex", "ORG"), Mention(23, 27, "Kent", "ORG")],
             [Mention(0, 5, "Essex", "LOC")]]
    out = consistent(texts, found)
    assert out[3][0].type == "ORG"                     # 3 votes of 4 relabel the odd one
    assert all(m.source == "model" for m in out[0])
    texts2 = ["Essex beat Kent.", "Essex won.", "Later Kent lost to Essex."]
    out2 = consistent(texts2, [[Mention(0, 5, "Essex", "ORG"), Mention(11, 15, "Kent", "ORG")],
                               [Mention(0, 5, "Essex", "ORG")], []])
    assert [(m.text, m.type, m.source) for m in out2[2]] == [("Essex", "ORG", "corpus")]  # Kent: 1 vote only


def test_name_keys_and_initials() -> None:
    assert key("M. Jean Dupont") == key("DUPONT, Jean") == key("jean dupont") == "jean dupont"
    assert key("Hélène Marchetti") == "helene marchetti"
    assert key("Meridian Logistique SAS") == key("Meridian Logistique")
    assert initials_match("j dupont", "jean dupont") and not initials_match("p dupont", "jean dupont")


# -- in a project ------------------------------------------------------------------------------

def _mail(path: Path, sender: str, to: str, subject: str, body: str, date: str) -> None:
    m = EmailMessage()
    m["From"], m["To"], m["Subject"], m["Date"] = sender, to, subject, date
    m["Message-ID"] = f"<{path.stem}@example.fr>"
    m.set_content(body)
    path.write_bytes(bytes(m))


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("entities")
    leak = root / "leak"
    leak.mkdir()
    _mail(leak / "a.eml", "Jean Dupont <jean.dupont@meridian.example.fr>", "Marie Lefèvre <marie.lefevre@meridian.example.fr>",
          "Réunion à Amiens", "Marie,\n\nLe 10 mars 2020, deux militants CGT ont tracté devant l'entrepôt d'Amiens.\n"
          "J. Dupont a demandé un rapport à la direction de Meridian Logistique.\n\nJean Dupont\n",
          "Tue, 10 Mar 2020 18:00:00 +0100")
    _mail(leak / "b.eml", "Marie Lefèvre <marie.lefevre@meridian.example.fr>", "Jean Dupont <jean.dupont@meridian.example.fr>",
          "Re: Réunion à Amiens", "Jean,\n\nM. Dupont, le rapport sur Amiens sera prêt en avril 2020.\n"
          "Meridian Logistique a prévenu l'inspection du travail.\n\nMarie Lefèvre\n", "Wed, 11 Mar 2020 09:00:00 +0100")
    (leak / "note.txt").write_text(
        "Note interne. Selon Dupont, la CGT prépare une action à Amiens le 3 février 2021. "
        "Meridian Logistique n'a pas répondu. Paul Martin, de la société Optivue, était présent.\n", "utf-8")
    run("ingest", str(leak), "--project", str(root / "p"))
    return root


def _entities(project: Path, *args: str) -> list[dict[str, object]]:
    out = run("entities", "--project", str(project / "p"), "--json", "--limit", "0", *args).stdout
    return [json.loads(line) for line in out.splitlines()]


def _by_name(rows: list[dict[str, object]]) -> dict[str, dict[str, object]]:
    return {str(r["name"]): r for r in rows}


def test_variants_of_a_person_are_one_entity_with_header_knowledge(project: Path) -> None:
    persons = _by_name(_entities(project, "--type", "person"))
    assert "Jean Dupont" in persons, persons.keys()
    variants = set(persons["Jean Dupont"]["variants"])  # type: ignore[arg-type]
    assert {"J. Dupont", "Dupont"} <= variants, variants
    assert "Marie Lefèvre" in persons          # a correspondent, from the headers
    assert "Marie" in set(persons["Marie Lefèvre"]["variants"])  # type: ignore[arg-type]
    assert persons["Jean Dupont"]["documents"] == 3
    assert persons["Jean Dupont"]["first_date"] == "2020-03-10"


def test_entity_shows_mentions_in_context_and_company(project: Path) -> None:
    out = json.loads(run("entity", "Dupont", "--project", str(project / "p"), "--json").stdout)
    assert out["name"] == "Jean Dupont"
    contexts = [m["context"] for m in out["mentions_in_context"] if m["context"]]
    assert any("[J. Dupont] a demandé" in c for c in contexts), contexts
    assert "Marie Lefèvre" in {c["name"] for c in out["cooccurring"]}


def test_person_field_and_facet_reach_the_index(project: Path) -> None:
    out = run("search", 'person:"Jean Dupont"', "--project", str(project / "p"), "--json").stdout
    assert json.loads(out.splitlines()[0])["total"] == 3


def test_curation_merge_rename_ignore_split_undo_survive_reanalysis(project: Path) -> None:
    p = str(project / "p")
    assert "Optivue" in _by_name(_entities(project)) and "Meridian Logistique" in _by_name(_entities(project))
    merged = json.loads(run("entities", "merge", "Meridian Logistique", "Optivue", "--project", p, "--json").stdout)
    assert merged["evidence"]["a"]["name"] == "Meridian Logistique" and merged["applied"]
    names = _by_name(_entities(project))
    assert "Optivue" not in names and "Optivue" in names["Meridian Logistique"]["variants"]  # type: ignore[operator]
    run("entities", "rename", "Meridian Logistique", "Meridian Logistique SAS (groupe)", "--project", p)
    run("entities", "ignore", "CGT", "--project", p)
    # a new document and a new analysis: the decisions apply again
    extra = project / "more"
    extra.mkdir()
    (extra / "suite.txt").write_text("Optivue a livré les caméras. Paul Martin a signé pour Meridian Logistique.\n", "utf-8")
    run("ingest", str(extra), "--project", p)
    names = _by_name(_entities(project))
    assert "Meridian Logistique SAS (groupe)" in names and "Optivue" not in names and "CGT" not in names
    out = run("search", 'org:"Meridian Logistique SAS (groupe)"', "--project", p, "--json").stdout
    assert json.loads(out.splitlines()[0])["total"] == 4
    decisions = [json.loads(x) for x in run("entities", "decisions", "--project", p, "--json").stdout.splitlines()]
    assert [d["action"] for d in decisions] == ["merge", "rename", "ignore"]
    run("entities", "undo", str(decisions[0]["id"]), "--project", p)
    names = _by_name(_entities(project))
    assert "Optivue" in names
    # split: take a spelling out of an entity that grouping made
    run("entities", "split", "Jean Dupont", "J. Dupont", "--project", p)
    persons = _by_name(_entities(project, "--type", "person"))
    assert "J. Dupont" in persons and "J. Dupont" not in persons["Jean Dupont"]["variants"]  # type: ignore[operator]
    actions = subprocess.run(["sqlite3", str(project / "p" / "store.sqlite"),
                              "SELECT action FROM actions WHERE action LIKE 'entities-%' ORDER BY id"],
                             capture_output=True, text=True).stdout.split()
    assert actions == ["entities-merge", "entities-rename", "entities-ignore", "entities-undo", "entities-split"]


def test_curation_errors_are_clear(project: Path) -> None:
    p = str(project / "p")
    bad = run("entities", "merge", "Nobody Atall", "Jean Dupont", "--project", p, ok=False)
    assert bad.returncode == 2 and "no entity named 'Nobody Atall'" in bad.stderr
    bad = run("entities", "undo", "999", "--project", p, ok=False)
    assert bad.returncode == 2 and "no decision 999" in bad.stderr


def test_timeline_events_from_text_and_metadata(project: Path) -> None:
    out = run("timeline", "--project", str(project / "p"), "--json", "--from", "2020-03", "--to", "2020-12").stdout
    events = [json.loads(line) for line in out.splitlines()]
    assert events and all({"date", "precision", "kind", "sentence", "entities", "document_id"} <= e.keys() for e in events)
    text = [e for e in events if e["kind"] == "text"]
    assert any(e["date"] == "2020-03-10" and e["precision"] == "day" and "militants CGT" in e["sentence"]
               and "Amiens" in {x["name"] for x in e["entities"]} for e in text), text
    assert any(e["date"] == "2020-04" and e["precision"] == "month" for e in text)
    assert not any(e["date"].startswith("2021") for e in events)       # outside the range
    meta = [e for e in events if e["kind"] == "metadata"]
    assert any(e["sentence"] == "sent: Réunion à Amiens" for e in meta)
    # "Events in date order" (docs/commands/timeline.md); the fixture's dates in the range are the two
    # sentences (10 March 2020, April 2020) and the two sent dates (10 and 11 March 2020)
    dates = [e["date"][:10] for e in events]
    assert dates == sorted(dates), dates
    assert sorted(dates) == ["2020-03-10", "2020-03-10", "2020-03-11", "2020-04"], dates
    by_entity = [json.loads(line) for line in run("timeline", "--project", str(project / "p"), "--json",
                                                  "--entity", "Amiens", "--kind", "text").stdout.splitlines()]
    assert all("Amiens" in {x["name"] for x in e["entities"]} for e in by_entity)
    # every sentence of the fixture that names Amiens and holds a date, in date order, whatever the range
    assert [e["date"] for e in by_entity] == ["2020-03-10", "2020-04", "2021-02-03"], by_entity


# -- free text --------------------------------------------------------------------------------

def test_analyse_text_contract() -> None:
    text = "Le 10 mars 2020, deux militants CGT ont tracté à Amiens. Écrire à jean.dupont@cgt.fr ou au 06 12 34 56 78."
    out = json.loads(run("analyse", "--text", "-", "--json", stdin=text + "\n").stdout)
    assert out["language"] == "fr"
    assert ("Amiens", "LOC") in {(m["text"], m["type"]) for m in out["mentions"]}
    for m in out["mentions"]:
        assert (text + "\n")[m["start"]:m["end"]] == m["text"] and m["type"] in ("PER", "ORG", "LOC", "MISC")
        assert m["canonical"]
    assert {"start": 3, "end": 15, "text": "10 mars 2020", "value": "2020-03-10", "precision": "day"} in out["dates"]
    assert {(i["type"], i["value"]) for i in out["identifiers"]} >= {("email", "jean.dupont@cgt.fr"),
                                                                      ("phone", "+33612345678")}


def test_analyse_lines_one_object_per_line_in_order() -> None:
    lines = ["Jeff Bezos visited Seattle on March 10, 2020.", "", "Le 1er janvier 2000, Marie Curie était à Paris.",
             "Bezos left Seattle."]
    out = run("analyse", "--text", "-", "--json", "--lines", stdin="\n".join(lines) + "\n").stdout.splitlines()
    assert len(out) == len(lines)
    results = [json.loads(x) for x in out]
    assert results[1]["mentions"] == [] and results[0]["language"] == "en" and results[2]["language"] == "fr"
    last = {m["text"]: m["canonical"] for m in results[3]["mentions"]}
    assert last.get("Bezos") == "Jeff Bezos"   # grouped over the lines: one small corpus
    assert {"value": "2000-01-01", "precision": "day"}.items() <= results[2]["dates"][0].items()


def test_correspondents_follow_entity_curation(project: Path) -> None:
    """One model of people: a merge of two persons with addresses merges them as correspondents too."""
    p = str(project / "p")

    def people() -> list[list[str]]:
        out = run("correspondents", "--project", p, "--json").stdout.splitlines()
        return sorted(sorted(json.loads(line)["addresses"]) for line in out)

    before = people()
    assert ["jean.dupont@meridian.example.fr"] in before and ["marie.lefevre@meridian.example.fr"] in before
    made = json.loads(run("entities", "merge", "Jean Dupont", "Marie Lefèvre", "--project", p, "--json").stdout)
    assert made["evidence"]["addresses"] == {"a": ["jean.dupont@meridian.example.fr"],
                                             "b": ["marie.lefevre@meridian.example.fr"]}
    assert ["jean.dupont@meridian.example.fr", "marie.lefevre@meridian.example.fr"] in people()
    run("entities", "undo", str(made["decision"]), "--project", p)
    assert people() == before
    # addresses alone: correspondents only
    made = json.loads(run("entities", "merge", "jean.dupont@meridian.example.fr", "MARIE.LEFEVRE@meridian.example.fr",
                          "--project", p, "--json").stdout)
    assert ["jean.dupont@meridian.example.fr", "marie.lefevre@meridian.example.fr"] in people()
    run("entities", "undo", str(made["decision"]), "--project", p)
    assert people() == before
    bad = run("entities", "merge", "nobody@example.org", "jean.dupont@meridian.example.fr", "--project", p, ok=False)
    assert bad.returncode == 2 and "no correspondent with the address 'nobody@example.org'" in bad.stderr


def test_analyse_project_runs_only_what_has_not_run(tmp_path: Path) -> None:
    leak = tmp_path / "leak"
    leak.mkdir()
    (leak / "a.txt").write_text("Le 3 février 2021, Paul Martin a rencontré la CGT à Amiens.\n", "utf-8")
    p = str(tmp_path / "p")
    run("ingest", str(leak), "--project", p, "--set", "skip_stages=entities,identifiers,dates,entity_grouping")
    assert _entities(tmp_path) == []
    first = json.loads(run("analyse", "--project", p, "--json").stdout)
    names = {str(e["name"]) for e in _entities(tmp_path)}
    assert {"Paul Martin", "Amiens"} <= names, names
    assert first["corpus"]["entity_grouping"]["changed"] == 1
    again = json.loads(run("analyse", "--project", p, "--json").stdout)
    assert again["corpus"]["entity_grouping"]["changed"] == 0
    stages = subprocess.run(["sqlite3", str(tmp_path / "p" / "store.sqlite"),
                             "SELECT stage, status, run_id FROM stages WHERE stage IN ('entities','dates') ORDER BY stage"],
                            capture_output=True, text=True).stdout.split()
    assert len(stages) == 2 and all(s.split("|")[1] == "ok" for s in stages)
    assert {s.split("|")[2] for s in stages} == {first["run"]}   # not run again by the second analyse


@pytest.mark.parametrize("spellings, kind, shown", [
    ({"M. Gilles Carrez": 5, "Gilles Carrez": 2}, "PER", "Gilles Carrez"),
    ({"MM. Bruno LE ROUX": 3, "Bruno Le Roux": 2}, "PER", "Bruno LE ROUX"),   # the most written, untitled
    ({"Mrs. Smith": 1}, "PER", "Smith"),
    ({"Mr. and Mrs. Smith": 1}, "PER", "Mr. and Mrs. Smith"),   # nothing name-like after: kept whole
    ({"Général de Gaulle": 2, "de Gaulle": 1}, "PER", "Général de Gaulle"),   # a rank tells who
    ({"Madame Figaro": 4}, "ORG", "Madame Figaro"),   # only a person's name loses its form of address
])
def test_a_person_is_shown_without_the_form_of_address(spellings: dict[str, int], kind: str, shown: str) -> None:
    from collections import Counter

    from faisceau.analysis.grouping import shown_name

    assert shown_name(Counter(spellings), kind) == shown


def test_entities_are_listed_without_forms_of_address() -> None:
    text = ("Mme Valérie Rabault a répondu à M. Gilles Carrez. Mme Valérie Rabault a signé le rapport de "
            "M. Gilles Carrez, puis Valérie Rabault est partie.\n")
    mentions = json.loads(run("analyse", "--text", "-", "--json", stdin=text).stdout)["mentions"]
    shown = {m["text"]: m["canonical"] for m in mentions if m["type"] == "PER"}
    assert shown["Mme Valérie Rabault"] == shown["Valérie Rabault"] == "Valérie Rabault"
    assert shown["M. Gilles Carrez"] == "Gilles Carrez"
