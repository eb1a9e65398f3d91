"""A published evidence pack reveals neither the investigator's folder nor their system account,
unless asked (`--show-project-path`, `--show-user`)."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from exportdemo import demo_project, doc_id

from faisceau import citing as cit
from faisceau import tags
from faisceau.cli import main
from faisceau.store.db import Store, current_user


def run(*args: object) -> Any:
    res = CliRunner().invoke(main, [str(a) for a in args])
    assert res.exit_code == 0, res.output
    return res


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("privacy") / "enquete-vigie"
    shutil.copytree(demo_project(tmp_path_factory), root)
    store = Store(root / "store.sqlite")
    doc = doc_id(root, "hostile/page.eml")
    tags.add_tag(store, [doc], "evidence")
    tags.add_note(store, doc, "à vérifier")
    cit.add_citation(store, doc, 0, 20, note="début")
    return root


def test_pack_names_no_folder_and_no_user_by_default(project: Path, tmp_path: Path) -> None:
    run("export", "evidence", "--tag", "evidence", "--no-pdf", "--project", project, "-o", tmp_path / "pack")
    report = (tmp_path / "pack" / "index.html").read_text("utf-8")
    user = current_user()
    assert str(project) not in report and str(project.parent) not in report
    assert "<code>enquete-vigie</code>" in report           # the project is named by its folder's name
    assert f"by {user}" not in report and f"— {user}," not in report, user
    assert "à vérifier" in report and "citation #" in report  # the note and the citation are still there


def test_pack_shows_folder_and_user_when_asked(project: Path, tmp_path: Path) -> None:
    run("export", "evidence", "--tag", "evidence", "--no-pdf", "--show-project-path", "--show-user",
        "--project", project, "-o", tmp_path / "pack")
    report = (tmp_path / "pack" / "index.html").read_text("utf-8")
    assert f"<code>{project}</code>" in report
    assert f"by {current_user()}" in report
