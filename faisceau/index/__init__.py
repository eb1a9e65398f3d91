"""The full-text index: analyzers, query syntax, search with facets and snippets.

    from faisceau.index.indexer import open_index
    index = open_index(project.root, settings, store)
    result = index.search('cgt AND amiens', facets=["kind", "year"])
"""

from __future__ import annotations

from .core import FacetValue, Filter, Hit, Index, IndexOutdated, SearchResult, Writer, facet_names
from .documents import Address, IndexDoc
from .highlight import Snippet
from .query import QueryError

__all__ = ["Address", "Filter", "FacetValue", "Hit", "Index", "IndexDoc", "IndexOutdated", "QueryError",
           "SearchResult", "Snippet", "Writer", "facet_names"]
