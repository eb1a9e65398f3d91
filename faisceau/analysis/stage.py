"""The analysis item stages (entities, identifiers, dates) and what the orchestrator stores of them.

Worker side (pure: text in, results out): `run_entities`, `run_identifiers`, `run_dates` read the
text the earlier stages left in `state` (or the stored text when only they run again) and put
their rows in `state`. Main-process side: `store_*` replace the rows of that content's SHA-256.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from pathlib import Path
from typing import Any

from ..model.mention import Mention
from ..store import entities
from ..store.db import Store
from .furniture import own_spans, without_furniture
from .mailtext import masked, subject_lines, within
from .models import model_for
from .names import key
from .ner import recognise_each
from .results import with_teams
from .sentences import around


def _inputs(task: Any, state: dict[str, Any], ctx: Any) -> tuple[str, str | None, dict[str, Any], str | None]:
    """(text, language, metadata, reason not to run) of the item, wherever the earlier stages left them."""
    content = state.get("content") or {}
    if "text" in state:
        text = state["text"] or ""
    elif task.extra.get("text_file"):
        text = Path(task.extra["text_file"]).read_text("utf-8", "surrogatepass")
    else:
        text = task.text or ""
    lang = state.get("language") if "language" in state else task.extra.get("language")
    meta = content.get("metadata") or task.extra.get("metadata") or {}
    limit = int(ctx.settings.analysis_max_chars)
    reason = None
    if len(text) > limit:
        text, reason = text[:limit], f"analysed the first {limit} characters"
    return text, lang, meta, reason


def _own_text(task: Any, state: dict[str, Any], text: str) -> str:
    """A web page's text with its site's furniture blanked (offsets kept): what the entities and dates
    stages read (furniture.py). The segments come with the extraction, or with a re-run's task."""
    content = state.get("content") or {}
    kept = own_spans(content["segments"]) if "segments" in content else task.extra.get("kept") or []
    return without_furniture(text, kept)


def run_entities(task: Any, state: dict[str, Any], ctx: Any, blobs: Any = None) -> tuple[str, str | None]:
    return run_entities_batch([task], [state], ctx)[0]


def run_entities_batch(tasks: list[Any], states: list[dict[str, Any]], ctx: Any) -> list[tuple[str, str | None]]:
    """The entities stage on a batch of contents: one model call per language for all their texts
    (`recognise_each`: each text read as if alone), then each content's rows in its own state."""
    inputs = [_inputs(t, s, ctx) for t, s in zip(tasks, states)]
    # a web page's menus, Lotus Notes addresses and image placeholders blanked (offsets kept): the
    # model reads the document's own names
    texts = [masked(_own_text(t, s, text)) for t, s, (text, _, _, _) in zip(tasks, states, inputs)]
    by_model: dict[str, list[int]] = {}
    for i, (_, lang, _, _) in enumerate(inputs):
        if texts[i].strip():
            by_model.setdefault(model_for(lang), []).append(i)
    read: dict[int, list[Mention]] = {}
    for lang, idx in by_model.items():
        read.update(zip(idx, recognise_each([texts[i] for i in idx], lang)))
    out: list[tuple[str, str | None]] = []
    for i, (state, (_, _, meta, reason)) in enumerate(zip(states, inputs)):
        if i not in read:
            state["mentions"] = []
            out.append(("skipped", "no text"))
            continue
        text = texts[i]
        subjects = subject_lines(text, meta)
        model = [m for m in with_teams(text, read[i])
                 if not (m.type == "PER" and within(subjects, m.start, m.end))]  # a subject names a topic
        found = header_mentions(text, meta) + model
        rows = [(m.start, m.end, m.text, m.type, m.source, key(m.text)) for m in _merge(found)]
        # the correspondents themselves: persons of the message even when the text never names them
        rows += [(-1, -1, n, "PER", "header", key(n)) for n in sorted(correspondents(meta))]
        state["mentions"] = rows
        out.append(("ok", reason))
    return out


def run_identifiers(task: Any, state: dict[str, Any], ctx: Any, blobs: Any = None) -> tuple[str, str | None]:
    from .identifiers import find_identifiers

    text, lang, _, reason = _inputs(task, state, ctx)
    if not text.strip():
        state["identifiers"] = []
        return "skipped", "no text"
    state["identifiers"] = [(i.start, i.end, i.text, i.type, i.value, int(bool(i.valid)))
                            for i in find_identifiers(text, lang)]
    return "ok", reason


def run_dates(task: Any, state: dict[str, Any], ctx: Any, blobs: Any = None) -> tuple[str, str | None]:
    from .textdates import find_dates

    text, lang, meta, reason = _inputs(task, state, ctx)
    text = _own_text(task, state, text)  # a site's menus date every page alike: not events of the page
    if not text.strip():
        state["dates"] = []
        return "skipped", "no text"
    rows = []
    for d in find_dates(text, lang, document_date(meta)):
        s, e = around(text, d.start, d.end)
        rows.append((d.start, d.end, d.text, d.value, d.precision, s, e))
    state["dates"] = rows
    return "ok", reason


def document_date(meta: dict[str, Any]) -> date | None:
    """The date relative expressions ("hier", "last Tuesday") count from: sent, else created."""
    for k in ("date", "created"):
        v = meta.get(k)
        if isinstance(v, str) and re.match(r"\d{4}-\d\d-\d\d", v):
            try:
                return datetime.fromisoformat(v[:10]).date()
            except ValueError:
                continue
    return None


# -- e-mail header knowledge -------------------------------------------------------------------

def header_mentions(text: str, meta: dict[str, Any]) -> list[Mention]:
    """Correspondents' display names are persons: found in the text (signature, greeting), they are
    labelled PER whatever the model says; the first name alone counts at the start of a line."""
    out: list[Mention] = []
    for n in correspondents(meta):
        for m in re.finditer(r"(?<![\w-])" + re.escape(n) + r"(?![\w-])", text):
            out.append(Mention(m.start(), m.end(), m.group(), "PER", "header"))
        first = n.split()[0]
        if len(first) > 2 and first[:1].isupper():
            for m in re.finditer(r"(?m)^[ \t]*(?:(?:Bonjour|Salut|Hi|Hello|Dear|Cher|Chère)\s+)?(" + re.escape(first)
                                 + r")(?=\s*[,\n])", text):
                out.append(Mention(m.start(1), m.end(1), m.group(1), "PER", "header"))
    return out


# words that make a display name a team, a service or a company rather than a person
ORG_WORDS = frozenset("""analytics service services team équipe support group groupe direction news info information
    noreply no-reply newsletter admin administrator desk office bureau department département sas sa inc ltd llc gmbh
    corp company société systems solutions consulting security sécurité""".split())


def correspondents(meta: dict[str, Any]) -> set[str]:
    """The display names of an e-mail's sender and recipients that are a person's name."""
    names: set[str] = set()
    for role in ("from", "to", "cc", "bcc"):
        for a in meta.get(role) or []:
            n = (a.get("name") or "").strip().strip("'\"") if isinstance(a, dict) else ""
            words = n.split()
            if (n and "@" not in n and 1 < len(words) <= 4 and all(w[:1].isupper() for w in words)
                    and not any(w.isupper() and len(w) > 2 or w.lower() in ORG_WORDS for w in words)):
                names.add(n)
    return names


def _merge(found: list[Mention]) -> list[Mention]:
    """Header mentions win over the model's overlapping ones; the rest keep their order."""
    header = sorted((m for m in found if m.source == "header"), key=lambda m: m.start)
    out = list(header)
    for m in found:
        if m.source != "header" and not any(h.start < m.end and m.start < h.end for h in header):
            out.append(m)
    return sorted(set(out), key=lambda m: (m.start, m.end))


# -- main-process writers (Stage.output) -----------------------------------------------------------

def store_mentions(store: Store, sha256: str, state: dict[str, Any]) -> None:
    entities.replace_mentions(store, sha256, (entities.MentionIn(*m) for m in state.get("mentions") or []))


def store_identifiers(store: Store, sha256: str, state: dict[str, Any]) -> None:
    entities.replace_identifiers(store, sha256, (entities.IdentifierIn(*i) for i in state.get("identifiers") or []))


def store_dates(store: Store, sha256: str, state: dict[str, Any]) -> None:
    entities.replace_text_dates(store, sha256, (entities.DateIn(*d) for d in state.get("dates") or []))
