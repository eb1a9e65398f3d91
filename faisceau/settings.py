"""Settings, declared once: name, default, help.

Precedence: command-line flag > `FAISCEAU_<NAME>` environment variable > the project's
`faisceau.toml` > the default here. Read once, then passed explicitly (never read from
the environment deep inside a stage).
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Mapping

from .exc import UsageError


@dataclass(frozen=True)
class Setting:
    """One declared setting."""

    name: str
    default: Any
    help: str
    parse: Callable[[str], Any] = str

    @property
    def env(self) -> str:
        return "FAISCEAU_" + self.name.upper()


def _size(value: str) -> int:
    """Parse '200', '64k', '500MB', '2 GB' into bytes."""
    v = value.strip().lower().replace(" ", "").removesuffix("b")
    mult = 1
    for suffix, m in (("k", 1 << 10), ("m", 1 << 20), ("g", 1 << 30), ("t", 1 << 40)):
        if v.endswith(suffix):
            v, mult = v[: -len(suffix)], m
            break
    return int(float(v) * mult)


def _bool(value: str) -> bool:
    v = value.strip().lower()
    if v in ("1", "true", "yes", "on"):
        return True
    if v in ("0", "false", "no", "off"):
        return False
    raise ValueError(f"expected true or false, got {value!r}")


def _ocr_mode(value: str) -> str:
    v = value.strip().lower()
    if v not in ("off", "auto", "force"):
        raise ValueError(f"expected off, auto or force, got {value!r}")
    return v


MB = 1 << 20
GB = 1 << 30

SETTINGS: tuple[Setting, ...] = (
    Setting("workers", 0, "worker processes for item stages (0 = one per core)", int),
    Setting("max_file_size", 50 * GB, "largest single file or member processed, in bytes", _size),
    Setting("max_depth", 32, "deepest nesting of containers followed", int),
    Setting("max_expansion", 20 * GB, "most bytes unpacked from one container", _size),
    Setting("max_ratio", 200, "largest expansion ratio (unpacked:packed) of a container member", int),
    Setting("ratio_min_size", 16 * MB, "members smaller than this are never refused for their ratio", _size),
    Setting("max_members", 1_000_000, "most members read from one container", int),
    Setting("max_pixels", 178_956_970, "largest image, in pixels (pixel-bomb guard)", int),
    Setting("time_limit", 120, "seconds one unit of work (a file, a member) may take", int),
    Setting("memory_limit", 1536 * MB, "address space one worker may use, in bytes", _size),
    Setting("max_text", 50 * MB, "text kept and indexed per document, in bytes (rest marked truncated)", _size),
    Setting("ocr_min_text", 20, "characters per page below which a page is marked needs_ocr", int),
    Setting("ocr", "auto", "OCR of scans and images: off, auto (pages without a usable text layer) or force"
            " (every page of PDFs and images)", _ocr_mode),
    Setting("ocr_lang", "fra+eng", "Tesseract languages when a document's language is unknown", str),
    Setting("ocr_dpi", 300, "resolution PDF pages are rendered at for OCR", int),
    Setting("ocr_max_pixels", 90_000_000, "largest page image given to OCR, in pixels (larger pages are rendered"
            " at a lower resolution)", int),
    Setting("ocr_min_side", 48, "images (and image pages) narrower or shorter than this many pixels are not read"
            " (logos, spacers, tracking pixels)", int),
    Setting("ocr_ink_text", 200, "a PDF page covered by images reads at least this many characters per full page"
            " of image, or it is read by OCR", int),
    Setting("ocr_time_limit", 60, "seconds OCR may take on one page", int),
    Setting("ocr_processes", 0, "Tesseract processes at once, machine-wide for one ingest (0 = one per worker)", int),
    Setting("ocr_osd_confidence", 70.0, "mean word confidence below which a page's orientation is checked (OSD)",
            float),
    Setting("index", True, "build the full-text index as the last ingest stage (false: the next ingest or"
            " `faisceau reindex` does it)", _bool),
    Setting("skip_stages", "", "stages not to run, comma-separated (e.g. neardup,entities); they run on a later"
            " ingest without it (extract, language and index cannot be skipped)", str),
    Setting("analysis_max_chars", 1_000_000, "characters of a document read by the analysis stages (entities,"
            " identifiers, dates); the rest is noted in the stage's reason", int),
    Setting("neardup_threshold", 0.8, "near-duplicate texts: least estimated Jaccard similarity (word 3-grams)"
            " of a pair kept", float),
    Setting("thread_window_days", 30.0, "e-mail without threading headers: most days between a reply and an"
            " earlier message of the same subject", float),
    Setting("timezone", "UTC", "time zone for timeline buckets and date ranges", str),
    Setting("soffice", "soffice", "LibreOffice executable", str),
    Setting("tesseract", "tesseract", "Tesseract executable", str),
    Setting("sevenzip", "7zz", "7-Zip executable (7zz or 7z)", str),
    Setting("unar", "unar", "unar executable (RAR and odd archives)", str),
    Setting("lsar", "lsar", "lsar executable (lists archives for unar)", str),
    Setting("readpst", "readpst", "readpst executable (PST fallback)", str),
    Setting("qpdf", "qpdf", "qpdf executable (PDF repair)", str),
    Setting("mutool", "mutool", "mutool executable (PDF repair)", str),
    Setting("ffprobe", "ffprobe", "ffprobe executable (duration, codecs and tags of audio and video)", str),
    Setting("chromium", "/usr/bin/chromium", "Chromium executable (browser tests, PDF rendering of reports)", str),
    Setting("passwords", "", "file with one password per line, tried on encrypted items", str),
    Setting("language_sample", 20_000, "characters of text sampled for language detection", int),
)

BY_NAME: dict[str, Setting] = {s.name: s for s in SETTINGS}


@dataclass(frozen=True)
class Settings:
    """Resolved settings: a mapping of name to value, with where each came from."""

    values: Mapping[str, Any]
    sources: Mapping[str, str] = field(default_factory=dict)

    def __getattr__(self, name: str) -> Any:
        try:
            return self.values[name]
        except KeyError:
            raise AttributeError(name) from None

    def as_dict(self) -> dict[str, Any]:
        return dict(self.values)


def load(
    project: Path | None = None,
    overrides: Mapping[str, Any] | None = None,
    environ: Mapping[str, str] | None = None,
) -> Settings:
    """Resolve every setting: flag > env > project faisceau.toml > default."""
    env = os.environ if environ is None else environ
    file_values: dict[str, Any] = {}
    if project is not None and (project / "faisceau.toml").is_file():
        try:
            file_values = tomllib.loads((project / "faisceau.toml").read_text("utf-8"))
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as e:
            raise UsageError(f"{project / 'faisceau.toml'}: {e}") from None
        unknown = set(file_values) - set(BY_NAME)
        if unknown:
            raise UsageError(f"faisceau.toml: unknown setting(s): {', '.join(sorted(unknown))}")
    values: dict[str, Any] = {}
    sources: dict[str, str] = {}
    for s in SETTINGS:
        value, source = s.default, "default"
        if s.name in file_values:
            raw = file_values[s.name]
            value = raw if not isinstance(raw, str) else _parse(s, raw, "faisceau.toml")
            source = "faisceau.toml"
        if s.env in env:
            value, source = _parse(s, env[s.env], s.env), "env"
        if overrides and overrides.get(s.name) is not None:
            value, source = overrides[s.name], "flag"
        values[s.name] = value
        sources[s.name] = source
    return Settings(values, sources)


def _parse(s: Setting, raw: str, where: str) -> Any:
    try:
        return s.parse(raw)
    except ValueError as e:
        raise UsageError(f"{where}: bad value for {s.name}: {e}") from None
