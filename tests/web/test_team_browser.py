"""Server mode in headless Chromium: log in, search, tag, log out; an editor's tag seen by a
reader; a reader refused the admin page and a tag."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from browserkit import WAIT, browser  # noqa: F401 (the fixture)
from teamkit import PASSWORD, Team, team  # noqa: F401 (the fixture)


@pytest.fixture
def page(browser: object) -> Iterator[object]:
    ctx = browser.new_context(locale="en-GB")  # type: ignore[attr-defined]
    pg = ctx.new_page()
    pg.set_default_timeout(WAIT)
    errors: list[str] = []
    pg.on("pageerror", lambda e: errors.append(str(e)))
    yield pg
    ctx.close()
    assert not errors, errors


def ready(pg: object) -> None:
    pg.wait_for_selector("body[data-ready=true]")  # type: ignore[attr-defined]


def log_in(pg: object, name: str) -> None:
    pg.wait_for_selector("#login-button")  # type: ignore[attr-defined]
    pg.fill("#name", name)  # type: ignore[attr-defined]
    pg.fill("#password", PASSWORD)  # type: ignore[attr-defined]
    pg.click("#login-button")  # type: ignore[attr-defined]


def test_editor_tags_reader_sees_it_and_is_refused_the_rest(page: object, browser: object, team: Team) -> None:  # noqa: F811
    pg = page
    doc = team.ids["alpha"]["budget.txt"]
    # the editor: a project page sends to the login, and back
    pg.goto(f"{team.url}/p/alpha/search")  # type: ignore[attr-defined]
    pg.wait_for_url(re.compile(r"/login\?next="))  # type: ignore[attr-defined]
    log_in(pg, "ed")
    pg.wait_for_url(re.compile(r"/p/alpha/search$"))  # type: ignore[attr-defined]
    ready(pg)
    assert pg.inner_text("#who") == "ed"  # type: ignore[attr-defined]
    pg.fill("#q", "Acme")  # type: ignore[attr-defined]
    pg.press("#q", "Enter")  # type: ignore[attr-defined]
    pg.wait_for_url(re.compile(r"q=Acme"))  # type: ignore[attr-defined]
    ready(pg)
    assert pg.inner_text("#total") == "3"  # type: ignore[attr-defined]
    pg.click(f'.hit[data-id="{doc}"] a.title')  # type: ignore[attr-defined]
    pg.wait_for_url(re.compile(f"/p/alpha/documents/{doc}"))  # type: ignore[attr-defined]
    ready(pg)
    pg.fill("#tag-input", "piste-budget")  # type: ignore[attr-defined]
    pg.click("#tag-form button")  # type: ignore[attr-defined]
    pg.wait_for_selector("#tag-list .tag a:text('piste-budget')")  # type: ignore[attr-defined]
    # the tag's link stays inside the project
    assert pg.get_attribute("#tag-list .tag a", "href").startswith("/p/alpha/search?q=")  # type: ignore[attr-defined]
    pg.click("#logout")  # type: ignore[attr-defined]
    pg.wait_for_url(re.compile(r"/login$"))  # type: ignore[attr-defined]
    pg.goto(f"{team.url}/p/alpha/documents/{doc}")  # type: ignore[attr-defined]
    pg.wait_for_url(re.compile(r"/login\?next="))  # type: ignore[attr-defined]

    # the reader, in a browser of her own
    ctx = browser.new_context(locale="en-GB")  # type: ignore[attr-defined]
    rp = ctx.new_page()
    rp.set_default_timeout(WAIT)
    try:
        rp.goto(f"{team.url}/login")
        log_in(rp, "rita")
        rp.wait_for_selector("#projects")
        assert rp.locator("#projects a.audit-link").count() == 0  # no audit link for a reader
        rp.click("#projects a:text('alpha')")
        ready(rp)
        rp.fill("#q", "tag:piste-budget")
        rp.press("#q", "Enter")
        rp.wait_for_url(re.compile(r"q=tag"))
        ready(rp)
        assert rp.inner_text("#total") == "1"
        rp.click("a.title")
        ready(rp)
        assert "piste-budget" in rp.inner_text("#tag-list")
        # a reader's tag is refused, and the page says so
        rp.fill("#tag-input", "reader-tag")
        rp.click("#tag-form button")
        rp.wait_for_selector("#flash:not([hidden])")
        assert "does not allow" in rp.inner_text("#flash")
        assert "reader-tag" not in rp.inner_text("#tag-list")
        # the admin page
        resp = rp.goto(f"{team.url}/p/alpha/audit")
        assert resp is not None and resp.status == 403
        assert "does not allow" in rp.inner_text("body")
    finally:
        ctx.close()
