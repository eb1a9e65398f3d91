"""Date extraction measured on real sentences of the shared corpora against hand annotations.

`date_truth.jsonl` holds one sentence per line: where to find it again in `../shared/corpora`
(`locator`), its SHA-1 (so a changed corpus fails loudly instead of measuring nonsense), the
document's date (Enron `Date:` header, HIPE newspaper issue date; none for the Assemblée pages) and
the dates a person read in it. The expected values were written by hand, never produced by the code
under test. Annotation guidelines (the same rules `faisceau.analysis.textdates` documents):

- the span is the date expression itself: optional weekday, day (with 1er/1st/2d...), month, year and
  a time that directly follows ("à 16 heures 15", "at 10am", "5:00pm"); prepositions, articles and fuzzy
  modifiers ("en", "le", "on", "début", "fin", "l'automne") are outside it; "dernier/prochain/last/next"
  are inside it when they make the expression resolvable ("mars prochain", "last week");
- a bare year counts when a person reads it as a year (cue words, ranges "1914-1918" give two years);
  law and decree numbers ("n° 2009-1586") give nothing; a day range ("4-5 July") gives its first day;
- relative expressions are resolved against the document date; "last week" is the Monday of the
  previous week; figurative "hier/demain" (the past, the future) are not dates;
- month names alone ("in March", "december OA") and weekdays alone ("lundi matin") are not annotated.

Run with `-s` to see the per-source figures and the misses.
"""

from __future__ import annotations

import hashlib
import html
import json
import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from conftest import corpus_path

from faisceau.analysis.textdates import find_dates

TRUTH = Path(__file__).with_name("date_truth.jsonl")
_TAG = re.compile(r"<[^>]*>")
_SPACES = re.compile(r"\s+")


def _hipe_text(lines: list[str]) -> str:
    """Join HIPE tokens (column 1) with spaces, except where MISC says NoSpaceAfter."""
    toks = [ln.split("\t") for ln in lines if ln and not ln.startswith("#") and not ln.startswith("TOKEN\t")]
    out = []
    for i, cols in enumerate(toks):
        out.append(cols[0])
        if i < len(toks) - 1 and "NoSpaceAfter" not in cols[-1].split("|"):
            out.append(" ")
    return "".join(out)


def load_sentence(corpora: Path, rec: dict[str, Any]) -> str:
    """The sentence text a truth record points at (see the locator kinds below)."""
    loc = rec["locator"]
    path = corpora / rec["file"]
    kind = loc["kind"]
    if kind == "mbox-bytes":
        with path.open("rb") as fh:
            fh.seek(loc["offset"])
            return fh.read(loc["length"]).decode("latin-1")
    if kind == "html-chars":
        # The Assemblée pages declare ISO-8859-1 but use Windows-1252 quotes: one byte, one char.
        raw = path.read_bytes()[loc["start"]:loc["end"]].decode("cp1252", errors="replace")
        return _SPACES.sub(" ", html.unescape(_TAG.sub(" ", raw))).strip()
    if kind == "hipe-tsv-lines":
        lines = path.read_text(encoding="utf-8").split("\n")
        return _hipe_text(lines[loc["first"] - 1:loc["last"]])
    raise ValueError(f"unknown locator kind {kind!r}")


def sha1(text: str) -> str:
    """SHA-1 of the UTF-8 text, as stored in the truth file."""
    return hashlib.sha1(text.encode("utf-8")).hexdigest()


@dataclass
class Score:
    """Counts for one slice of the test set."""

    expected: int = 0
    found: int = 0
    exact: int = 0
    lenient_tp_found: int = 0
    lenient_tp_expected: int = 0

    def add(self, other: Score) -> None:
        self.expected += other.expected
        self.found += other.found
        self.exact += other.exact
        self.lenient_tp_found += other.lenient_tp_found
        self.lenient_tp_expected += other.lenient_tp_expected

    def figures(self) -> tuple[float, float, float, float]:
        """(precision, recall, lenient precision, lenient recall)."""
        p = self.exact / self.found if self.found else 1.0
        r = self.exact / self.expected if self.expected else 1.0
        lp = self.lenient_tp_found / self.found if self.found else 1.0
        lr = self.lenient_tp_expected / self.expected if self.expected else 1.0
        return p, r, lp, lr


def _overlap(a: tuple[int, int], b: tuple[int, int]) -> bool:
    return a[0] < b[1] and b[0] < a[1]


def score_sentence(expected: list[dict[str, Any]], got: list[tuple[int, int, str]]) -> Score:
    """Exact = same span and value; lenient = overlapping span and same value."""
    exp = [(e["start"], e["end"], e["value"]) for e in expected]
    s = Score(expected=len(exp), found=len(got))
    s.exact = len(set(exp) & set(got))
    s.lenient_tp_found = sum(1 for g in got if any(_overlap(g[:2], e[:2]) and g[2] == e[2] for e in exp))
    s.lenient_tp_expected = sum(1 for e in exp if any(_overlap(g[:2], e[:2]) and g[2] == e[2] for g in got))
    return s


def _source(rec: dict[str, Any]) -> str:
    return rec["file"].split("/")[0] + ":" + rec["lang"]


def test_truth_file_is_well_formed() -> None:
    """The annotation file itself: enough expressions, both languages, spans inside sentences."""
    recs = [json.loads(line) for line in TRUTH.read_text(encoding="utf-8").splitlines() if line.strip()]
    n = {"fr": 0, "en": 0}
    traps = 0
    for rec in recs:
        assert rec["lang"] in n
        n[rec["lang"]] += len(rec["dates"])
        traps += not rec["dates"]
        for d in rec["dates"]:
            assert 0 <= d["start"] < d["end"] and d["precision"] in {"day", "month", "year", "minute"}
            assert len(d["text"]) == d["end"] - d["start"]
    assert n["fr"] >= 60 and n["en"] >= 60 and n["fr"] + n["en"] >= 150, n
    assert traps >= 15


def test_dates_in_real_sentences() -> None:
    """Precision ≥ 0.95 and recall ≥ 0.85 (exact span and value) over the annotated sentences."""
    corpora = corpus_path("enron_mbox").parent
    for name in ("fr-assemblee-nationale-dossiers", "ner-dev"):
        corpus_path(name)
    recs = [json.loads(line) for line in TRUTH.read_text(encoding="utf-8").splitlines() if line.strip()]
    total = Score()
    per: dict[str, Score] = {}
    misses: list[str] = []
    for rec in recs:
        text = load_sentence(corpora, rec)
        assert sha1(text) == rec["sentence_sha1"], f"sentence changed: {rec['file']} {rec['locator']}"
        for d in rec["dates"]:
            assert text[d["start"]:d["end"]] == d["text"]
        doc_date = date.fromisoformat(rec["doc_date"]) if rec.get("doc_date") else None
        got = [(d.start, d.end, d.value) for d in find_dates(text, rec["lang"], doc_date)]
        s = score_sentence(rec["dates"], got)
        total.add(s)
        per.setdefault(_source(rec), Score()).add(s)
        exp = {(e["start"], e["end"], e["value"]) for e in rec["dates"]}
        for g in got:
            if g not in exp:
                misses.append(f"  extra {text[g[0]:g[1]]!r} -> {g[2]}   in {text[:90]!r}")
        for e in rec["dates"]:
            if (e["start"], e["end"], e["value"]) not in set(got):
                misses.append(f"  missed {e['text']!r} -> {e['value']}   in {text[:90]!r}")
    for name, s in sorted(per.items()):
        p, r, lp, lr = s.figures()
        print(f"{name:45s} expected {s.expected:3d} found {s.found:3d} exact {s.exact:3d}  "
              f"P {p:.3f} R {r:.3f}  lenient P {lp:.3f} R {lr:.3f}")
    p, r, lp, lr = total.figures()
    print(f"{'all':45s} expected {total.expected:3d} found {total.found:3d} exact {total.exact:3d}  "
          f"P {p:.3f} R {r:.3f}  lenient P {lp:.3f} R {lr:.3f}")
    print("\n".join(misses))
    assert p >= 0.95 and r >= 0.85, (p, r)
