"""Entity, timeline, document highlights, curation and citations over the demo project (test client)."""

from __future__ import annotations

import html
import json
import unicodedata
from typing import Any

from clientkit import BASE, TestClient, client, wp  # noqa: F401 (fixtures)
from webproject import ASTRAL_PASSAGE, XSS_ENTITY, WebProject

from faisceau.store.db import Store


def ok(r: Any) -> Any:
    assert r.status_code == 200, r.text
    return r.json()


def send(client: TestClient, method: str, url: str, body: object = None) -> Any:
    return ok(client.request(method, url, json=body, headers={"Origin": BASE}))


def stored_text(wp: WebProject, doc_id: str) -> str:
    store = Store(wp.root / "store.sqlite")
    try:
        row = store.document(doc_id)
        return str((store.content(row["sha256"]) or {}).get("text") or "")
    finally:
        store.close()


def fold(s: str) -> str:
    return unicodedata.normalize("NFKD", s).encode("ascii", "ignore").decode().casefold()


def test_entity_list_filters_and_pages(client: TestClient) -> None:
    first = ok(client.get("/api/entities", params={"limit": 5}))
    assert len(first["entities"]) == 5 and first["more"]
    counts = [e["mentions"] for e in first["entities"]]
    assert counts == sorted(counts, reverse=True)
    second = ok(client.get("/api/entities", params={"limit": 5, "page": 2}))
    assert not {e["id"] for e in first["entities"]} & {e["id"] for e in second["entities"]}
    people = ok(client.get("/api/entities", params={"type": "person", "limit": 500}))["entities"]
    assert people and {e["type"] for e in people} == {"PER"}
    named = ok(client.get("/api/entities", params={"q": "Berger"}))["entities"]
    assert "Thomas Berger" in [e["name"] for e in named]
    assert client.get("/api/entities", params={"type": "planet"}).status_code == 400
    page = client.get("/entities", params={"type": "person"})
    assert page.status_code == 200
    for e in people[:50]:
        assert f'href="/entities/{e["id"]}"' in page.text


def test_entity_page_mentions_documents_company_and_events(client: TestClient, wp: WebProject) -> None:
    e = ok(client.get("/api/entities/Thomas Berger"))
    assert e["name"] == "Thomas Berger" and e["mentions"] >= 5
    assert ok(client.get(f"/api/entities/{e['id']}"))["id"] == e["id"]  # by id or by name
    spellings = [fold(v) for v in e["variants"]]
    # every mention in context is one of its spellings, at its offsets in the stored text
    in_text = [m for m in e["mentions_in_context"] if m["start"] is not None]
    assert in_text
    for m in in_text:
        assert fold(m["text"]) in spellings
        assert stored_text(wp, m["document_id"])[m["start"]:m["end"]] == m["text"]
        assert f"[{m['text']}]" in m["context"]
    # every document listed names it, in its text or its headers
    for d in e["documents_list"]:
        doc = ok(client.get(f"/api/documents/{d['id']}"))
        assert e["id"] in [x["id"] for x in doc["entities"]]
    assert "Hélène Marchetti" in [c["name"] for c in e["cooccurring"]]
    assert e["events_total"] == sum(b["count"] for b in e["timeline"]) > 0
    # its first date is the earliest date of a document naming it (sent, else created): the earliest
    # such metadata event, listed since events come oldest first
    documents_dated = [x["date"][:10] for x in e["events"] if x["kind"] == "metadata" and x["field"] in ("sent", "created")]
    assert documents_dated and e["first_date"] == min(documents_dated), e["events"]
    page = client.get(f"/entities/{e['id']}")
    assert page.status_code == 200 and 'id="timeline-bars"' in page.text and 'id="curate"' in page.text
    assert client.get("/entities/nobody-at-all").status_code == 404
    assert client.get("/api/entities/nobody-at-all").status_code == 404


def test_timeline_drills_down_year_month_day(client: TestClient) -> None:
    top = ok(client.get("/api/timeline"))
    assert top["level"] == "year" and top["total"] == sum(b["count"] for b in top["buckets"]) > 20
    year = max(top["buckets"], key=lambda b: b["count"])
    months = ok(client.get("/api/timeline", params={"at": year["key"], "limit": 1000}))
    assert months["level"] == "month" and months["total"] == year["count"]
    assert all(b["key"].startswith(year["key"]) for b in months["buckets"])
    month = max((b for b in months["buckets"] if not b["vague"]), key=lambda b: b["count"])
    days = ok(client.get("/api/timeline", params={"at": month["key"], "limit": 1000}))
    assert days["level"] == "day" and days["total"] == month["count"]
    assert any(ev["kind"] == "text" for ev in days["events"]), days["events"]  # the busiest month has dated sentences
    for ev in days["events"]:
        # each event cites its sentence and its document; the date it rests on is in the sentence
        assert ev["sentence"] and ev["link"].startswith(f"/documents/{ev['document_id']}")
        if ev["kind"] == "text":
            assert ev["text"] in ev["sentence"] and [t for t, hl in ev["pieces"] if hl] == [ev["text"]]
    page = client.get("/timeline", params={"at": month["key"]})
    assert page.status_code == 200 and 'id="timeline-bars"' in page.text
    assert f'href="/timeline?at={year["key"]}"' in page.text  # the way back up
    assert client.get("/api/timeline", params={"at": "2024-13-99x"}).status_code == 400
    assert client.get("/api/timeline", params={"kind": "dreams"}).status_code == 400


def test_timeline_filters_by_kind_entity_and_query(client: TestClient) -> None:
    meta = ok(client.get("/api/timeline", params={"kind": "metadata", "limit": 1000}))
    assert meta["events"] and {e["kind"] for e in meta["events"]} == {"metadata"}
    berger = ok(client.get("/api/entities/Thomas Berger"))
    mine = ok(client.get("/api/timeline", params={"entity": "Thomas Berger", "kind": "text", "limit": 1000}))
    assert mine["events"] and all(berger["id"] in [x["id"] for x in e["entities"]] for e in mine["events"])
    everything = ok(client.get("/api/timeline", params={"limit": 1000}))
    found = ok(client.get("/api/search", params={"q": "badge", "limit": 200}))
    shas = {ok(client.get(f"/api/documents/{h['id']}"))["sha256"] for h in found["hits"]}
    badge = ok(client.get("/api/timeline", params={"q": "badge", "limit": 1000}))
    expected = [e for e in everything["events"]
                if ok(client.get(f"/api/documents/{e['document_id']}"))["sha256"] in shas]
    assert 0 < badge["total"] == len(expected) < everything["total"]
    assert client.get("/api/timeline", params={"q": "(unclosed"}).status_code == 400
    assert client.get("/api/timeline", params={"entity": "Nobody Known"}).status_code == 400


def test_document_marks_entities_identifiers_dates_and_machine_read_text(client: TestClient, wp: WebProject) -> None:
    doc = wp.ids["reports/vigie-bilan-t1-2024.pdf"]
    d = ok(client.get(f"/api/documents/{doc}"))
    text = stored_text(wp, doc)
    pieces = [p for b in d["blocks"] for p in b["pieces"]]
    for b in d["blocks"]:  # the pieces put back together are the stored text, at their offsets
        assert "".join(p["text"] for p in b["pieces"]) == text[b["start"]:b["end"]]
    for p in pieces:
        assert text[p["start"]:p["start"] + len(p["text"])] == p["text"]
    found = ok(client.get(f"/api/documents/{doc}/analysis"))
    linked = {p["entity"]["id"] for p in pieces if "entity" in p}
    assert linked == {m["entity_id"] for m in found["mentions"] if m["start"] is not None and m["entity_id"]}
    dated = "".join(p["text"] for p in pieces if "date" in p)
    assert all(x["text"] in dated for x in found["dates"]) and found["dates"]
    page = client.get(f"/documents/{doc}").text
    for eid in linked:
        assert f'<a href="/entities/{eid}" data-o=' in page
    # identifiers with their validity
    ids = ok(client.get(f"/api/documents/{wp.ids['astral.txt']}"))
    assert sorted(i["valid"] for i in ids["identifiers"] if i["type"] == "iban") == [False, True]
    marked = [p for b in ids["blocks"] for p in b["pieces"] if "identifier" in p]
    assert {p["identifier"]["valid"] for p in marked} == {True, False}
    page = client.get(f"/documents/{wp.ids['astral.txt']}").text
    assert 'class="idf valid"' in page and 'class="idf invalid"' in page
    # the scanned PDF's text was read by OCR: marked so
    scan = wp.ids["reports/scan-note.pdf"]
    s = ok(client.get(f"/api/documents/{scan}"))
    assert s["blocks"] and all(b["ocr"] for b in s["blocks"])
    assert "machine-read" in client.get(f"/documents/{scan}").text


def test_a_carriage_return_is_a_piece_of_its_own(client: TestClient, wp: WebProject) -> None:
    d = ok(client.get(f"/api/documents/{wp.ids['astral.txt']}"))
    pieces = [p for b in d["blocks"] for p in b["pieces"]]
    assert any(p["text"] == "\r" for p in pieces)
    assert not any("\r" in p["text"] and p["text"] != "\r" for p in pieces)


def test_citations_are_stored_listed_shown_and_deleted(client: TestClient, wp: WebProject) -> None:
    doc = wp.ids["astral.txt"]
    text = stored_text(wp, doc)
    start = text.index(ASTRAL_PASSAGE)
    made = send(client, "POST", f"/api/documents/{doc}/citations",
                {"start": start, "end": start + len(ASTRAL_PASSAGE), "note": "la phrase clé"})
    mine = next(c for c in made["citations"] if c["id"] == made["id"])
    assert mine["text"] == ASTRAL_PASSAGE and mine["note"] == "la phrase clé" and mine["anchor"] == "exact"
    page = client.get(f"/documents/{doc}").text
    assert f'data-citation="{made["id"]}"' in page and "la phrase clé" in page
    assert f'id="o{start}"' in page  # the cited passage is an address in the page
    bad = client.post(f"/api/documents/{doc}/citations", json={"start": 5, "end": 10**6}, headers={"Origin": BASE})
    assert bad.status_code == 400 and "outside the text" in bad.json()["error"]
    foreign = client.post(f"/api/documents/{doc}/citations", json={"start": start, "end": start + 3},
                          headers={"Origin": "http://evil.example"})
    assert foreign.status_code == 403
    left = send(client, "DELETE", f"/api/documents/{doc}/citations/{made['id']}")
    assert made["id"] not in [c["id"] for c in left["citations"]]
    assert client.request("DELETE", f"/api/documents/{doc}/citations/{made['id']}",
                          headers={"Origin": BASE}).status_code == 404
    store = Store(wp.root / "store.sqlite")
    actions = [(r[0], json.loads(r[1])) for r in store.db.execute("SELECT action, detail FROM actions")]
    store.close()
    assert ("cite", made["id"]) in [(a, d.get("citation")) for a, d in actions]
    assert ("uncite", made["id"]) in [(a, d.get("citation")) for a, d in actions]


def test_curation_shows_evidence_applies_and_undoes(client: TestClient, wp: WebProject) -> None:
    a, b = ok(client.get("/api/entities/Thomas Berger")), ok(client.get("/api/entities/Camille Roussel"))
    ev = ok(client.get("/api/entities/evidence", params={"a": a["name"], "b": b["name"]}))
    assert ev["a"]["id"] == a["id"] and ev["b"]["id"] == b["id"] and ev["a"]["contexts"]
    assert ev["shared_documents"] == len({d["id"] for d in a["documents_list"]} & {d["id"] for d in b["documents_list"]})
    done = send(client, "POST", "/api/entities/decisions", {"action": "merge", "a": a["name"], "b": b["name"]})
    assert done["applied"] is True and done["entity"]["id"] == a["id"]
    assert done["evidence"]["b"]["name"] == "Camille Roussel"
    merged = ok(client.get(f"/api/entities/{a['id']}"))
    assert "Camille Roussel" in merged["variants"] and merged["mentions"] == a["mentions"] + b["mentions"]
    assert client.get("/api/entities/Camille Roussel").json()["id"] == a["id"]
    assert done["decision"] in [d["id"] for d in merged["decisions"]]
    # the merged name is searchable as the entity now (the index was brought up to date)
    back = send(client, "POST", f"/api/entities/decisions/{done['decision']}/undo")
    assert back["applied"] is True
    again = ok(client.get("/api/entities/Camille Roussel"))
    assert again["id"] == b["id"] and ok(client.get(f"/api/entities/{a['id']}"))["mentions"] == a["mentions"]
    assert [d["undone"] for d in ok(client.get("/api/entities/decisions")) if d["id"] == done["decision"]] == [True]
    refused = client.post("/api/entities/decisions", json={"action": "merge", "a": a["name"], "b": b["name"]},
                          headers={"Origin": "http://evil.example"})
    assert refused.status_code == 403
    assert client.post("/api/entities/decisions", json={"action": "merge", "a": a["name"], "b": "Nobody Known"},
                       headers={"Origin": BASE}).status_code == 400
    assert client.post("/api/entities/decisions", json={"action": "explode", "a": a["name"]},
                       headers={"Origin": BASE}).status_code == 422
    store = Store(wp.root / "store.sqlite")
    actions = [r[0] for r in store.db.execute("SELECT action FROM actions")]
    store.close()
    assert "entities-merge" in actions and "entities-undo" in actions


def test_an_entity_name_is_escaped_on_every_page(client: TestClient, wp: WebProject) -> None:
    found = ok(client.get("/api/entities", params={"q": "Dupont<img"}))["entities"]
    assert [e["name"] for e in found] == [XSS_ENTITY]
    eid = found[0]["id"]
    escaped = html.escape(XSS_ENTITY, quote=False)
    for url in ["/entities", "/entities?q=Dupont", f"/entities/{eid}", f"/timeline?entity={eid}", "/timeline?at=2024-03",
                f"/documents/{wp.ids['entity.eml']}"]:
        page = client.get(url)
        assert page.status_code == 200, url
        assert "<img/src/onerror" not in page.text, url
        assert escaped in page.text or html.escape(XSS_ENTITY) in page.text, url
    # the API carries the name as data, for the page's scripts to put in with textContent
    assert ok(client.get(f"/api/entities/{eid}"))["name"] == XSS_ENTITY


def test_openapi_describes_the_analysis_api(client: TestClient) -> None:
    paths = ok(client.get("/openapi.json"))["paths"]
    for p in ("/api/entities", "/api/entities/{ident}", "/api/timeline", "/api/documents/{doc_id}/analysis",
              "/api/documents/{doc_id}/citations", "/api/entities/decisions", "/api/entities/evidence"):
        assert p in paths, p
