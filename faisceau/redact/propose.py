"""Proposals: every occurrence, on every page of a document's PDF, of what should not be published.

What is looked for comes from what faisceau already knows and from the user: the document's entity
mentions (persons, optionally organisations and places), the validated identifiers found in each
page's text (e-mail, phone, IBAN, SIREN/SIRET, NIR… — read on the pages, so headers, footers, tables
of contents and an e-mail's printed headers count), terms, regular expressions and a list of names.
Each string is then searched on every page (`locate.py`), so a name the analysis found once in the
body is proposed in the running header and the index too. A list of exceptions (public figures, the
organisation under investigation) is never proposed.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..analysis.identifiers import find_identifiers
from ..exc import EncryptedDocument, ExtractionError, UsageError
from ..settings import Settings
from ..store.db import Store
from ..store.entities import identifiers_of, mentions_of
from ..store.project import Project
from ..store.redactions import Proposal
from .apply import Rect
from .fold import fold
from .locate import occurrences, page_chars
from .ocrwords import has_images, ocr_page_text
from .render import render

ENTITY_KINDS = {"person": "PER", "org": "ORG", "place": "LOC"}
IDENTIFIER_KINDS = ("email", "phone", "iban", "bic", "siren", "siret", "nir", "url", "domain", "ip")
_WORD = re.compile(r"\w+")


@dataclass
class Rules:
    """What to propose: entity kinds, identifier kinds, terms, regular expressions, names, exceptions."""

    entities: Sequence[str] = ()
    identifiers: Sequence[str] = ()
    terms: Sequence[str] = ()
    regexes: Sequence[re.Pattern[str]] = ()
    names: Sequence[str] = ()
    exceptions: Sequence[str] = ()
    _except: list[list[str]] = field(default_factory=list, repr=False)

    def __post_init__(self) -> None:
        bad = [k for k in self.entities if k not in ENTITY_KINDS]
        bad += [k for k in self.identifiers if k not in IDENTIFIER_KINDS]
        if bad:
            raise UsageError(f"unknown kind(s): {', '.join(bad)}; entities: {', '.join(ENTITY_KINDS)};"
                             f" identifiers: {', '.join(IDENTIFIER_KINDS)}")
        self._except = [_words(e) for e in self.exceptions if _words(e)]

    def excepted(self, text: str) -> bool:
        """Whether a string is one of the exceptions, or a run of whole words inside one ("Meridian"
        inside "Meridian Sécurité")."""
        words = _words(text)
        n = len(words)
        return bool(words) and any(words == e[i:i + n] for e in self._except for i in range(len(e) - n + 1))


def _words(text: str) -> list[str]:
    return [w for w in (fold(m.group()) for m in _WORD.finditer(text)) if w]


def read_names(path: Path) -> list[str]:
    """Names from a CSV or text file: the first column of each row (a header `name` skipped)."""
    try:
        rows = list(csv.reader(path.read_text("utf-8-sig").splitlines()))
    except (OSError, UnicodeDecodeError) as e:
        raise UsageError(f"{path}: {getattr(e, 'strerror', None) or e}") from None
    names = [r[0].strip() for r in rows if r and r[0].strip() and not r[0].startswith("#")]
    if names and names[0].lower() == "name":
        names = names[1:]
    return names


def rendered(project: Project, store: Store, doc: dict[str, Any], cfg: Settings) -> Path:
    """The PDF of a document that proposals and apply both use, written once per content."""
    from ..ocr.rerun import original

    sha = doc["sha256"]
    folder = project.root / "redact" / "rendered"
    folder.mkdir(parents=True, exist_ok=True)
    out = folder / f"{sha}.pdf"
    if out.is_file():
        return out
    content = store.content(sha) or {}
    src = original(project.blobs.path(sha), store.locations(sha))
    attachments = [c["name"] for c in store.children(doc["id"])]
    tmp = out.with_suffix(".part")
    render(doc.get("kind") or content.get("kind") or "", doc.get("mime") or "", Path(src) if src else Path(),
           content, attachments, tmp, soffice=cfg.soffice, time_limit=float(cfg.time_limit))
    tmp.replace(out)
    return out


def candidates(store: Store, sha: str, pages: Sequence[str], rules: Rules) -> dict[str, tuple[str, str]]:
    """Folded key → (kind, string as written) of every string to look for in this content."""
    found: dict[str, tuple[str, str]] = {}

    def add(kind: str, text: str) -> None:
        key = fold(text)
        if key and key not in found and not rules.excepted(text):
            found[key] = (kind, text.strip())

    wanted_types = {ENTITY_KINDS[k]: k for k in rules.entities}
    for m in mentions_of(store, sha):
        kind = wanted_types.get(m["mention_type"])
        if kind:
            add(kind, m["text"])
            if m["entity"] and m["type"] and len(_words(m["entity"])) > 1:
                add(kind, m["entity"])  # the grouped name, as the corpus spells it most often
    for i in identifiers_of(store, sha):
        if i["type"] in rules.identifiers and i["valid"]:
            add(i["type"], i["text"])
    for key, value in candidates_from_text(pages, rules).items():
        found.setdefault(key, value)
    return found


def propose_pdf(pdf: Path, sha: str, store: Store | None, rules: Rules, ocr: OcrOptions | None = None
                ) -> list[Proposal]:
    """Every occurrence of every candidate on every page of `pdf`, in page order; with `ocr`, pages that
    hold images are also read by Tesseract and what their pictures show is located too."""
    import fitz

    out: list[Proposal] = []
    try:
        opened = fitz.open(pdf)
    except (RuntimeError, ValueError) as e:  # MuPDF's FileDataError is a RuntimeError
        raise ExtractionError(f"PDF cannot be opened: {type(e).__name__}") from None
    with opened as doc:
        if doc.needs_pass:
            raise EncryptedDocument("encrypted PDF: decrypt it before redacting")
        texts = [page.get_text() for page in doc]
        cands = candidates(store, sha, texts, rules) if store is not None else candidates_from_text(texts, rules)
        seen: dict[str, int] = {}
        for number, page in enumerate(doc, start=1):
            readings = [page_chars(page)]
            if ocr is not None and has_images(page):
                readings.append(ocr_page_text(page, ocr.tesseract, ocr.lang, ocr.time_limit))
            for key, (kind, text) in cands.items():
                placed: list[Rect] = []
                for reading in readings:
                    for boxes in occurrences(reading, text):
                        if reading is not readings[0] and any(_overlap(b, p) for b in boxes for p in placed):
                            continue  # the picture's word is the text's word: one proposal
                        placed += boxes
                        n = seen.get(key, 0)
                        seen[key] = n + 1
                        out.append(Proposal(sha, key, n, text, kind, number, boxes))
    return out


@dataclass(frozen=True)
class OcrOptions:
    """How pages with images are read for proposals (the project's Tesseract settings)."""

    tesseract: str = "tesseract"
    lang: str = "fra+eng"
    time_limit: float = 60.0


def _overlap(a: Rect, b: Rect) -> bool:
    """Whether two boxes share more than half of the smaller one's area."""
    w = min(a[2], b[2]) - max(a[0], b[0])
    h = min(a[3], b[3]) - max(a[1], b[1])
    if w <= 0 or h <= 0:
        return False
    smaller = min((a[2] - a[0]) * (a[3] - a[1]), (b[2] - b[0]) * (b[3] - b[1]))
    return w * h > 0.5 * smaller


def candidates_from_text(texts: Iterable[str], rules: Rules) -> dict[str, tuple[str, str]]:
    """Identifiers, terms, names and regular-expression matches of these page texts."""
    found: dict[str, tuple[str, str]] = {}
    pages = list(texts)
    for text in pages:
        for ident in find_identifiers(text):
            if ident.type in rules.identifiers and ident.valid and not rules.excepted(ident.text):
                found.setdefault(fold(ident.text), (ident.type, ident.text))
    for kind, values in (("term", rules.terms), ("name", rules.names)):
        for v in values:
            if fold(v) and not rules.excepted(v):
                found.setdefault(fold(v), (kind, v.strip()))
    for rx in rules.regexes:
        for text in pages:
            for m in rx.finditer(text):
                if fold(m.group()) and not rules.excepted(m.group()):
                    found.setdefault(fold(m.group()), ("regex", m.group()))
    return found
