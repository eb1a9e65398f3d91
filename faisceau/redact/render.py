"""Every document as a PDF to redact: PDFs as they are, e-mails and text laid out with their headers,
office files converted by LibreOffice, images wrapped in a page.

The rendering is written once per content into the project (`redact/rendered/<sha256>.pdf`): the
proposals' boxes are found on it and `apply` burns them into the same pages, so both must see the
same file. E-mails are laid out by MuPDF's HTML engine (PyMuPDF's Story), which loads nothing from
outside the HTML it is given: every header a reader could see (From, To, Cc, Bcc, Reply-To, Date,
Subject) and the attachments' file names are on the first page, then the body text.
"""

from __future__ import annotations

import html
import shutil
import subprocess
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from ..exc import ExtractionError, Skipped

HEADERS = ("from", "sender", "reply-to", "to", "cc", "bcc", "date", "subject")
OFFICE_KINDS = ("document", "spreadsheet", "presentation")
MARGIN = 42.0


def email_html(headers: Sequence[tuple[str, str]], attachments: Sequence[str], body: str) -> str:
    """The HTML of an e-mail's printed form: its visible headers, attachment names, then the body text."""
    rows = [f"<tr><th>{html.escape(k.title())}</th><td>{html.escape(v)}</td></tr>"
            for k, v in headers if k.lower() in HEADERS]
    if attachments:
        rows.append("<tr><th>Attachments</th><td>" + "<br>".join(html.escape(a) for a in attachments) + "</td></tr>")
    paras = "".join(f"<p>{html.escape(p)}</p>" for p in body.split("\n"))
    return ("<html><body style='font-family: sans-serif; font-size: 10pt'><table>" + "".join(rows)
            + "</table><hr>" + paras + "</body></html>")


def html_to_pdf(markup: str, dst: Path) -> None:
    """Lay HTML out on A4 pages with MuPDF (no network, no scripts: MuPDF's HTML engine runs neither)."""
    import fitz

    story = fitz.Story(html=markup)
    writer = fitz.DocumentWriter(str(dst))
    page = fitz.paper_rect("a4")
    where = page + (MARGIN, MARGIN, -MARGIN, -MARGIN)
    more = True
    while more:
        device = writer.begin_page(page)
        more, _ = story.place(where)
        story.draw(device)
        writer.end_page()
    writer.close()


def office_to_pdf(src: Path, dst: Path, soffice: str, time_limit: float) -> None:
    """Convert an office file with LibreOffice headless (a fresh profile, a safe file name)."""
    exe = shutil.which(soffice)
    if exe is None:
        raise Skipped("soffice not installed")
    with tempfile.TemporaryDirectory(prefix="faisceau-render-") as tmp:
        work = Path(tmp)
        # LibreOffice picks its import filter by extension; the member's own name may be hostile
        local = work / ("input" + (src.suffix.lower() if src.suffix.isascii() and len(src.suffix) <= 6 else ""))
        shutil.copyfile(src, local)
        try:
            subprocess.run([exe, "--headless", "--norestore", "--nologo", "--nodefault", "--nolockcheck",
                            f"-env:UserInstallation={(work / 'profile').as_uri()}", "--convert-to", "pdf",
                            "--outdir", str(work / "out"), str(local)], cwd=work, capture_output=True,
                           timeout=time_limit, stdin=subprocess.DEVNULL)
        except subprocess.TimeoutExpired:
            raise ExtractionError(f"libreoffice did not convert within {time_limit:.0f} s") from None
        out = work / "out" / "input.pdf"
        if not out.is_file() or out.stat().st_size == 0:
            raise ExtractionError("libreoffice conversion to PDF failed")
        shutil.move(str(out), dst)


def image_to_pdf(src: Path, dst: Path) -> None:
    """An image file as a PDF of its pages (MuPDF)."""
    import fitz

    with fitz.open(src) as img:
        data = img.convert_to_pdf()
    dst.write_bytes(data)


def render(kind: str, mime: str, original: Path, content: dict[str, Any], attachments: Sequence[str], dst: Path,
           *, soffice: str = "soffice", time_limit: float = 120.0) -> None:
    """Write the PDF to redact for one document to `dst`."""
    if mime == "application/pdf" or kind == "pdf":
        shutil.copyfile(original, dst)
    elif kind == "email":
        meta = content.get("metadata") or {}
        headers = [(str(h[0]), str(h[1])) for h in meta.get("headers") or [] if len(h) >= 2]
        html_to_pdf(email_html(headers, attachments, content.get("text") or ""), dst)
    elif kind in OFFICE_KINDS:
        office_to_pdf(original, dst, soffice, time_limit)
    elif kind == "image":
        image_to_pdf(original, dst)
    elif kind in ("text", "html"):
        html_to_pdf(email_html([], attachments, content.get("text") or ""), dst)
    else:
        raise Skipped(f"cannot redact a document of kind {kind or 'unknown'} (its members can be)")
