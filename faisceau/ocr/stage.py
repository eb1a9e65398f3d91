"""The `ocr` item stage: read the pages that need it, put their text in the content.

It runs in the worker right after `extract`, on the freshly extracted content (or, when the
stage's version changed, on the stored content and the original bytes). Pages are rendered
one after the other (pdfium is not thread-safe) and read in parallel by Tesseract processes
on threads, never more processes machine-wide than the slots (one per worker). Each page has
its own time limit; after each page the worker tells the pool it is alive, so a 500-page
scan is not killed by the per-item limit. A page that fails records why on itself
(`attrs.ocr_error`); the stage fails only when every page failed, and the document keeps
its extracted text either way.
"""

from __future__ import annotations

import functools
import json
import os
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from pathlib import Path
from typing import Any

from ..exc import ExtractionError, FaisceauError, Skipped, ToolMissing
from . import cache as cache_mod
from . import detect, render, tesseract
from .content import replace_pages
from .read import read_page
from .scanned import ScannedPages

HEARTBEAT = 5.0  # seconds between "still alive" signals to the pool while pages are read
MIN_LANG_TEXT = 200  # characters of text needed to pick the document's language from it


def project_root(blobs_root: Path) -> Path:
    """The project folder: the blob store is its `blobs/` folder."""
    return blobs_root.parent


def processes(settings: Any) -> int:
    """Tesseract processes at once: the setting, else one per worker."""
    return int(settings.ocr_processes or settings.workers or os.cpu_count() or 1)


def run(task: Any, state: dict[str, Any], ctx: Any, blobs: Any) -> tuple[str, str | None]:
    """The stage target (`faisceau.pipeline.worker` calls it): status and reason."""
    settings = ctx.settings
    if settings.ocr == "off":
        return "skipped", "ocr off"
    if state.get("extracted", "ok") != "ok":
        return "skipped", "not extracted"  # the item's own status says why; OCR adds no second failure
    content = state.get("content")
    if content is None and task.extra.get("content_file"):
        content = json.loads(Path(task.extra["content_file"]).read_text("utf-8", "surrogatepass"))
        state["content"] = content
    if not content or content.get("kind") not in ("pdf", "image") or not content.get("pages"):
        return "skipped", "nothing to read"
    todo, left = detect.select(content, settings.ocr, int(settings.ocr_min_text), int(settings.ocr_min_side))
    for i, why in left.items():
        content["pages"][i].setdefault("attrs", {})["ocr_skipped"] = why
    file = Path(task.file) if task.file else None
    if file is None or not file.is_file():
        return ("failed", "original not found") if todo else ("skipped", "no page needs OCR")
    reader = _Reader(content, settings, ctx, project_root(Path(blobs.root)), state.get("emit"))
    try:
        return reader.run(file, todo, state.get("language") or content.get("language"))
    except (ExtractionError, Skipped) as e:  # the file cannot be opened again (it was repaired, say)
        return e.status, e.reason
    finally:
        state["text"] = content.get("text") or ""


class _Reader:
    """One document's OCR: choose pages, render them, read them in parallel, rebuild the text."""

    def __init__(self, content: dict[str, Any], settings: Any, ctx: Any, root: Path,
                 emit: Callable[[list[dict[str, Any]]], None] | None) -> None:
        self.content, self.settings, self.ctx, self.emit = content, settings, ctx, emit
        self.pages: list[dict[str, Any]] = content["pages"]
        self.cache = cache_mod.OcrCache(root / "cache" / "ocr")
        self.slots_folder = root / "tmp" / "ocr-slots"
        self.n = processes(settings)
        self.results: dict[int, dict[str, Any]] = {}
        self.errors: dict[int, str] = {}

    def run(self, file: Path, todo: list[int], language: str | None) -> tuple[str, str | None]:
        kind = self.content["kind"]
        if kind == "pdf":
            with render.open_pdf(file, self.ctx.passwords) as pdf:
                todo = sorted(set(todo) | set(self._short_for_ink(pdf, todo)))
                if not todo:
                    return "skipped", "no page needs OCR"
                scans = ScannedPages(file, self.ctx.passwords)
                try:
                    return self._read_all(todo, language, lambda numbers: render.pdf_pages(
                        pdf, numbers, int(self.settings.ocr_dpi), int(self.settings.ocr_max_pixels), scans))
                finally:
                    scans.close()
        if not todo:
            return "skipped", "no page needs OCR"
        return self._read_all(todo, language, lambda numbers: render.image_frames(
            file, numbers, int(self.settings.max_pixels), int(self.settings.ocr_max_pixels)))

    def _short_for_ink(self, pdf: Any, chosen: list[int]) -> list[int]:
        """Pages with a text layer too short for the images that cover them."""
        import pypdfium2 as pdfium

        if self.settings.ocr == "force":
            return []
        text = self.content.get("text") or ""
        found = []
        for i in detect.ink_candidates(self.content, chosen, int(self.settings.ocr_ink_text)):
            p = self.pages[i]
            try:
                page = pdf[int(p["number"]) - 1]
            except (pdfium.PdfiumError, IndexError):
                continue  # a page pdfium cannot load again is not looked at for its images
            try:
                cover = detect.image_coverage(page)
            finally:
                page.close()
            if detect.short_for_ink(text[p["start"]:p["end"]], cover, int(self.settings.ocr_ink_text)):
                p.setdefault("attrs", {})["text_layer"] = "short for its images"
                found.append(i)
        return found

    def _read_all(self, todo: list[int], language: str | None,
                  images: Callable[[list[int]], Any]) -> tuple[str, str | None]:
        try:
            eng = tesseract.engine(self.settings.tesseract)
        except ToolMissing as e:
            for i in todo:
                self.pages[i].setdefault("attrs", {})["ocr_skipped"] = e.reason
            return "skipped", e.reason
        from .slots import Slots

        slots = Slots(self.slots_folder, self.n)
        lang = eng.lang_for(language or self._known_language(todo), self.settings.ocr_lang)
        guessed = language is None and "+" in lang  # unknown: the first pages' text decides
        by_number = {int(self.pages[i]["number"]): i for i in todo}
        inflight: dict[Future[dict[str, Any]], int] = {}
        with ThreadPoolExecutor(max_workers=self.n, thread_name_prefix="ocr") as pool:
            for number, item in images(sorted(by_number)):
                i = by_number[number]
                if isinstance(item, Exception):
                    self.errors[i] = str(item)
                    continue
                key = cache_mod.key(item.data, lang, eng.version)
                hit = self.cache.get(key)
                if hit is not None:
                    self.results[i] = {**hit, "cached": True}
                    continue
                while len(inflight) >= self.n:
                    self._collect(inflight)
                if guessed and (found := self._decided()):
                    lang, guessed = eng.lang_for(found, self.settings.ocr_lang), False
                fut = pool.submit(read_page, eng, slots, item, lang, self.settings, self.ctx.scratch)
                fut.add_done_callback(functools.partial(self._store, key))
                inflight[fut] = i
            while inflight:
                self._collect(inflight)
        return self._finish(todo, eng)

    def _collect(self, inflight: dict[Future[dict[str, Any]], int]) -> None:
        done, _ = wait(list(inflight), timeout=HEARTBEAT, return_when=FIRST_COMPLETED)
        for fut in done:
            i = inflight.pop(fut)
            try:
                self.results[i] = fut.result()
            except FaisceauError as e:
                self.errors[i] = str(e)
        self._beat()

    def _store(self, key: str, fut: Future[dict[str, Any]]) -> None:
        if not fut.cancelled() and fut.exception() is None:
            self.cache.put(key, fut.result())

    def _beat(self) -> None:
        """Tell the pool the worker is alive: its time limit then applies per page, not per file."""
        if self.emit is not None:
            self.emit([])

    def _known_language(self, todo: list[int]) -> str | None:
        """The language of the pages not read by OCR, or the one the PDF declares."""
        from ..extract.language import classify

        text = self.content.get("text") or ""
        skip = set(todo)
        rest = "\n".join(text[p["start"]:p["end"]] for i, p in enumerate(self.pages) if i not in skip)
        if len(rest) >= MIN_LANG_TEXT and detect.garbage_ratio(rest) <= detect.GARBAGE_RATIO:
            lang, _ = classify(rest)
            if lang:
                return lang
        declared = str((self.content.get("metadata") or {}).get("language_declared") or "")
        return declared[:2].lower() or None

    def _decided(self) -> str | None:
        """The language of what OCR has read so far, once there is enough of it."""
        from ..extract.language import classify

        text = "\n".join(r["text"] for r in self.results.values())
        if len(text) < MIN_LANG_TEXT:
            return None
        return classify(text)[0]

    def _finish(self, todo: list[int], eng: tesseract.Engine) -> tuple[str, str | None]:
        """Put the text read in place, record per page what read it, and say how it went."""
        text = self.content.get("text") or ""
        new: dict[int, str] = {}
        for i in todo:
            p = self.pages[i]
            attrs = p.setdefault("attrs", {})
            r = self.results.get(i)
            if r is None:
                attrs["ocr_error"] = self.errors.get(i) or "page not rendered"
                continue
            old = text[p["start"]:p["end"]]
            if (attrs.get("text_layer") == "short for its images" and self.settings.ocr != "force"
                    and len("".join(r["text"].split())) <= len("".join(old.split()))):
                attrs["ocr_kept_text_layer"] = True  # OCR read less than the text layer has
                continue
            new[i] = r["text"]
            p["ocr"] = {"engine": "tesseract", "version": eng.version, "lang": r["lang"],
                        "confidence": r["confidence"], "words": r["words"], "dpi": r["dpi"]}
            if r.get("rotated"):
                p["ocr"]["rotated"] = r["rotated"]
            for key in ("layout", "scale"):
                if r.get(key):
                    p["ocr"][key] = r[key]
            if r.get("cached"):
                p["ocr"]["cached"] = True
        if new:
            replace_pages(self.content, new)
            flags = self.content.setdefault("flags", [])
            if "ocr" not in flags:
                flags.append("ocr")
            if not self.errors and "needs_ocr" in flags:
                flags.remove("needs_ocr")
            self._cap_text()
        failed = [i for i in todo if "ocr_error" in self.pages[i].get("attrs", {})]
        if failed and len(failed) == len(todo):
            return "failed", self.pages[failed[0]]["attrs"]["ocr_error"]
        if failed:
            return "ok", f"{len(failed)} of {len(todo)} pages failed"
        return "ok", None

    def _cap_text(self) -> None:
        limit = int(self.settings.max_text)
        text = self.content.get("text") or ""
        if len(text) > limit:
            self.content["text"] = text[:limit]
            for p in self.pages:
                p["start"], p["end"] = min(p["start"], limit), min(p["end"], limit)
            flags = self.content.setdefault("flags", [])
            label = f"truncated at {limit // (1 << 20)} MB" if limit % (1 << 20) == 0 else f"truncated at {limit} bytes"
            if label not in flags:
                flags.append(label)
