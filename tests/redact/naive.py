"""The failure modes of redaction, built by the tests: each source names a person, and each naive
redaction of it hides the name from the eye but not from a machine (issue 20's list)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import fitz
import pikepdf
from fpdf import FPDF

NAME = "Zoé Martin"
BODY = ["Rapport d'enquête interne", "", f"Témoin entendu : {NAME}, agent comptable.",
        "Il a remis les relevés bancaires le 3 mars 2025.", "Fin du rapport."]


def _pdf() -> FPDF:
    pdf = FPDF(format="A4")
    pdf.set_font("Helvetica", size=12)
    pdf.set_creator("")
    pdf.set_producer("")
    return pdf


def _body(pdf: FPDF) -> None:
    pdf.add_page()
    for line in BODY:
        pdf.cell(0, 8, line, new_x="LMARGIN", new_y="NEXT")


def plain(path: Path) -> Path:
    """A page of text naming the person."""
    pdf = _pdf()
    _body(pdf)
    pdf.output(str(path))
    return path


def name_rect(path: Path, page: int = 0) -> fitz.Rect:
    """Where the name is drawn on a page (for the naive boxes)."""
    from faisceau.redact.locate import occurrences, page_chars

    with fitz.open(path) as doc:
        return fitz.Rect(next(occurrences(page_chars(doc[page]), NAME))[0])


def black_rectangle(src: Path, dst: Path) -> Path:
    """A black rectangle drawn over the name: the text stays under it."""
    rect = name_rect(src)
    with fitz.open(src) as doc:
        doc[0].draw_rect(rect, color=(0, 0, 0), fill=(0, 0, 0), overlay=True)
        doc.save(dst, garbage=4)
    return dst


def black_highlight(src: Path, dst: Path) -> Path:
    """A black highlight annotation over live text (the Manafort filing, 2019)."""
    rect = name_rect(src)
    with fitz.open(src) as doc:
        page = doc[0]
        annot = page.add_highlight_annot(rect)
        annot.set_colors(stroke=(0, 0, 0))
        annot.set_opacity(1.0)
        annot.update()
        doc.save(dst, garbage=4)
    return dst


def incremental(src: Path, dst: Path) -> Path:
    """A proper redaction saved incrementally: the unredacted revision is still in the file."""
    import shutil

    shutil.copy(src, dst)
    rect = name_rect(dst)
    with fitz.open(dst) as doc:
        doc[0].add_redact_annot(rect, fill=(0, 0, 0))
        doc[0].apply_redactions()
        doc.save(dst, incremental=True, encryption=fitz.PDF_ENCRYPT_KEEP)
    return dst


def with_xmp(path: Path) -> Path:
    """The page, with XMP and Info metadata naming the person as the author."""
    plain(path)
    with pikepdf.open(path, allow_overwriting_input=True) as pdf:
        with pdf.open_metadata(set_pikepdf_as_editor=False) as meta:
            meta["dc:creator"] = [NAME]
        pdf.docinfo["/Author"] = NAME
        pdf.save(path)
    return path


def scanned(path: Path, folder: Path, text_layer: bool = True) -> Path:
    """A scanned page: the page as an image with an invisible OCR text layer over it (or none)."""
    src = plain(folder / "scan-source.pdf")
    with fitz.open(src) as doc, fitz.open() as out:
        pix = doc[0].get_pixmap(dpi=150)
        page = out.new_page(width=doc[0].rect.width, height=doc[0].rect.height)
        page.insert_image(page.rect, stream=pix.tobytes("png"))
        for x0, y0, _x1, y1, word, *_ in doc[0].get_text("words") if text_layer else []:
            page.insert_text((x0, y1 - 2), word, fontsize=(y1 - y0) * 0.8, render_mode=3)  # 3: invisible
        out.save(path, garbage=4)
    return path


def image_box(src: Path, dst: Path) -> Path:
    """A black rectangle over the scan's picture of the name: the invisible OCR text stays."""
    return black_rectangle(src, dst)


def with_toc(path: Path) -> Path:
    """A table of contents page and an outline naming the person, and the page they point to."""
    pdf = _pdf()
    pdf.add_page()
    pdf.cell(0, 8, "Sommaire", new_x="LMARGIN", new_y="NEXT")
    pdf.cell(0, 8, f"Audition de {NAME} ........ 2", new_x="LMARGIN", new_y="NEXT")
    _body(pdf)
    pdf.output(str(path))
    with fitz.open(path) as doc:
        doc.set_toc([[1, "Sommaire", 1], [1, f"Audition de {NAME}", 2]])
        doc.save(path, incremental=True, encryption=fitz.PDF_ENCRYPT_KEEP)
    with pikepdf.open(path, allow_overwriting_input=True) as p:  # one revision: only the TOC is at stake here
        p.save(path)
    return path


def body_only(src: Path, dst: Path) -> Path:
    """A black rectangle over the name in the body; the contents page and the outline are forgotten."""
    rect = name_rect(src, 1)
    with fitz.open(src) as doc:
        doc[1].draw_rect(rect, color=(0, 0, 0), fill=(0, 0, 0), overlay=True)
        doc.save(dst, garbage=4)
    return dst


def with_attachment(path: Path) -> Path:
    """The page with an attachment whose file name names the person."""
    plain(path)
    with fitz.open(path) as doc:
        doc.embfile_add("cv", b"curriculum vitae", filename="Zoe_Martin_CV.txt")
        doc.save(path, incremental=True, encryption=fitz.PDF_ENCRYPT_KEEP)
    with pikepdf.open(path, allow_overwriting_input=True) as p:
        p.save(path)
    return path


Builder = Callable[[Path], Path]


def email(path: Path) -> Path:
    """An e-mail whose From header names the person, printed as faisceau prints e-mails to redact."""
    from faisceau.redact.render import email_html, html_to_pdf

    headers = [("From", f"{NAME} <zoe.martin@example.org>"), ("To", "redaction@example.net"),
               ("Subject", "Relevés"), ("Date", "Mon, 3 Mar 2025 10:00:00 +0100")]
    html_to_pdf(email_html(headers, ["releves-mars.pdf"], "Bonjour,\nvoici les relevés.\nZoé Martin"), path)
    return path


def body_signature(src: Path, dst: Path) -> Path:
    """A black rectangle over the signature only: the From header still names the sender."""
    from faisceau.redact.locate import occurrences, page_chars

    with fitz.open(src) as doc:
        page = doc[0]
        last = list(occurrences(page_chars(page), NAME))[-1][0]
        page.draw_rect(fitz.Rect(last), color=(0, 0, 0), fill=(0, 0, 0), overlay=True)
        doc.save(dst, garbage=4)
    return dst
