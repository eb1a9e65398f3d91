"""Redaction: proposed from what faisceau recognised, reviewed, burned into new PDFs and proved.

    propose.py   occurrences of names, identifiers, terms on each PDF page → boxes (store/redactions.py)
    render.py    e-mails and office files rendered to PDF first, so every document has pages
    apply.py     boxes burned in with PyMuPDF, pages rasterised with an OCR layer, a full rewrite
    verify.py    the independent proof: two text extractors, OCR, x-ray, the file's structure
    structure.py what a published PDF must not carry (metadata, attachments, annotations, revisions)
    fold.py      how strings are compared (case, accents, spacing folded)
"""
