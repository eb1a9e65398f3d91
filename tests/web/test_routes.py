"""Routes over a real ingested project (the demo plus hostile mail), through the framework's test client."""

from __future__ import annotations

import csv
import io
import json

from clientkit import BASE, TestClient, client, wp  # noqa: F401 (fixtures)
from webproject import WebProject

from faisceau.store.db import Store


def post(client: TestClient, url: str, body: object, method: str = "POST") -> object:
    r = client.request(method, url, json=body, headers={"Origin": BASE})
    assert r.status_code == 200, r.text
    return r.json()


def test_search_api_and_page_agree_and_filters_include_and_exclude(client: TestClient) -> None:
    every = client.get("/api/search", params={"q": "badge"}).json()
    assert every["total"] >= 3
    kinds = {v["value"]: v["count"] for v in every["facets"]["kind"]}
    assert "email" in kinds
    only = client.get("/api/search", params={"q": "badge", "include": "kind=email"}).json()
    assert only["total"] == kinds["email"] and all(h["kind"] == "email" for h in only["hits"])
    without = client.get("/api/search", params={"q": "badge", "exclude": "kind=email"}).json()
    assert without["total"] == every["total"] - kinds["email"]
    assert without["hits"] and all(h["kind"] != "email" for h in without["hits"])
    # the excluded value stays listed, marked, so that it can be clicked back
    assert {"value": "email", "count": 0, "state": "exclude"} in without["facets"]["kind"]
    page = client.get("/search", params={"q": "badge", "include": "kind=email"})
    assert page.status_code == 200
    for h in only["hits"]:
        assert f'/documents/{h["id"]}' in page.text
    assert "<mark>" in page.text


def test_paging_and_sort(client: TestClient) -> None:
    first = client.get("/api/search", params={"q": "", "limit": 5, "sort": "date"}).json()
    second = client.get("/api/search", params={"q": "", "limit": 5, "page": 2, "sort": "date"}).json()
    assert first["total"] == second["total"] > 10
    assert not {h["id"] for h in first["hits"]} & {h["id"] for h in second["hits"]}
    dated = [h["date"] for h in first["hits"] + second["hits"] if h["date"]]
    assert dated == sorted(dated, reverse=True)


def test_bad_queries_are_one_clear_error(client: TestClient) -> None:
    r = client.get("/api/search", params={"q": "(cgt"})
    assert r.status_code == 400 and r.json()["error"].startswith("bad query")
    assert client.get("/api/search", params={"sort": "sideways"}).status_code == 400
    assert client.get("/api/search", params={"include": "nofacet=x"}).status_code == 400
    assert client.get("/api/search", params={"limit": 10_000}).status_code == 400
    page = client.get("/search", params={"q": '"unclosed'})
    assert page.status_code == 400 and "bad query" in page.text


def test_csv_export_has_every_hit_and_is_logged(client: TestClient, wp: WebProject) -> None:
    total = client.get("/api/search", params={"q": "pause"}).json()["total"]
    r = client.get("/api/search.csv", params={"q": "pause"})
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    assert r.headers["content-disposition"].startswith("attachment")
    rows = list(csv.DictReader(io.StringIO(r.text)))
    assert len(rows) == total > 0
    store = Store(wp.root / "store.sqlite")
    last = store.db.execute("SELECT action, detail FROM actions ORDER BY id DESC LIMIT 1").fetchone()
    store.close()
    assert last["action"] == "export" and json.loads(last["detail"])["query"] == "pause"


def test_document_page_shows_provenance_children_locations_and_thread(client: TestClient, wp: WebProject) -> None:
    msg = wp.ids["mail/security-team.mbox!/5"]
    d = client.get(f"/api/documents/{msg}").json()
    assert [a["id"] for a in d["ancestors"]] == [wp.ids["mail/security-team.mbox"]]
    assert [c["name"].rsplit("/", 1)[-1] for c in d["children"]] == ["optivue-report-2024-02.pdf"]
    assert d["thread"] and msg in [m["id"] for m in d["thread"]["messages"]]
    assert d["addresses"]["from"]
    # the same PDF is attached to two messages: each copy lists the other
    pdf = wp.ids["mail/security-team.mbox!/5!/attachments/optivue-report-2024-02.pdf"]
    other = wp.ids["mail/security-team.mbox!/6!/attachments/optivue-report-2024-02.pdf"]
    pd = client.get(f"/api/documents/{pdf}").json()
    assert other in [loc["id"] for loc in pd["locations"]]
    assert [b["page"] for b in pd["blocks"]] == [p["number"] for p in pd["pages"]] and len(pd["pages"]) >= 1
    page = client.get(f"/documents/{msg}")
    assert page.status_code == 200
    assert f'href="/documents/{wp.ids["mail/security-team.mbox"]}"' in page.text
    assert f'href="/documents/{d["children"][0]["id"]}"' in page.text


def test_query_hits_are_marked_in_the_text(client: TestClient, wp: WebProject) -> None:
    doc = wp.ids["mail/loose/acces-enregistrements.eml"]
    d = client.get(f"/api/documents/{doc}", params={"q": "enregistrements"}).json()
    marked = [p["text"] for b in d["blocks"] for p in b["pieces"] if p["hit"]]
    assert marked and all(p.lower().startswith("enregistrement") for p in marked)
    plain = client.get(f"/api/documents/{doc}").json()
    assert not any(p["hit"] for b in plain["blocks"] for p in b["pieces"])
    assert "".join(p["text"] for b in d["blocks"] for p in b["pieces"]) == "".join(
        p["text"] for b in plain["blocks"] for p in b["pieces"])


def test_original_download_is_the_exact_bytes_as_an_attachment(client: TestClient, wp: WebProject) -> None:
    import hashlib

    doc = wp.ids["mail/security-team.mbox!/3!/attachments/badge-export-semaine-06.csv"]
    r = client.get(f"/api/documents/{doc}/original")
    assert r.status_code == 200
    assert r.headers["content-type"] == "application/octet-stream"
    assert r.headers["content-disposition"].startswith("attachment")
    assert hashlib.sha256(r.content).hexdigest() == r.headers["x-content-sha256"]
    assert client.get("/api/documents/nothere/original").status_code == 404


def test_pdf_pages_render_as_png_in_a_worker(client: TestClient, wp: WebProject) -> None:
    doc = wp.ids["reports/vigie-bilan-t1-2024.pdf"]
    r = client.get(f"/api/documents/{doc}/pages/1.png")
    assert r.status_code == 200 and r.content[:8] == b"\x89PNG\r\n\x1a\n"
    from PIL import Image

    assert Image.open(io.BytesIO(r.content)).size[0] <= 1000
    assert client.get(f"/api/documents/{doc}/pages/99.png").status_code == 422
    broken = client.get(f"/api/documents/{wp.ids['reports/broken.pdf']}/pages/1.png")
    assert broken.status_code in (404, 422)


def test_tags_stars_notes_are_searchable_and_logged(client: TestClient, wp: WebProject) -> None:
    doc = wp.ids["office/briefing.docx"]
    assert post(client, f"/api/documents/{doc}/tags", {"tag": "à-vérifier"}) == {"id": doc, "tags": ["à-vérifier"]}
    found = client.get("/api/search", params={"q": "tag:à-vérifier"}).json()
    assert [h["id"] for h in found["hits"]] == [doc]
    post(client, f"/api/documents/{doc}/star", {"starred": True}, "PUT")
    assert doc in [h["id"] for h in client.get("/api/search", params={"q": "star:true"}).json()["hits"]]
    post(client, f"/api/documents/{doc}/notes", {"text": "appeler la source lundi"})
    assert doc in [h["id"] for h in client.get("/api/search", params={"q": "note:source"}).json()["hits"]]
    post(client, f"/api/documents/{doc}/tags/à-vérifier", None, "DELETE")
    assert client.get("/api/search", params={"q": "tag:à-vérifier"}).json()["total"] == 0
    bad = client.post(f"/api/documents/{doc}/tags", json={"tag": "two words"}, headers={"Origin": BASE})
    assert bad.status_code == 400 and "not a tag" in bad.json()["error"]
    store = Store(wp.root / "store.sqlite")
    actions = [r[0] for r in store.db.execute("SELECT action FROM actions")]
    store.close()
    assert {"tag", "untag", "star", "note"} <= set(actions)


def test_bulk_tag_of_search_results(client: TestClient) -> None:
    hits = client.get("/api/search", params={"q": "optivue", "include": "kind=email", "limit": 200}).json()
    done = post(client, "/api/search/tag", {"q": "optivue", "include": ["kind=email"], "tag": "lot-optivue"})
    assert done["documents"] == hits["total"] > 1  # type: ignore[index]
    tagged = client.get("/api/search", params={"q": "tag:lot-optivue", "limit": 200}).json()
    assert {h["id"] for h in tagged["hits"]} == {h["id"] for h in hits["hits"]}
    facet = {v["value"]: v["count"] for v in tagged["facets"]["tag"]}
    assert facet["lot-optivue"] == hits["total"]


def test_saved_searches(client: TestClient) -> None:
    saved = post(client, "/api/saved-searches", {"name": "Caméras", "q": "caméras", "include": ["kind=email"]})
    assert isinstance(saved, list) and saved[-1]["url"] == "/search?q=cam%C3%A9ras&include=kind%3Demail"
    assert "Caméras" in client.get("/search").text
    assert post(client, "/api/saved-searches/Caméras", None, "DELETE") == []
    assert client.request("DELETE", "/api/saved-searches/none", headers={"Origin": BASE}).status_code == 400


def test_graph_api_page_and_exports(client: TestClient) -> None:
    g = client.get("/api/graph").json()
    assert g["total_nodes"] >= 8 and g["edges"]
    assert all(0 <= n["x"] <= 1000 and 0 <= n["y"] <= 1000 for n in g["nodes"])
    helene = next(n for n in g["nodes"] if n["id"] == "helene.marchetti@meridian.example.fr")
    msgs = client.get("/api/graph/messages", params={"node": helene["id"]}).json()
    assert len(msgs) >= helene["sent"] and all(m["id"] for m in msgs)
    narrow = client.get("/api/graph", params={"from": "2024-02", "to": "2024-02"}).json()
    assert 0 < narrow["total_edges"] < g["total_edges"]
    assert client.get("/api/graph", params={"from": "last week"}).status_code == 400
    page = client.get("/graph")
    assert page.status_code == 200 and 'id="graph-svg"' in page.text and "Hélène Marchetti" in page.text
    gexf = client.get("/api/graph/export.gexf")
    assert gexf.status_code == 200 and "<gexf" in gexf.text
    rows = list(csv.reader(io.StringIO(client.get("/api/graph/export.csv").text)))
    assert rows[0][:4] == ["source", "target", "kind", "weight"] and len(rows) - 1 == g["total_edges"]
    svg = client.get("/api/graph/export.svg")
    assert svg.headers["content-disposition"].startswith("attachment") and svg.text.startswith("<svg")
    assert client.get("/api/graph/export.exe").status_code == 400


def test_status_counts_and_failures(client: TestClient) -> None:
    s = client.get("/api/status").json()
    assert s["documents"]["failed"] >= 1 and s["running"] is False
    assert any(f["reason"] == "truncated" for f in s["failures"])
    page = client.get("/status")
    assert page.status_code == 200 and "truncated" in page.text and 'id="retry"' in page.text


def test_language_from_browser_and_switch(client: TestClient) -> None:
    assert ">Recherche<" in client.get("/search", headers={"Accept-Language": "fr-FR,fr;q=0.9,en;q=0.8"}).text
    assert ">Search<" in client.get("/search", headers={"Accept-Language": "de-DE,en;q=0.5"}).text
    r = client.get("/lang/fr", params={"next": "/status"}, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/status"
    assert "faisceau_lang=fr" in r.headers["set-cookie"]
    with TestClient(client.app, base_url=BASE, cookies={"faisceau_lang": "fr"}) as fr:
        assert ">État<" in fr.get("/status").text
    # never an open redirect
    assert client.get("/lang/en", params={"next": "//evil.example/"}, follow_redirects=False).headers["location"] == "/search"


def test_openapi_describes_the_api(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    for path in ("/api/search", "/api/documents/{doc_id}", "/api/graph", "/api/status", "/api/search/tag"):
        assert path in spec["paths"], path
    assert not any(p.startswith("/search") or p.startswith("/documents") for p in spec["paths"])
    assert client.get("/docs").status_code == 404  # its assets would come from a CDN


def test_the_recipient_facet_stands_beside_the_sender_facet(client: TestClient) -> None:
    """Every recipient (To and Cc) is a facet value; filtering on one keeps the mail sent to it."""
    every = client.get("/api/search", params={"q": "", "limit": "0"}).json()
    to = {v["value"]: v["count"] for v in every["facets"]["to"]}
    senders = {v["value"] for v in every["facets"]["from"]}
    assert to and senders
    address, n = max(to.items(), key=lambda kv: kv[1])
    kept = client.get("/api/search", params={"q": "", "include": f"to={address}", "limit": "100"}).json()
    assert kept["total"] == n and all(h["kind"] == "email" for h in kept["hits"])
    page = client.get("/search", params={"q": ""})
    assert page.status_code == 200 and address in page.text
