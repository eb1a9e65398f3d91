"""`faisceau doctor`: every external tool and model the stages use, with version and path."""

from __future__ import annotations

import importlib.metadata
import re
import shutil
import subprocess
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from .settings import Settings, load


@dataclass(frozen=True)
class Tool:
    """An external program: the setting naming it, how to ask its version, what needs it."""

    setting: str
    version_args: tuple[str, ...]
    used_for: str
    pattern: str = r"(\d+(?:\.\d+)+)"


TOOLS: tuple[Tool, ...] = (
    Tool("soffice", ("--version",), "legacy Office and RTF conversion (doc, xls, ppt, rtf…)"),
    Tool("sevenzip", ("i",), "7z archives"),
    Tool("unar", ("-v",), "RAR and other archives"),
    Tool("lsar", ("-v",), "listing RAR archives"),
    Tool("readpst", ("-V",), "Outlook PST fallback"),
    Tool("qpdf", ("--version",), "PDF repair"),
    Tool("mutool", ("-v",), "PDF repair"),
    Tool("tesseract", ("--version",), "OCR of scans and images (French, English)"),
    Tool("ffprobe", ("-version",), "audio and video: duration, codecs, tags"),
    Tool("mdb_tables", ("--version",), "MS Access databases (mdbtools): table list"),
    Tool("mdb_export", ("--version",), "MS Access databases (mdbtools): table rows"),
    Tool("chromium", ("--version",), "browser tests and PDF rendering of reports"),
)

PACKAGES = ("pypdfium2", "python-magic", "py3langid", "charset-normalizer", "Pillow", "extract-msg",
            "libpff-python", "tnefparse", "defusedxml", "lxml", "selectolax", "pikepdf", "pillow-heif", "tantivy", "spacy",
            "olefile", "PyMuPDF", "dbfread")

# the scheduler and workers of `--cluster` (`dask scheduler`, `dask worker`); every node runs the same
CLUSTER_PACKAGES = ("dask", "distributed")

TESSERACT_LANGS = ("fra", "eng", "osd")


def _version(path: str, tool: Tool) -> str | None:
    try:
        out = subprocess.run([path, *tool.version_args], capture_output=True, timeout=60,
                             stdin=subprocess.DEVNULL)
    except (OSError, subprocess.SubprocessError):
        return None
    text = (out.stdout + out.stderr).decode("utf-8", "replace")
    m = re.search(tool.pattern, text)
    return m.group(1) if m else (text.strip().splitlines() or ["?"])[0][:60]


def check(settings: Settings | None = None) -> list[dict[str, Any]]:
    """One row per tool, package and model: name, version, path, ok, note."""
    settings = settings or load()
    rows: list[dict[str, Any]] = []
    for tool in TOOLS:
        name = getattr(settings, tool.setting)
        path = shutil.which(name)
        version = _version(path, tool) if path else None
        rows.append({"name": tool.setting, "kind": "tool", "path": path, "version": version,
                     "ok": bool(path and version), "used_for": tool.used_for,
                     "note": None if path else f"not found: {name} (setting {tool.setting}, FAISCEAU_{tool.setting.upper()})"})
        if tool.setting == "tesseract" and path:
            langs = _tesseract_langs(path)
            for lang in TESSERACT_LANGS:
                rows.append({"name": f"tesseract-{lang}", "kind": "model", "path": path, "version": None,
                             "ok": lang in langs, "used_for": f"OCR in {lang}",
                             "note": None if lang in langs else f"tesseract language {lang} missing (tesseract-ocr-{lang})"})
    for pkg in PACKAGES:
        try:
            v: str | None = importlib.metadata.version(pkg)
        except importlib.metadata.PackageNotFoundError:
            v = None
        rows.append({"name": pkg, "kind": "python", "path": None, "version": v, "ok": v is not None,
                     "used_for": "extraction", "note": None if v else "not installed"})
    for pkg in CLUSTER_PACKAGES:
        try:
            v = importlib.metadata.version(pkg)
        except importlib.metadata.PackageNotFoundError:
            v = None
        rows.append({"name": pkg, "kind": "python", "path": None, "version": v, "ok": v is not None,
                     "used_for": "item stages on a Dask cluster (--cluster, faisceau cluster local)",
                     "note": None if v else "not installed"})
    rows.append(_libmagic())
    rows += _spacy_models()
    return rows


def _spacy_models() -> list[dict[str, Any]]:
    """The spaCy models of the analysis stages (PyPI wheels pinned by hash; never fetched at run time)."""
    from .analysis.models import MODELS, versions

    found = versions()
    rows = []
    for lang, (pkg, name) in MODELS.items():
        v = found.get(name)
        rows.append({"name": name, "kind": "model", "path": None, "version": v, "ok": v is not None,
                     "used_for": f"named entities in {lang}", "note": None if v else f"not installed (pip package {pkg})"})
    return rows


def _tesseract_langs(path: str) -> set[str]:
    try:
        out = subprocess.run([path, "--list-langs"], capture_output=True, timeout=60, stdin=subprocess.DEVNULL)
    except (OSError, subprocess.SubprocessError):
        return set()
    return {line.strip() for line in out.stdout.decode("utf-8", "replace").splitlines()[1:]}


def _libmagic() -> dict[str, Any]:
    try:
        import magic

        version = str(magic.version()) if hasattr(magic, "version") else "?"
        ok = True
        note = None
    except (ImportError, OSError) as e:
        version, ok, note = None, False, f"libmagic not usable: {e}"
    return {"name": "libmagic", "kind": "library", "path": None, "version": version, "ok": ok,
            "used_for": "content identification", "note": note}


@lru_cache(maxsize=1)
def tool_versions() -> dict[str, Any]:
    """Versions of every tool and package, recorded with each run."""
    return {r["name"]: r["version"] for r in check()}
