"""Exports: the proof handed over (evidence packs), FollowTheMoney entities, CSV document lists.

    select.py     which documents: a tag, a query, a file of ids (each one given narrows the set)
    records.py    what a pack says about one document (metadata, provenance, excerpts, tags, notes)
    html.py       the pack's index.html: one self-contained, printable report
    pdf.py        its PDF rendering by headless Chromium
    pack.py       writing a pack (folder or zip)
    verify.py     checking a pack against its manifests, anywhere
    ftm.py        FollowTheMoney entities (the data model of Aleph)
    csvexport.py  any search as CSV, streamed

Every export is written to the project's action log with its selection and output checksum.
"""

from __future__ import annotations
