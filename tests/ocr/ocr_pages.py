"""Page images and image-only PDFs the OCR tests draw themselves from known text."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import unicodedata
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSerif.ttf"

FRENCH = (
    "Le ministère de l'Économie a reçu mardi une note confidentielle détaillant les versements effectués "
    "depuis Genève vers une société écran enregistrée à Chypre. Selon le rapport, le trésorier aurait "
    "signé trois ordres de virement pour un montant total de quatre millions d'euros. Les enquêteurs "
    "ont également découvert que la comptabilité présentait des écarts importants entre les factures "
    "déclarées et les paiements réellement exécutés. Le directeur général, interrogé à ce sujet, a refusé "
    "de répondre aux questions des journalistes et a annulé la conférence prévue à Marseille."
)
ENGLISH = (
    "The board received a confidential memorandum describing payments routed through a shell company "
    "registered in Cyprus. According to the auditors, the treasurer approved three wire transfers worth "
    "four million dollars in total. Investigators also found significant discrepancies between declared "
    "invoices and the payments actually executed. The chief executive declined to answer questions from "
    "reporters and cancelled the scheduled press conference in Boston without further explanation."
)

_WORD = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)*")


def words(text: str) -> list[str]:
    """Lower-cased NFC words (letters only; elisions split) for recall."""
    text = unicodedata.normalize("NFC", text).replace("’", "'").lower()
    out = []
    for w in _WORD.findall(text):
        out += [p for p in w.split("'") if len(p) > 1]
    return out


def recall(expected: str | list[str], got: str) -> float:
    """Share of the expected words (with repeats) found among the words read."""
    want = words(expected if isinstance(expected, str) else " ".join(expected))
    have: dict[str, int] = {}
    for w in words(got):
        have[w] = have.get(w, 0) + 1
    hit = 0
    for w in want:
        if have.get(w, 0) > 0:
            have[w] -= 1
            hit += 1
    return hit / max(1, len(want))


def page_image(text: str, dpi: int = 300, points: float = 12.0) -> Image.Image:
    """An A4 page at `dpi` with `text` wrapped in a 12-point serif font, black on white."""
    scale = dpi / 72
    width, height = round(595 * scale), round(842 * scale)
    img = Image.new("L", (width, height), 255)
    draw = ImageDraw.Draw(img)
    font = ImageFont.truetype(FONT, round(points * scale))
    margin = round(72 * scale)
    line_height = round(points * 1.5 * scale)
    y = margin
    line = ""
    for word in text.split():
        trial = f"{line} {word}".strip()
        if draw.textlength(trial, font=font) > width - 2 * margin and line:
            draw.text((margin, y), line, font=font, fill=0)
            y += line_height
            line = word
        else:
            line = trial
    if line:
        draw.text((margin, y), line, font=font, fill=0)
    return img


def save(img: Image.Image, path: Path, dpi: int = 300, **kw: object) -> Path:
    img.save(path, dpi=(dpi, dpi), **kw)
    return path


def image_pdf(images: list[Image.Image], path: Path, dpi: int = 300) -> Path:
    """A PDF of page images only (no text layer), as a scanner writes it."""
    first, *rest = [im if im.mode in ("1", "L") else im.convert("RGB") for im in images]
    first.save(path, "PDF", resolution=float(dpi), save_all=True, append_images=rest)
    return path


def faisceau(*args: object, timeout: float = 1800, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """Run the real `faisceau` command; fail the test with its output when it fails."""
    proc = subprocess.run([sys.executable, "-m", "faisceau", *map(str, args)], capture_output=True, text=True,
                          timeout=timeout, env={**os.environ, **(env or {})})
    assert proc.returncode == 0, f"faisceau {args} exited {proc.returncode}:\n{proc.stdout[-2000:]}\n{proc.stderr[-2000:]}"
    return proc


def jsonl(text: str) -> list[dict[str, object]]:
    return [json.loads(line) for line in text.splitlines() if line.strip()]
