"""Shared by the real-browser tests: the served project, headless system Chromium, a fresh page.

System Chromium only (never a downloaded browser), a fresh profile per launch, explicit waits.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from webproject import WebProject, web_project

from faisceau.web import Workbench
from faisceau.web.server import Background

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]
WAIT = 15_000  # ms: explicit waits, generous on busy machines


@pytest.fixture(scope="module")
def wp(tmp_path_factory: pytest.TempPathFactory) -> WebProject:
    return web_project(tmp_path_factory)


@pytest.fixture(scope="module")
def server(wp: WebProject) -> Iterator[Background]:
    srv = Background(Workbench.open(wp.root))
    yield srv
    srv.stop()


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)  # a fresh profile per launch
        yield b
        b.close()


@pytest.fixture
def page(browser: object) -> Iterator[object]:
    ctx = browser.new_context(locale="en-GB")  # type: ignore[attr-defined]
    pg = ctx.new_page()
    pg.set_default_timeout(WAIT)
    dialogs: list[str] = []
    pg.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    yield pg
    assert not dialogs, f"a dialog opened: {dialogs}"
    ctx.close()


def ready(pg: object) -> None:
    pg.wait_for_selector("body[data-ready=true]")  # type: ignore[attr-defined]
