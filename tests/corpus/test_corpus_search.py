"""Search totals on real corpora equal independent scans of their decoded texts (issue 3).

Enron: the shared scorer (`shared/tools/search_truth.py`) picks 30 rare terms from the mbox files
with Python's `mailbox`/`email` and counts the messages whose Subject or text body has each term as a
whole word; the CLI's bare-word totals must equal those counts. Assemblée nationale: this module
decodes every HTML page itself (stdlib `html.parser`, nothing from faisceau), picks terms, and the
exact query `=Term` must return exactly the pages whose visible text has the word, and the
unaccented `full:term` every page whose visible text has the accented word.
"""

from __future__ import annotations

import codecs
import collections
import json
import random
import re
import shlex
import subprocess
import sys
import unicodedata
from html.parser import HTMLParser
from pathlib import Path

import pytest
from conftest import CORPORA, corpus_path
from corpus_projects import cli

ROOT = Path(__file__).resolve().parents[2]
TOOLS = CORPORA.parent / "tools"
FAISCEAU = f"{shlex.quote(sys.executable)} -m faisceau"

pytestmark = pytest.mark.slow


def _search(project: Path, query: str) -> tuple[int, list[dict]]:
    """`faisceau search QUERY --json --all`: the total and every hit."""
    lines = [json.loads(ln) for ln in cli("search", query, "--project", project, "--json", "--all").stdout.splitlines()
             if ln.strip()]
    return lines[0]["total"], lines[1:]


def _log(text: str) -> None:
    print(text, file=sys.stderr)


# -- Enron: the shared scorer ------------------------------------------------------------------

def _scorer(*args: str | Path, timeout: int = 900) -> subprocess.CompletedProcess[str]:
    proc = subprocess.run([sys.executable, str(TOOLS / "search_truth.py"), "--data", str(CORPORA), *map(str, args)],
                          check=False, capture_output=True, text=True, timeout=timeout, cwd=ROOT)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    return proc


@pytest.fixture(scope="module")
def enron_truth(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The scorer's truth (30 terms, seed 0) for the mbox files the session ingested.

    The session ingests the whole `enron_mbox` folder: its `mbox/` folder (the scorer's default and
    what it parses) plus `SOURCE.txt`, which is no message and matches none of the picked terms.
    """
    folder = corpus_path("enron_mbox") / "mbox"
    assert folder.is_dir(), f"{folder}: the scorer's mbox folder is missing"
    out = tmp_path_factory.mktemp("enron-truth") / "truth.json"
    proc = _scorer("truth", "--mbox", folder, "--out", out)
    _log("\n[search_truth truth]\n" + proc.stderr)
    return out


def _compare(truth: Path, project: Path, template: str) -> dict:
    proc = _scorer("compare", "--truth", truth, "--project", project, "--cmd", template, "--json")
    res = json.loads(proc.stdout)
    _log(f"\n[search_truth compare] --cmd {template}")
    _log(f"{'term':<16} {'class':<12} {'truth':>6} {'dist':>6} {'total':>6} {'hits':>6} {'ok':>6}")
    for r in res["terms"]:
        _log(f"{r['term']:<16} {r['class']:<12} {r['truth_messages']:>6} {r['truth_distinct']:>6} {r['total']!s:>6} "
             f"{r['hits_listed']:>6} {r['hits_matching_truth']:>6}  {r['error']}")
    for k, v in res["summary"].items():
        _log(f"{k}: {v}")
    return res


def _other_forms(project: Path, term: str) -> dict[str, int]:
    """The highlighted words, other than `term` itself, in the hits of a bare-word search: what
    matched besides the exact word (stemmed forms), and in how many hits each."""
    forms: collections.Counter[str] = collections.Counter()
    for hit in _search(project, term)[1]:
        seen = set()
        for s in hit["snippets"]:
            seen |= {s["text"][a:b].lower() for a, b in s["highlights"]}
        forms.update(seen - {term.lower()})
    return dict(forms.most_common(6))


def test_enron_bare_word_totals_equal_the_shared_scorer(ingested: dict[str, Path], enron_truth: Path) -> None:
    project = ingested["enron_mbox"]
    res = _compare(enron_truth, project, FAISCEAU + " search {term} --project {project} --json --all")
    s = res["summary"]
    off = {r["term"]: (r["truth_messages"], r["total"]) for r in res["terms"] if r["total"] != r["truth_messages"]}
    why = {t: _other_forms(project, t) for t in off}
    for t, forms in why.items():
        _log(f"{t}: truth {off[t][0]}, total {off[t][1]}; the hits also highlight {forms}")
    assert s["terms"] >= 30 and s["errors"] == 0
    assert (s["totals_recall_messages"], s["totals_precision_messages"]) == (1.0, 1.0), \
        f"totals differ from the scorer's (truth, total): {off}; other words matched: {why}"
    assert off == {}
    assert s["hit_recall_distinct_keys"] == 1.0


def test_enron_unstemmed_totals_equal_the_shared_scorer(ingested: dict[str, Path], enron_truth: Path) -> None:
    """The same terms with stemming out of the picture: `term~0` (at most 0 edits) matches the
    folded, unstemmed word only, which is the scorer's definition (case-insensitive whole word) for
    the ASCII terms it picks here. This isolates the index's completeness from stemming."""
    truth = json.loads(enron_truth.read_text("utf-8"))
    assert all(t["term"].isascii() for t in truth["terms"])  # fold also removes accents: same only for ASCII
    res = _compare(enron_truth, ingested["enron_mbox"], FAISCEAU + " search {term}~0 --project {project} --json --all")
    s = res["summary"]
    off = {r["term"]: (r["truth_messages"], r["total"]) for r in res["terms"] if r["total"] != r["truth_messages"]}
    assert s["terms"] >= 30 and s["errors"] == 0
    assert (s["totals_recall_messages"], s["totals_precision_messages"]) == (1.0, 1.0), off
    assert off == {}
    assert (s["hit_precision"], s["hit_recall_distinct_keys"]) == (1.0, 1.0)


# -- Assemblée nationale: an independent scan of the HTML pages ------------------------------------
#
# What a reader of the page sees, decided by comparing this scan with the text faisceau extracted:
# - Bytes are decoded with the charset the page declares (ISO-8859-1 here, one windows-1252), read
#   as windows-1252 as browsers do (the WHATWG Encoding Standard maps the labels iso-8859-1, latin1
#   and us-ascii to windows-1252): about 100 pages hold byte 0x9C, which a reader sees as « œ »
#   (« œuvre », « cœur »), not as a C1 control. The five bytes windows-1252 leaves undefined are
#   read as the code point of the same value, as browsers do.
# - The text is the character data outside script, style, noscript, template, iframe and object
#   elements (never shown; noscript only with scripts off), with entities unescaped; comments (IE
#   conditional comments included) and attribute values (meta tags, alt, title) are not text.
#   The <title> is included: a reader sees it as the window's title, and faisceau searches it.
# - Inline elements do not separate words (« XII<sup>e</sup> » reads « XIIe », « Mme<a>Sandrine »
#   reads « MmeSandrine »); block elements and <br> do.
# - Elements hidden by CSS or the `hidden` attribute would still be text here, as they are for
#   faisceau (an investigator wants hidden text found); none of these pages has one.
# Checked: the word set of each of the 908 pages faisceau indexed equals this scan's.
# A word is a maximal run of letters and digits, [^\W_]+, matched as is (case and accents kept).

_CHARSET = re.compile(rb"""<meta[^>]+?charset\s*=\s*["']?\s*([A-Za-z0-9._:\-]+)""", re.IGNORECASE)
_WORD = re.compile(r"[^\W_]+")
_LATIN = {"iso-8859-1", "iso8859-1", "iso_8859-1", "latin1", "latin-1", "l1", "us-ascii", "ascii", "windows-1252",
          "cp1252"}
_HIDDEN = frozenset({"script", "style", "noscript", "template", "iframe", "object"})
_BLOCKS = frozenset("""address article aside blockquote body br caption center dd details dialog dir div dl dt
    fieldset figcaption figure footer form frameset h1 h2 h3 h4 h5 h6 head header hgroup hr html legend li listing
    main menu nav ol optgroup option p plaintext pre section select summary table tbody td textarea tfoot th thead
    title tr ul xmp""".split())
codecs.register_error("faisceau-test-c1", lambda e: (chr(e.object[e.start]), e.start + 1))


def _decode(raw: bytes) -> str:
    m = _CHARSET.search(raw[:8192])
    charset = m.group(1).decode("ascii").lower() if m else "iso-8859-1"
    if charset in _LATIN:
        charset = "cp1252"
    try:
        return raw.decode(charset, errors="faisceau-test-c1")
    except LookupError:
        return raw.decode("cp1252", errors="faisceau-test-c1")


class _Visible(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.hidden = 0

    def handle_starttag(self, tag: str, attrs: list) -> None:
        if tag in _HIDDEN:
            self.hidden += 1
        elif tag in _BLOCKS:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in _HIDDEN:
            self.hidden = max(0, self.hidden - 1)
        elif tag in _BLOCKS:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if not self.hidden:
            self.parts.append(data)


def visible_words(raw: bytes) -> set[str]:
    p = _Visible()
    p.feed(_decode(raw))
    p.close()
    return set(_WORD.findall("".join(p.parts)))


def _unaccented(word: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFD", word) if not unicodedata.combining(c))


@pytest.fixture(scope="module")
def an_scan() -> dict[str, set[str]]:
    """{path relative to the corpus: the words of its visible text} for every HTML page."""
    root = corpus_path("fr-assemblee-nationale-dossiers")
    pages = {}
    for p in sorted(root.rglob("*")):
        if p.is_file():
            raw = p.read_bytes()
            if b"<html" in raw[:1024].lower():
                pages[p.relative_to(root).as_posix()] = visible_words(raw)
    assert len(pages) > 900
    return pages


def _pick_terms(pages: dict[str, set[str]], seed: int = 3) -> tuple[list[tuple[str, str]], list[str]]:
    """Exact-query terms (capitalised and lower-case, 5-15 letters, in 3-50 pages) and lower-case
    accented words for the folded query; deterministic for a seed."""
    df: collections.Counter[str] = collections.Counter()
    for words in pages.values():
        df.update(words)
    cands = sorted(w for w, n in df.items() if 3 <= n <= 50 and w.isalpha() and 5 <= len(w) <= 15)
    rng = random.Random(seed)
    capitalised = [w for w in cands if w[0].isupper() and w[1:].islower()]
    lower = [w for w in cands if w.islower()]
    exact = [(w, "capitalised") for w in rng.sample(capitalised, 18)]
    exact += [(w, "lower") for w in rng.sample(lower, 18)]
    accented = [w for w in lower if not w.isascii() and _unaccented(w).isascii() and _unaccented(w) != w]
    return sorted(exact), sorted(rng.sample(accented, 12))


def _where(pages: dict[str, set[str]], word: str) -> set[str]:
    return {path for path, words in pages.items() if word in words}


def _statuses(project: Path) -> dict[str, str]:
    docs = [json.loads(ln) for ln in cli("documents", "--project", project, "--json").stdout.splitlines() if ln.strip()]
    return {d["path"]: f"{d['kind']} {d['status']} {d['reason'] or ''}".strip() for d in docs}


def test_assemblee_exact_terms_return_exactly_the_pages_with_the_word(ingested: dict[str, Path],
                                                                       an_scan: dict[str, set[str]]) -> None:
    project = ingested["fr-assemblee-nationale-dossiers"]
    terms, _ = _pick_terms(an_scan)
    assert len(terms) >= 30
    wrong = {}
    _log(f"\n[assemblee exact] {len(an_scan)} HTML pages scanned; {len(terms)} terms")
    _log(f"{'query':<18} {'class':<12} {'truth':>5} {'total':>5} {'missing':>7} {'extra':>5}")
    for term, cls in terms:
        expected = _where(an_scan, term)
        total, hits = _search(project, f"={term} kind:html")
        got = [h["path"] for h in hits]
        missing, extra = expected - set(got), set(got) - expected
        _log(f"{'=' + term:<18} {cls:<12} {len(expected):>5} {total:>5} {len(missing):>7} {len(extra):>5}")
        if missing or extra or total != len(expected) or len(got) != len(set(got)):
            wrong[term] = {"truth": len(expected), "total": total, "missing": sorted(missing), "extra": sorted(extra)}
    if wrong:
        status = _statuses(project)
        for w in wrong.values():
            w["missing"] = {p: status.get(p, "not in the project") for p in w["missing"]}
    assert not wrong, json.dumps(wrong, ensure_ascii=False, indent=1)


def test_assemblee_unaccented_query_finds_every_page_with_the_accented_word(
        ingested: dict[str, Path], an_scan: dict[str, set[str]]) -> None:
    project = ingested["fr-assemblee-nationale-dossiers"]
    _, accented = _pick_terms(an_scan)
    assert len(accented) >= 10
    wrong = {}
    _log(f"\n[assemblee folded] {len(accented)} lower-case accented words, searched without accents")
    _log(f"{'word':<18} {'query':<18} {'truth':>5} {'total':>5} {'missing':>7}")
    for word in accented:
        # full: reads every visible word, a page's menus and side boxes too; a bare word reads
        # its main content (tests/corpus/test_corpus_relevance.py)
        query = "full:" + _unaccented(word)
        expected = _where(an_scan, word)
        total, hits = _search(project, f"{query} kind:html")
        missing = expected - {h["path"] for h in hits}
        _log(f"{word:<18} {query:<18} {len(expected):>5} {total:>5} {len(missing):>7}")
        if missing or total < len(expected):
            wrong[word] = {"query": query, "truth": len(expected), "total": total, "missing": sorted(missing)}
    if wrong:
        status = _statuses(project)
        for w in wrong.values():
            w["missing"] = {p: status.get(p, "not in the project") for p in w["missing"]}
    assert not wrong, json.dumps(wrong, ensure_ascii=False, indent=1)
