"""Owner of documents (one row per location), contents (one per distinct SHA-256), content_children, stages.

The only module that reads or writes these tables: it holds their DDL (by schema version, assembled
by `migrations`) and the functions the rest of faisceau calls.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any, TypedDict

from .values import dumps, now

if TYPE_CHECKING:
    from .db import Store

DOC_COLUMNS = ("id", "parent_id", "root_id", "path", "name", "name_raw", "source", "sha256", "size",
               "depth", "mime_hint", "item_meta", "status", "reason", "kind", "mime")
CONTENT_COLUMNS = ("sha256", "size", "status", "reason", "mime", "kind", "extractor", "extractor_version",
                   "metadata", "flags", "warnings", "segments", "pages", "language", "languages", "stages")
# What `--retry-failed` takes up again, defined here once (the ingest's reset, the web's retry and the
# status figures all count with it): failures, items skipped for a missing tool ("tesseract not
# installed"), and items nested deeper than the limit (a higher `max_depth` reaches them).
RETRYABLE = ("status = 'failed' OR (status = 'skipped'"
             " AND (reason LIKE '% not installed' OR reason LIKE 'nesting depth%'))")
IN_CHUNK = 500  # ids per `IN (…)`: SQLite's limit on bound parameters is far above, a statement's cost is not

# The tables' DDL by the schema version that created them.
DDL: dict[int, str] = {
    1: """
    CREATE TABLE documents (
        id         TEXT PRIMARY KEY,      -- sha256(root sha256 + provenance path)[:24]
        parent_id  TEXT,                  -- null for items given on the command line
        root_id    TEXT NOT NULL,
        path       TEXT NOT NULL,         -- provenance: leak.zip!/box.pst!/Inbox/42
        name       TEXT NOT NULL,         -- last segment of the path
        name_raw   BLOB,                  -- undecoded name bytes, when they were not UTF-8
        source     TEXT,                  -- file on disk, for items given on the command line
        sha256     TEXT,                  -- null for items with no content (links, FIFOs)
        size       INTEGER,
        depth      INTEGER NOT NULL,
        mime_hint  TEXT,
        item_meta  TEXT,                  -- JSON from the parent: member mtime, unsafe name…
        status     TEXT NOT NULL,         -- pending | ok | failed | skipped
        reason     TEXT,
        kind       TEXT,
        mime       TEXT
    );
    CREATE INDEX documents_sha256 ON documents(sha256);
    CREATE INDEX documents_parent ON documents(parent_id);
    CREATE INDEX documents_status ON documents(status);

    -- one row per distinct content: extracted once, whatever the number of locations
    CREATE TABLE contents (
        sha256            TEXT PRIMARY KEY,
        size              INTEGER,
        status            TEXT NOT NULL,
        reason            TEXT,
        mime              TEXT,
        kind              TEXT,
        extractor         TEXT,
        extractor_version TEXT,
        metadata          TEXT,           -- JSON
        flags             TEXT,           -- JSON list
        warnings          TEXT,           -- JSON list
        segments          TEXT,           -- JSON list of {part, start, end, attrs}
        pages             TEXT,           -- JSON list of {number, start, end, needs_ocr, attrs}
        text              TEXT,
        language          TEXT,
        languages         TEXT,           -- JSON list of {language, share} when mixed
        stages            TEXT            -- JSON {stage: {version, status, reason}}: copied to every location
    );

    -- the children a content yields, so every location of it gets the same subtree
    CREATE TABLE content_children (
        parent_sha256 TEXT NOT NULL,
        ord           INTEGER NOT NULL,
        name          TEXT NOT NULL,
        name_raw      BLOB,
        sha256        TEXT,
        size          INTEGER,
        mime_hint     TEXT,
        item_meta     TEXT,
        status        TEXT,
        reason        TEXT,
        PRIMARY KEY (parent_sha256, ord)
    );

    -- per-(document, stage) status: a new stage version marks that stage stale
    CREATE TABLE stages (
        document_id TEXT NOT NULL,
        stage       TEXT NOT NULL,
        version     TEXT NOT NULL,
        status      TEXT NOT NULL,
        reason      TEXT,
        run_id      TEXT,
        seconds     REAL,
        updated     TEXT,
        PRIMARY KEY (document_id, stage)
    );
    """,
}


class StageRow(TypedDict):
    """A (document, stage) row: the stage's version, status and reason for that document."""

    document_id: str
    stage: str
    version: str
    status: str
    reason: str | None
    run_id: str | None
    seconds: float | None
    updated: str | None


class StageOutcome(TypedDict):
    """What one stage gave one document, as `record_stage` writes it."""

    document_id: str
    status: str
    reason: str | None


class RetryRow(TypedDict):
    """A document `--retry-failed` takes up again."""

    id: str
    sha256: str | None
    parent_id: str | None


class ContentStages(TypedDict):
    """A content's status and the stage results copied to each of its locations."""

    sha256: str
    status: str
    stages: dict[str, Any]


class ProblemRow(TypedDict):
    """A document that failed or was skipped, as the status page lists it."""

    id: str
    path: str
    status: str
    reason: str | None
    kind: str | None


class StageProblemRow(TypedDict):
    """A later stage that failed on a document, as the status page lists it."""

    id: str
    path: str
    stage: str
    status: str
    reason: str | None


class OriginalRow(TypedDict):
    """A distinct SHA-256 and where its bytes are kept: a file given on the command line, a blob, or both."""

    sha256: str
    has_root: bool
    has_child: bool


class Documents:
    """The Store's methods on documents, contents, content_children and stages (a mixin of `Store`)."""

    db: sqlite3.Connection

    # -- documents ---------------------------------------------------------------------------

    def add_document(self, row: dict[str, Any]) -> bool:
        """Insert a document row unless its id exists; True when inserted."""
        values = [row.get(c) for c in DOC_COLUMNS]
        cur = self.db.execute(
            f"INSERT OR IGNORE INTO documents ({', '.join(DOC_COLUMNS)}) VALUES ({', '.join('?' * len(DOC_COLUMNS))})",
            values)
        return cur.rowcount == 1

    def set_document(self, doc_id: str, **fields: Any) -> None:
        """Set some columns of a document."""
        cols = ", ".join(f"{k} = ?" for k in fields)
        self.db.execute(f"UPDATE documents SET {cols} WHERE id = ?", [*fields.values(), doc_id])

    def document(self, doc_id: str) -> dict[str, Any] | None:
        """A document row with its insertion order (`seq`), or None."""
        row = self.db.execute("SELECT rowid AS seq, * FROM documents WHERE id = ?", (doc_id,)).fetchone()
        return dict(row) if row else None

    def children(self, doc_id: str) -> list[dict[str, Any]]:
        """A document's children, by path."""
        return [dict(r) for r in self.db.execute(
            "SELECT * FROM documents WHERE parent_id = ? ORDER BY path", (doc_id,))]

    def locations(self, sha256: str) -> list[dict[str, Any]]:
        """Every document holding these exact bytes, first by id."""
        return [dict(r) for r in self.db.execute(
            "SELECT id, path, source FROM documents WHERE sha256 = ? ORDER BY id", (sha256,))]

    def pending(self, after: int, limit: int) -> list[dict[str, Any]]:
        """Pending documents in insertion order after rowid `after`."""
        return [dict(r) for r in self.db.execute(
            "SELECT rowid AS seq, * FROM documents WHERE status = 'pending' AND rowid > ? ORDER BY rowid LIMIT ?",
            (after, limit))]

    def pending_ids(self, ids: list[str]) -> list[dict[str, Any]]:
        """Those of these documents still pending, in insertion order."""
        marks = ",".join("?" * len(ids))
        return [dict(r) for r in self.db.execute(
            f"SELECT rowid AS seq, * FROM documents WHERE status = 'pending' AND id IN ({marks}) ORDER BY rowid", ids)]

    def count_pending(self) -> int:
        """How many documents wait for extraction."""
        return int(self.db.execute("SELECT count(*) FROM documents WHERE status = 'pending'").fetchone()[0])

    def documents(self, status: str | None = None, kind: str | None = None) -> Iterator[dict[str, Any]]:
        """Every document (of this status, of this kind) in insertion order, streamed."""
        sql, args = "SELECT * FROM documents WHERE 1=1", []
        if status:
            sql += " AND status = ?"
            args.append(status)
        if kind:
            sql += " AND kind = ?"
            args.append(kind)
        for r in self.db.execute(sql + " ORDER BY rowid", args):
            yield dict(r)

    # -- contents ----------------------------------------------------------------------------

    def content(self, sha256: str, with_text: bool = True) -> dict[str, Any] | None:
        """A stored content with its JSON columns decoded (without its text if asked), or None."""
        cols = "*" if with_text else ", ".join(CONTENT_COLUMNS)
        row = self.db.execute(f"SELECT {cols} FROM contents WHERE sha256 = ?", (sha256,)).fetchone()
        if row is None:
            return None
        out = dict(row)
        for key in ("metadata", "flags", "warnings", "segments", "pages", "languages", "stages"):
            if out.get(key) is not None:
                out[key] = json.loads(out[key])
        return out

    def known_contents(self, shas: set[str]) -> set[str]:
        """Which of these SHA-256 have a stored content (one query per 500)."""
        found: set[str] = set()
        items = list(shas)
        for i in range(0, len(items), IN_CHUNK):
            part = items[i:i + IN_CHUNK]
            found.update(r[0] for r in self.db.execute(
                f"SELECT sha256 FROM contents WHERE sha256 IN ({','.join('?' * len(part))})", part))
        return found

    def put_content(self, sha256: str, size: int | None, status: str, reason: str | None,
                    result: dict[str, Any] | None) -> None:
        """Store (or replace) what extraction made of a content."""
        r = result or {}
        self.db.execute(
            "INSERT OR REPLACE INTO contents (sha256, size, status, reason, mime, kind, extractor, extractor_version,"
            " metadata, flags, warnings, segments, pages, text, language, languages, stages)"
            " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
            (sha256, size, status, reason, r.get("mime"), r.get("kind"), r.get("extractor"),
             r.get("extractor_version"), dumps(r.get("metadata") or {}), dumps(r.get("flags") or []),
             dumps(r.get("warnings") or []), dumps(r.get("segments") or []), dumps(r.get("pages") or []),
             r.get("text") or "", r.get("language"), dumps(r.get("languages") or []), dumps(r.get("stages") or {})))

    def update_content(self, sha256: str, **fields: Any) -> None:
        """Set some columns of a content (JSON-encoding lists and dicts)."""
        cols = ", ".join(f"{k} = ?" for k in fields)
        values = [dumps(v) if isinstance(v, (list, dict)) else v for v in fields.values()]
        self.db.execute(f"UPDATE contents SET {cols} WHERE sha256 = ?", [*values, sha256])

    def put_content_children(self, parent_sha256: str, children: Sequence[Mapping[str, Any]], offset: int = 0,
                             last: bool = True) -> None:
        """Record what a content yields, from position `offset` (a container's children come in
        chunks); with `last`, anything recorded past the end by an interrupted run is dropped."""
        if children:
            self.db.executemany(
                "INSERT OR REPLACE INTO content_children (parent_sha256, ord, name, name_raw, sha256, size, mime_hint,"
                " item_meta, status, reason) VALUES (?,?,?,?,?,?,?,?,?,?)",
                [(parent_sha256, offset + i, c["name"], c.get("name_raw"), c.get("sha256"), c.get("size"),
                  c.get("mime_hint"), dumps(c.get("metadata") or {}), c.get("status"), c.get("reason"))
                 for i, c in enumerate(children)])
        if last:
            self.db.execute("DELETE FROM content_children WHERE parent_sha256 = ? AND ord >= ?",
                            (parent_sha256, offset + len(children)))

    def content_children(self, parent_sha256: str) -> Iterator[dict[str, Any]]:
        """What a content yields, in order, streamed (a mailbox may hold a million messages)."""
        rows = self.db.execute("SELECT * FROM content_children WHERE parent_sha256 = ? ORDER BY ord", (parent_sha256,))
        for r in rows:
            yield dict(r) | {"metadata": json.loads(r["item_meta"] or "{}")}

    def delete_content(self, sha256: str) -> None:
        """Forget a content and its children, so that it is extracted again."""
        self.db.execute("DELETE FROM contents WHERE sha256 = ?", (sha256,))
        self.db.execute("DELETE FROM content_children WHERE parent_sha256 = ?", (sha256,))

    # -- stages ------------------------------------------------------------------------------

    def set_stage(self, doc_id: str, stage: str, version: str, status: str, reason: str | None,
                  run_id: str | None, seconds: float | None = None) -> None:
        """Record a stage's result for a document."""
        self.db.execute(
            "INSERT OR REPLACE INTO stages (document_id, stage, version, status, reason, run_id, seconds, updated)"
            " VALUES (?,?,?,?,?,?,?,?)", (doc_id, stage, version, status, reason, run_id, seconds, now()))

    def set_stages(self, doc_id: str, stages: Mapping[str, Mapping[str, Any]], run_id: str | None) -> None:
        """Several stage results of one document at once."""
        stamp = now()
        self.db.executemany(
            "INSERT OR REPLACE INTO stages (document_id, stage, version, status, reason, run_id, seconds, updated)"
            " VALUES (?,?,?,?,?,?,?,?)",
            [(doc_id, name, st["version"], st["status"], st["reason"], run_id, st.get("seconds"), stamp)
             for name, st in stages.items()])

    def record_stage(self, stage: str, version: str, outcomes: Iterable[StageOutcome], run_id: str | None) -> None:
        """One stage's result for many documents at once (no time per document)."""
        stamp = now()
        self.db.executemany(
            "INSERT OR REPLACE INTO stages (document_id, stage, version, status, reason, run_id, seconds, updated)"
            " VALUES (?,?,?,?,?,?,NULL,?)",
            [(o["document_id"], stage, version, o["status"], o["reason"], run_id, stamp) for o in outcomes])

    def drop_stage(self, doc_id: str, stage: str) -> None:
        """Forget a stage's result for a document, so that stage runs on it again."""
        self.db.execute("DELETE FROM stages WHERE document_id = ? AND stage = ?", (doc_id, stage))

    def drop_stages(self, doc_ids: Iterable[str], stage: str) -> None:
        """`drop_stage` for many documents at once."""
        self.db.executemany("DELETE FROM stages WHERE document_id = ? AND stage = ?", [(i, stage) for i in doc_ids])

    def stages_of(self, doc_id: str) -> dict[str, StageRow]:
        """A document's stage rows by stage name."""
        return {r["stage"]: _stage_row(r) for r in self.db.execute(
            "SELECT * FROM stages WHERE document_id = ?", (doc_id,))}

    # -- reports -----------------------------------------------------------------------------

    def summary(self) -> dict[str, Any]:
        """Counts by status, kind, reason and stage, and how many items `--retry-failed` would take up."""
        q = self.db.execute
        docs = {s: 0 for s in ("ok", "failed", "skipped", "pending")}
        for status, n in q("SELECT status, count(*) FROM documents GROUP BY status"):
            docs[status] = n
        by_kind = {k or "unknown": n for k, n in q(
            "SELECT kind, count(*) FROM documents WHERE status != 'pending' GROUP BY kind ORDER BY count(*) DESC")}
        by_reason = {r: n for r, n in q(
            "SELECT reason, count(*) FROM documents WHERE status IN ('failed', 'skipped')"
            " GROUP BY reason ORDER BY count(*) DESC, reason")}
        by_stage: dict[str, dict[str, int]] = {}
        for stage, status, n in q("SELECT stage, status, count(*) FROM stages GROUP BY stage, status"):
            by_stage.setdefault(stage, {})[status] = n
        distinct = q("SELECT count(DISTINCT sha256) FROM documents WHERE sha256 IS NOT NULL").fetchone()[0]
        size = q("SELECT coalesce(sum(size), 0) FROM contents").fetchone()[0]
        retryable = q(f"SELECT count(*) FROM documents WHERE {RETRYABLE}").fetchone()[0]
        return {"documents": docs, "total": sum(docs.values()), "distinct_contents": distinct,
                "bytes": size, "by_kind": by_kind, "by_reason": by_reason, "by_stage": by_stage,
                "retryable": retryable}

    def canonical_dump(self) -> Iterator[str]:
        """The store as sorted lines without run ids or timestamps: equal stores give equal dumps."""
        for r in self.db.execute(f"SELECT {', '.join(DOC_COLUMNS)} FROM documents ORDER BY id"):
            d = dict(r)
            d["name_raw"] = d["name_raw"].hex() if d["name_raw"] is not None else None
            yield "doc " + dumps(d)
        for r in self.db.execute("SELECT * FROM contents ORDER BY sha256"):
            d = dict(r)
            d["text"] = hashlib.sha256((d["text"] or "").encode("utf-8", "surrogatepass")).hexdigest()
            d["stages"] = {k: {f: v for f, v in st.items() if f != "seconds"}
                           for k, st in json.loads(d["stages"] or "{}").items()}
            yield "content " + dumps(d)
        for r in self.db.execute("SELECT * FROM content_children ORDER BY parent_sha256, ord"):
            d = dict(r)
            d["name_raw"] = d["name_raw"].hex() if d["name_raw"] is not None else None
            yield "child " + dumps(d)
        for r in self.db.execute("SELECT document_id, stage, version, status, reason FROM stages"
                                 " ORDER BY document_id, stage"):
            yield "stage " + dumps(dict(r))


def _stage_row(r: sqlite3.Row) -> StageRow:
    return {"document_id": r["document_id"], "stage": r["stage"], "version": r["version"], "status": r["status"],
            "reason": r["reason"], "run_id": r["run_id"], "seconds": r["seconds"], "updated": r["updated"]}


# -- documents ---------------------------------------------------------------------------------

def unknown_ids(store: Store, ids: Iterable[str]) -> list[str]:
    """Those of these ids that name no document, in the order given."""
    wanted = list(ids)
    known: set[str] = set()
    for i in range(0, len(wanted), IN_CHUNK):
        part = wanted[i:i + IN_CHUNK]
        known.update(r[0] for r in store.db.execute(
            f"SELECT id FROM documents WHERE id IN ({','.join('?' * len(part))})", part))
    return [i for i in wanted if i not in known]


def documents_by_id(store: Store, ids: list[str]) -> dict[str, dict[str, Any]]:
    """The rows of these documents (at most 500 ids) by id; unknown ids are left out."""
    marks = ",".join("?" * len(ids))
    return {r["id"]: dict(r) for r in store.db.execute(f"SELECT * FROM documents WHERE id IN ({marks})", ids)}


def ids_with_sha(store: Store, sha256: str) -> list[str]:
    """The ids of every location of these bytes."""
    return [r[0] for r in store.db.execute("SELECT id FROM documents WHERE sha256 = ?", (sha256,)).fetchall()]


def finished_ids(store: Store) -> Iterator[str]:
    """Ids of every document past extraction, in insertion order, streamed."""
    for (doc_id,) in store.db.execute("SELECT id FROM documents WHERE status != 'pending' ORDER BY rowid"):
        yield doc_id


def set_pending(store: Store, sha256: str) -> None:
    """Every location of these bytes waits for extraction again."""
    store.db.execute("UPDATE documents SET status = 'pending', reason = NULL WHERE sha256 = ?", (sha256,))


def retryable(store: Store) -> list[RetryRow]:
    """The documents `--retry-failed` takes up again (see RETRYABLE)."""
    return [{"id": r["id"], "sha256": r["sha256"], "parent_id": r["parent_id"]} for r in store.db.execute(
        f"SELECT id, sha256, parent_id FROM documents WHERE {RETRYABLE}").fetchall()]


def count_retryable(store: Store) -> int:
    """How many documents `--retry-failed` would take up again."""
    return int(store.db.execute(f"SELECT count(*) FROM documents WHERE {RETRYABLE}").fetchone()[0])


def drop_walk_failures(store: Store) -> None:
    """Forget the inputs the walk could not read (it finds them again)."""
    store.db.execute("DELETE FROM documents WHERE status = 'failed' AND sha256 IS NULL AND parent_id IS NULL")


def problems(store: Store) -> Iterator[dict[str, Any]]:
    """Every failed or skipped document, in insertion order, streamed."""
    for r in store.db.execute("SELECT * FROM documents WHERE status IN ('failed', 'skipped') ORDER BY rowid"):
        yield dict(r)


def first_problems(store: Store, limit: int) -> list[ProblemRow]:
    """The first `limit` failed or skipped documents, for the status page."""
    return [{"id": r["id"], "path": r["path"], "status": r["status"], "reason": r["reason"], "kind": r["kind"]}
            for r in store.db.execute(
                "SELECT id, path, status, reason, kind FROM documents WHERE status IN ('failed', 'skipped')"
                " ORDER BY rowid LIMIT ?", (max(0, limit),))]


def originals(store: Store) -> list[OriginalRow]:
    """Every distinct SHA-256 and whether an input file, a child (a blob) or both hold it."""
    return [{"sha256": r["sha256"], "has_root": bool(r["has_root"]), "has_child": bool(r["has_child"])}
            for r in store.db.execute(
                "SELECT sha256, max(parent_id IS NULL) AS has_root, max(parent_id IS NOT NULL) AS has_child"
                " FROM documents WHERE sha256 IS NOT NULL GROUP BY sha256 ORDER BY sha256").fetchall()]


# -- contents ----------------------------------------------------------------------------------

def text_and_pages(store: Store, doc_id: str) -> tuple[str, list[dict[str, Any]]] | None:
    """(stored text, pages) of a document, or None when it has no content."""
    row = store.db.execute(
        "SELECT c.text, c.pages FROM documents d JOIN contents c ON c.sha256 = d.sha256 WHERE d.id = ?",
        (doc_id,)).fetchone()
    if row is None:
        return None
    return row[0] or "", json.loads(row[1] or "[]")


def contents_by_sha(store: Store, shas: Iterable[str], columns: tuple[str, ...]) -> dict[str, dict[str, Any]]:
    """These columns of these contents by SHA-256 (one query per 500), JSON columns left encoded."""
    wanted = ", ".join(c for c in CONTENT_COLUMNS + ("text",) if c in columns or c == "sha256")
    out: dict[str, dict[str, Any]] = {}
    items = list(shas)
    for i in range(0, len(items), IN_CHUNK):
        part = items[i:i + IN_CHUNK]
        for r in store.db.execute(f"SELECT {wanted} FROM contents WHERE sha256 IN ({','.join('?' * len(part))})", part):
            out[r["sha256"]] = dict(r)
    return out


def content_stages(store: Store) -> Iterator[ContentStages]:
    """Every content's status and stage results, streamed."""
    for sha, stages_json, status in store.db.execute("SELECT sha256, stages, status FROM contents"):
        yield {"sha256": sha, "status": status, "stages": json.loads(stages_json or "{}")}


# -- stages ------------------------------------------------------------------------------------

def stale_extractions(store: Store, stage: str, version: str) -> list[str]:
    """The SHA-256 of documents whose `stage` ran with another version than `version`."""
    return [r[0] for r in store.db.execute(
        "SELECT DISTINCT d.sha256 FROM documents d JOIN stages s ON s.document_id = d.id"
        " WHERE s.stage = ? AND s.version != ? AND d.sha256 IS NOT NULL", (stage, version)).fetchall()]


def bump_version_without_content(store: Store, stage: str, version: str) -> None:
    """Items without content have nothing to run a stage on: only the new version is noted."""
    store.db.execute(
        "UPDATE stages SET version = ? WHERE stage = ? AND version != ? AND document_id IN"
        " (SELECT id FROM documents WHERE sha256 IS NULL)", (version, stage, version))


def forget_stage(store: Store, stage: str) -> None:
    """Forget a stage's results for every document, so it runs on all of them again."""
    store.db.execute("DELETE FROM stages WHERE stage = ?", (stage,))


def count_not_at(store: Store, stage: str, version: str) -> int:
    """How many finished documents have no row of `stage` at `version`."""
    return int(store.db.execute(
        "SELECT count(*) FROM documents d LEFT JOIN stages s ON s.document_id = d.id AND s.stage = ?"
        " WHERE d.status != 'pending' AND (s.version IS NULL OR s.version != ?)", (stage, version)).fetchone()[0])


def not_at(store: Store, stage: str, version: str, after: int, limit: int) -> list[dict[str, Any]]:
    """Finished documents after rowid `after` with no row of `stage` at `version`, with `seq`, in order."""
    return [dict(r) for r in store.db.execute(
        "SELECT d.rowid AS seq, d.* FROM documents d LEFT JOIN stages s ON s.document_id = d.id AND s.stage = ?"
        " WHERE d.rowid > ? AND d.status != 'pending' AND (s.version IS NULL OR s.version != ?)"
        " ORDER BY d.rowid LIMIT ?", (stage, after, version, limit)).fetchall()]


def stage_rows(store: Store, stages: Iterable[str]) -> tuple[int, dict[str, int]]:
    """The number of documents, and of stage rows (any status, any version) of each of `stages`:
    how far the analysis frontier is, for a note on search results while a run goes on."""
    names = list(stages)
    total = store.db.execute("SELECT count(*) FROM documents").fetchone()[0]
    counts = {n: 0 for n in names}
    if names:
        for stage, n in store.db.execute("SELECT stage, count(*) FROM stages WHERE stage IN"
                                         f" ({','.join('?' * len(names))}) GROUP BY stage", names):
            counts[stage] = n
    return total, counts


def staged_but_gone(store: Store, stage: str) -> list[str]:
    """Ids that have a row of `stage` but no document any more."""
    return [r[0] for r in store.db.execute(
        "SELECT s.document_id FROM stages s LEFT JOIN documents d ON d.id = s.document_id"
        " WHERE s.stage = ? AND d.id IS NULL", (stage,))]


def stage_problems(store: Store, stage: str) -> Iterator[dict[str, Any]]:
    """Documents on which `stage` failed or was skipped, in insertion order: their rows with the
    stage's status and reason in place of the document's."""
    for r in store.db.execute(
            "SELECT d.*, s.status AS sstatus, s.reason AS sreason FROM documents d JOIN stages s ON s.document_id = d.id"
            " WHERE s.stage = ? AND s.status IN ('failed', 'skipped') ORDER BY d.rowid", (stage,)):
        yield dict(r) | {"status": r["sstatus"], "reason": r["sreason"]}


def later_stage_failures(store: Store, limit: int) -> list[StageProblemRow]:
    """The first `limit` failures of stages after extraction, for the status page."""
    return [{"id": r["id"], "path": r["path"], "stage": r["stage"], "status": r["status"], "reason": r["reason"]}
            for r in store.db.execute(
                "SELECT s.document_id AS id, d.path, s.stage, s.status, s.reason FROM stages s JOIN documents d"
                " ON d.id = s.document_id WHERE s.status = 'failed' AND s.stage != 'extract' ORDER BY d.rowid LIMIT ?",
                (max(0, limit),))]


# -- for faisceau/mail/stage.py and faisceau/mail/views.py

class MetadataText(TypedDict):
    """A content's metadata (decoded) and text, what an e-mail record is built from."""

    metadata: dict[str, Any]
    text: str


class SharedContent(TypedDict):
    """A content held by several ok documents, and how many."""

    sha256: str
    count: int


class DocLocation(TypedDict):
    """A document by id, provenance path and content."""

    id: str
    path: str
    sha256: str | None


def metadata_and_text(store: Store, shas: list[str]) -> dict[str, MetadataText]:
    """The metadata and text of these contents, by SHA-256 (those stored)."""
    return {sha: MetadataText(metadata=json.loads(r["metadata"] or "{}"), text=r["text"] or "")
            for sha, r in contents_by_sha(store, shas, ("metadata", "text")).items()}


def shared_contents(store: Store) -> list[SharedContent]:
    """The contents held by more than one ok document, most held first."""
    return [SharedContent(sha256=r[0], count=r[1]) for r in store.db.execute(
        "SELECT sha256, count(*) FROM documents WHERE sha256 IS NOT NULL AND status = 'ok'"
        " GROUP BY sha256 HAVING count(*) > 1 ORDER BY count(*) DESC, sha256")]


def locations_of(store: Store, ids: list[str]) -> list[DocLocation]:
    """These documents' paths and contents (those that exist), in no particular order."""
    out: list[DocLocation] = []
    for i in range(0, len(ids), IN_CHUNK):
        part = ids[i:i + IN_CHUNK]
        out += [DocLocation(id=r[0], path=r[1], sha256=r[2]) for r in store.db.execute(
            f"SELECT id, path, sha256 FROM documents WHERE id IN ({','.join('?' * len(part))})", part)]
    return out
