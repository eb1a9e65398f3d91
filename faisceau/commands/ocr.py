"""`faisceau export-ocr`: a searchable PDF of a document read by OCR."""

from __future__ import annotations

from pathlib import Path

import click

from ..exc import FaisceauError, UsageError
from ..settings import load
from ..store.db import Store
from ..store.project import Project
from .options import emit, handle_errors, json_option, project_option


@click.command("export-ocr")
@click.argument("doc_id")
@project_option
@click.option("-o", "--output", type=click.Path(path_type=Path, dir_okay=False), required=True,
              help="PDF file to write (replaced if it exists).")
@json_option
@handle_errors
def export_ocr(doc_id: str, project: Path, output: Path, as_json: bool) -> None:
    """Write a searchable PDF of an OCR'd document: its page images with the OCR text layer."""
    from ..ocr.export import export
    from ..ocr.rerun import original

    proj = Project.open(project)
    store = Store(proj.store_path)
    try:
        doc = store.document(doc_id)
        if doc is None:
            raise UsageError(f"no document {doc_id!r} in {proj.root}")
        content = store.content(doc["sha256"]) if doc["sha256"] else None
        if content is None:
            raise FaisceauError(f"document {doc_id} has no content ({doc['status']}: {doc['reason'] or 'no bytes'})")
        if not output.parent.is_dir():
            raise UsageError(f"-o {output}: folder {output.parent} does not exist")
        file = original(proj.blobs.path(doc["sha256"]), store.locations(doc["sha256"]))
        if not file:
            raise FaisceauError(f"document {doc_id}: original bytes not found (blob or source file missing)")
        cfg = load(proj.root)
        counts = export(Path(file), content, output, cfg)
        store.log_action("export-ocr", {"document": doc_id, "output": str(output.absolute()), **counts})
    finally:
        store.close()
    if as_json:
        emit({"document": doc_id, "output": str(output), **counts})
    else:
        click.echo(f"{output}: {counts['pages']} pages, {counts['ocr_pages']} with an OCR text layer")
