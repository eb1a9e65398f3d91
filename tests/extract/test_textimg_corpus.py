"""HTML, plain-text and image extractors over the shared real corpora (slow; CI runs them)."""

from __future__ import annotations

import html
import re
import time
from collections import Counter

import pytest
from conftest import corpus_path, run_extractor

from faisceau.exc import ExtractionError, Skipped
from faisceau.extract.base import Context, Extractor, choose
from faisceau.extract.documents.html import HtmlExtractor
from faisceau.extract.documents.plain import PlainTextExtractor
from faisceau.extract.identify import probe
from faisceau.extract.images.image import ImageExtractor
from faisceau.model import Extracted

pytestmark = pytest.mark.slow

MINE: tuple[type[Extractor], ...] = (HtmlExtractor, PlainTextExtractor, ImageExtractor)
# Signs of a wrong decoding of French: UTF-8 read as Latin-1, or C1 control characters.
MOJIBAKE = re.compile("Ã[©¨ ª´§®¹»]|â€|[\x80-\x9f]")
STANDARD = "the quick brown fox jumps over the lazy dog"
# Read straight from a page's bytes, to check the extractor's counts against: comments, <script>
# start tags, and href attributes of links.
COMMENT = re.compile(rb"<!--.*?-->", re.DOTALL)
SCRIPT = re.compile(rb"<script\b", re.IGNORECASE)
HREF = re.compile(rb"<(?:a|area)\b[^>]*?\shref\s*=\s*(?:\"[^\"]+\"|'[^']+'|[^\s>\"']+)", re.IGNORECASE)


def tokens(text: str) -> set[str]:
    """Distinct case-folded word tokens."""
    return set(re.findall(r"\w+", text.casefold()))


def similarity(got: str, expected: str) -> float:
    """Token similarity: the Dice coefficient of the two sets of distinct word tokens.

    2·|A∩B| / (|A|+|B|), from 0 (nothing shared) to 1 (same vocabulary). Sets rather than
    counts, because the reference texts render tables with cells repeated and we do not.
    """
    a, b = tokens(got), tokens(expected)
    return 2 * len(a & b) / max(1, len(a) + len(b))


def recall(got: str, expected: str) -> float:
    """Share of the expected distinct tokens found in our text."""
    b = tokens(expected)
    return len(tokens(got) & b) / max(1, len(b))


def test_assemblee_nationale_pages(ctx: Context) -> None:
    root = corpus_path("fr-assemblee-nationale-dossiers")
    pages = sorted(p for p in root.rglob("*.asp") if p.is_file())
    assert len(pages) >= 900
    start = time.monotonic()
    encodings: Counter[str] = Counter()
    found: Counter[str] = Counter()
    words = ("député", "été", "Assemblée", "adopté", "première", "Sénat", "séance", "août")
    chars = 0
    for page in pages:
        doc, children = run_extractor(HtmlExtractor, page, ctx)
        text = doc.text
        assert children == [] and doc.kind == "html"
        assert text.strip(), page
        assert "\ufffd" not in text, page
        assert not MOJIBAKE.search(text), (page, MOJIBAKE.search(text))
        assert doc.metadata.get("title"), page
        # the counts the page's own markup gives: every <script> element outside comments, and a link
        # for every <a>/<area> href outside comments, each written in the page (as is or as entities)
        raw = page.read_bytes()
        markup = COMMENT.sub(b"", raw)
        assert doc.metadata["scripts"] == len(SCRIPT.findall(markup)), page
        links, written = doc.metadata["links"], raw.decode("cp1252", "replace")
        assert len(links) >= len(HREF.findall(markup)) > 0, page
        unescaped = html.unescape(written)
        assert all(link in written or link in unescaped for link in links), page
        encodings[doc.metadata["encoding"]] += 1
        chars += len(text)
        for w in words:
            found[w] += w in text
    elapsed = time.monotonic() - start
    print(f"\nAN pages: {len(pages)} in {elapsed:.1f} s, {chars} characters, encodings {dict(encodings)}, "
          f"pages containing: {dict(found)}")
    assert encodings == Counter({"cp1252": len(pages)})  # all declare iso-8859-1
    assert found["député"] >= 0.9 * len(pages) and found["Assemblée"] == len(pages)
    assert found["été"] >= 100 and found["adopté"] >= 100 and found["août"] >= 10
    assert elapsed < 120


def test_assemblee_nationale_pages_are_routed_to_html() -> None:
    root = corpus_path("fr-assemblee-nationale-dossiers")
    pages = sorted(root.rglob("*.asp"))[:25]
    assert len(pages) == 25
    for page in pages:
        assert choose(probe(page, page.name)) is HtmlExtractor, page


def test_textract_expected_texts(ctx: Context) -> None:
    root = corpus_path("docs-textract-tests")
    scores: dict[str, float] = {}
    for folder in ("html", "txt", "csv", "tsv", "psv", "json"):
        for source in sorted((root / folder).iterdir()):
            if source.suffix == ".txt" and folder != "txt":
                continue  # an expected text
            cls = HtmlExtractor if folder == "html" else PlainTextExtractor
            doc, _ = run_extractor(cls, source, ctx)
            if source.stem.startswith("standardized_text"):
                expected = STANDARD
            elif folder == "txt":
                expected = source.read_text(encoding="utf-8")
            else:
                expected = source.with_suffix(".txt").read_text(encoding="utf-8")
            name = f"{folder}/{source.name}"
            if folder == "json":
                # We keep the whole JSON document (keys are evidence too); the reference keeps
                # only the values, so its tokens are looked for in ours.
                scores[name] = recall(doc.text, expected)
            else:
                scores[name] = similarity(doc.text, expected)
    print("\ntextract token similarity: " + ", ".join(f"{k} {v:.4f}" for k, v in scores.items()))
    assert len(scores) == 13
    low = {k: v for k, v in scores.items() if v < 0.95}
    assert not low, low


def test_textract_images(ctx: Context) -> None:
    root = corpus_path("docs-textract-tests")
    seen = 0
    for folder in ("gif", "jpg", "png", "tiff"):
        for source in sorted((root / folder).iterdir()):
            if source.suffix == ".txt":
                continue
            doc, _ = run_extractor(ImageExtractor, source, ctx)
            assert doc.metadata["width"] >= 32 and "needs_ocr" in doc.flags, source
            seen += 1
    assert seen == 8


def test_tika_documents_no_unexpected_crash(ctx: Context) -> None:
    root = corpus_path("docs-tika-test-documents")
    outcomes: Counter[tuple[str, str]] = Counter()
    slowest = (0.0, "")
    for path in sorted(p for p in root.rglob("*") if p.is_file()):
        pr = probe(path, path.name)
        scores = {cls: cls.match(pr) for cls in MINE}
        cls = max(scores, key=lambda c: scores[c])
        if not scores[cls]:
            continue
        doc = Extracted(mime=pr.mime, kind=cls.KIND, extractor=cls.NAME)
        start = time.monotonic()
        try:
            list(cls().extract(path, doc, ctx))
            outcome = "ok"
        except (ExtractionError, Skipped) as e:  # a recorded reason, not a crash
            outcome = e.reason
        slowest = max(slowest, (time.monotonic() - start, str(path.relative_to(root))))
        outcomes[(cls.NAME, outcome)] += 1
    print(f"\ntika documents through html/plain/image: {dict(outcomes)}; slowest {slowest[0]:.2f} s {slowest[1]}")
    assert outcomes[("html", "ok")] >= 30 and outcomes[("image", "ok")] >= 5 and outcomes[("plain", "ok")] >= 20
    assert slowest[0] < 10


def test_tika_html_charsets(ctx: Context) -> None:
    root = corpus_path("docs-tika-test-documents") / "tika-parser-html-module/src/test/resources/test-documents"
    doc, _ = run_extractor(HtmlExtractor, root / "testHTML_charset_utf16le.html", ctx)
    assert doc.metadata["encoding"] == "utf-16-le" and "\ufffd" not in doc.text and doc.text.strip()
    doc, _ = run_extractor(HtmlExtractor, root / "testHTML_utf8.html", ctx)
    assert doc.metadata["encoding"] == "utf-8" and "\ufffd" not in doc.text
    arabic = corpus_path("docs-tika-test-documents") / "integration-tests/testArabicMisleadingCharset.html"
    doc, _ = run_extractor(HtmlExtractor, arabic, ctx)
    # declared UTF-8, written in Windows-1256: the bytes are not UTF-8, so detection decides
    assert doc.metadata["encoding"] == "cp1256" and re.search("[\u0600-\u06ff]{3}", doc.text)
