"""Shared test fixtures: settings, extraction context, and the real corpora."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from faisceau import settings as settings_mod
from faisceau.extract.base import Context, Extractor
from faisceau.model import Child, Extracted

ROOT = Path(__file__).resolve().parent.parent
CORPORA = Path(os.environ.get("FAISCEAU_CORPORA", ROOT.parent / "shared" / "corpora"))
IN_CI = os.environ.get("CI", "").lower() == "true"


def corpus_path(name: str) -> Path:
    """The folder of a shared corpus; skip when absent, fail under CI=true."""
    p = CORPORA / name
    if not p.is_dir():
        if IN_CI:
            pytest.fail(f"corpus {name} missing at {p} (required under CI=true)")
        pytest.skip(f"corpus {name} not found at {p}")
    return p


@pytest.fixture
def ctx(tmp_path: Path) -> Context:
    """An extraction context with default settings and a scratch folder."""
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    return Context(settings=settings_mod.load(environ={}), scratch=scratch)


def run_extractor(cls: type[Extractor], path: Path, ctx: Context) -> tuple[Extracted, list[Child]]:
    """Run one extractor on a file; return the filled document and the list of children."""
    doc = Extracted(extractor=cls.NAME, extractor_version=cls.version(), kind=cls.KIND)
    children = list(cls().extract(path, doc, ctx))
    return doc, children


def child_bytes(child: Child) -> bytes:
    """The content of a child, whether held in memory or written to scratch."""
    if child.data is not None:
        return child.data
    assert child.path is not None
    return child.path.read_bytes()


@pytest.fixture
def extract(ctx: Context) -> Iterator[object]:
    """`extract(cls, path)` → (doc, children), with the test's context."""
    yield lambda cls, path: run_extractor(cls, path, ctx)


@pytest.fixture(scope="session")
def ingested(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """One ingested project per corpus (tests/corpus), shared by every test of the session."""
    from corpus_projects import ingest_all

    return ingest_all(tmp_path_factory)
