"""Take the screenshots of docs/screenshots from the demo project (not a test; run by hand):

    .venv/bin/python tests/web/screenshots.py [DEMO_DIR]

It builds and ingests the demo in DEMO_DIR (a temporary folder by default), serves it on a
free loopback port and photographs each page in headless Chromium.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from playwright.sync_api import sync_playwright

from faisceau import settings as settings_mod
from faisceau.fixtures import build_demo, demo_password
from faisceau.pipeline.orchestrator import Ingest
from faisceau.store.project import Project
from faisceau.web import Workbench
from faisceau.web.server import Background

OUT = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]


def main(base: Path) -> None:
    leak, root = base / "leak", base / "project"
    if not (root / "project.json").is_file():
        build_demo(leak)
        proj = Project.open(root, create=True)
        Ingest(proj, settings_mod.load(proj.root), workers=2, passwords=[demo_password()]).run([leak])
    srv = Background(Workbench.open(root))
    OUT.mkdir(parents=True, exist_ok=True)
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)
            page = browser.new_page(viewport={"width": 1400, "height": 900}, locale="en-GB")
            shots = [("search", "/search?q=cam%C3%A9ras+OR+badge&include=kind%3Demail")]
            page.goto(srv.url + "/api/search?q=optivue&include=kind%3Demail")
            first = page.evaluate("() => JSON.parse(document.body.innerText).hits[0].id")
            shots += [("email", f"/documents/{first}?q=optivue"), ("graph", "/graph"), ("status", "/status")]
            page.goto(srv.url + "/api/search?q=vigie&include=kind%3Dpdf")
            pdf = page.evaluate("() => JSON.parse(document.body.innerText).hits[0].id")
            shots.append(("pdf", f"/documents/{pdf}?q=vigie"))
            page.goto(srv.url + "/api/entities?type=person&limit=1")
            person = page.evaluate("() => JSON.parse(document.body.innerText).entities[0].id")
            page.goto(srv.url + "/api/timeline?limit=0")
            year = page.evaluate("() => JSON.parse(document.body.innerText).buckets.sort((a, b) => b.count - a.count)[0].key")
            shots += [("entities", "/entities"), ("entity", f"/entities/{person}"), ("timeline", f"/timeline?at={year}")]
            page.goto(srv.url + "/api/search?q=vigie+bilan&include=kind%3Dpdf")
            report = page.evaluate("() => JSON.parse(document.body.innerText).hits[0].id")
            shots.append(("highlights", f"/documents/{report}"))
            for name, path in shots:
                page.goto(srv.url + path)
                page.wait_for_selector("body[data-ready=true]")
                page.wait_for_load_state("networkidle")
                if name == "highlights":
                    page.locator("pre.text").first.scroll_into_view_if_needed()
                page.screenshot(path=str(OUT / f"{name}.png"))
                print(OUT / f"{name}.png")
            browser.close()
    finally:
        srv.stop()


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else Path(tempfile.mkdtemp(prefix="faisceau-shots-")))
