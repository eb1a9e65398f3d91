"""Real browser tests of the entity and timeline pages, the document's highlights and citations
(headless system Chromium, like test_browser.py)."""

from __future__ import annotations

import re

import pytest
from browserkit import WAIT, browser, page, ready, server, wp  # noqa: F401 (fixtures)
from webproject import ASTRAL_PASSAGE, XSS_ENTITY, WebProject

from faisceau.store.db import Store
from faisceau.web.server import Background

pytestmark = pytest.mark.slow


def store_of(wp: WebProject) -> Store:
    return Store(wp.root / "store.sqlite")


def test_entity_page_merge_with_evidence_then_undo(page: object, server: Background) -> None:
    pg = page
    pg.goto(server.url + "/entities?type=person")  # type: ignore[attr-defined]
    ready(pg)
    pg.click("a.entity-link:text-is('Thomas Berger')")
    pg.wait_for_url(re.compile(r"/entities/[0-9a-f]{16}$"))
    ready(pg)
    url = pg.url
    assert pg.locator("#contexts li").count() >= 3
    assert pg.locator("#timeline-bars a.bucket").count() >= 1
    assert "Camille Roussel" not in pg.inner_text("#variants")
    pg.select_option("#curate-action", "merge")
    pg.fill("#curate-b", "Camille Roussel")
    pg.click("#curate-form button[type=submit]")
    pg.wait_for_selector("#evidence:not([hidden])")
    sides = pg.locator("#evidence-sides .side-evidence")
    assert sides.count() == 2 and "Camille Roussel" in sides.nth(1).inner_text()
    assert "documents name both" in pg.inner_text("#evidence-shared")
    pg.click("#curate-confirm")
    pg.wait_for_url(re.compile(r"\?decided=\d+$"))
    ready(pg)
    assert "Camille Roussel" in pg.inner_text("#variants")
    assert pg.locator("#decided").count() == 1
    pg.locator("#decisions button.undo").first.click()
    pg.wait_for_url(url)
    ready(pg)
    assert "Camille Roussel" not in pg.inner_text("#variants")
    assert "undone" in pg.locator("#decisions li").first.inner_text()


def test_timeline_renders_and_drills_down_to_a_day(page: object, server: Background) -> None:
    pg = page
    pg.goto(server.url + "/timeline")  # type: ignore[attr-defined]
    ready(pg)
    assert pg.locator("#timeline-bars a.bucket").count() >= 1
    total = int(pg.inner_text("#event-total").replace(",", ""))
    assert total > 20 and pg.locator("#events li.event").count() > 0
    year = pg.locator("#timeline-bars a.bucket").first
    key = year.get_attribute("data-key")
    year.locator("rect").click()
    pg.wait_for_url(re.compile(rf"at={key}$"))
    ready(pg)
    months = pg.locator("#buckets a.bucket-link")
    assert months.count() >= 2 and all(k.startswith(key) for k in months.all_inner_texts())
    months.nth(1).click()
    pg.wait_for_url(re.compile(r"at=\d{4}-\d{2}$"))
    ready(pg)
    day = pg.locator("#buckets li:not(.vague) a.bucket-link").first  # (a month-only date is not a day)
    day_key = day.inner_text()
    day.click()
    pg.wait_for_url(re.compile(r"at=\d{4}-\d{2}-\d{2}$"))
    ready(pg)
    dates = pg.locator("#events li.event time").all_inner_texts()
    # that day's events, and those only dated by a month or year that holds it (partial dates overlap)
    assert any(d.startswith(day_key) for d in dates)
    assert all(d.startswith(day_key) or day_key.startswith(d) for d in dates)
    # each event cites its sentence and opens its document at the place cited
    pg.locator("#events a.event-doc").first.click()
    # (not "load": that waits for the rendering of every PDF page image in view)
    pg.wait_for_url(re.compile(r"/documents/[0-9a-f]{24}(#o\d+|#page-\d+)?$"), wait_until="commit")
    ready(pg)


def test_document_highlights_link_to_the_entity(page: object, server: Background, wp: WebProject) -> None:
    pg = page
    pg.goto(f"{server.url}/documents/{wp.ids['reports/vigie-bilan-t1-2024.pdf']}")  # type: ignore[attr-defined]
    ready(pg)
    assert pg.locator("pre.text .dt").count() >= 1
    link = pg.locator("pre.text a.ent:text-is('Lyon-Corbas')").first
    href = link.get_attribute("href")
    link.click()
    pg.wait_for_url(re.compile(re.escape(href) + "$"))
    ready(pg)
    assert "Lyon-Corbas" in pg.inner_text("#entity-name")
    pg.goto(f"{server.url}/documents/{wp.ids['astral.txt']}")
    ready(pg)
    assert pg.locator("pre.text .idf.valid").count() == 1 and pg.locator("pre.text .idf.invalid").count() == 1


SELECT = """(passage) => {
  // find the passage in the text as the browser shows it, and select it as a reader would
  const pre = document.querySelector("pre.text");
  const walker = document.createTreeWalker(pre, NodeFilter.SHOW_TEXT);
  const nodes = [];
  let all = "";
  for (let n = walker.nextNode(); n; n = walker.nextNode()) { nodes.push([n, all.length]); all += n.data; }
  const at = all.indexOf(passage);
  const point = (i) => { for (const [n, s] of nodes) if (i <= s + n.data.length) return [n, i - s]; };
  const r = document.createRange();
  r.setStart(...point(at));
  r.setEnd(...point(at + passage.length));
  const sel = document.getSelection();
  sel.removeAllRanges();
  sel.addRange(r);
  return at;
}"""


def test_select_a_passage_and_cite_it(page: object, server: Background, wp: WebProject) -> None:
    pg = page
    doc = wp.ids["astral.txt"]
    pg.goto(f"{server.url}/documents/{doc}")  # type: ignore[attr-defined]
    ready(pg)
    utf16_at = pg.evaluate(SELECT, ASTRAL_PASSAGE)
    pg.wait_for_selector("#cite-form:not([hidden])")
    assert pg.inner_text("#cite-preview") == ASTRAL_PASSAGE
    pg.fill("#cite-note", "à vérifier auprès de la source")
    pg.click("#cite-form button[type=submit]")
    pg.wait_for_selector("#cite-form[data-saved]", state="attached")
    cid = int(pg.get_attribute("#cite-form", "data-saved"))
    store = store_of(wp)
    row = store.db.execute("SELECT * FROM citations WHERE id = ?", (cid,)).fetchone()
    text = store.content(store.document(doc)["sha256"])["text"]
    store.close()
    start = text.index(ASTRAL_PASSAGE)
    assert utf16_at > start  # the astral characters before it count twice in the browser, once here
    assert (row["document_id"], row["start"], row["end"]) == (doc, start, start + len(ASTRAL_PASSAGE))
    assert row["text"] == ASTRAL_PASSAGE and row["note"] == "à vérifier auprès de la source"
    assert pg.locator(f'#citation-list li[data-citation="{cid}"]').count() == 1
    pg.reload()
    ready(pg)
    assert pg.locator("pre.text .cited").count() >= 1
    pg.locator(f'#citation-list button.uncite[data-citation="{cid}"]').click()
    pg.wait_for_selector(f'#citation-list li[data-citation="{cid}"]', state="detached")
    store = store_of(wp)
    assert store.db.execute("SELECT 1 FROM citations WHERE id = ?", (cid,)).fetchone() is None
    store.close()


def test_an_entity_named_like_a_tag_runs_nowhere(page: object, server: Background, wp: WebProject) -> None:
    pg = page
    store = store_of(wp)
    eid = store.db.execute("SELECT id FROM entities WHERE name = ?", (XSS_ENTITY,)).fetchone()[0]
    store.close()
    for url in ["/entities", f"/entities/{eid}", f"/timeline?entity={eid}", "/timeline?at=2024-03",
                f"/documents/{wp.ids['entity.eml']}", "/graph"]:
        pg.goto(server.url + url)  # type: ignore[attr-defined]
        ready(pg)
        assert pg.evaluate("() => window.__xss === undefined"), url
    pg.goto(f"{server.url}/entities/{eid}")
    ready(pg)
    assert XSS_ENTITY in pg.inner_text("#entity-name")  # shown as text, whole
