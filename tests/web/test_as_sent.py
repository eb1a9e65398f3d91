"""Issue 22 in the web app, on a project ingested here: a Latin-1 page's "as sent" view, the
site's menu out of search, and a text file with a control byte searchable."""

from __future__ import annotations

import re
import warnings
from collections.abc import Iterator

import pytest
from sitepages import MENU_LINE, PAGES, write_site

from faisceau import settings as settings_mod
from faisceau.pipeline.orchestrator import Ingest
from faisceau.store.project import Project
from faisceau.web import Workbench, create_app
from faisceau.web.sanitize import BLOCKED_IMAGE

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

HOSTILE = ('<html><head><meta charset="ISO-8859-1"><title>Séance publique</title>'
           '<script>document.title = "exécuté"</script></head><body>'
           '<p onclick="alert(1)">Compte rendu intégral de la séance du 12 décembre, présidée par M. Jean Lévêque.</p>'
           '<img src="http://127.0.0.2:9/pixel.gif"><iframe src="http://127.0.0.2:9/"></iframe></body></html>')


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    base = tmp_path_factory.mktemp("assent")
    leak = base / "leak"
    write_site(leak / "site")
    (leak / "seance.html").write_bytes(HOSTILE.encode("iso-8859-1"))
    (leak / "notes.txt").write_bytes(("Réunion des élus\x01 : la motion sur le barrage est adoptée.\n"
                                      + "Les élus ont voté la motion à l'unanimité.\n" * 4).encode())
    proj = Project.open(base / "project", create=True)
    env = {"FAISCEAU_SKIP_STAGES": "entities,identifiers,dates,neardup"}
    Ingest(proj, settings_mod.load(proj.root, environ=env), workers=1, passwords=[]).run([leak])
    with TestClient(create_app(Workbench.open(proj.root)), base_url="http://127.0.0.1:8000") as c:
        yield c


def _hits(client: TestClient, q: str) -> list[dict]:
    r = client.get("/api/search", params={"q": q, "limit": 50})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["total"] == len(body["hits"])
    return body["hits"]


def test_latin1_page_shows_its_accents_as_sent_and_stays_locked(client: TestClient) -> None:
    for q, expected in (("lévêque", "Compte rendu intégral de la séance du 12 décembre"),
                        ("aquatiques", "Le projet de loi sur l'eau et les milieux aquatiques")):
        (hit,) = _hits(client, q)
        r = client.get(f"/api/documents/{hit['id']}/html")
        assert r.status_code == 200 and r.headers["content-type"] == "text/html; charset=utf-8"
        assert expected in r.text and "\ufffd" not in r.text and "Assembl\ufffd" not in r.text
        assert "default-src 'none'" in r.headers["content-security-policy"]
        body = r.text.split("<body>", 1)[1].lower()
        for bad in ("<script", "onclick", "<iframe", "127.0.0.2"):
            assert bad not in body, bad
    (hit,) = _hits(client, "lévêque")
    assert BLOCKED_IMAGE in client.get(f"/api/documents/{hit['id']}/html").text


def test_site_menu_is_out_of_search_and_snippets(client: TestClient) -> None:
    hits = _hits(client, "loi de finances")
    assert [h["path"].rsplit("/", 1)[-1] for h in hits] == ["budget.asp"]
    snippet_text = " ".join(s["text"] for s in hits[0]["snippets"])
    assert MENU_LINE not in snippet_text and "projet de loi de finances pour 2007" in snippet_text
    assert len(_hits(client, 'full:"lois de finances"')) == len(PAGES)


def test_text_file_with_a_control_byte_is_searchable(client: TestClient) -> None:
    (hit,) = _hits(client, "barrage")
    assert hit["path"].endswith("notes.txt") and hit["kind"] == "text"
    assert re.search(r"élus", " ".join(s["text"] for s in hit["snippets"]))
