"""Real browser tests: headless system Chromium (never a downloaded browser) against `faisceau serve`'s app."""

from __future__ import annotations

import re
import time
from urllib.parse import quote

import pytest
from browserkit import WAIT, browser, page, ready, server, wp  # noqa: F401 (fixtures)
from webproject import WebProject

from faisceau.web.server import Background

pytestmark = pytest.mark.slow


def test_search_facet_include_exclude_and_open_a_document(page: object, server: Background) -> None:
    pg = page
    pg.goto(server.url + "/search")  # type: ignore[attr-defined]
    ready(pg)
    pg.fill("#q", "badge")
    pg.press("#q", "Enter")
    pg.wait_for_url(re.compile(r"q=badge"))
    ready(pg)
    total = int(pg.inner_text("#total").replace(",", ""))
    kinds = pg.locator('section[data-facet="kind"] a.facet-value')
    assert kinds.count() >= 2
    email = pg.locator('section[data-facet="kind"] a[data-value="email"]')
    n_email = int(email.locator("xpath=../span[@class='count']").inner_text())
    email.click()
    pg.wait_for_url(re.compile(r"include=kind%3Demail"))
    ready(pg)
    assert int(pg.inner_text("#total")) == n_email
    assert set(pg.locator(".hit .kind").all_inner_texts()) == {"email"}
    pg.locator('section[data-facet="kind"] a[data-value="email"]').click()
    pg.wait_for_url(re.compile(r"exclude=kind%3Demail"))
    ready(pg)
    assert int(pg.inner_text("#total")) == total - n_email
    assert "email" not in pg.locator(".hit .kind").all_inner_texts()
    assert pg.locator('section[data-facet="kind"] li.exclude a[data-value="email"]').count() == 1
    title = pg.locator(".hit a.title").first
    name = title.inner_text()
    title.click()
    pg.wait_for_url(re.compile(r"/documents/[0-9a-f]{24}"))
    ready(pg)
    assert pg.inner_text("#doc-title") == name
    assert pg.locator("pre.text mark").count() >= 1  # the query's hits are marked in the text


def test_open_an_email_thread(page: object, server: Background, wp: WebProject) -> None:
    pg = page
    pg.goto(f"{server.url}/documents/{wp.ids['mail/security-team.mbox!/2']}")  # type: ignore[attr-defined]
    ready(pg)
    links = pg.locator("#thread li a")
    assert links.count() >= 3
    assert pg.locator("#thread li.current").count() == 1
    target = pg.locator("#thread li:not(.current) a").first
    href = target.get_attribute("href")
    target.click()
    pg.wait_for_url(re.compile(re.escape(href) + "$"))
    ready(pg)
    assert pg.locator("#thread li.current a").get_attribute("href") == href


def test_tag_a_document_then_find_it_by_tag(page: object, server: Background, wp: WebProject) -> None:
    pg = page
    doc = wp.ids["reports/site-monitoring-review.pdf"]
    pg.goto(f"{server.url}/documents/{doc}")  # type: ignore[attr-defined]
    ready(pg)
    pg.fill("#tag-input", "pièce-clé")
    pg.click("#tag-form button")
    pg.wait_for_selector("#tag-list .tag a:text('pièce-clé')")
    pg.goto(f"{server.url}/search?q={quote('tag:pièce-clé')}")
    ready(pg)
    assert pg.inner_text("#total") == "1"
    assert pg.locator(".hit").get_attribute("data-id") == doc
    # the page images of a PDF are rendered beside their text
    pg.goto(f"{server.url}/documents/{doc}")
    ready(pg)
    img = pg.locator("img.page-image").first
    img.scroll_into_view_if_needed()
    pg.wait_for_function("() => { const i = document.querySelector('img.page-image'); return i && i.complete && i.naturalWidth > 0; }")


def test_graph_renders_and_lists_a_persons_messages(page: object, server: Background) -> None:
    pg = page
    pg.goto(server.url + "/graph")  # type: ignore[attr-defined]
    pg.wait_for_selector("#graph-box[data-ready=true]")
    assert pg.locator("#graph-svg .node").count() >= 8
    assert pg.locator("#graph-svg line").count() >= 8
    before = pg.get_attribute("#graph-svg", "viewBox")
    box = pg.locator("#graph-box").bounding_box()
    pg.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    pg.mouse.wheel(0, -400)
    pg.wait_for_function(f"() => document.getElementById('graph-svg').getAttribute('viewBox') !== {before!r}")
    pg.locator('#graph-svg .node[data-id="helene.marchetti@meridian.example.fr"] circle').click()
    pg.wait_for_selector("#node-messages[data-loaded=true]")
    assert pg.locator("#node-messages li").count() >= 3
    assert "Marchetti" in pg.inner_text("#node-name")


def test_french_interface_and_switch(browser: object, server: Background) -> None:
    ctx = browser.new_context(locale="fr-FR")  # type: ignore[attr-defined]
    pg = ctx.new_page()
    pg.set_default_timeout(WAIT)
    pg.goto(server.url + "/status")
    ready(pg)
    assert pg.inner_text("h1") == "État"
    pg.click("#lang-switch")
    pg.wait_for_url(re.compile(r"/status$"))
    ready(pg)
    assert pg.inner_text("h1") == "Status"
    ctx.close()


def test_hostile_html_mail_fetches_nothing_and_runs_nothing(page: object, server: Background, wp: WebProject) -> None:
    pg = page
    wp.canary.requests.clear()
    pg.goto(f"{server.url}/documents/{wp.ids['canary.eml']}")  # type: ignore[attr-defined]
    ready(pg)
    frame_el = pg.wait_for_selector("#html-frame")
    pg.wait_for_function("() => document.getElementById('html-frame').contentDocument === null")  # sandboxed
    frame = frame_el.content_frame()
    frame.wait_for_load_state("load")
    assert "Canary newsletter" in frame.inner_text("body")
    assert "remote content blocked" in frame.inner_text("body")
    assert frame.locator("img").count() >= 1
    pg.wait_for_timeout(1500)  # time for anything that would fetch late (meta refresh, lazy images)
    assert wp.canary.requests == []
    assert pg.evaluate("() => window.__ran === undefined && window.__xss === undefined")
    assert frame.evaluate("() => window.__ran === undefined")
    assert pg.url.endswith(wp.ids["canary.eml"])  # no refresh took the page away


def test_hostile_names_do_not_run_in_any_page(page: object, server: Background, wp: WebProject) -> None:
    pg = page
    ids = [wp.ids[k] for k in wp.ids if "svg onload" in k] + [wp.ids["subject.eml"]]
    for url in [f"/documents/{i}" for i in ids] + ["/graph", "/search?q=payload+OR+subject", "/status"]:
        pg.goto(server.url + url)  # type: ignore[attr-defined]
        ready(pg)
        assert pg.evaluate("() => window.__xss === undefined"), url


def test_retry_button_runs_the_failed_items_again(page: object, server: Background, wp: WebProject) -> None:
    pg = page
    pg.goto(server.url + "/status")  # type: ignore[attr-defined]
    ready(pg)
    failed = int(pg.inner_text('#by-status td[data-status="failed"]'))
    assert failed >= 1
    pg.click("#retry")
    pg.wait_for_selector("#running:not([hidden])")
    deadline = time.monotonic() + 240
    while pg.get_attribute("#running", "data-running") == "true" and time.monotonic() < deadline:
        pg.wait_for_timeout(500)
    assert pg.get_attribute("#running", "data-running") == "false"
    from faisceau.store.db import Store

    store = Store(wp.root / "store.sqlite")
    actions = [r[0] for r in store.db.execute("SELECT action FROM actions")]
    store.close()
    assert "retry-requested" in actions and "retry-failed" in actions
    assert int(pg.inner_text('#by-status td[data-status="failed"]')) == failed  # broken files stay broken
