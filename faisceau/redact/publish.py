"""`redact apply` on a project: each selected document's accepted redactions burned in, verified, logged.

Every output is first written to `OUT/.partial/`; it is moved beside the log only once `verify` has
passed on it, so a document that fails is named and nothing of it is written as final. The strings
checked are the accepted ones whose every occurrence in the document was accepted (a string the
reviewer chose to leave visible somewhere is still on the page by design); boxes drawn by hand have
no string and are proved by x-ray and the structure checks.

The log (CSV and JSON) lists document, page, box, kind, ground, reviewer and decision time — what a
data-protection officer attaches to an answer to an access request. It never lists the redacted
strings: the log goes out with the documents.
"""

from __future__ import annotations

import csv
import json
import re
import shutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..export.select import Selection, selected
from ..index import Index
from ..settings import Settings
from ..store.db import Store
from ..store.project import Project
from ..store.redactions import RedactionRow, hidden_strings, redactions
from ..store.values import now
from .apply import Box, burn
from .fold import scrub
from .propose import rendered
from .verify import Report, verify

_SAFE = re.compile(r"[^0-9A-Za-z._-]+")
LOG_FIELDS = ("document", "path", "output", "page", "x0", "y0", "x1", "y1", "kind", "ground", "reviewer", "decided")


@dataclass
class Outcome:
    """One document of an apply: its output (relative to OUT) or why there is none."""

    document: str
    path: str
    status: str  # ok | failed: <reason> | skipped: <reason>
    output: str = ""
    pages: int = 0
    boxes: int = 0
    report: Report | None = None
    log: list[dict[str, Any]] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {"document": self.document, "path": self.path, "status": self.status, "output": self.output,
                "pages": self.pages, "boxes": self.boxes,
                "problems": self.report.problems if self.report is not None else []}


def parse_grounds(setting: str) -> dict[str, str]:
    """code → description from the `redaction_grounds` setting."""
    out = {}
    for part in setting.split(";"):
        code, _, text = part.partition("=")
        if code.strip():
            out[code.strip()] = text.strip() or code.strip()
    return out


def verified_strings(rows: list[RedactionRow]) -> list[str]:
    """The strings whose every occurrence in the document is accepted."""
    keys: dict[str, list[RedactionRow]] = {}
    for r in rows:
        if r["kind"] != "box":
            keys.setdefault(r["key"], []).append(r)
    return [group[0]["text"] for group in keys.values() if all(r["status"] == "accepted" for r in group)]


def apply_selection(project: Project, store: Store, sel: Selection, open_index: Callable[[], Index], out: Path,
                    cfg: Settings, *, rasterise: bool = True, dpi: int = 200, label: bool = False,
                    show_reviewer: bool = False, ocr_check: bool = True) -> Iterator[Outcome]:
    """Burn, verify and move each selected document's redacted PDF; yields each outcome as it is known."""
    partial = out / ".partial"
    partial.mkdir(parents=True, exist_ok=True)
    docs = [(doc_id, store.document(doc_id)) for doc_id, _hit in selected(store, sel, open_index)]
    # the names and the log go out together: a string hidden in one document of the batch is cut from every
    # document's name, so a file named after the person does not reveal whom its neighbour hides
    hidden = hidden_strings(store, [d["sha256"] for _, d in docs if d is not None and d["sha256"]])
    for doc_id, doc in docs:
        if doc is None or not doc["sha256"]:
            yield Outcome(doc_id, scrub(doc["path"], hidden) if doc else "", "skipped: no content")
            continue
        yield redact_document(project, store, doc, out, partial, cfg, rasterise=rasterise, dpi=dpi, label=label,
                              show_reviewer=show_reviewer, ocr_check=ocr_check, hidden=hidden)
    if not any(partial.iterdir()):
        partial.rmdir()


def redact_document(project: Project, store: Store, doc: dict[str, Any], out: Path, partial: Path, cfg: Settings, *,
                    rasterise: bool = True, dpi: int = 200, label: bool = False, show_reviewer: bool = False,
                    ocr_check: bool = True, hidden: list[str] | None = None) -> Outcome:
    """One document's accepted redactions burned into `partial/`, verified, then moved into `out/`; its name
    and path cut of `hidden` (by default, of what this document's accepted redactions hide)."""
    from ..exc import ExtractionError, Skipped

    hidden = hidden_strings(store, [doc["sha256"]]) if hidden is None else hidden
    outcome = Outcome(doc["id"], scrub(doc["path"], hidden), "ok")
    try:
        return _burn_and_prove(project, store, doc, out, partial, cfg, outcome, hidden, rasterise=rasterise, dpi=dpi,
                               label=label, show_reviewer=show_reviewer, ocr_check=ocr_check)
    except (ExtractionError, Skipped) as e:
        outcome.status = f"{getattr(e, 'status', 'failed')}: {e}"
        return outcome


def _burn_and_prove(project: Project, store: Store, doc: dict[str, Any], out: Path, partial: Path, cfg: Settings,
                    outcome: Outcome, hidden: list[str], *, rasterise: bool, dpi: int, label: bool, show_reviewer: bool,
                    ocr_check: bool) -> Outcome:
    pdf = rendered(project, store, doc, cfg)
    rows = redactions(store, sha256s=[doc["sha256"]])
    accepted = [r for r in rows if r["status"] == "accepted"]
    boxes = [Box(r["page"], (b[0], b[1], b[2], b[3]), (r["ground"] or "") if label else "")
             for r in accepted for b in r["boxes"]]
    # the output's name and the log's paths go out with the files: a document named after the person it
    # hides ("Zoe_Martin_CV") must not name them there
    name = _SAFE.sub("_", scrub(Path(doc["name"]).stem, hidden))[:80] or "document"
    final_name = f"{doc['id']}-{name}.pdf"
    tmp = partial / final_name
    try:
        burned = burn(pdf, boxes, tmp, rasterise=rasterise, dpi=dpi, tesseract_setting=cfg.tesseract, lang=cfg.ocr_lang,
                      time_limit=float(cfg.ocr_time_limit))
    except BaseException:
        tmp.unlink(missing_ok=True)  # half a file is not left where a later run could mistake it
        raise
    report = verify(tmp, verified_strings(rows), name=final_name, ocr=ocr_check, tesseract_setting=cfg.tesseract,
                    lang=cfg.ocr_lang, time_limit=float(cfg.ocr_time_limit))
    outcome.report, outcome.pages, outcome.boxes = report, burned.pages, burned.boxes
    if not report.ok:
        tmp.unlink(missing_ok=True)
        outcome.status = "failed: verification: " + "; ".join(report.problems)
        return outcome
    shutil.move(str(tmp), out / final_name)
    outcome.output = final_name
    for r in accepted:
        for b in r["boxes"]:
            outcome.log.append({"document": doc["id"], "path": outcome.path, "output": final_name, "page": r["page"],
                                "x0": round(b[0], 1), "y0": round(b[1], 1), "x1": round(b[2], 1),
                                "y1": round(b[3], 1), "kind": r["kind"], "ground": r["ground"] or "",
                                "reviewer": (r["user"] or "") if show_reviewer else "", "decided": r["time"] or ""})
    return outcome


def write_log(out: Path, outcomes: list[Outcome], command: dict[str, Any]) -> tuple[Path, Path]:
    """`redaction-log.csv` and `redaction-log.json` in OUT: one row per box of the documents written."""
    rows = [row for o in outcomes for row in o.log]
    csv_path, json_path = out / "redaction-log.csv", out / "redaction-log.json"
    with open(csv_path, "w", newline="", encoding="utf-8") as f:
        w = csv.DictWriter(f, fieldnames=LOG_FIELDS)
        w.writeheader()
        w.writerows(rows)
    # a failed document's problems quote the strings it still shows: the log says only that it failed
    documents = [{"document": o.document, "path": o.path, "status": o.status.split(":", 1)[0],
                  "output": o.output, "pages": o.pages, "boxes": o.boxes} for o in outcomes]
    json_path.write_text(json.dumps({"written": now(), "command": command, "redactions": rows,
                                     "documents": documents}, ensure_ascii=False, indent=1),
                         "utf-8")
    return csv_path, json_path
