"""Writing an evidence pack: originals, manifest.csv, index.html (+ PDF), manifest.sha256.

A pack is written in a scratch folder beside its destination and moved into place whole, so an
interrupted export leaves no half pack under the asked name. Each original is copied while it
is hashed: bytes that no longer match the SHA-256 recorded at ingest are not put in the pack
(the document says why), since a pack vouches for every file it holds.

A pack of redacted versions only (`redacted_only`) holds no original and nothing read from one: the
report and manifest keep no excerpt, note, entity, dated event, title or e-mail header (text under a
drawn box has no string to look for, so text is left out, not scrubbed), the file names, paths and tags
they print have the accepted redacted strings replaced, and before the pack is moved into place its
report and manifest are read back for those strings: one found, and no pack is written.
"""

from __future__ import annotations

import csv
import hashlib
import os
import re
import shutil
import tempfile
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .. import __version__
from ..exc import FaisceauError, UsageError
from ..index import Index
from ..redact.fold import found, needles, scrub
from ..settings import Settings
from ..store.blobs import CHUNK
from ..store.db import Store, current_user, now
from ..store.project import Project
from ..store.redactions import hidden_strings
from . import html as html_mod
from .pdf import print_pdf
from .records import EvidenceDoc, analysis_reader, extension, gather
from .select import Selection, selected

MANIFEST = "manifest.csv"
SUMS = "manifest.sha256"
MANIFEST_FIELDS = ("file", "role", "id", "path", "sha256", "size", "kind", "mime", "date", "title", "citations",
                   "extractor", "extractor_version", "ocr", "stages", "tags", "original", "inside")
FORMATS = ("folder", "zip")
_SAFE = re.compile(r"[^0-9A-Za-z_.-]")


@dataclass
class PackReport:
    """What an export wrote: counts, problems, the PDF's fate, and the output's checksum."""

    output: Path
    format: str
    documents: int = 0
    excerpts: int = 0
    originals: int = 0
    containers: int = 0
    files: int = 0
    bytes: int = 0
    pdf: str | None = None           # the PDF file name, or None
    pdf_skipped: str | None = None   # why there is no PDF
    redacted: int = 0                # redacted versions written (`--redacted`)
    problems: list[dict[str, str]] = field(default_factory=list)
    checksum: str = ""

    def as_dict(self) -> dict[str, Any]:
        return {"output": str(self.output), "format": self.format, "documents": self.documents,
                "excerpts": self.excerpts, "originals": self.originals, "containers": self.containers,
                "files": self.files, "bytes": self.bytes, "pdf": self.pdf, "pdf_skipped": self.pdf_skipped,
                "redacted": self.redacted,
                "problems": self.problems, "sha256": self.checksum}


def sha256_of(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        while chunk := f.read(CHUNK):
            h.update(chunk)
    return h.hexdigest()


def original_path(project: Project, row: dict[str, Any]) -> Path | None:
    """Where the original bytes of a document are: its blob, else (an input given on the command
    line) its source file; None when neither exists."""
    sha = row.get("sha256")
    if not sha:
        return None
    blob = project.blobs.path(sha)
    if blob.is_file():
        return blob
    source = row.get("source")
    if source and Path(source).is_file():
        return Path(source)
    return None


def copy_original(project: Project, row: dict[str, Any], dest: Path) -> str:
    """Copy a document's original to `dest`, hashing it on the way; "ok" or why it was not copied."""
    if not row.get("sha256"):
        return "no content (a link or special file)"
    src = original_path(project, row)
    if src is None:
        return "missing: neither the blob store nor the source file has it"
    h = hashlib.sha256()
    try:
        with open(src, "rb") as f, open(dest, "wb") as out:
            while chunk := f.read(CHUNK):
                h.update(chunk)
                out.write(chunk)
    except OSError as e:
        dest.unlink(missing_ok=True)
        return f"unreadable: {e.strerror or e}"
    if h.hexdigest() != row["sha256"]:
        dest.unlink(missing_ok=True)
        return f"changed since ingest: {src} now has SHA-256 {h.hexdigest()}"
    return "ok"


def _file_name(doc_id: str, name: str, mime: str | None) -> str:
    return "originals/" + _SAFE.sub("_", doc_id) + extension(name, mime)


def _citations(d: EvidenceDoc) -> str:
    return "; ".join(e.label + " " + (f"citation#{e.citation_id}" + (f" {e.anchor}" if e.anchor != "exact" else "")
                                      if e.source == "citation" else "search") for e in d.excerpts)


def _without_users(docs: list[EvidenceDoc]) -> None:
    """The system user names (of citations and notes) left out of what the pack prints."""
    for d in docs:
        for e in d.excerpts:
            e.user = None
        for n in d.notes:
            n["user"] = None


def check_output(out: Path, fmt: str) -> None:
    """Refuse to overwrite anything: a pack is a record, not a cache."""
    if fmt not in FORMATS:
        raise UsageError(f"unknown format {fmt!r}: use folder or zip")
    if fmt == "folder" and out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise UsageError(f"{out} exists and is not an empty folder; choose another name")
    if fmt == "zip" and out.exists():
        raise UsageError(f"{out} exists; choose another name")
    if not out.absolute().parent.is_dir():
        raise UsageError(f"{out.absolute().parent} does not exist")


def _documents(project: Project, store: Store, sel: Selection, open_index: Callable[[], Index], snippets: int,
               work: Path, report: PackReport, copy: bool = True) -> Iterator[EvidenceDoc]:
    analysis = analysis_reader()
    for doc_id, hit in selected(store, sel, open_index, snippets):
        d = gather(store, doc_id, hit, analysis)
        if not copy:
            d.original = "left out: a pack of redacted versions only"
            yield d
            continue
        row = {"sha256": d.sha256, "source": d.source}
        name = _file_name(d.id, d.name, d.mime)
        d.original = copy_original(project, row, work / name)
        if d.original == "ok":
            d.file = name
            report.originals += 1
        elif d.sha256:
            report.problems.append({"id": d.id, "path": d.path, "problem": d.original})
        yield d


def write_pack(project: Project, store: Store, sel: Selection, open_index: Callable[[], Index], out: Path,
               fmt: str = "folder", containers: bool = False, pdf: bool = True, snippets: int = 3,
               chromium: str | None = None, show_path: bool = False, show_user: bool = False,
               redacted: Settings | None = None, redacted_only: bool = False) -> PackReport:
    """Write the evidence pack of a selection to `out` (a new folder, or a zip file).

    A pack is made to be published: it names the project by its folder's name and nobody by their
    system account, unless `show_path` (the project's absolute folder) or `show_user` (the system user
    who made the pack, wrote its notes and citations) ask for them. With `redacted` (the project's
    settings), each document's redacted version (its accepted redactions burned in and verified, as
    `faisceau redact apply` writes it) is put beside its original, in `redacted/`; with `redacted_only`
    too, instead of it (see the module's docstring)."""
    check_output(out, fmt)
    if redacted_only and (redacted is None or containers):
        raise UsageError("a pack of redacted versions only needs the redacted versions and takes no containers")
    report = PackReport(out, fmt)
    parent = out.absolute().parent
    scratch = Path(tempfile.mkdtemp(prefix=f".{out.name}.part-", dir=parent))
    try:
        work = scratch / (out.stem if fmt == "zip" else "pack")
        (work / "originals").mkdir(parents=True)
        docs = list(_documents(project, store, sel, open_index, snippets, work, report, copy=not redacted_only))
        if not docs:
            raise UsageError("the selection is empty: no document to put in the pack")
        if not show_user:
            _without_users(docs)
        # every string an accepted redaction of these documents hides
        hidden = hidden_strings(store, [d.sha256 for d in docs if d.sha256]) if redacted is not None else []
        if redacted_only:
            (work / "originals").rmdir()
            _text_left_out(docs, hidden)
        rows = [] if redacted_only else [_manifest_row(d, "document") for d in docs]
        if containers:
            rows += _containers(project, store, docs, work, report)
        if redacted is not None:
            rows += _redacted(project, store, docs, work, scratch, redacted, report, hidden, only=redacted_only)
        report.documents = len(docs)
        report.excerpts = sum(len(d.excerpts) for d in docs)
        with open(work / MANIFEST, "w", encoding="utf-8", errors="replace", newline="") as f:
            w = csv.DictWriter(f, fieldnames=list(MANIFEST_FIELDS))
            w.writeheader()
            w.writerows(rows)
        info = {"label": scrub(sel.describe().get("tag") or sel.describe().get("query") or "", hidden),
                "selection": scrub(", ".join(f"{k} {v}" for k, v in sel.describe().items()), hidden),
                "redacted_only": redacted_only,
                "time": now(), "user": current_user() if show_user else None, "version": __version__,
                "project": str(project.root) if show_path else project.root.name}
        with open(work / "index.html", "w", encoding="utf-8", errors="replace") as f:
            html_mod.render(f, docs, info)
        if pdf:
            report.pdf_skipped = print_pdf(work / "index.html", work / "index.pdf", chromium)
            report.pdf = None if report.pdf_skipped else "index.pdf"
        else:
            report.pdf_skipped = "not asked (--no-pdf)"
        if redacted_only:
            _prove_nothing_shows(work, hidden)
        _write_sums(work, report)
        if fmt == "zip":
            part = scratch / "pack.zip"
            with zipfile.ZipFile(part, "w", zipfile.ZIP_DEFLATED, allowZip64=True) as z:
                for p in sorted(work.rglob("*")):
                    z.write(p, p.relative_to(scratch).as_posix())
            os.replace(part, out)
            report.checksum = sha256_of(out)
        else:
            if out.exists():
                out.rmdir()  # checked empty above
            os.replace(work, out)
            report.checksum = sha256_of(out / SUMS)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    with store.transaction():
        store.log_action("export", {"export": "evidence", "format": fmt, "output": str(out.absolute()),
                                    "selection": sel.describe(), "documents": report.documents,
                                    "originals": report.originals, "containers": report.containers,
                                    "excerpts": report.excerpts, "problems": len(report.problems),
                                    "pdf": report.pdf is not None,
                                    "sha256": report.checksum,
                                    "checksum_of": "the zip file" if fmt == "zip" else SUMS})
    return report


def _manifest_row(d: EvidenceDoc, role: str) -> dict[str, Any]:
    return {"file": d.file or "", "role": role, "id": d.id, "path": d.path, "sha256": d.sha256 or "",
            "size": d.size if d.size is not None else "", "kind": d.kind or "", "mime": d.mime or "",
            "date": d.date or "", "title": d.title, "citations": _citations(d), "extractor": d.extractor or "",
            "extractor_version": d.extractor_version or "", "ocr": d.ocr,
            "stages": " ".join(f"{k}={v}" for k, v in d.stages.items()), "tags": " ".join(d.tags),
            "original": d.original, "inside": " > ".join(a["id"] for a in d.ancestors)}


def _containers(project: Project, store: Store, docs: list[EvidenceDoc], work: Path,
                report: PackReport) -> list[dict[str, Any]]:
    """Copy the originals of the containers the selected documents came from (each once)."""
    selected_ids = {d.id for d in docs}
    rows, seen = [], set()
    for d in docs:
        for a in d.ancestors:
            if a["id"] in seen or a["id"] in selected_ids:
                continue
            seen.add(a["id"])
            name = _file_name(a["id"], a["name"], a["mime"])
            state = copy_original(project, a, work / name)
            if state == "ok":
                report.containers += 1
            elif a["sha256"]:
                report.problems.append({"id": a["id"], "path": a["path"], "problem": state})
            inside = [x["id"] for x in d.ancestors[:d.ancestors.index(a)]]
            rows.append({"file": name if state == "ok" else "", "role": "container", "id": a["id"],
                         "path": a["path"], "sha256": a["sha256"] or "", "size": a["size"] if a["size"] is not None else "",
                         "kind": a["kind"] or "", "mime": a["mime"] or "", "date": "", "title": "", "citations": "",
                         "extractor": "", "extractor_version": "", "ocr": "", "stages": "", "tags": "",
                         "original": state, "inside": " > ".join(inside)})
    return rows


def _redacted(project: Project, store: Store, docs: list[EvidenceDoc], work: Path, scratch: Path, cfg: Settings,
              report: PackReport, hidden: list[str], only: bool = False) -> list[dict[str, Any]]:
    """The redacted version of each document, verified before it joins the pack (`only`: named by the
    document's id alone, since its name may be what is hidden, and linked from the report)."""
    from ..redact.publish import redact_document

    (work / "redacted").mkdir()
    partial = scratch / "redact-partial"
    partial.mkdir()
    rows = []
    for d in docs:
        row = store.document(d.id)
        if row is None or not row["sha256"]:
            continue
        o = redact_document(project, store, row, work / "redacted", partial, cfg, hidden=hidden)
        if o.output and only:
            named = _SAFE.sub("_", d.id) + ".pdf"
            os.replace(work / "redacted" / o.output, work / "redacted" / named)
            o.output = named
            d.file = f"redacted/{named}"
        if o.output:
            report.redacted += 1
        else:
            # the reason of a failed verification quotes what still shows: the problem names only the step
            report.problems.append({"id": d.id, "path": d.path, "problem": "no redacted version: "
                                    + o.status.split(":", 1)[0] + ": " + o.status.split(":")[1].strip()})
        rows.append({**_manifest_row(d, "redacted"), "file": f"redacted/{o.output}" if o.output else "",
                     "sha256": sha256_of(work / "redacted" / o.output) if o.output else "",
                     "size": (work / "redacted" / o.output).stat().st_size if o.output else "",
                     "mime": "application/pdf", "original": "ok" if o.output else o.status.split(":", 1)[0]})
    return rows


def _text_left_out(docs: list[EvidenceDoc], hidden: list[str]) -> None:
    """What a pack of redacted versions prints of each document: no text read from the original (excerpts,
    notes, names, events, title, e-mail headers), and names, paths and tags with the hidden strings cut."""
    for d in docs:
        d.excerpts, d.notes, d.entities, d.events = [], [], [], []
        d.title, d.author, d.senders, d.recipients, d.cc = "", "", [], [], []
        d.path, d.name = scrub(d.path, hidden), scrub(d.name, hidden)
        d.tags = [scrub(t, hidden) for t in d.tags]
        d.other_locations = [scrub(p, hidden) for p in d.other_locations]
        d.ancestors = [{**a, "path": scrub(a["path"] or "", hidden), "name": scrub(a.get("name") or "", hidden)}
                       for a in d.ancestors]


def _prove_nothing_shows(work: Path, hidden: list[str]) -> None:
    """Read the report and manifest back: a hidden string in either stops the pack (nothing is written)."""
    import html as html_lib

    keys = needles(hidden)
    for name in ("index.html", MANIFEST):
        text = (work / name).read_text("utf-8", errors="replace")
        if found(keys, html_lib.unescape(text)):
            raise FaisceauError(f"{name} of the pack still shows a redacted string: no pack written")


def _write_sums(work: Path, report: PackReport) -> None:
    """manifest.sha256: every file of the pack but itself, in `sha256sum -c` form, relative paths."""
    lines = []
    for p in sorted(work.rglob("*")):
        if p.is_file():
            lines.append(f"{sha256_of(p)}  {p.relative_to(work).as_posix()}\n")
            report.files += 1
            report.bytes += p.stat().st_size
    (work / SUMS).write_text("".join(lines), "utf-8")
