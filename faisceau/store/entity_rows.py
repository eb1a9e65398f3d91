"""The typed rows the analysis tables' owner (`faisceau.store.entities`) takes and returns."""

from __future__ import annotations

from typing import Any, NamedTuple, TypedDict


class MentionIn(NamedTuple):
    """A mention as the `entities` stage finds it (offsets -1 for a correspondent named in headers)."""

    start: int
    end: int
    text: str
    type: str
    source: str
    key: str


class IdentifierIn(NamedTuple):
    """An identifier as the `identifiers` stage finds it."""

    start: int
    end: int
    text: str
    type: str
    value: str
    valid: int


class DateIn(NamedTuple):
    """A date in the text as the `dates` stage finds it, with its sentence."""

    start: int
    end: int
    text: str
    value: str
    precision: str
    s_start: int
    s_end: int


class MentionSpan(TypedDict):
    start: int
    end: int
    text: str
    type: str
    source: str


class FormCount(TypedDict):
    """How often a surface form was labelled with a type by a source."""

    text: str
    type: str
    source: str
    count: int


class SpellingCount(TypedDict):
    key: str
    type: str
    text: str
    source: str
    count: int


class KeyCount(TypedDict):
    sha256: str
    key: str
    count: int


class WordStatRow(TypedDict):
    word: str
    lower: int
    mid: int


class ContentDates(TypedDict):
    """A content's sent and created dates, as its metadata holds them (anything JSON)."""

    sha256: str
    date_utc: Any
    created: Any


class EntityRow(TypedDict):
    """An `entities` row as stored (`variants` is JSON)."""

    id: str
    type: str
    name: str
    mentions: int
    documents: int
    first_date: str | None
    last_date: str | None
    variants: str | None
    ignored: int


class EntityIn(NamedTuple):
    """A canonical entity as grouping makes it; `documents` and the dates come with it."""

    id: str
    type: str
    name: str
    mentions: int
    documents: int
    first_date: str | None
    last_date: str | None
    variants: str


class EntityRef(TypedDict):
    id: str
    type: str
    name: str


class DocumentEntityName(TypedDict):
    document_id: str
    entity_id: str
    name: str


class TypedName(TypedDict):
    """A canonical entity name found in a document, with its type (PER, ORG, LOC…)."""

    document_id: str
    type: str
    name: str


class CooccurringRow(TypedDict):
    id: str
    type: str
    name: str
    documents: int


class EntityDocument(TypedDict):
    id: str
    path: str
    kind: str | None
    count: int


class MentionInContext(TypedDict):
    """A mention with the words around it (`before`/`after` are None for a header mention)."""

    sha256: str
    start: int
    end: int
    text: str
    source: str
    document_id: str | None
    before: str | None
    after: str | None


class DocumentMention(TypedDict):
    start: int
    end: int
    text: str
    mention_type: str
    source: str
    entity_id: str | None
    entity: str | None
    type: str | None


class IdentifierRow(TypedDict):
    start: int
    end: int
    text: str
    type: str
    value: str
    valid: int


class TextDateRow(TypedDict):
    start: int
    end: int
    text: str
    value: str
    precision: str


class DatedSentence(TypedDict):
    """A date in a text, with its sentence, the content's pages (JSON) and its first location."""

    sha256: str
    start: int
    end: int
    text: str
    value: str
    precision: str
    s_start: int
    s_end: int
    sentence: str | None
    pages: str | None
    document_id: str | None


class DatedContent(TypedDict):
    """A content's first location (least id and path) and its metadata (JSON)."""

    id: str
    path: str
    metadata: str | None


class DecisionRef(TypedDict):
    action: str
    a: str
    b: str | None


class DecisionRow(TypedDict):
    id: int
    action: str
    a: str
    b: str | None
    time: str
    user: str
    undone: int
    mail: int | None
