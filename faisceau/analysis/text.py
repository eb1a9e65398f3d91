"""Analysis of free text (`faisceau analyse --text`): the same recognisers as the ingest stages.

Several texts given together (`--lines`) are one small corpus: the cross-document consistency and
the grouping into canonical names run over all of them, as the ingest does over a project.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from ..extract.language import classify
from ..model.mention import Mention
from .consistency import consistent
from .grouping import canonical
from .levers import SHIPPED, Levers
from .mailtext import masked
from .models import MODELS
from .names import key
from .ner import Memo, recognise
from .results import with_teams

SURE = 0.8   # a line's other language counts when the classifier is this sure; else the texts' majority


def languages(texts: list[str], lang: str | None) -> list[str | None]:
    """The language of each text: the one given, else its own when clear, else the majority's."""
    if lang:
        return [lang] * len(texts)
    found = [classify(t) for t in texts]
    votes = Counter(lg for lg, p in found if lg in MODELS and p >= SURE)
    majority = votes.most_common(1)[0][0] if votes else None
    # a line says French or English (the classifier picks between them when unsure of any other
    # language): trust it; too short to tell, or another language it is not sure of: the majority
    return [lg if lg in MODELS or (lg and p >= SURE) else majority or lg for lg, p in found]


def analyse(texts: list[str], lang: str | None = None, levers: Levers = SHIPPED, memo: Memo | None = None,
            entities_only: bool = False) -> list[dict[str, Any]]:
    """One result per text: language, mentions (with canonical names), identifiers, dates.

    `levers` and `memo` are the bench's (`bench/ner.py --loso`): which rules run, and the model's readings
    kept from one switchboard to the next; `entities_only` leaves identifiers and dates out (the bench
    scores names only)."""
    from .identifiers import find_identifiers
    from .textdates import find_dates

    texts = [masked(t) for t in texts]  # Lotus addresses, image placeholders: blanked, offsets kept
    langs = languages(texts, lang)
    found: list[list[Mention]] = [[] for _ in texts]
    for lg in {x if x in MODELS else None for x in langs}:
        idx = [i for i, x in enumerate(langs) if (x if x in MODELS else None) == lg]
        for i, ms in zip(idx, recognise([texts[i] for i in idx], lg, levers, memo)):
            found[i] = with_teams(texts[i], ms, levers)
    found = consistent(texts, found, levers)
    counts = Counter((key(m.text), m.type, m.text, m.source) for ms in found for m in ms)
    names = canonical((k, t, s, src, n) for (k, t, s, src), n in counts.items())
    out = []
    for text, lg, ms in zip(texts, langs, found):
        out.append({
            "language": lg,
            "mentions": [{"start": m.start, "end": m.end, "text": m.text, "type": m.type,
                          "canonical": names.get(key(m.text), (m.text,))[0], "source": m.source} for m in ms],
            "identifiers": [] if entities_only else [
                {"start": i.start, "end": i.end, "text": i.text, "type": i.type, "value": i.value, "valid": i.valid}
                for i in find_identifiers(text, lg)],
            "dates": [] if entities_only else [
                {"start": d.start, "end": d.end, "text": d.text, "value": d.value, "precision": d.precision}
                for d in find_dates(text, lg)],
        })
    return out
