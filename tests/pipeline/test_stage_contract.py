"""Each item stage writes exactly the state keys it declares in `assigns`.

The stages run in this process as a worker runs them, one at a time, on real files made here (an
e-mail with an attachment, a page image for OCR, a plain text); what each stage changed in the state
is compared with its declaration. Over all the inputs, every declared key is written by its stage,
and no stage writes a key it does not declare.
"""

from __future__ import annotations

import copy
import shutil
import sys
from email.message import EmailMessage
from pathlib import Path

import pytest

from faisceau import settings as settings_mod
from faisceau.extract.base import Context
from faisceau.pipeline.shapes import StageState
from faisceau.pipeline.stages import Stage, item_stages, load_target
from faisceau.pipeline.worker import ItemTask
from faisceau.store.blobs import BlobStore

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "ocr"))
from ocr_pages import ENGLISH, page_image, save  # noqa: E402

TEXT = ("Le 12 mars 2019, Jean Dupont a écrit à la direction de Lyon depuis jean.dupont@example.org "
        "pour annoncer la réunion du comité.\n")


def _eml(path: Path) -> Path:
    msg = EmailMessage()
    msg["From"] = "Marie Curie <marie.curie@example.org>"
    msg["To"] = "Pierre Martin <pierre.martin@example.com>"
    msg["Subject"] = "Réunion du comité"
    msg["Date"] = "Tue, 12 Mar 2019 10:00:00 +0100"
    msg["Message-ID"] = "<a1@example.org>"
    msg.set_content(TEXT)
    msg.add_attachment(TEXT.encode("utf-8"), maintype="text", subtype="plain", filename="compte-rendu.txt")
    path.write_bytes(msg.as_bytes())
    return path


def written(path: Path, tmp_path: Path) -> dict[str, set[str]]:
    """The state keys each item stage changed, run in order on one file."""
    cfg = settings_mod.load(environ={}, overrides={"workers": 1})
    scratch = tmp_path / "project" / "tmp" / "scratch"
    scratch.mkdir(parents=True, exist_ok=True)
    blobs = BlobStore(tmp_path / "project" / "blobs")
    stages = item_stages()
    task = ItemTask(doc_id="d", sha256="s", file=str(path), name=path.name, mime_hint=None, depth=0,
                    stages=[s.name for s in stages], extra={"size": path.stat().st_size})
    ctx = Context(settings=cfg, scratch=scratch, name=path.name)
    state: StageState = {}
    out: dict[str, set[str]] = {}
    for s in stages:
        before = copy.deepcopy(state)
        load_target(s.target)(task, state, ctx, blobs)
        out[s.name] = {k for k in state if k not in before or state[k] != before[k]}  # type: ignore[literal-required]
    return out


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> list[dict[str, set[str]]]:
    tmp = tmp_path_factory.mktemp("contract")
    files = [_eml(tmp / "message.eml"), tmp / "note.txt"]
    files[1].write_text(TEXT, "utf-8")
    if shutil.which("tesseract"):
        files.append(save(page_image(ENGLISH), tmp / "page.png"))
    return [written(f, tmp / f"run-{i}") for i, f in enumerate(files)]


@pytest.mark.parametrize("stage", item_stages(), ids=lambda s: s.name)
def test_a_stage_writes_only_what_it_assigns(stage: Stage, runs: list[dict[str, set[str]]]) -> None:
    extra = set().union(*(r[stage.name] for r in runs)) - set(stage.assigns)
    assert extra == set(), f"{stage.name} writes {sorted(extra)} without declaring it"


@pytest.mark.parametrize("stage", item_stages(), ids=lambda s: s.name)
def test_a_stage_writes_every_key_it_assigns(stage: Stage, runs: list[dict[str, set[str]]]) -> None:
    if stage.name == "ocr" and not shutil.which("tesseract"):
        pytest.skip("tesseract not installed: no page is read")
    missing = set(stage.assigns) - set().union(*(r[stage.name] for r in runs))
    assert missing == set(), f"{stage.name} declares {sorted(missing)} but wrote them on no input"
