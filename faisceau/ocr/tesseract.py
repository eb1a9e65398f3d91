"""One Tesseract process per page image: text, mean word confidence, orientation.

The page image goes in as an uncompressed PNM file in the worker's scratch folder (no time spent
compressing) and the TSV comes back on stdout. `OMP_THREAD_LIMIT=1` because pages are read in parallel
by separate processes, which is measured 2.5–6× faster here than Tesseract's own threads.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from ..exc import ExtractionError, LimitExceeded, ToolMissing

PSM_AUTO = "3"      # fully automatic page segmentation, without OSD
PSM_OSD_ONLY = "0"  # orientation and script detection only
PSM_SPARSE = "11"   # as much text as possible, in no particular order (maps, forms, posters)
SURE = 80.0  # word confidence from which a word counts as surely read
_ENV = {**os.environ, "OMP_THREAD_LIMIT": "1"}
_ROTATE = re.compile(r"Rotate:\s*(\d+)")
_ORIENT_CONF = re.compile(r"Orientation confidence:\s*([\d.]+)")
# ISO 639-1 codes from the language stage → Tesseract's traineddata names
LANGS = {"fr": "fra", "en": "eng", "de": "deu", "es": "spa", "it": "ita", "nl": "nld", "pt": "por"}


@dataclass(frozen=True)
class Engine:
    """The Tesseract found on this machine: its path, version and installed languages."""

    path: str
    version: str
    langs: frozenset[str] = field(default_factory=frozenset)

    @property
    def name(self) -> str:
        return f"tesseract {self.version}"

    def lang_for(self, iso: str | None, default: str) -> str:
        """Tesseract languages for a detected language; the default when unknown or not installed."""
        code = LANGS.get(iso or "")
        if code and code in self.langs:
            return code
        wanted = [c for c in default.split("+") if c in self.langs]
        return "+".join(wanted) or default


@dataclass
class PageText:
    """What Tesseract read on one page image."""

    text: str
    confidence: float | None  # mean word confidence, 0–100; None when no word was read
    words: int
    sure: int = 0  # words read with confidence ≥ SURE that hold a letter or digit
    height: int = 0  # median height in pixels of the words' boxes (0: no word)


@lru_cache(maxsize=8)
def engine(setting: str) -> Engine:
    """The Tesseract named by the `tesseract` setting, or raise ToolMissing."""
    path = shutil.which(setting)
    if not path:
        raise ToolMissing("tesseract")
    try:
        out = subprocess.run([path, "--version"], capture_output=True, timeout=60, stdin=subprocess.DEVNULL)
        langs = subprocess.run([path, "--list-langs"], capture_output=True, timeout=60, stdin=subprocess.DEVNULL)
    except (OSError, subprocess.SubprocessError):
        raise ToolMissing("tesseract") from None
    m = re.search(r"tesseract\s+v?(\d+(?:\.\d+)+)", (out.stdout + out.stderr).decode("utf-8", "replace"))
    listed = langs.stdout.decode("utf-8", "replace").splitlines()[1:]
    return Engine(path, m.group(1) if m else "unknown", frozenset(x.strip() for x in listed if x.strip()))


def _run(eng: Engine, argv: list[str], image: bytes, timeout: float, folder: Path) -> bytes:
    # The image goes through a file: Tesseract reads stdin through iostreams, measured 25% slower
    # per page here than reading the same PNM from a file.
    fd, name = tempfile.mkstemp(dir=folder, suffix=".pnm")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(image)
        done = subprocess.run([eng.path, name, "stdout", *argv], capture_output=True, timeout=max(1.0, timeout),
                              env=_ENV, stdin=subprocess.DEVNULL)
    except subprocess.TimeoutExpired:
        raise LimitExceeded(f"time limit {int(timeout)} s exceeded in tesseract") from None
    except OSError as e:
        raise ExtractionError(f"tesseract cannot run: {e.strerror}") from None
    finally:
        os.unlink(name)
    if done.returncode != 0:
        detail = done.stderr.decode("utf-8", "replace").strip().splitlines()
        last = detail[-1][:200] if detail else f"exit {done.returncode}"
        raise ExtractionError(f"tesseract failed: {last}")
    return done.stdout


def read(eng: Engine, image: bytes, lang: str, timeout: float, folder: Path, dpi: int | None = None,
         psm: str = PSM_AUTO, sure: float | None = None) -> PageText:
    """OCR one PNM page image; text rebuilt from the TSV (lines, blank line between paragraphs).
    With `sure`, only the words read with at least that confidence and a letter or digit are kept."""
    argv = ["-l", lang, "--psm", psm]
    if dpi:
        argv += ["--dpi", str(dpi)]
    return parse_tsv(_run(eng, [*argv, "tsv"], image, timeout, folder).decode("utf-8", "replace"), sure)


def orientation(eng: Engine, image: bytes, timeout: float, folder: Path) -> tuple[int, float]:
    """(degrees to rotate clockwise to make the page upright, confidence) from Tesseract's OSD."""
    try:
        out = _run(eng, ["--psm", PSM_OSD_ONLY], image, timeout, folder).decode("utf-8", "replace")
    except ExtractionError:
        return 0, 0.0  # too little text to tell: the page is taken as it is
    rot, conf = _ROTATE.search(out), _ORIENT_CONF.search(out)
    return (int(rot.group(1)) if rot else 0), (float(conf.group(1)) if conf else 0.0)


def parse_tsv(tsv: str, sure: float | None = None) -> PageText:
    """Text and mean word confidence from Tesseract's TSV output (only sure words with `sure`)."""
    lines: list[str] = []
    words: list[str] = []
    confs: list[float] = []
    certain = 0
    heights: list[int] = []
    key: tuple[str, str, str] | None = None
    para: tuple[str, str] | None = None
    for row in tsv.splitlines()[1:]:
        cols = row.split("\t")
        if len(cols) < 12 or cols[0] != "5":
            continue
        word = cols[11].strip()
        if not word:
            continue
        conf = _confidence(cols[10])
        is_sure = conf >= (SURE if sure is None else sure) and any(ch.isalnum() for ch in word)
        if sure is not None and not is_sure:
            continue
        certain += is_sure
        if cols[9].isdigit():
            heights.append(int(cols[9]))
        here = (cols[2], cols[3], cols[4])
        if here != key:
            if words:
                lines.append(" ".join(words))
            if para is not None and here[:2] != para:
                lines.append("")
            words, key, para = [], here, here[:2]
        words.append(word)
        if conf >= 0:  # -1: Tesseract's "no confidence" (or an unreadable column)
            confs.append(conf)
    if words:
        lines.append(" ".join(words))
    n = sum(len(line.split()) for line in lines)
    height = sorted(heights)[len(heights) // 2] if heights else 0
    return PageText("\n".join(lines), round(sum(confs) / len(confs), 2) if confs else None, n, certain, height)


def _confidence(col: str) -> float:
    try:
        return float(col)
    except ValueError:
        return -1.0


def pdf_page(eng: Engine, image: Path, out_base: Path, lang: str, timeout: float, dpi: int) -> Path:
    """Tesseract's searchable PDF of one page image file (image with invisible text layer)."""
    try:
        done = subprocess.run([eng.path, str(image), str(out_base), "-l", lang, "--psm", PSM_AUTO,
                               "--dpi", str(dpi), "pdf"], capture_output=True, timeout=max(1.0, timeout),
                              env=_ENV, stdin=subprocess.DEVNULL)
    except subprocess.TimeoutExpired:
        raise LimitExceeded(f"time limit {int(timeout)} s exceeded in tesseract") from None
    out = out_base.with_suffix(".pdf")
    if done.returncode != 0 or not out.is_file():
        detail = done.stderr.decode("utf-8", "replace").strip().splitlines()
        raise ExtractionError(f"tesseract failed: {detail[-1][:200] if detail else done.returncode}")
    return out
