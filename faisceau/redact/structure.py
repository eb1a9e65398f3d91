"""What a published PDF must not carry, read from its objects with pikepdf (not the tool that wrote it).

Each check names what it found: document metadata (an Info dictionary with any entry, XMP), embedded
files (the name tree, file-attachment annotations), annotations of any kind (a black highlight over
live text is an annotation), JavaScript and automatic actions, forms, page thumbnails, and earlier
revisions: an incremental save appends a new body and a new `%%EOF`, and keeps the old one readable.
"""

from __future__ import annotations

import re
from pathlib import Path

import pikepdf

_EOF = re.compile(rb"%%EOF")


def problems(path: Path) -> list[str]:
    """Why this PDF is not fit to publish, as short reasons; empty when its structure is clean."""
    data = path.read_bytes()
    found: list[str] = []
    eofs = len(_EOF.findall(data))
    if eofs != 1:
        found.append(f"{eofs} %%EOF markers: earlier revisions kept (incremental save)" if eofs > 1
                     else "no %%EOF marker")
    try:
        pdf = pikepdf.open(path)
    except pikepdf.PdfError as e:
        return [*found, f"unreadable PDF: {str(e)[:120]}"]
    with pdf:
        if "/Prev" in pdf.trailer:
            found.append("earlier revision referenced by the trailer (/Prev)")
        info = pdf.trailer.get("/Info")
        if info is not None and len(info.keys()) > 0:
            found.append("document metadata (Info: " + ", ".join(sorted(str(k)[1:] for k in info.keys())) + ")")
        root = pdf.Root
        if "/Metadata" in root:
            found.append("XMP metadata")
        names = root.get("/Names")
        if names is not None and "/EmbeddedFiles" in names:
            found.append("embedded files")
        if names is not None and "/JavaScript" in names:
            found.append("JavaScript")
        if "/AA" in root or _acts(root.get("/OpenAction")):
            found.append("automatic action (OpenAction/AA)")
        if "/AcroForm" in root:
            found.append("form (AcroForm)")
        annots: dict[str, int] = {}
        for page in pdf.pages:
            if "/Thumb" in page.obj:
                found.append(f"page thumbnail on page {page.index + 1}")
            if "/AA" in page.obj:  # page open/close actions: scripts or launches, never needed to read
                found.append(f"automatic action on page {page.index + 1}")
            for annot in page.obj.get("/Annots") or []:
                kind = str(annot.get("/Subtype", "/Unknown"))[1:]
                annots[kind] = annots.get(kind, 0) + 1
        if annots:
            found.append("annotations (" + ", ".join(f"{n} {k}" for k, n in sorted(annots.items())) + ")")
    return found


def _acts(action: object) -> bool:
    """An OpenAction that does more than show a page (a bare destination, or GoTo, is what viewers
    such as fpdf2's output use to set the first view)."""
    if action is None or isinstance(action, pikepdf.Array):
        return False
    return not (isinstance(action, pikepdf.Dictionary) and action.get("/S") == pikepdf.Name.GoTo)
