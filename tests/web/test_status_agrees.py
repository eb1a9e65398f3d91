"""The CLI's and the web's ingest reports count the same project the same way.

Both read one summary from the documents' owner; the figure they once disagreed on is what
`--retry-failed` takes up again (failures, and items nested deeper than the limit, which a higher
`max_depth` reaches). The project here holds each kind: a broken PDF, a file too deeply nested, and
ordinary text; the retry then takes up exactly the count both reports gave.
"""

from __future__ import annotations

import io
import warnings
import zipfile
from pathlib import Path
from typing import Any

from helpers import faisceau, jsonl

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

from faisceau.store.db import Store
from faisceau.store.runs import actions
from faisceau.web import Workbench, create_app


def _zip(members: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        for name, data in members.items():
            z.writestr(name, data)
    return buf.getvalue()


def _leak(root: Path) -> Path:
    leak = root / "leak"
    leak.mkdir()
    data = b"bottom of the pile, where the minutes of the meeting were kept " * 4
    for level in range(4):
        data = _zip({f"level{level}.zip" if level else "minutes.txt": data})
    (leak / "nest.zip").write_bytes(data)
    (leak / "broken.pdf").write_bytes(b"%PDF-1.7\n1 0 obj << /Type /Catalog /Pages 2 0 R >>\n%%EOF garbage")
    (leak / "note.txt").write_text("Compte rendu de la réunion du comité, le 12 mars 2019.\n", "utf-8")
    return leak


def _web_status(project: Path) -> dict[str, Any]:
    with TestClient(create_app(Workbench.open(project)), base_url="http://127.0.0.1:8000") as c:
        r = c.get("/api/status")
        assert r.status_code == 200, r.text
        out: dict[str, Any] = r.json()
        return out


def test_cli_and_web_status_give_the_same_figures_and_the_retry_takes_them_up(tmp_path: Path) -> None:
    project = tmp_path / "p"
    faisceau("ingest", _leak(tmp_path), "--project", project, "--set", "max_depth=2")
    cli = jsonl(faisceau("status", "--project", project, "--json").stdout)[0]
    web = _web_status(project)
    for key in ("total", "documents", "by_kind", "by_reason", "by_stage", "retryable", "distinct_contents",
                "frontiers"):
        assert cli[key] == web[key], key
    # both frontiers at the end of the run: every document searchable and analysed (the web page says so)
    assert cli["frontiers"]["searchable"] == cli["frontiers"]["analysed"] == cli["total"]
    assert web["frontiers_line"] == f"searchable {cli['total']} of {cli['total']} · analysed {cli['total']}"
    reasons = cli["by_reason"]
    assert any(r.startswith("nesting depth 3 over limit 2") for r in reasons), reasons
    failed = cli["documents"]["failed"]
    before = jsonl(faisceau("documents", "--project", project, "--json").stdout)
    assert failed == sum(d["status"] == "failed" for d in before) and any(
        d["path"] == "broken.pdf" and d["status"] == "failed" for d in before)
    deep = sum(n for r, n in reasons.items() if r.startswith("nesting depth"))
    assert cli["retryable"] == failed + deep
    # the retry, with a depth that reaches the nested file, takes up exactly that many items
    faisceau("ingest", "--retry-failed", "--project", project, "--set", "max_depth=8")
    listed = jsonl(faisceau("documents", "--project", project, "--json").stdout)
    assert any(d["path"].endswith("minutes.txt") and d["status"] == "ok" for d in listed)
    store = Store(project / "store.sqlite")
    try:
        logged = actions(store, "retry-failed")
    finally:
        store.close()
    assert logged and logged[-1]["detail"]["documents"] == cli["retryable"]
    after = jsonl(faisceau("status", "--project", project, "--json").stdout)[0]
    assert after["retryable"] == _web_status(project)["retryable"] == failed  # the PDF is still broken
