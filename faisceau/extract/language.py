"""The language stage: language of each document, and of its parts when mixed (py3langid).

A full-model check first decides whether the text is in some other language; otherwise the
model restricted to French and English decides between them (measured best on short texts).
"""

from __future__ import annotations

import copy
import os
import re
from array import array
from functools import lru_cache
from pathlib import Path
from typing import Any

FOCUS = ("fr", "en")
MIN_CHARS = 12          # below this, no decision
OTHER_CONFIDENCE = 0.9  # the full model must be this sure to say "neither fr nor en"
CHUNK = 2000            # characters per part when looking for mixed languages
SAMPLE = 400            # characters classified first (py3langid's cost grows with length)…
SURE = 0.9              # …and when it is less sure than this, a longer sample decides
LONG_SAMPLE = 1200
MAX_CHUNKS = 4          # parts sampled, evenly spread, when looking for mixed languages

_WORDS = re.compile(r"[^\W\d_]{2,}")


@lru_cache(maxsize=None)
def _identifiers() -> tuple[Any, Any]:
    from py3langid.langid import MODEL_DIR, MODEL_FILE, LanguageIdentifier

    source = MODEL_DIR / MODEL_FILE
    unpacked = _unpacked(source)
    if unpacked is None:
        full = LanguageIdentifier.from_model_file(source, norm_probs=True)
    else:
        import numpy as np

        with np.load(unpacked, allow_pickle=False) as m:  # arrays only: nothing in it can run
            # the feature table is stored in float16; numpy multiplies float16 without BLAS, so the
            # scoring of every text cast its rows again: widened once (exactly), scoring took 20 µs
            # instead of 46, classifying a 400-character e-mail 74 µs instead of 128, same results
            full = LanguageIdentifier(m["ptc"].astype(np.float32), m["pc"], m["classes"].tolist(),
                                      _uints(m["nextmove"]), m["out_feat"].tolist(), norm_probs=True,
                                      tk_row=_uints(m["nextmove_row"]))
    focus = copy.copy(full)  # shares the model arrays: loading (and un-xz-ing) it once is enough
    focus.set_languages(list(FOCUS))
    return full, focus


def _unpacked(source: Path) -> Path | None:
    """py3langid's model, its xz unpacked once into the user's cache: loading it then takes 0.1 s, not 0.4 s.

    None when the cache cannot be written (the packed model is read instead)."""
    import lzma
    import shutil

    try:
        st = source.stat()
        cache = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "faisceau"
        target = cache / f"py3langid-{st.st_size}-{st.st_mtime_ns}.npz"
        if not target.exists():
            cache.mkdir(parents=True, exist_ok=True)
            partial = target.with_name(f"{target.name}.{os.getpid()}.part")
            with lzma.open(source) as packed, open(partial, "wb") as out:
                shutil.copyfileobj(packed, out, 1 << 20)
            os.replace(partial, target)  # whole or absent, whichever process wins
        return target
    except (OSError, RuntimeError, lzma.LZMAError):
        return None


def _uints(values: Any) -> array:
    """The stdlib unsigned array py3langid's tokenizer walks (as its own loader builds it)."""
    out = array({2: "H", 4: "I", 8: "L"}[values.dtype.itemsize])
    out.frombytes(values.tobytes())
    return out


def classify(text: str) -> tuple[str | None, float]:
    """The language of a text (ISO 639-1) and a confidence, or (None, 0) when there is too little."""
    lang, prob = _classify(text[:SAMPLE])
    if prob < SURE and len(text) > SAMPLE:
        lang, prob = _classify(text[:LONG_SAMPLE])
    return lang, prob


def _classify(text: str) -> tuple[str | None, float]:
    if sum(len(w) for w in _WORDS.findall(text)) < MIN_CHARS:
        return None, 0.0
    full, focus = _identifiers()
    lang, prob = full.classify(text)
    if lang in FOCUS or prob >= OTHER_CONFIDENCE:
        return str(lang), float(prob)  # the full model already chose fr or en, or is sure of another
    lang, prob = focus.classify(text)
    return str(lang), float(prob)


def detect(text: str, sample: int = 20_000) -> tuple[str | None, list[dict[str, Any]]]:
    """The main language of a document, and its languages with their share when mixed."""
    text = text[:sample]
    main, _ = classify(text)
    if main is None or len(text) < 2 * CHUNK:
        return main, ([{"language": main, "share": 1.0}] if main else [])
    counts: dict[str, int] = {}
    starts = range(0, len(text), CHUNK)
    step = max(1, len(starts) // MAX_CHUNKS)
    for i in starts[::step]:
        part = text[i:i + CHUNK]
        # the first part is where the main language was read; for the others a short sample is
        # enough to count shares (with full samples they took 15% of the workers' CPU on mail)
        lang = main if i == 0 else _classify(part[:SAMPLE])[0]
        if lang:
            counts[lang] = counts.get(lang, 0) + len(part)
    total = sum(counts.values()) or 1
    shares = sorted(((k, round(v / total, 3)) for k, v in counts.items()), key=lambda kv: -kv[1])
    return main, [{"language": k, "share": share} for k, share in shares if share >= 0.05]
