"""The package properties every OPC file may carry (docx, xlsx, pptx, XPS, Visio…): the core
properties (`docProps/core.xml`: title, author, dates), the application's (`app.xml`) and the
custom ones (`custom.xml`). Shared by the OOXML and the other-OPC readers."""

from __future__ import annotations

from ...model import Extracted
from .xmlsafe import ZipParts, iso_date, local

CORE = {"title": "title", "subject": "subject", "creator": "author", "keywords": "keywords",
        "description": "description", "lastModifiedBy": "last_modified_by", "revision": "revision",
        "created": "created", "modified": "modified", "lastPrinted": "last_printed",
        "language": "language_declared", "category": "category", "contentStatus": "content_status"}
APP = {"Application": "application", "AppVersion": "app_version", "Pages": "page_count",
       "Words": "word_count", "Characters": "character_count", "Slides": "slide_count",
       "Notes": "notes_count", "HiddenSlides": "hidden_slide_count", "Company": "company",
       "Manager": "manager", "Template": "template", "TotalTime": "editing_minutes"}
INTS = {"page_count", "word_count", "character_count", "slide_count", "notes_count",
        "hidden_slide_count", "editing_minutes"}


def core_properties(parts: ZipParts, doc: Extracted) -> None:
    """Metadata from docProps/core.xml, app.xml and custom.xml."""
    core = parts.parse("docProps/core.xml") if parts.has("docProps/core.xml") else None
    for el in core if core is not None else ():
        key = CORE.get(local(el.tag))
        text = (el.text or "").strip()
        if key and text:
            doc.metadata[key] = iso_date(text) if key in ("created", "modified", "last_printed") else text
    app = parts.parse("docProps/app.xml") if parts.has("docProps/app.xml") else None
    for el in app if app is not None else ():
        key = APP.get(local(el.tag))
        text = (el.text or "").strip()
        if key and text:
            doc.metadata[key] = int(text) if key in INTS and text.isdigit() else text
    custom = parts.parse("docProps/custom.xml") if parts.has("docProps/custom.xml") else None
    props = {}
    for el in custom if custom is not None else ():
        name = el.get("name")
        value = "".join(el.itertext()).strip()
        if name and value:
            props[name[:200]] = value[:2000]
    if props:
        doc.metadata["custom_properties"] = props
    for key in [k for k, v in doc.metadata.items() if v is None]:
        del doc.metadata[key]
