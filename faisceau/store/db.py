"""The project store: documents (every location), contents (extracted once), stages, runs."""

from __future__ import annotations

import datetime as dt
import getpass
import hashlib
import json
import sqlite3
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterator, Mapping, Sequence

import orjson

from ..exc import ProjectError
from .migrations import MIGRATIONS, SCHEMA_VERSION

DOC_COLUMNS = ("id", "parent_id", "root_id", "path", "name", "name_raw", "source", "sha256", "size",
               "depth", "mime_hint", "item_meta", "status", "reason", "kind", "mime")


def now() -> str:
    return dt.datetime.now(dt.timezone.utc).isoformat(timespec="milliseconds")


def current_user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "unknown"


def dumps(value: Any) -> str:
    """Compact JSON with sorted keys: orjson (the parent writes every result, so its time counts),
    else the standard library for what orjson refuses (lone surrogates, huge integers)."""
    if not value and isinstance(value, (list, dict)):
        return "[]" if isinstance(value, list) else "{}"
    try:
        return orjson.dumps(value, default=str, option=_ORJSON).decode("utf-8")
    except (TypeError, orjson.JSONEncodeError):
        return json.dumps(value, ensure_ascii=False, sort_keys=True, default=str, separators=(",", ":"))


_ORJSON = orjson.OPT_SORT_KEYS | orjson.OPT_NON_STR_KEYS


class Store:
    """SQLite store of one project; forward migrations are applied on open."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.db = sqlite3.connect(path, timeout=60, isolation_level=None)
        self.db.row_factory = sqlite3.Row
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA synchronous=NORMAL")
        self.db.execute("PRAGMA foreign_keys=OFF")
        self._migrate()

    def _migrate(self) -> None:
        version = self.db.execute("PRAGMA user_version").fetchone()[0]
        if version > SCHEMA_VERSION:
            raise ProjectError(
                f"{self.path}: store schema {version} is newer than this faisceau knows ({SCHEMA_VERSION}); upgrade faisceau")
        for i in range(version, SCHEMA_VERSION):
            # executescript commits anything pending first; the script is one transaction of its own
            self.db.executescript("BEGIN IMMEDIATE;" + MIGRATIONS[i] + f";PRAGMA user_version={i + 1};COMMIT;")

    def close(self) -> None:
        self.db.close()

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """One atomic write: everything in it lands, or nothing does."""
        self.db.execute("BEGIN IMMEDIATE")
        try:
            yield self.db
        except BaseException:
            self.db.execute("ROLLBACK")
            raise
        else:
            self.db.execute("COMMIT")

    # -- documents ---------------------------------------------------------------------------

    def add_document(self, row: dict[str, Any]) -> bool:
        """Insert a document row unless its id exists; True when inserted."""
        values = [row.get(c) for c in DOC_COLUMNS]
        cur = self.db.execute(
            f"INSERT OR IGNORE INTO documents ({', '.join(DOC_COLUMNS)}) VALUES ({', '.join('?' * len(DOC_COLUMNS))})",
            values)
        return cur.rowcount == 1

    def set_document(self, doc_id: str, **fields: Any) -> None:
        cols = ", ".join(f"{k} = ?" for k in fields)
        self.db.execute(f"UPDATE documents SET {cols} WHERE id = ?", [*fields.values(), doc_id])

    def document(self, doc_id: str) -> dict[str, Any] | None:
        row = self.db.execute("SELECT rowid AS seq, * FROM documents WHERE id = ?", (doc_id,)).fetchone()
        return dict(row) if row else None

    def children(self, doc_id: str) -> list[dict[str, Any]]:
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
        return int(self.db.execute("SELECT count(*) FROM documents WHERE status = 'pending'").fetchone()[0])

    def documents(self, status: str | None = None, kind: str | None = None) -> Iterator[dict[str, Any]]:
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
        cols = "*" if with_text else ", ".join(
            c for c in ("sha256", "size", "status", "reason", "mime", "kind", "extractor", "extractor_version",
                        "metadata", "flags", "warnings", "segments", "pages", "language", "languages", "stages"))
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
        for i in range(0, len(items), 500):
            part = items[i:i + 500]
            found.update(r[0] for r in self.db.execute(
                f"SELECT sha256 FROM contents WHERE sha256 IN ({','.join('?' * len(part))})", part))
        return found

    def put_content(self, sha256: str, size: int | None, status: str, reason: str | None,
                    result: dict[str, Any] | None) -> None:
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
        self.db.execute("DELETE FROM contents WHERE sha256 = ?", (sha256,))
        self.db.execute("DELETE FROM content_children WHERE parent_sha256 = ?", (sha256,))

    # -- stages ------------------------------------------------------------------------------

    def set_stage(self, doc_id: str, stage: str, version: str, status: str, reason: str | None,
                  run_id: str | None, seconds: float | None = None) -> None:
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

    def drop_stage(self, doc_id: str, stage: str) -> None:
        """Forget a stage's result for a document, so that stage runs on it again."""
        self.db.execute("DELETE FROM stages WHERE document_id = ? AND stage = ?", (doc_id, stage))

    def stages_of(self, doc_id: str) -> dict[str, dict[str, Any]]:
        return {r["stage"]: dict(r) for r in self.db.execute(
            "SELECT * FROM stages WHERE document_id = ?", (doc_id,))}

    # -- runs and actions --------------------------------------------------------------------

    def start_run(self, run_id: str, command: str, settings: dict[str, Any], tools: dict[str, Any]) -> None:
        with self.transaction():
            self.db.execute("INSERT INTO runs (id, started, command, settings, tools) VALUES (?,?,?,?,?)",
                            (run_id, now(), command, dumps(settings), dumps(tools)))

    def finish_run(self, run_id: str, report: dict[str, Any]) -> None:
        with self.transaction():
            self.db.execute("UPDATE runs SET finished = ?, report = ? WHERE id = ?", (now(), dumps(report), run_id))

    def log_action(self, action: str, detail: dict[str, Any]) -> None:
        """Append a user action (retry, tag, merge, export…) to the action log."""
        self.db.execute("INSERT INTO actions (time, user, action, detail) VALUES (?,?,?,?)",
                        (now(), current_user(), action, dumps(detail)))

    # -- reports -----------------------------------------------------------------------------

    def summary(self) -> dict[str, Any]:
        """Counts by status, kind, reason and stage."""
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
        return {"documents": docs, "total": sum(docs.values()), "distinct_contents": distinct,
                "bytes": size, "by_kind": by_kind, "by_reason": by_reason, "by_stage": by_stage}

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
