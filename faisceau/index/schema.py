"""The index schema: its fields, the facets built on them, and its version.

A change to the fields or to an analyzer bumps `SCHEMA_VERSION`; an index written with
another version is rebuilt (`faisceau reindex`, or automatically by the next ingest).
"""

from __future__ import annotations

import tantivy

SCHEMA_VERSION = 2   # 2: web pages' furniture apart (`furniture`), their main content in the text fields

# text fields searched by a bare word or phrase, with the analyzer of each
TEXT_FIELDS = {"fr": "fr", "en": "en", "fold": "fold", "exact": "exact"}

# fields a `name:` prefix searches as words (folded, not stemmed)
WORD_FIELDS = ("title", "author", "filename", "path", "from", "to", "cc", "person", "org", "place")

# single-value keyword fields (lower-cased, whole value), all fast for facets and sorting
KEYWORD_FIELDS = ("id", "kind", "mime", "language", "ext", "source", "sha256", "from_addr", "to_addr",
                  "cc_addr", "from_domain", "to_domain", "year", "month", "has",
                  "person_name", "org_name", "place_name", "unit", "parent_id", "page_of")

# facet name → keyword field (tags come from the store, not the index)
FACETS = {
    "kind": "kind", "mime": "mime", "language": "language", "extension": "ext", "source": "source",
    "from": "from_addr", "sender": "from_addr", "to": "to_addr", "recipient": "to_addr",
    "from_domain": "from_domain", "to_domain": "to_domain", "year": "year", "month": "month",
    "person": "person_name", "org": "org_name", "place": "place_name",
}


def build() -> tantivy.Schema:
    b = tantivy.SchemaBuilder()
    for name, tok in TEXT_FIELDS.items():
        b.add_text_field(name, stored=False, tokenizer_name=tok, index_option="position")
    for name in WORD_FIELDS:
        b.add_text_field(name, stored=False, tokenizer_name="fold", index_option="position")
    # a web page's text outside its main content (menus, header, footer), searched by `full:`
    b.add_text_field("furniture", stored=False, tokenizer_name="fold", index_option="position")
    for name in KEYWORD_FIELDS:
        b.add_text_field(name, stored=name == "id", fast=True, tokenizer_name="raw", index_option="basic")
    # the document date as an interval [date_lo, date_hi] in Unix seconds: a partial date
    # (2019-10) covers its whole month and matches every range it overlaps
    b.add_integer_field("date_lo", stored=False, indexed=True, fast=True)
    b.add_integer_field("date_hi", stored=False, indexed=True, fast=True)
    b.add_unsigned_field("size", stored=False, indexed=True, fast=True)
    # each page of a paged document is also an entry of its own (unit "page", page_of its
    # document, the document's other fields copied), so a hit can list every page that matches
    b.add_unsigned_field("page", stored=False, indexed=False, fast=True)
    # what a hit shows, without a trip to the store: JSON of path, title, kind, date, pages…,
    # and the stored text itself (UTF-8) apart, so a hit list never parses megabytes of JSON
    b.add_bytes_field("shown", stored=True, indexed=False, fast=False)
    b.add_bytes_field("body", stored=True, indexed=False, fast=False)
    return b.build()
