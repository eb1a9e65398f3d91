"""Real browser tests (headless system Chromium) of copies folded and unfolded, and of the way from
the graph to a person's page, on the project of test_copies.py."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from browserkit import browser, page, ready  # noqa: F401 (fixtures)
from test_copies import project  # noqa: F401 (fixture)

from faisceau.web import Workbench
from faisceau.web.server import Background

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def server(project: Path) -> Iterator[Background]:  # noqa: F811 (the fixture imported above)
    srv = Background(Workbench.open(project))
    yield srv
    srv.stop()


def test_search_folds_copies_and_the_toggle_shows_them_all(page: object, server: Background) -> None:
    pg = page
    pg.goto(server.url + "/search?q=zanzibar")  # type: ignore[attr-defined]
    ready(pg)
    assert pg.locator("li.hit").count() == 3
    assert "3 copies" in pg.inner_text("ol.hits")
    pg.click("#copies-toggle")
    pg.wait_for_url(re.compile(r"copies=all"))
    ready(pg)
    assert pg.locator("li.hit").count() == 6
    pg.click("#copies-toggle")
    pg.wait_for_url(re.compile(r"^(?!.*copies=all)"))
    ready(pg)
    pg.locator("a.copies-link", has_text="3 copies").click()
    pg.wait_for_url(re.compile(r"/documents/[0-9a-f]+#copies$"))
    ready(pg)
    assert pg.locator("#copies li").count() == 2


def test_timeline_toggle_lists_every_copys_event(page: object, server: Background) -> None:
    pg = page
    pg.goto(server.url + "/timeline?q=tariff&kind=metadata")  # type: ignore[attr-defined]
    ready(pg)
    assert pg.inner_text("#event-total") == "1"
    pg.check("#all-copies")
    pg.click("form.searchbar button[type=submit]")
    pg.wait_for_url(re.compile(r"copies=all"))
    ready(pg)
    assert pg.inner_text("#event-total") == "3"


def test_a_click_on_a_person_in_the_graph_leads_to_their_page(page: object, server: Background) -> None:
    pg = page
    pg.goto(server.url + "/graph")  # type: ignore[attr-defined]
    ready(pg)
    pg.locator('.node[data-id="alice@corp.example.com"] circle').click()
    pg.wait_for_selector("#node-messages[data-loaded=true]")
    assert "Pipeline tariff" in pg.inner_text("#node-messages")
    pg.click("#node-page")
    pg.wait_for_url(re.compile(r"/people/alice%40corp\.example\.com$"))
    ready(pg)
    assert "Pipeline tariff" in pg.inner_text("#sent-messages")
    assert "Bob Stone" in pg.inner_text("#partners")
    pg.click("#ego-link")
    pg.wait_for_url(re.compile(r"/graph\?ego="))
    ready(pg)
    assert pg.locator(".node").count() == 3
