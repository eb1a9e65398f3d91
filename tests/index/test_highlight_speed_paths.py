"""The fast snippet path gives exactly the spans and snippets of the reference path.

The fast path (`faisceau.index.foldregex`) folds the stored text character by character and
runs a pattern of plain letters; the reference path runs the pattern of letter classes on the
stored text. Both are checked on real texts (Enron mail, Assemblée nationale pages), on copies
of them made harder (upper case, accents, ligatures, soft hyphens and hyphenation at line ends),
with the spellings a real index lists for each query (light stemming, none), words and phrases.
"""

from __future__ import annotations

import mailbox
import random
import re
from collections import Counter
from pathlib import Path

import pytest
from conftest import corpus_path

from faisceau.index import Index, IndexDoc, foldregex
from faisceau.index.highlight import FOLD_LIMIT, _Matcher, snippets
from faisceau.index.query import Term

WORD = re.compile(r"[^\W\d_]{4,}")


def _enron(limit: int) -> list[str]:
    """Plain-text bodies from the first mailboxes of several custodians."""
    boxes = sorted((corpus_path("enron_mbox") / "mbox").iterdir())[::7][:8]
    out: list[str] = []
    for path in boxes:
        mine = 0
        for msg in mailbox.mbox(str(path), create=False):
            payload = msg.get_payload(decode=True)
            if isinstance(payload, bytes) and payload.strip():
                out.append(payload.decode("utf-8", "replace"))
                mine += 1
            if mine >= limit // len(boxes) + 1:
                break
    return out[:limit]


def _assemblee(limit: int) -> list[str]:
    from selectolax.lexbor import LexborHTMLParser

    pages = sorted(corpus_path("fr-assemblee-nationale-dossiers").rglob("*.asp"))[:limit]
    out = []
    for p in pages:
        tree = LexborHTMLParser(p.read_bytes().decode("cp1252", errors="replace"))
        tree.strip_tags(["script", "style"])
        if tree.body is not None:
            out.append(tree.body.text(separator="\n"))
    return [t for t in out if t.strip()]


def harden(text: str, rng: random.Random) -> str:
    """The same words, spelled the hard way: capitals, other letters of the same fold class,
    ligatures, soft hyphens and hyphens at line ends inside words."""
    classes = foldregex._fold_classes()

    def word(m: re.Match[str]) -> str:
        w = m.group()
        r = rng.random()
        if r < 0.1:
            return w.upper()
        if r < 0.2:
            i = rng.randrange(len(w))
            options = sorted(classes.get(w[i].lower(), {w[i]}))
            return w[:i] + rng.choice(options) + w[i + 1:]
        if r < 0.25:
            return w.replace("oe", "œ").replace("ae", "æ").replace("ss", "ß").replace("fi", "ﬁ")
        if r < 0.32:
            i = rng.randrange(1, len(w))
            return w[:i] + rng.choice(["\u00ad", "-\n", "- \r\n  ", "-\t\n"]) + w[i:]
        return w

    return WORD.sub(word, text)


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> tuple[Index, list[tuple[str, str]]]:
    """A real index of real texts and their hardened copies; (text, language) of each."""
    rng = random.Random(6)
    texts = [(t, "en") for t in _enron(160)] + [(t, "fr") for t in _assemblee(50)]
    texts += [(harden(t, rng), lang) for t, lang in texts]
    ix = Index(tmp_path_factory.mktemp("speed") / "index")
    w = ix.writer()
    for n, (t, lang) in enumerate(texts):
        w.add(IndexDoc(id=f"d{n}", path=f"d/{n}", text=t, language=lang, kind="text"))
    w.commit()
    w.close()
    return ix, texts


def _queries(texts: list[tuple[str, str]]) -> list[str]:
    rng = random.Random(7)
    counts = Counter(w.lower() for t, _ in texts[: len(texts) // 2] for w in WORD.findall(t))
    common = [w for w, _ in counts.most_common(40)][::3]
    rare = sorted(w for w, c in counts.items() if c == 1)[::97][:12]
    accented = sorted(w for w in counts if not w.isascii())[::23][:12]
    pairs = [f"{rng.choice(common)} {rng.choice(accented or common)}" for _ in range(6)]
    phrases = []
    for t, _ in rng.sample(texts[: len(texts) // 2], 10):
        ws = WORD.findall(t)
        if len(ws) > 3:
            i = rng.randrange(len(ws) - 2)
            phrases.append(f'"{ws[i]} {ws[i + 1]}"')
    return common + rare + accented + pairs + phrases + ['"mise en oeuvre"', "oeuvre", "strasse", "fiscal"]


def _agree(terms: list[Term], stemming: str, text: str, lang: str) -> tuple[_Matcher, bool]:
    stem = "fr" if lang == "fr" else "en"
    fast, ref = _Matcher(terms, stem, stemming), _Matcher(terms, stem, stemming)
    ref.folded = False
    spans = fast.spans(text)
    assert spans == ref.spans(text)
    got = snippets(text, terms, lang, None, 3, stemming=stemming, matchers={stem: fast})
    want = snippets(text, terms, lang, None, 3, stemming=stemming, matchers={stem: ref})
    assert [s.as_dict() for s in got] == [s.as_dict() for s in want]
    return fast, bool(spans)


@pytest.mark.slow
def test_fast_path_gives_the_reference_snippets_on_real_texts(corpus: tuple[Index, list[tuple[str, str]]]) -> None:
    ix, texts = corpus
    variants: set[tuple[bool, bool]] = set()
    matched = folded = 0
    for stemming in ("light", "off"):
        for q in _queries(texts)[:: 1 if stemming == "light" else 3]:
            _, comp = ix.compile(q, stemming=stemming)
            for text, lang in texts:
                m, found = _agree(comp.highlights, stemming, text, lang)
                variants |= m.patterns.keys()
                matched += found
                folded += found and m.folded
    # the test means something: matches were found, on the folded path, with and without joiners
    assert matched > 500
    assert folded > 0.9 * matched
    assert {(True, False), (True, True)} <= variants


def test_fast_path_on_hard_spellings(tmp_path: Path) -> None:
    """Accents, capitals, ligatures, soft hyphens and hyphenation at a line end, words and phrases."""
    text = ("La SOCIÉTÉ générale et les sociétés d’Amiens ; la socié\u00adté, la socié-\ntés et la SOCI- \r\n  ÉTÉ. "
            "Mise en Œuvre, mise en œuvre, MISE EN OEUVRE, mise_en œuvre. Straße, STRASSE, strasse. "
            "Un ﬁscal, le fiscal, les fis-\ncaux. x_société société_x ÉNERGIE énergies énergétique. " * 3)
    ix = Index(tmp_path / "index")
    w = ix.writer()
    w.add(IndexDoc(id="fr", path="fr", text=text, language="fr"))
    w.commit()
    w.close()
    for q in ("société", "societe", '"mise en oeuvre"', "strasse", "fiscal", "energie", "société énergie",
              '"la société"'):
        for stemming in ("light", "off"):
            _, comp = ix.compile(q, stemming=stemming)
            m, found = _agree(comp.highlights, stemming, text, "fr")
            assert found and m.folded, q
    hit = ix.search("société", snippets_per_hit=3).hits[0]
    marked = {s.text[a:b] for s in hit.snippets for a, b in s.highlights}
    assert {"SOCIÉTÉ", "sociétés", "socié\u00adté", "socié-\ntés", "SOCI- \r\n  ÉTÉ"} <= marked


@pytest.mark.slow
def test_huge_text_same_spans_and_early_stop(corpus: tuple[Index, list[tuple[str, str]]]) -> None:
    ix, texts = corpus
    fr = [t for t, lang in texts if lang == "fr"]
    huge = "\n\n".join(fr * (1 + 1_200_000 // max(1, sum(map(len, fr)))))
    assert len(huge) > FOLD_LIMIT
    for q in ("assemblée", "commission", "république", '"projet de loi"', "zzzzunknown"):
        _, comp = ix.compile(q)
        m = _Matcher(comp.highlights, "fr", "light")
        if not (m.by_fold or m.fold_phrases):
            continue
        # past FOLD_LIMIT spans() takes the reference pattern; forced, the folded one agrees
        assert m.fast_spans(huge, True) == m.fast_spans(huge, False) == m.spans(huge)


def test_fold_text_is_the_table_character_by_character() -> None:
    table = foldregex._fold_map()
    rng = random.Random(3)
    unsafe = foldregex._unsafe()
    pool = [chr(c) for c in range(0x20, 0x3100) if 0xD800 > c or c > 0xDFFF]
    safe_pool = [c for c in pool if c not in unsafe]
    samples = ["", "plain ascii Text-\n", "Société d’Amiens, œuvre, Straße, ʀ R r", "\ud800 lone surrogate É"]
    samples += ["".join(rng.choice(pool) for _ in range(rng.randint(1, 80))) for _ in range(400)]
    samples += ["".join(rng.choice(safe_pool) for _ in range(rng.randint(1, 80))) for _ in range(400)]
    for s in samples:
        folded = foldregex.fold_text(s)
        assert folded == s.translate(table) == foldregex._fold_each(s)
        assert len(folded) == len(s)
    # the ASCII shortcut (lower()) is exactly the table on ASCII
    assert {chr(k): v for k, v in table.items() if k < 128} == {chr(c): chr(c + 32) for c in range(65, 91)}


def test_letters_the_fast_path_refuses() -> None:
    """A letter whose own unfolded form is outside its class (lower-case Cherokee, beyond the
    table's range): the folded pattern would match it, the reference does not, so such a query
    takes the reference path and highlights what the reference highlights."""
    assert not foldregex.literal_ok("\uab70") and foldregex.literal_ok("e") and foldregex.literal_ok("R")
    term = Term(None, "\uab70\uab71", "word", forms=[frozenset({"\uab70\uab71"})])
    text = "\u13a0\u13a1 and \uab70\uab71"
    m = _Matcher([term], "en", "light")
    assert not m.folded
    assert m.spans(text) == m.fast_spans(text, False) == [(0, 2, 0)]
    assert m.fast_spans(text, True) != m.fast_spans(text, False)   # why the check exists


def test_several_words_one_pattern_each_then_merged(tmp_path: Path) -> None:
    """A query of several words scans once per word and merges; where a word's scan stopped
    early (ENOUGH_SPANS) before the merged list could, the one pattern is used instead."""
    texts = {
        "mixed": "Alpha beta, ALPHA gamma; alphas bêta. " * 40,          # both words everywhere: merged
        "late": "alpha " * 100 + "and at last a beta.",                # alpha capped before beta shows
        "never": "alpha " * 100 + "nothing else.",                     # gamma absent: the scan runs to the end
        "few": "beta alpha gamma alpha",
    }
    ix = Index(tmp_path / "index")
    w = ix.writer()
    for name, text in texts.items():
        w.add(IndexDoc(id=name, path=name, text=text, language="en"))
    w.commit()
    w.close()
    for q in ("alpha beta", "alpha gamma", "beta alpha gamma"):
        _, comp = ix.compile(q)
        for name, text in texts.items():
            fast, ref = _Matcher(comp.highlights, "en", "light"), _Matcher(comp.highlights, "en", "light")
            assert fast.spans(text) == ref.fast_spans(text, False), (q, name)
            assert fast.term_patterns is not None   # the per-word path was taken (or tried)
    _, comp = ix.compile("alpha beta")
    m = _Matcher(comp.highlights, "en", "light")
    assert m._each_term(foldregex.fold_text(texts["late"])) is None
    assert len(m.spans(texts["late"])) == 101   # every alpha up to the first beta
