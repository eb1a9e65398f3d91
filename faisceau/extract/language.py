"""The language stage: language of each document, and of its parts when mixed (py3langid).

A full-model check first decides whether the text is in some other language; otherwise the
model restricted to French and English decides between them (measured best on short texts).
"""

from __future__ import annotations

import copy
import hashlib
import os
import re
import time
from array import array
from functools import cache
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
KEEP_DAYS = 30          # an unpacked model no process has used for this long is removed

_WORDS = re.compile(r"[^\W\d_]{2,}")


@cache
def _identifiers() -> tuple[Any, Any]:
    from py3langid.langid import MODEL_DIR, MODEL_FILE, LanguageIdentifier

    source = MODEL_DIR / MODEL_FILE
    folder = _unpacked(source)
    full = None
    if folder is not None:
        import numpy as np

        def part(name: str) -> Any:  # plain arrays (no pickle: nothing in them can run), mapped
            return np.asarray(np.load(folder / f"{name}.npy", mmap_mode="r", allow_pickle=False))

        try:
            full = LanguageIdentifier(part("ptc"), part("pc"), part("classes").tolist(), _uints(part("nextmove")),
                                      part("out_feat").tolist(), norm_probs=True, tk_row=_uints(part("nextmove_row")))
        except (OSError, ValueError):  # the cache went away or was damaged meanwhile: the packed model
            full = None
    if full is None:
        full = LanguageIdentifier.from_model_file(source, norm_probs=True)
    focus = copy.copy(full)  # shares the model arrays: loading (and un-xz-ing) it once is enough
    focus.set_languages(list(FOCUS))
    return full, focus


_PARTS = ("ptc", "pc", "classes", "nextmove", "out_feat", "nextmove_row")


def _unpacked(source: Path) -> Path | None:
    """py3langid's model unpacked once into the user's cache, one .npy file per array.

    The packed model is an xz-compressed archive: reading it costs 0.4 s, against a few
    milliseconds for mapping the unpacked arrays (and the workers share the mapped pages). Its
    feature table is stored in float16, which numpy multiplies without BLAS: it is widened to
    float32 here, exactly, and scoring a text takes 20 µs instead of 46. The cache is named by
    the model's SHA-256, so every installation of the same py3langid shares it; another model's
    copy is removed only when no process has used it for KEEP_DAYS (another installation, or a
    process still starting, may be using it now). None when the cache cannot be written (the
    packed model is read instead)."""
    import io
    import lzma
    import shutil

    import numpy as np

    try:
        digest = hashlib.sha256(source.read_bytes()).hexdigest()[:16]
        cache = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "faisceau"
        target = cache / f"py3langid-{digest}-f32"
        if (target / "ready").exists():
            os.utime(target / "ready")  # in use: kept
            return target
        cache.mkdir(parents=True, exist_ok=True)
        partial = cache / f".{target.name}.{os.getpid()}.part"
        shutil.rmtree(partial, ignore_errors=True)
        partial.mkdir()
        with lzma.open(source) as packed:
            data = io.BytesIO(packed.read())
        with np.load(data, allow_pickle=False) as m:
            for name in _PARTS:
                array = m[name].astype(np.float32) if name == "ptc" else m[name]
                np.save(partial / f"{name}.npy", array, allow_pickle=False)
        (partial / "ready").touch()
        try:
            os.rename(partial, target)  # whole or absent, whichever process wins
        except OSError:
            shutil.rmtree(partial, ignore_errors=True)  # another process made it first
        for old in cache.glob("py3langid-*"):
            try:
                unused = time.time() - (old / "ready").stat().st_mtime > KEEP_DAYS * 86400
            except OSError:
                unused = True  # an older layout, or never finished
            if old != target and unused:  # a mapped file stays readable to whoever still maps it
                shutil.rmtree(old, ignore_errors=True) if old.is_dir() else old.unlink(missing_ok=True)
        return target if (target / "ready").exists() else None
    except (OSError, RuntimeError, ValueError, KeyError, lzma.LZMAError):
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
