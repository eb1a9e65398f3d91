"""The redaction review page in headless system Chromium: boxes on the page images, accept one, reject
all of a kind, draw a box, select a passage of the text and redact it; and its API's refusals through
the test client."""

from __future__ import annotations

import subprocess
import sys
import warnings
from collections.abc import Iterator
from email.message import EmailMessage
from pathlib import Path

import pytest
from browserkit import browser, page, ready  # noqa: F401 (fixtures)
from fpdf import FPDF

from faisceau.web import Workbench, create_app
from faisceau.web.server import Background

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

pytestmark = pytest.mark.slow
NAME = "Zoé Martin"
STREET = "rue des Lilas"  # proposed by nothing: only a reviewer's selection hides it


def cli(*args: str | Path) -> str:
    r = subprocess.run([sys.executable, "-m", "faisceau", *map(str, args)], capture_output=True, text=True,
                       timeout=900)
    assert r.returncode == 0, r.stderr[-3000:]
    return r.stdout


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    base = tmp_path_factory.mktemp("redact-web")
    leak = base / "leak"
    leak.mkdir()
    pdf = FPDF(format="A4")
    pdf.set_font("Helvetica", size=12)
    pdf.add_page()
    for line in ["Rapport d'enquête", f"Témoin : {NAME}, joignable au 01 45 24 80 61.", f"Domicile : 12 {STREET}.",
                 f"Signé : {NAME}."]:
        pdf.cell(0, 10, line, new_x="LMARGIN", new_y="NEXT")
    pdf.output(str(leak / "rapport.pdf"))
    msg = EmailMessage()
    msg["From"] = f"{NAME} <zoe.martin@example.org>"
    msg["To"] = "redaction@example.net"
    msg["Subject"] = "Rapport"
    msg.set_content("Voici le rapport.\n")
    (leak / "mail.eml").write_bytes(bytes(msg))
    proj = base / "project"
    cli("ingest", leak, "--project", proj)
    cli("tag", "add", "publish", "--query", "martin", "--project", proj)
    cli("redact", "propose", "--tag", "publish", "--terms", NAME, "--identifiers", "phone,email", "--project", proj)
    return proj


@pytest.fixture(scope="module")
def server(project: Path) -> Iterator[Background]:
    srv = Background(Workbench.open(project))
    yield srv
    srv.stop()


def _pdf_id(project: Path) -> str:
    import json

    rows = [json.loads(x) for x in cli("documents", "--project", project, "--json").splitlines()]
    return next(r["id"] for r in rows if r["path"] == "rapport.pdf")


def test_review_accept_reject_kind_and_draw(page: object, server: Background, project: Path) -> None:
    pg = page
    doc = _pdf_id(project)
    pg.goto(f"{server.url}/redact/{doc}")  # type: ignore[attr-defined]
    ready(pg)
    rows = pg.locator("#proposals tbody tr")
    assert rows.count() == 3  # the name twice, the phone once
    assert pg.locator(".redact-box.proposed").count() == 3
    assert sorted(pg.locator("#proposals td.kind").all_inner_texts()) == ["phone", "term", "term"]

    first = pg.locator('#proposals tr[data-kind="term"]').nth(0)
    first_id = first.get_attribute("data-id")
    pg.select_option("#ground", "source")
    first.locator("button.accept").click()
    pg.wait_for_selector(f'#proposals tr.accepted[data-id="{first_id}"]')
    assert "accepted (source)" in pg.locator(f'#proposals tr[data-id="{first_id}"] td.status').inner_text()
    assert pg.locator(f'.redact-box.accepted[data-id="{first_id}"]').count() == 1

    pg.locator('.kind-actions[data-kind="phone"] button.reject-kind').click()
    pg.wait_for_selector('#proposals tr.rejected[data-kind="phone"]')
    assert pg.locator('.kind-actions[data-kind="phone"]').count() == 0  # nothing of that kind left to decide

    holder = pg.locator('.redact-page[data-page="1"]')
    holder.scroll_into_view_if_needed()
    box = holder.bounding_box()
    x, y = box["x"] + box["width"] * 0.5, box["y"] + box["height"] * 0.3
    pg.mouse.move(x, y)
    pg.mouse.down()
    pg.mouse.move(x + box["width"] * 0.2, y + box["height"] * 0.05, steps=5)
    pg.mouse.up()
    pg.wait_for_selector('#proposals tr.accepted[data-kind="box"]')

    with TestClient(create_app(Workbench.open(project)), base_url="http://127.0.0.1:8000") as c:
        data = c.get(f"/api/redact/{doc}").json()
        drawn = [r for r in data["redactions"] if r["kind"] == "box"]
        assert len(drawn) == 1 and drawn[0]["ground"] == "source" and drawn[0]["page"] == 1
        w, h = data["pages"][0]
        x0, y0, x1, y1 = drawn[0]["boxes"][0]
        assert abs(x0 - 0.5 * w) < 3 and abs(y0 - 0.3 * h) < 3 and abs(x1 - 0.7 * w) < 3 and abs(y1 - 0.35 * h) < 3
        assert {r["status"] for r in data["redactions"] if r["kind"] == "phone"} == {"rejected"}
        # the API refuses an accept without a known ground and a request from another origin
        bad = c.post(f"/api/redact/{doc}/decide", json={"status": "accepted", "ids": [1], "ground": "nope"},
                     headers={"Origin": "http://127.0.0.1:8000"})
        assert bad.status_code == 400 and "choose a ground" in bad.json()["error"]
        foreign = c.post(f"/api/redact/{doc}/decide", json={"status": "rejected", "ids": [1]},
                         headers={"Origin": "http://evil.example"})
        assert foreign.status_code == 403
    # what the page decided is what apply burns: the accepted boxes, the drawn one included
    out = project.parent / "out"
    cli("redact", "apply", "--tag", "publish", "--project", project, "-o", out)
    log = (out / "redaction-log.csv").read_text("utf-8").splitlines()
    assert sum(",box," in line for line in log) == 1 and sum(",term," in line for line in log) == 1


def test_select_a_text_span_and_redact_it(page: object, server: Background, project: Path) -> None:
    """A passage selected in the document's text is accepted wherever the pages show it, then burned in by
    apply and proved gone by verify (which finds it in the unredacted rendering)."""
    pg = page
    doc = _pdf_id(project)
    pg.goto(f"{server.url}/redact/{doc}")  # type: ignore[attr-defined]
    ready(pg)
    assert STREET in pg.locator("#doc-text").inner_text()
    pg.select_option("#ground", "third-party")
    # select part of the street as a reader's drag would ("ue des Lil"): the server widens it to whole words
    pg.evaluate("""(part) => {
        const node = document.getElementById("doc-text").firstChild;
        const at = node.data.indexOf(part);
        const range = document.createRange();
        range.setStart(node, at);
        range.setEnd(node, at + part.length);
        const sel = window.getSelection();
        sel.removeAllRanges();
        sel.addRange(range);
    }""", STREET[1:-2])
    pg.click("#redact-span")
    row = pg.locator('#proposals tr.accepted[data-kind="span"]')
    row.wait_for()
    assert row.locator("td.text").inner_text() == STREET
    assert "accepted (third-party)" in row.locator("td.status").inner_text()
    span_id = row.get_attribute("data-id")
    assert pg.locator(f'.redact-box.accepted[data-id="{span_id}"]').count() == 1

    with TestClient(create_app(Workbench.open(project)), base_url="http://127.0.0.1:8000") as c:
        origin = {"Origin": "http://127.0.0.1:8000"}
        text = c.get(f"/redact/{doc}").text
        assert STREET in text
        # the name selected once in the text is accepted at every place the pages show it (the proposals'
        # rows: same string, same key), so verify can prove it gone
        body = pg.evaluate("() => JSON.parse(document.getElementById('doc-text').dataset.text)")
        at = body.index(NAME)
        r = c.post(f"/api/redact/{doc}/spans", json={"start": at, "end": at + len(NAME), "ground": "source"},
                   headers=origin)
        assert r.status_code == 200, r.text
        data = r.json()
        assert data["text"] == NAME and data["occurrences"] == 2
        names = [x for x in data["redactions"] if x["text"] == NAME]
        assert len(names) == 2 and {x["status"] for x in names} == {"accepted"} and {x["kind"] for x in names} == {"term"}
        refused = c.post(f"/api/redact/{doc}/spans", json={"start": at, "end": at + 3, "ground": "nope"}, headers=origin)
        assert refused.status_code == 400 and "choose a ground" in refused.json()["error"]
        outside = c.post(f"/api/redact/{doc}/spans", json={"start": 0, "end": len(body) + 5, "ground": "source"},
                         headers=origin)
        assert outside.status_code == 400
        blank = body.index(" : ")
        spaces = c.post(f"/api/redact/{doc}/spans", json={"start": blank, "end": blank + 3, "ground": "source"},
                        headers=origin)
        assert spaces.status_code == 400 and "nothing to redact" in spaces.json()["error"]

    out = project.parent / "out-span"
    cli("redact", "apply", "--tag", "publish", "--project", project, "-o", out)
    burned = [p for p in out.glob("*.pdf") if "rapport" in p.name]
    assert len(burned) == 1
    import fitz

    with fitz.open(burned[0]) as pdf:
        shown = "".join(p.get_text() for p in pdf)
    assert "Lilas" not in shown and "Martin" not in shown and "Domicile" in shown
    # verify proves it on the output, and finds it in the unredacted rendering of the same document
    cli("redact", "verify", out, "--strings", STREET, "--strings", NAME)
    sha = Workbench.open(project).store().document(doc)["sha256"]
    rendering = project / "redact" / "rendered" / f"{sha}.pdf"
    assert rendering.is_file()
    naive = subprocess.run([sys.executable, "-m", "faisceau", "redact", "verify", str(rendering), "--strings", STREET],
                           capture_output=True, text=True, timeout=600)
    assert naive.returncode != 0
