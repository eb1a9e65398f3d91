"""Settings, declared once: name, default, help.

Precedence: command-line flag > `FAISCEAU_<NAME>` environment variable > the project's
`faisceau.toml` > the default here. Read once, then passed explicitly (never read from
the environment deep inside a stage).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

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


def _declare(default: Any, help: str, parse: Callable[[str], Any] = str) -> Any:
    """One setting, declared once: its default, its help, how its text (env, faisceau.toml) is read."""
    return field(default=default, metadata={"help": help, "parse": parse})


@dataclass(frozen=True)
class Settings:
    """Resolved settings, one typed attribute per declared setting (a misspelt name fails mypy),
    with where each value came from in `sources`."""

    workers: int = _declare(0, "worker processes for item stages (0 = one per core)", int)
    cluster: str = _declare("", "Dask scheduler address (tcp://host:8786) that runs the item stages; empty: the"
            " local worker pool (docs/cluster.md)", str)
    max_file_size: int = _declare(50 * GB, "largest single file or member processed, in bytes", _size)
    max_depth: int = _declare(32, "deepest nesting of containers followed", int)
    max_expansion: int = _declare(20 * GB, "most bytes unpacked from one container", _size)
    max_ratio: int = _declare(200, "largest expansion ratio (unpacked:packed) of a container member", int)
    ratio_min_size: int = _declare(16 * MB, "members smaller than this are never refused for their ratio", _size)
    max_members: int = _declare(1_000_000, "most members read from one container", int)
    max_pixels: int = _declare(178_956_970, "largest image, in pixels (pixel-bomb guard)", int)
    time_limit: int = _declare(120, "seconds one unit of work (a file, a member) may take", int)
    memory_limit: int = _declare(1536 * MB, "address space one worker may use, in bytes", _size)
    max_text: int = _declare(50 * MB, "text kept and indexed per document, in bytes (rest marked truncated)", _size)
    ocr_min_text: int = _declare(20, "characters per page below which a page is marked needs_ocr", int)
    ocr: str = _declare("auto", "OCR of scans and images: off, auto (pages without a usable text layer) or force"
            " (every page of PDFs and images)", _ocr_mode)
    ocr_lang: str = _declare("fra+eng", "Tesseract languages when a document's language is unknown", str)
    ocr_dpi: int = _declare(300, "resolution PDF pages are rendered at for OCR", int)
    ocr_max_pixels: int = _declare(90_000_000, "largest page image given to OCR, in pixels (larger pages are rendered"
            " at a lower resolution)", int)
    ocr_min_side: int = _declare(48, "images (and image pages) narrower or shorter than this many pixels are not read"
            " (logos, spacers, tracking pixels)", int)
    ocr_ink_text: int = _declare(200, "a PDF page covered by images reads at least this many characters per full page"
            " of image, or it is read by OCR", int)
    ocr_time_limit: int = _declare(60, "seconds OCR may take on one page", int)
    ocr_processes: int = _declare(0, "Tesseract processes at once, machine-wide for one ingest (0 = one per worker)", int)
    ocr_osd_confidence: float = _declare(70.0, "mean word confidence below which a page's orientation is checked (OSD)",
            float)
    index: bool = _declare(True, "build the full-text index as the last ingest stage (false: the next ingest or"
            " `faisceau reindex` does it)", _bool)
    skip_stages: str = _declare("", "stages not to run, comma-separated (e.g. neardup,entities); they run on a later"
            " ingest without it (extract, language and index cannot be skipped)", str)
    analysis_max_chars: int = _declare(1_000_000, "characters of a document read by the analysis stages (entities,"
            " identifiers, dates); the rest is noted in the stage's reason", int)
    neardup_threshold: float = _declare(0.8, "near-duplicate texts: least estimated Jaccard similarity (word 3-grams)"
            " of a pair kept", float)
    thread_window_days: float = _declare(30.0, "e-mail without threading headers: most days between a reply and an"
            " earlier message of the same subject", float)
    timezone: str = _declare("UTC", "time zone for timeline buckets and date ranges", str)
    soffice: str = _declare("soffice", "LibreOffice executable", str)
    tesseract: str = _declare("tesseract", "Tesseract executable", str)
    sevenzip: str = _declare("7zz", "7-Zip executable (7zz or 7z)", str)
    unar: str = _declare("unar", "unar executable (RAR and odd archives)", str)
    lsar: str = _declare("lsar", "lsar executable (lists archives for unar)", str)
    readpst: str = _declare("readpst", "readpst executable (PST fallback)", str)
    qpdf: str = _declare("qpdf", "qpdf executable (PDF repair)", str)
    mutool: str = _declare("mutool", "mutool executable (PDF repair)", str)
    ffprobe: str = _declare("ffprobe", "ffprobe executable (duration, codecs and tags of audio and video)", str)
    mdb_tables: str = _declare("mdb-tables", "mdb-tables executable (mdbtools: lists an Access database's tables)", str)
    mdb_export: str = _declare("mdb-export", "mdb-export executable (mdbtools: an Access table's rows)", str)
    chromium: str = _declare("/usr/bin/chromium", "Chromium executable (browser tests, PDF rendering of reports)", str)
    passwords: str = _declare("", "file with one password per line, tried on encrypted items", str)
    redaction_grounds: str = _declare("source=protection of a source;third-party=third party — GDPR art. 15(4);"
            "trade-secret=trade secret;not-relevant=not relevant", "grounds a redaction may be accepted on, as"
            " code=description pairs separated by semicolons (the code is what `redact accept --ground` takes and"
            " what `redact apply --label` prints in the box)", str)
    language_sample: int = _declare(20_000, "characters of text sampled for language detection", int)
    sources: Mapping[str, str] = field(default_factory=dict, compare=False, repr=False)

    def as_dict(self) -> dict[str, Any]:
        """Name to value of every setting (what a run records, what a worker is given)."""
        return {s.name: getattr(self, s.name) for s in SETTINGS}

    @classmethod
    def from_dict(cls, values: Mapping[str, Any]) -> Settings:
        """Settings from `as_dict()`'s mapping (in a worker): an unknown name is refused, with the list."""
        unknown = set(values) - set(BY_NAME)
        if unknown:
            raise UsageError(f"unknown setting(s): {', '.join(sorted(unknown))}; settings are: {', '.join(BY_NAME)}")
        return cls(**values)


SETTINGS: tuple[Setting, ...] = tuple(
    Setting(f.name, f.default, f.metadata["help"], f.metadata["parse"]) for f in fields(Settings) if "help" in f.metadata)

BY_NAME: dict[str, Setting] = {s.name: s for s in SETTINGS}

# FAISCEAU_* variables that are not settings: anything else with the prefix is a misspelt setting
OTHER_VARIABLES = frozenset({"FAISCEAU_PROJECT", "FAISCEAU_DEBUG", "FAISCEAU_FAULT", "FAISCEAU_CORPORA"})


def load(
    project: Path | None = None,
    overrides: Mapping[str, Any] | None = None,
    environ: Mapping[str, str] | None = None,
) -> Settings:
    """Resolve every setting: flag > env > project faisceau.toml > default."""
    env = os.environ if environ is None else environ
    misspelt = sorted(k for k in env if k.startswith("FAISCEAU_") and k not in OTHER_VARIABLES
                      and k[len("FAISCEAU_"):].lower() not in BY_NAME)
    if misspelt:
        raise UsageError(f"unknown setting(s) in the environment: {', '.join(misspelt)}; settings are: "
                         + ", ".join(s.env for s in SETTINGS))
    file_values: dict[str, Any] = {}
    if project is not None and (project / "faisceau.toml").is_file():
        import tomllib  # only for a project that has a settings file

        try:
            file_values = tomllib.loads((project / "faisceau.toml").read_text("utf-8"))
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as e:
            raise UsageError(f"{project / 'faisceau.toml'}: {e}") from None
        unknown = set(file_values) - set(BY_NAME)
        if unknown:
            raise UsageError(f"faisceau.toml: unknown setting(s): {', '.join(sorted(unknown))}; settings are: "
                             + ", ".join(BY_NAME))
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
    return Settings(**values, sources=sources)


def _parse(s: Setting, raw: str, where: str) -> Any:
    try:
        return s.parse(raw)
    except ValueError as e:
        raise UsageError(f"{where}: bad value for {s.name}: {e}") from None
